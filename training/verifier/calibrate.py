"""Score the held-out pairs with the shipped int8 copy (as localrag runs it) and set its threshold:
the highest at which the verifier still passes ``--keep`` of the gold sentences.

    .venv/bin/python training/verifier/calibrate.py --pairs DIR --model models/verifier [--keep 0.95] [--write]

Prints the curve (at each threshold: unanswerable questions declined, answerable ones wrongly
declined, hard negatives passed), the verifier alone and with today's lexical check as a floor,
and the AUCs; ``--write`` puts the threshold and the files' sha256 into ``verifier.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from train import auc, curve, load, text_b  # noqa: E402  (beside this script)

THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", required=True, help="pairs.py's folder (its held-out.jsonl)")
    ap.add_argument("--model", required=True, help="the folder with model.onnx, tokenizer.json and verifier.json")
    ap.add_argument("--keep", type=float, default=0.95, help="share of gold sentences the threshold must pass")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--write", action="store_true", help="write the threshold and sha256 into verifier.json")
    args = ap.parse_args(argv)

    from localrag.models.verifier import Verifier

    folder = Path(args.model)
    card = folder / "verifier.json"
    if not card.exists():
        card.write_text(json.dumps({"threshold": 0.5, "max_length": args.max_length, "sha256": {}}), encoding="utf-8")
    v = Verifier(folder)
    held = load(Path(args.pairs) / "held-out.jsonl")
    by_q: dict[str, list[int]] = {}
    for i, p in enumerate(held):
        by_q.setdefault(p["question"], []).append(i)
    scores = [0.0] * len(held)
    for question, idx in by_q.items():
        for i, s in zip(idx, v.scores(question, [text_b(held[i]) for i in idx])):
            scores[i] = float(s)
    labels = [int(p["label"]) for p in held]
    gold = sorted(s for s, p in zip(scores, held) if p["kind"] == "gold")
    threshold = gold[int((1 - args.keep) * len(gold))] if gold else 0.5
    floor = [s * float(p["baseline"]) for s, p in zip(scores, held)]

    def kind_auc(name: str, values: list[float]) -> float:
        keep = [i for i, p in enumerate(held) if p["kind"] in ("gold", name)]
        return round(auc([values[i] for i in keep], [labels[i] for i in keep]), 4)

    report = {"held_out_pairs": len(held), "auc": round(auc(scores, labels), 4),
              "baseline_auc": round(auc([float(p["baseline"]) for p in held], labels), 4),
              "plausible_auc": kind_auc("plausible", scores), "swap_auc": kind_auc("swap", scores),
              "baseline_plausible_auc": kind_auc("plausible", [float(p["baseline"]) for p in held]),
              "baseline_swap_auc": kind_auc("swap", [float(p["baseline"]) for p in held]),
              "threshold": round(threshold, 4), "keep": args.keep,
              "at_threshold_alone": curve(held, scores, [threshold])[0],
              "at_threshold_with_floor": curve(held, floor, [threshold])[0],
              "baseline": curve(held, [float(p["baseline"]) for p in held], [0.5])[0],
              "curve_with_floor": curve(held, floor, THRESHOLDS)}
    print(json.dumps(report, indent=2))
    if args.write:
        digests = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("model.onnx", "tokenizer.json")}
        card.write_text(json.dumps({"threshold": round(threshold, 4), "max_length": args.max_length, "sha256": digests},
                                   indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
