"""One-shot commands with and without `localrag serve`, on the same index in one run.

    .venv/bin/python bench/service.py [--runs N] [--search-home DIR] [--queries-from TREC_DIR] [--client PYTHON]

On a fresh index of the sample documents: `localrag ask` and `localrag search` wall time as a
user runs them (a new process each), first with `--local` (in-process: start-up, imports and
model loading every time), then through a running service (warm; six questions each asked for
the first time, then again); a file saved in the folder
until `localrag search` finds it with no TUI open; the service's memory idle with both models
loaded, and after the idle unload. ``--search-home`` also times `search` on another index
(e.g. an index of the Vaswani collection made by `localrag eval --trec DIR --index-dir D`: D/home,
or a 100k or 1M-chunk one by `bench/query.py --home`), with ``--queries-from`` as its searches
(a collection's topics or the lines of a file, the first twelve); its file is dropped from the
OS's page cache before its service starts, as after a restart. Through the service each
search and question is timed the first time it is asked: the service keeps recent query and
sentence vectors, so a repeat is faster than a new one. Asks start once the service is idle: it
has embedded ahead the sentences answers rank (the time that took is printed too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["How long does the descaling program run?", "What is a Python generator?",
             "Which folders are skipped when indexing?", "How long does the boiler take to warm up?",
             "How long does the warranty last?", "What happens when I edit a file?"]
WARM_UP = "What does a red blinking light mean?"  # loads the language model; not timed
SEARCHES = ["descaling program minutes", "generator function yield", "renamed moved vectors", "lambda expression",
            "warranty years purchase", "boiler too hot cool down", "embedding model reindex", "decorator wrapper"]


CLIENT = sys.executable  # the interpreter that runs the thin client (--client)


def command(python: str) -> list[str]:
    """The ``localrag`` a user runs: the console script beside ``python`` (``-m`` adds runpy)."""
    script = Path(python).with_name("localrag")
    return [str(script)] if script.exists() else [python, "-m", "localrag"]


def wall(home: Path, *args: str) -> float:
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    python = sys.executable if "--local" in args or args[0] == "add" else CLIENT
    t = time.perf_counter()
    subprocess.run([*command(python), *args], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t


def status(home: Path) -> dict:
    from localrag.service.client import request

    return request(home, {"op": "status"}) or {}


def start(home: Path, *args: str, ready: tuple[str, ...] = ("idle",)) -> subprocess.Popen:
    """A service, once it is ``ready`` (by default idle: caught up, and its sentences embedded ahead)."""
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    p = subprocess.Popen([sys.executable, "-m", "localrag", "serve", *args], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 600
    while status(home).get("doing") not in ready:
        if p.poll() is not None or time.monotonic() > end:
            raise SystemExit("the service did not start")
        time.sleep(0.1)
    return p


def drop_from_os_cache(path: Path) -> None:
    """The file's pages out of the OS's page cache (Linux), so a run does not start warm from the last."""
    if hasattr(os, "posix_fadvise") and path.exists():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def p50(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:.0f} ms" if statistics.median(xs) < 2 else f"{statistics.median(xs):.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--client", metavar="PYTHON", help="run the thin client with this interpreter: e.g. a venv with "
                    "a regular (non-editable) install, as pipx makes; an editable install's import hook adds "
                    "to every start")
    ap.add_argument("--search-home", help="also time search on this LOCALRAG_HOME's index")
    ap.add_argument("--queries-from", metavar="TREC_DIR|FILE",
                    help="the searches on --search-home: a collection's topics, or a file's lines")
    args = ap.parse_args()
    global CLIENT
    CLIENT = args.client or sys.executable
    from localrag.config import get_paths

    root = Path(tempfile.mkdtemp(prefix="localrag-bench-svc-"))
    home, folder = root / "home", root / "docs"
    home.mkdir()
    (home / "models").symlink_to(get_paths().models_dir, target_is_directory=True)
    shutil.copytree(ROOT / "assets" / "sample-docs", folder)
    wall(home, "add", str(folder))
    rows: list[tuple[str, str, str]] = []
    local_ask = [wall(home, "ask", q, "--local") for q in QUESTIONS]
    local_search = [wall(home, "search", q, "--local") for q in SEARCHES for _ in range(args.runs)]
    t = time.perf_counter()
    svc = start(home, "--idle", "0.25")
    warmed = time.perf_counter() - t
    rows.append(("service start -> idle (sentences embedded ahead)", "", f"{warmed:.1f} s"))
    try:
        wall(home, "ask", WARM_UP)
        # each question new to the service (its recent sentence vectors hold only what earlier,
        # different questions ranked), then the same questions again
        served_ask = [wall(home, "ask", q) for q in QUESTIONS]
        again_ask = [wall(home, "ask", q) for q in QUESTIONS]
        served_search = [wall(home, "search", q) for q in SEARCHES]  # each new to the service, as the asks
        rows.append(("`localrag ask` wall p50", p50(local_ask), p50(served_ask)))
        rows.append(("`localrag ask` wall p50, asked again", "", p50(again_ask)))
        rows.append(("`localrag search` wall p50 (sample docs)", p50(local_search), p50(served_search)))
        st = status(home)
        loaded = st.get("rss_mb", 0.0)
        saves = []
        for i in range(5):
            word = f"quokka{i}x"
            t = time.perf_counter()
            (folder / f"note-{i}.md").write_text(f"# Note\n\nThe {word} lives on Rottnest Island.\n", encoding="utf-8")
            while True:
                env = dict(os.environ, LOCALRAG_HOME=str(home))
                out = subprocess.run([sys.executable, "-m", "localrag", "search", word, "--mode", "keyword", "--json"],
                                     env=env, capture_output=True, text=True, check=True).stdout
                if json.loads(out)["results"]:
                    break
                if time.perf_counter() - t > 30:
                    raise SystemExit("a saved file was not found in 30 s")
            saves.append(time.perf_counter() - t)
        rows.append(("save -> found by `localrag search` p50", "(needs the TUI or watch)", p50(saves)))
        end = time.monotonic() + 60
        while status(home).get("llm_model") and time.monotonic() < end:
            time.sleep(0.5)
        time.sleep(3)  # the model is gone when status says so; the heap is handed back just after
        unloaded = status(home).get("rss_mb", 0.0)
        rows.append(("service RSS, both models loaded", "", f"{loaded:.0f} MB"))
        rows.append(("service RSS, after the idle unload", "", f"{unloaded:.0f} MB"))
    finally:
        svc.terminate()
        svc.wait(30)
    if args.search_home:
        other = Path(args.search_home).resolve()
        n = json.loads(subprocess.run([sys.executable, "-m", "localrag", "status", "--json", "--local"],
                                      env=dict(os.environ, LOCALRAG_HOME=str(other)), capture_output=True,
                                      text=True, check=True).stdout)["chunks"]
        searches = SEARCHES
        if args.queries_from:
            source = Path(args.queries_from)
            if source.is_file():
                searches = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()][:12]
            else:
                from localrag.evaluation.trec import find_trec

                searches = [q.text for q in find_trec(args.queries_from).queries()][:12]
        local = [wall(other, "search", q, "--local") for q in searches for _ in range(args.runs)]
        drop_from_os_cache(other / "index.db")  # as after a restart: what the service reads ahead it reads from disk
        t = time.perf_counter()
        svc = start(other, "--no-watch", ready=("idle", "embedding sentences ahead"))  # searches stop that work
        rows.append((f"service start -> ready ({n:,} chunks, the index read ahead)", "", f"{time.perf_counter() - t:.1f} s"))
        try:
            wall(other, "search", "warm up")
            served = [wall(other, "search", q) for q in searches]
        finally:
            svc.terminate()
            svc.wait(30)
        rows.append((f"`localrag search` wall p50 ({n:,} chunks)", p50(local), p50(served)))
    print(f"{'figure':<44}{'without the service':>26}{'with it':>12}")
    for name, a, b in rows:
        print(f"{name:<44}{a:>26}{b:>12}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
