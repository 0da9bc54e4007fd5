"""Indexing speed on a real document folder: Debian's python3.11-doc reST sources.

Prints files/s, chunks/s, and the ratio of total index wall time to the time the embedding
model alone needs for the same chunks (target <= 1.15: reading, parsing, chunking and storing
hide behind embedding), and peak RSS at two folder sizes (target: flat as the folder grows).

    .venv/bin/python bench/ingest.py [--files 40] [--sizes 1,2]

Each size runs in a fresh child process with a temp LOCALRAG_HOME. Installs python3.11-doc
with apt-get when it is missing (never commit the documents).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = Path("/usr/share/doc/python3.11/html/_sources")

CHILD = r"""
import json, os, sys, time, resource
from localrag.core import Localrag
folder = sys.argv[1]
app = Localrag()
app.models.embedder  # load the model first: model loading is not indexing
t = time.perf_counter()
app.index.add([folder])
stats = app.index.update()
wall = time.perf_counter() - t
texts = [h + "\n" + x if h else x for h, x in app.store.db.execute(
    "SELECT c.heading, c.text FROM chunks c JOIN embeddings e ON e.hash = c.hash GROUP BY c.hash")]
emb = app.models.embedder
t = time.perf_counter()
for i in range(0, len(texts), 256):
    emb.embed(texts[i:i + 256])
embed_only = time.perf_counter() - t
print(json.dumps({"files": stats.added, "failed": stats.failed, "chunks": stats.chunks_embedded, "wall": wall,
                  "embed_in_pipeline": stats.embed_seconds, "embed_only": embed_only,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def ensure_docs() -> None:
    if SRC.exists():
        return
    subprocess.run(["apt-get", "install", "-y", "-qq", "python3.11-doc"], check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=40, help="files in the smallest folder")
    ap.add_argument("--sizes", default="1,2", help="multiples of --files to run")
    args = ap.parse_args()
    ensure_docs()
    files = sorted(p for p in SRC.rglob("*.rst.txt") if p.stat().st_size > 2000)
    rows = []
    for mult in [int(x) for x in args.sizes.split(",")]:
        n = args.files * mult
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "docs"
            for p in files[:n]:
                dst = folder / p.relative_to(SRC)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(p, dst)
            env = dict(os.environ, LOCALRAG_HOME=str(Path(tmp) / "home"))
            out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], env=env, capture_output=True,
                                 text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(r)
            print(f"{r['files']:4d} files {r['chunks']:6d} chunks | wall {r['wall']:7.1f}s | "
                  f"{r['files'] / r['wall']:5.2f} files/s {r['chunks'] / r['wall']:5.1f} chunks/s | "
                  f"embedding alone {r['embed_only']:6.1f}s -> ratio {r['wall'] / r['embed_only']:.3f} | "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    notes = []
    if len(rows) > 1:
        growth = (f"peak RSS growth from {rows[0]['chunks']} to {rows[-1]['chunks']} chunks: "
                  f"{rows[-1]['peak_rss_mb'] / rows[0]['peak_rss_mb']:.2f}x (target: flat)")
        print(growth)
        notes.append(growth)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from figures import write_figures

    write_figures("ingest", "Indexing speed and memory (python3.11-doc reST sources)",
                  ["files", "chunks", "wall s", "files/s", "chunks/s", "embedding alone s", "ratio (target <= 1.15)",
                   "peak RSS MB"],
                  [[r["files"], r["chunks"], f"{r['wall']:.1f}", f"{r['files'] / r['wall']:.2f}",
                    f"{r['chunks'] / r['wall']:.1f}", f"{r['embed_only']:.1f}", f"{r['wall'] / r['embed_only']:.3f}",
                    f"{r['peak_rss_mb']:.0f}"] for r in rows],
                  notes, command=f"bench/ingest.py --files {args.files} --sizes {args.sizes}")


if __name__ == "__main__":
    main()
