"""A cited passage in its file's context: the numbered lines around it, whatever the format.

Plain text, Markdown, reST, code and HTML are shown as the file's own lines. Every other
format (PDF pages, slides, EPUB chapters, notebook cells, mail) is shown as its parser sees
it, since that is what the line numbers of its chunks count: a PDF page's extracted lines,
a notebook's cells, a document's paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from localrag.indexing.parse.base import Block, ParseError, clean, decode
from localrag.indexing.parse.registry import file_kind, own_lines, parse, sandboxed
from localrag.search.retrieve import Result

CONTEXT_LINES = 12
PREVIEW_SECONDS = 30.0  # a preview's parse, at the most


@dataclass
class PassageContext:
    rows: list[tuple[int, str]]  # (line number, text), in order; one number may carry several rows
    start: int  # the cited range, in the same numbers
    end: int
    error: str | None = None  # the file cannot be read now: ``rows`` then holds the indexed text


def document_rows(path: Path, page: int | None, last_line: int | None = None) -> list[tuple[int, str]]:
    """The file's rows as its chunks number them; of a text file, only up to ``last_line``."""
    kind = file_kind(path)
    if own_lines(kind):
        numbered = list(enumerate(clean(decode(head(path, last_line))).split("\n"), start=1))
        return numbered if last_line is None else numbered[:last_line]
    rows: list[tuple[int, str]] = []
    for b in _blocks(path, kind or "text"):
        if page is not None and b.page != page:
            continue
        lines = b.text.split("\n")
        if b.start_line is None:
            continue
        if b.end_line is not None and b.end_line - b.start_line + 1 == len(lines):
            rows.extend((b.start_line + i, line) for i, line in enumerate(lines))  # one row a line (PDF)
        else:
            rows.extend((b.start_line, line) for line in lines)  # a numbered block (cell, paragraph)
    return sorted(rows, key=lambda r: r[0])


def head(path: Path, last_line: int | None) -> bytes:
    """A text file's bytes up to the end of line ``last_line`` (the whole file when None, or when
    its encoding does not end lines with a b"\\n" byte): a preview reads what it shows, not a
    whole log file to show its first lines."""
    with path.open("rb") as f:
        if last_line is None or f.read(4)[:2] in (b"\xff\xfe", b"\xfe\xff", b"\x00\x00"):
            f.seek(0)
            return f.read()
        f.seek(0)
        lines = []
        for _ in range(last_line):
            line = f.readline()
            if not line:
                break
            lines.append(line)
        return b"".join(lines)


def _blocks(path: Path, kind: str) -> list[Block]:
    """A third-party parser runs in the sandbox, as at indexing: a file that makes it loop or
    balloon is stopped there, not in the app."""
    if not sandboxed(kind):
        return parse(path, kind)
    from localrag.indexing.parse.sandbox import ParserWorker

    worker = ParserWorker(seconds=PREVIEW_SECONDS)
    try:
        return worker.parse(path.read_bytes(), kind).blocks
    finally:
        worker.close()


def passage_context(r: Result, around: int = CONTEXT_LINES) -> PassageContext:
    start = r.start_line or 1
    end = r.end_line or start
    try:
        rows = document_rows(Path(r.path), r.page, end + around)
    except (OSError, ParseError) as e:
        return PassageContext([(start, line) for line in clean(r.text).split("\n")], start, end,
                              f"cannot read the file now: {e}")
    shown = [(n, t) for n, t in rows if start - around <= n <= end + around]
    if not any(start <= n <= end for n, _ in shown):  # e.g. a page read by OCR at indexing: its text as indexed
        return PassageContext([(start + i, line) for i, line in enumerate(clean(r.text).split("\n"))], start, end)
    return PassageContext(shown, start, end)
