"""How long a summary takes, and how much memory, for a short file, a 100-page PDF and a
500-page one; and how good summaries are on the shared SQuAD articles.

    .venv/bin/python bench/summaries.py [--index-dir DIR] [--runs N] [--no-squad]

The long PDFs are the first 100 and 500 pages of the C++ Annotations (Debian's
``c++-annotations-pdf``, installed with apt-get when missing; never commit them). Each summary
is timed twice: warm (in this process, models loaded, as in the TUI or the MCP server) and one-shot
(``localrag summarize PATH`` as a new process: start-up and model loading included), with the
one-shot process's peak memory. A summary reads the index's chunks and vectors, so a long
document is not embedded again; only the sentences of its candidate chunks are.

Then `localrag eval --squad ... --summaries`: question coverage of each article's summary
(asked by file name and with the file as scope) against the article's first words.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "datasets" / "squad-train10" / "train-v2.0-10-articles.json"
CPP = Path("/usr/share/doc/c++-annotations/cplusplus.pdf")


def cpp_pdf() -> Path:
    if not CPP.exists():
        subprocess.run(["apt-get", "install", "-y", "-qq", "c++-annotations-pdf"], check=True,
                       stdout=subprocess.DEVNULL)
    return CPP


def first_pages(src: Path, n: int, out: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    if out.exists():
        return out
    reader, writer = PdfReader(src), PdfWriter()
    for page in reader.pages[:n]:
        writer.add_page(page)
    with open(out, "wb") as f:
        writer.write(f)
    return out


def one_shot(home: Path, path: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of `localrag summarize PATH` as a new process."""
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "localrag", "summarize", str(path), "--json"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"localrag summarize {path} failed: {p.stderr.read().decode()[-400:] if p.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", help="keep the index (and the cut PDFs) here between runs")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-squad", action="store_true")
    args = ap.parse_args()
    root = Path(args.index_dir or tempfile.mkdtemp(prefix="localrag-bench-sum-")).resolve()
    docs, home = root / "docs", root / "home"
    docs.mkdir(parents=True, exist_ok=True)
    home.mkdir(exist_ok=True)
    from localrag.config import Paths, Settings, get_paths
    from localrag.core import Localrag

    user_models = get_paths().models_dir
    if not (home / "models").exists():
        (home / "models").symlink_to(user_models, target_is_directory=True)
    short = docs / "espresso-machine-manual.pdf"
    shutil.copy(ROOT / "assets" / "sample-docs" / short.name, short)
    cpp = cpp_pdf()
    files = [("short file (3 pages)", short), ("100-page PDF", first_pages(cpp, 100, docs / "cpp-100.pdf")),
             ("500-page PDF", first_pages(cpp, 500, docs / "cpp-500.pdf"))]
    app = Localrag(Paths(home, home), Settings())
    if not app.index.folders():
        app.index.add([str(docs)])
    t = time.perf_counter()
    st = app.index.update()
    print(f"indexed {st.added + st.updated} files ({app.index.overview()['chunks']} chunks) in {time.perf_counter() - t:.0f} s")
    app.resident.keep_vectors_in_memory()
    app.library.summarize([str(short)])  # loads the models: warm from here on
    print(f"{'document':<22}{'chunks':>7}{'warm p50 s':>12}{'one-shot s':>12}{'one-shot MB':>13}{'quotes':>8}{'words':>7}")
    for label, path in files:
        n = len(app.store.chunks.outline(str(path)))
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            ans = app.library.summarize([str(path)])
            times.append(time.perf_counter() - t)
        wall, mb = one_shot(home, path)
        words = sum(len(q.text.split()) for q in ans.evidence)
        print(f"{label:<22}{n:>7}{statistics.median(times):>12.2f}{wall:>12.2f}{mb:>13.0f}{len(ans.evidence):>8}{words:>7}")
    app.close()
    if args.no_squad:
        return
    print("\nSQuAD articles (localrag eval --squad ... --summaries):")
    squad_dir = root / "squad"
    subprocess.run([sys.executable, "-m", "localrag", "eval", "--squad", str(SQUAD), "--summaries", "--index-dir",
                    str(squad_dir)], check=True)


if __name__ == "__main__":
    main()
