"""How well the evidence step picks sentences, without the language model.

    .venv/bin/python bench/evidence.py [--index-dir DIR] [--limit N]

Builds (or re-uses) the shared SQuAD articles' index, retrieves the passages for every
answerable question as `ask` does, ranks their sentences with `rank.rank` and picks the
quotes with `rank.pick`, and prints, split by article (articles 1-5 / 6-10, so a change
tuned on one half is seen on the other):
- passage hit: a retrieved passage holds a gold answer (the ceiling);
- top-1 / top-3 sentence hit: a gold answer in the best / the three best sentences;
- quote hit: a gold answer in the quotes `pick` shows when the model's answer backs none
  (the evidence hit of an answer shown as a quote), and the number of quotes and words shown;
- cited hit: a passage a quote comes from holds a gold answer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "datasets" / "squad-train10" / "train-v2.0-10-articles.json"


def cached_embed(app):
    """The app's embedder, each text embedded once: passages recur across questions."""
    import numpy as np

    cache: dict[str, object] = {}

    def embed(texts):
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            for t, v in zip(todo, app.models.embedder.embed(todo)):
                cache[t] = v
        return np.stack([cache[t] for t in texts])

    return embed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default=str(Path(tempfile.gettempdir()) / "localrag-bench-squad"))
    ap.add_argument("--limit", type=int, default=0, help="answerable questions per half (0: all)")
    args = ap.parse_args()

    from localrag.answering import rank
    from localrag.answering.rank import PASSAGES
    from localrag.config import Settings, get_paths
    from localrag.evaluation.collections import squad_collection
    from localrag.evaluation.squad import contains, sample

    paths = get_paths()
    with squad_collection(str(SQUAD), Settings.load(paths), paths, args.index_dir) as (app, data):
        app.resident.keep_vectors_in_memory()
        titles = [t for t, _ in data.articles]
        halves = {"articles 1-5": set(titles[:5]), "articles 6-10": set(titles[5:])}
        embed = cached_embed(app)

        for name, arts in halves.items():
            qs = [q for q in data.questions if q.answers and q.article in arts]
            qs = sample(qs, args.limit or None, 0)
            n = len(qs)
            c = {"passage": 0, "top1": 0, "top3": 0, "quote": 0, "cited": 0}
            quotes, words = [], []
            for qa in qs:
                results = app.library.search(qa.question, PASSAGES)
                ranked = rank.rank(qa.question, results, embed)
                shown = rank.pick(ranked)
                c["passage"] += any(contains(r.text, qa.answers) for r in results)
                c["top1"] += any(contains(s.text, qa.answers) for s in ranked[:1])
                c["top3"] += any(contains(s.text, qa.answers) for s in ranked[:3])
                c["quote"] += any(contains(s.text, qa.answers) for s in shown)
                c["cited"] += any(contains(s.result.text, qa.answers) for s in shown)
                quotes.append(len(shown))
                words.append(sum(s.words for s in shown))
            print(f"{name}: {n} answerable questions")
            print("  " + "  ".join(f"{k} hit {v / n:.3f}" for k, v in c.items()))
            print(f"  quotes shown: mean {statistics.mean(quotes):.2f}; words: median {statistics.median(words)}, "
                  f"max {max(words)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
