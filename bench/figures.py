"""Where bench scripts write what they measured: ``docs/figures/NAME.md``, a Markdown table with
the date and the machine it was measured on, so the docs' figures come from a run, not a hand."""

from __future__ import annotations

import datetime
import os
import platform
from collections.abc import Sequence
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "figures"


def machine() -> str:
    """The CPU, its cores and the memory: figures differ 1.5-2x between machines."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}, Python {platform.python_version()}"


def write_figures(name: str, title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                  notes: Sequence[str] = (), command: str = "") -> Path:
    """Write (replace) ``docs/figures/NAME.md`` and say where."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# {title}", "", f"Measured {when} on {machine()}" + (f", by `{command}`" if command else "") + ".", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / f"{name}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"(written to {path.relative_to(DOCS.parents[1])})")
    return path
