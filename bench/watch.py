"""Watcher speed: save-to-searchable latency, and reconcile time of an unchanged 10,000-file folder.

    .venv/bin/python bench/watch.py [--saves 20] [--files 10000]

Targets: latency p50 under 1.5 s and p95 under 3 s for a one-page text file (debounce and
embedding included); reconcile under 5 s (no file whose size and mtime are unchanged is read).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

WORDS = ("the quick brown fox jumps over the lazy dog while seven wizards quietly hex "
         "a jovial knight near the old stone bridge by the river").split()


def page(token: str, seed: int) -> str:
    words = [WORDS[(seed * 7 + i * 13) % len(WORDS)] for i in range(450)]
    words[len(words) // 2] = token
    lines = [" ".join(words[i:i + 15]) for i in range(0, len(words), 15)]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--saves", type=int, default=20)
    ap.add_argument("--files", type=int, default=10000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="localrag-bench-watch-"))
    os.environ["LOCALRAG_HOME"] = str(tmp / "home")
    from localrag.core import Localrag
    from localrag.indexing.watch import Watcher

    folder = tmp / "notes"
    folder.mkdir()
    (folder / "seed.txt").write_text(page("seedtoken", 0))
    app = Localrag()
    app.index.add([str(folder)])
    app.index.update()
    w = Watcher(app.index, debounce=0.3)
    w.start()
    w.ready.wait()
    lat = []
    for i in range(args.saves):
        token = f"zqx{i}marker"
        t = time.perf_counter()
        (folder / f"note{i}.txt").write_text(page(token, i))
        while not app.library.search(token, k=1, mode="keyword"):
            time.sleep(0.01)
        lat.append(time.perf_counter() - t)
        time.sleep(0.2)
    w.stop()
    lat.sort()
    p95 = lat[int(0.95 * (len(lat) - 1))]
    print(f"save-to-searchable, one-page file ({args.saves} saves): p50 {statistics.median(lat):.2f}s  "
          f"p95 {p95:.2f}s  max {lat[-1]:.2f}s")

    big = tmp / "big"
    for i in range(args.files):
        d = big / f"d{i // 500:03}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i:05}.txt").write_text(f"Note {i % 50}: {' '.join(WORDS[i % 50 % len(WORDS):])}\n")
    app.index.add([str(big)])
    t = time.perf_counter()
    s = app.index.update(only=[str(big)])
    print(f"first index of {args.files} small files: {time.perf_counter() - t:.1f}s ({s.added} added, "
          f"{s.chunks_embedded} distinct chunks embedded)")
    times = []
    for _ in range(3):
        t = time.perf_counter()
        s = app.index.update(only=[str(big)])
        times.append(time.perf_counter() - t)
        assert s.unchanged == args.files and s.chunks_embedded == 0
    print(f"reconcile of {args.files} unchanged files: best {min(times):.2f}s, median {statistics.median(times):.2f}s")
    app.close()


if __name__ == "__main__":
    main()
