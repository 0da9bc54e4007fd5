"""A big folder is searchable by keywords long before its vectors exist: on 10,000 files of
real text (Vaswani's abstracts, one file each), the time from `add` to the first keyword hit
and to every file searchable, the keyword-only indexing rate (files/s, MB/s), and the
embedding rate of the meaning phase that follows (run for --embed-seconds, then stopped as
Ctrl-C would: what was embedded is kept).

    .venv/bin/python bench/keywords_first.py [--trec ../shared/datasets/vaswani] [--files 10000]

Targets (issue 15): first keyword hit <= 60 s after `localrag add`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from localrag.config import Paths, Settings
from localrag.core import Localrag
from localrag.evaluation.trec import find_trec, write_trec_docs
from localrag.indexing.indexer import Progress
from localrag.store import Store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trec", default=str(Path(__file__).resolve().parents[2] / "shared/datasets/vaswani"))
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--embed-seconds", type=float, default=60)
    args = ap.parse_args()
    col = find_trec(args.trec)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        keep = {no for no, _ in zip((no for no, _ in col.docs()), range(args.files))}
        n = write_trec_docs(col, folder, keep)
        mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        home = Path(tmp) / "home"
        home.mkdir()
        models = Path(os.environ.get("LOCALRAG_MODELS", Path.home() / ".local/share/localrag/models"))
        if models.exists():
            (home / "models").symlink_to(models)
        app = Localrag(Paths(home, home), Settings())
        app.models.embedder  # noqa: B018 - model loading is not indexing
        marks: dict[str, float] = {}
        done = threading.Event()

        def poll() -> None:
            """Another process's view (its own connection), as `localrag search` would see it."""
            reader: Store | None = None
            while not done.is_set():
                try:
                    reader = reader or Store(app.paths.db_file, readonly=True)
                    if reader.keyword_search(["computer"], 1):
                        marks.setdefault("first_hit", time.perf_counter())
                        return
                except Exception:  # noqa: BLE001 - no index file yet
                    pass
                time.sleep(0.05)

        def progress(p: Progress) -> None:
            now = time.perf_counter()
            if p.phase == "meaning":
                marks.setdefault("keywords_done", now)
                if now - marks["keywords_done"] > args.embed_seconds:
                    raise KeyboardInterrupt  # as Ctrl-C: the windows embedded so far are kept

        t0 = time.perf_counter()
        threading.Thread(target=poll, daemon=True).start()
        app.index.add([str(folder)])
        stats = app.index.update(progress)
        done.set()
        kw = marks["keywords_done"] - t0
        print(f"{n} files, {mb:.1f} MB of real text ({app.health.status()['chunks']} chunks)")
        print(f"  first keyword hit (another connection's search): {marks.get('first_hit', float('nan')) - t0:.1f} s after add")
        print(f"  every file searchable by keywords: {kw:.1f} s after add: {n / kw:.0f} files/s, {mb / kw:.2f} MB/s")
        rate = stats.chunks_embedded / stats.embed_seconds if stats.embed_seconds else 0.0
        cov = app.health.status().coverage
        print(f"  meaning phase: {rate:.1f} chunks/s over {stats.embed_seconds:.0f} s; stopped at {cov['meaning']:.0%}"
              f" with {cov['seconds_left'] or 0:.0f} s left by the stored rate")
        print(f"  a question now: {app.library.partial_note()}")
        app.close()


if __name__ == "__main__":
    main()
