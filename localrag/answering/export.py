"""A conversation as a file a person can share or keep: Markdown to read, JSON to process.
Every answer keeps its quotes and their sources (file, page, lines), so the export can be checked
against the files without localrag."""

from __future__ import annotations

import json
import os
import tempfile
import time

from localrag.errors import LocalragError
from localrag.search.retrieve import page_word


def source_location(s: dict) -> str:
    """``path, page 2, lines 5-6`` / ``path, lines 12-13`` / ``path``."""
    parts = [str(s.get("path", "?"))]
    if s.get("page") is not None:
        parts.append(f"{page_word(str(s.get('path', '')))} {s['page']}")
    if s.get("start_line") is not None:
        end = s.get("end_line") if s.get("end_line") is not None else s["start_line"]
        parts.append(f"lines {s['start_line']}-{end}" if end != s["start_line"] else f"line {s['start_line']}")
    return ", ".join(parts)


def when(t: float) -> str:
    """A timestamp as people read it, in local time: conversation lists, exports, tune status."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def _quote_block(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip().splitlines())


def to_markdown(conv: dict) -> str:
    out = [f"# {conv['title']}", "",
           f"*localrag conversation {conv['id']}, {when(conv['created_at'])} to {when(conv['updated_at'])}*", ""]
    for m in conv["messages"]:
        out += [f"## {m['question']}", ""]
        if m.get("scope"):
            sc = m["scope"]
            out += [f"*Asked in: {', '.join([*sc.get('in', []), *('*.' + t for t in sc.get('types', []))])}*", ""]
        out += [m["answer"].strip() or "(no answer)", ""]
        if m.get("unsupported"):
            out += ["*Not backed by the quotes, so not shown as fact:* " + "; ".join(m["unsupported"]), ""]
        quotes = [s for s in m["sources"] if s.get("cited")]
        if quotes:
            out += ["**Evidence** (verbatim from the files):", ""]
            for s in quotes:
                out += [f"{s.get('n', '-')}. `{source_location(s)}`", "", _quote_block(s.get("quote") or s.get("text", "")), ""]
        elif m["sources"]:
            out += ["**Nearest passages** (not relevant enough to answer from):", ""]
            out += [f"- `{source_location(s)}`" for s in m["sources"]] + [""]
    return "\n".join(out).rstrip() + "\n"


def to_json(conv: dict) -> str:
    return json.dumps(conv, indent=2, ensure_ascii=False) + "\n"


def render(conv: dict, fmt: str) -> str:
    if fmt not in ("md", "json"):
        raise LocalragError(f"unknown export format {fmt!r}: use md or json")
    return to_json(conv) if fmt == "json" else to_markdown(conv)


def format_for(path: str | None) -> str:
    """The format a file name asks for: JSON for ``.json``, Markdown otherwise."""
    return "json" if path and path.lower().endswith(".json") else "md"


def write_atomic(path: str, text: str) -> str:
    """Whole or not at all: a full disk or a killed process never leaves half a file. Returns
    the absolute path written."""
    target = os.path.abspath(os.path.expanduser(path))
    if os.path.isdir(target):
        raise LocalragError(f"{path} is a folder: give a file name")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise LocalragError(f"no such folder: {folder}")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".localrag-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target
