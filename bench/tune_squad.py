"""`localrag tune` on a second collection: the shared SQuAD articles as passage retrieval (each
paragraph a file; each answerable question's relevant file is its own paragraph).

    .venv/bin/python bench/tune_squad.py [--questions 300] [--seed 0]

Writes the collection and a queries file into a temporary LOCALRAG_HOME, indexes it with
`localrag add`, and runs `localrag tune --pairs` (the same split by query, the same rule) as a
user would, printing its table of levers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "datasets" / "squad-train10" / "train-v2.0-10-articles.json"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="localrag-tune-squad-") as tmp:
        docs = Path(tmp) / "paragraphs"
        docs.mkdir()
        pairs = []
        for a, art in enumerate(data["data"]):
            for p, para in enumerate(art["paragraphs"]):
                name = f"a{a:02d}-p{p:03d}.txt"
                (docs / name).write_text(" ".join(para["context"].split()) + "\n", encoding="utf-8")
                pairs += [{"query": qa["question"], "relevant": {name: 1}} for qa in para["qas"] if not qa.get("is_impossible")]
        random.Random(args.seed).shuffle(pairs)
        queries = Path(tmp) / "queries.jsonl"
        queries.write_text("\n".join(json.dumps(p) for p in pairs[: args.questions]) + "\n", encoding="utf-8")
        env = dict(os.environ, LOCALRAG_HOME=str(Path(tmp) / "home"))
        cli = [sys.executable, "-m", "localrag"]
        subprocess.run(cli + ["add", str(docs)], env=env, check=True, capture_output=True)
        subprocess.run(cli + ["tune", "--pairs", str(queries), "--ict", "0", "--seed", str(args.seed)], env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
