"""Parsing and chunking speed, whatever the line structure (the embedding model's real tokenizer).

    .venv/bin/python bench/chunking.py [--mb 2]

Prints MB/s for one long line (a minified file, a data dump), many short lines (a log) and
prose paragraphs, built from the same words. Target: >= 1 MB/s for each.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from localrag.indexing.chunking import chunk_blocks
from localrag.indexing.parse.registry import parse
from localrag.models.embed import Embedder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=2.0)
    args = ap.parse_args()
    rnd = random.Random(1)
    vocab = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 10))) for _ in range(5000)]
    n_words = int(args.mb * 1e6 / 7)
    words = [rnd.choice(vocab) for _ in range(n_words)]
    shapes = {
        "one long line": " ".join(words),
        "short lines (a log)": "\n".join(" ".join(words[i:i + 8]) for i in range(0, n_words, 8)),
        "prose paragraphs": "\n\n".join(" ".join(words[i:i + 120]) + "." for i in range(0, n_words, 120)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        emb = Embedder("default", Path(tmp) / "models")
        for name, text in shapes.items():
            f = Path(tmp) / "file.txt"
            f.write_text(text, encoding="utf-8")
            t = time.perf_counter()  # what indexing does to a text file before embedding: read, parse, chunk
            chunks = chunk_blocks(parse(f, "text"), emb.count_tokens, emb.info.max_tokens)
            dt = time.perf_counter() - t
            print(f"{name:<22} {len(text) / 1e6:5.2f} MB  {len(chunks):>6} chunks  {dt:6.2f} s  "
                  f"{len(text) / 1e6 / dt:5.2f} MB/s  (target >= 1 MB/s)")


if __name__ == "__main__":
    main()
