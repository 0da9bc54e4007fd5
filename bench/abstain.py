"""When to decline, and when a quote supports an answer: the trade-offs, without the model.

    .venv/bin/python bench/abstain.py [--squad FILE] [--index-dir DIR] [--limit N] [--set tests/answerset]

For the shared SQuAD articles (a seeded sample, half of it unanswerable questions) and the
project's answer set, retrieves and ranks the evidence as `ask` does and prints:
- the top sentence hit (a gold answer in the best sentence) and top-3 hit;
- the abstention curve: for each threshold on the share of the question's subject the best
  sentences hold (``MIN_ABOUT``), the share of unanswerable questions declined against the
  share of answerable ones wrongly declined (the evidence-strength rule applied as well);
- the support check's trade-off: of the best sentences holding a gold answer, the share that
  pass as "about the question", and of the unanswerable questions' best sentences, the share
  that pass (a generated answer resting on one would be shown as supported).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "datasets" / "squad-train10" / "train-v2.0-10-articles.json"
THRESHOLDS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
SUPPORT = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
LOOK = 3  # sentences checked before declining: those a model is shown


def features(app, questions) -> list[dict]:
    from evidence import cached_embed  # bench/evidence.py, beside this script

    from localrag.answering import rank
    from localrag.answering.rank import PASSAGES
    from localrag.evaluation.squad import contains

    app.resident.keep_vectors_in_memory()
    embed = cached_embed(app)
    verifier = app.models.verifier
    out = []
    for qa in questions:
        results = app.library.search(qa.question, PASSAGES)
        ranked = rank.rank(qa.question, results, embed, verifier) if results else []
        top = [{"gold": bool(qa.answers) and contains(s.text, qa.answers), "about": s.about, "missing": bool(s.missing),
                "relevance": s.relevance, "support": 1.0 if s.support is None else s.support} for s in ranked[:LOOK]]
        out.append({"answerable": bool(qa.answers), "strength": rank.strength(ranked) if ranked else -9.0,
                    "top": top})
    return out


def report(name: str, rows: list[dict], min_evidence: float) -> None:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    print(f"{name}: {len(ans)} answerable, {len(una)} unanswerable questions")
    if ans:
        print(f"  top-1 sentence hit {sum(bool(r['top']) and r['top'][0]['gold'] for r in ans) / len(ans):.3f}, "
              f"top-3 {sum(any(t['gold'] for t in r['top']) for r in ans) / len(ans):.3f}")
    print("  decline when none of the best 3 sentences is about the question (and below min_evidence):")
    print("    min_about  unanswerable declined  answerable wrongly declined  gold sentence passes")
    for th in THRESHOLDS:
        _row(th, rows, min_evidence, lambda t, th=th: not t["missing"] and t["about"] >= th)
    if not any(t["support"] < 1.0 for r in rows for t in r["top"]):
        return
    from localrag.answering.sentences import MIN_ABOUT

    print(f"  with the verifier: none of the best 3 sentences is about the question (min_about {MIN_ABOUT}) and read as answering it:")
    print("    support    unanswerable declined  answerable wrongly declined  gold sentence passes")
    for th in SUPPORT:
        _row(th, rows, min_evidence, lambda t, th=th: not t["missing"] and t["about"] >= MIN_ABOUT and t["support"] >= th)


def _row(th: float, rows: list[dict], min_evidence: float, passes) -> None:
    """One line of a curve: what is declined when a question's best sentences must pass ``passes``."""
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]

    def declined(r: dict) -> bool:
        return r["strength"] < min_evidence or not any(passes(t) for t in r["top"])

    golds = [t for r in ans for t in r["top"][:1] if t["gold"]]
    d_una = sum(map(declined, una)) / len(una) if una else 0.0
    d_ans = sum(map(declined, ans)) / len(ans) if ans else 0.0
    keep = sum(map(passes, golds)) / len(golds) if golds else 0.0
    print(f"    {th:9.2f}  {d_una:21.3f}  {d_ans:27.3f}  {keep:20.3f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", help="where the SQuAD file's index is kept and re-used (default: one per file, in the temp folder)")
    ap.add_argument("--limit", type=int, default=600, help="SQuAD questions sampled, half unanswerable (0: all)")
    ap.add_argument("--set", default=str(ROOT / "tests" / "answerset"), help="an answer set folder")
    ap.add_argument("--squad", default=str(SQUAD), help="a SQuAD 2.0 file (default: the shared training articles)")
    ap.add_argument("--verifier", choices=("on", "off"), default="on")
    args = ap.parse_args()

    from localrag.config import Settings, get_paths
    from localrag.evaluation.collections import answer_set_collection, squad_collection
    from localrag.evaluation.squad import sample

    paths = get_paths()
    settings = Settings.load(paths)
    settings.verifier = args.verifier == "on"
    index_dir = args.index_dir or str(Path(tempfile.gettempdir()) / f"localrag-bench-{Path(args.squad).stem}")
    with squad_collection(args.squad, settings, paths, index_dir) as (app, data):
        asked = sample(data.questions, args.limit or None, 0, balanced=True)  # a curve on both kinds
        report(f"SQuAD {Path(args.squad).name}", features(app, asked), settings.min_evidence)
    with answer_set_collection(args.set, settings, paths) as (app, aset):
        report(f"answer set {args.set}", features(app, aset.questions), settings.min_evidence)
    return 0


if __name__ == "__main__":
    sys.exit(main())
