"""Time from launching `localrag` (the TUI) to an interactive screen, in a real terminal (tmux).

    .venv/bin/python bench/tui_start.py [--runs 5]

Target: under 1 s on 2 cores. Models load in a worker after the first paint, so this does not
include them. Needs tmux (apt-get install tmux).
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if not shutil.which("tmux"):
        sys.exit("tmux is needed: apt-get install tmux")
    exe = Path(sys.executable).with_name("localrag")
    home = tempfile.mkdtemp(prefix="localrag-bench-tui-")
    times = []
    for i in range(args.runs):
        name = f"lrbench{os.getpid()}_{i}"
        t = time.perf_counter()
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30",
                        f"LOCALRAG_HOME={home} {exe}"], check=True)
        try:
            while time.perf_counter() - t < 30:
                screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True,
                                        text=True).stdout
                if "Ask a question" in screen:
                    times.append(time.perf_counter() - t)
                    break
                time.sleep(0.01)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", name], check=False)
        time.sleep(0.5)
    print(f"launch to interactive screen ({len(times)} runs): median {statistics.median(times):.2f}s, "
          f"max {max(times):.2f}s")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
