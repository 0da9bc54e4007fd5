"""Markdown, reStructuredText and HTML to blocks: headings, paragraphs and code, each with the
file's own line numbers."""

from __future__ import annotations

import html.parser
import re
from collections.abc import Iterator
from typing import Any

from localrag.indexing.parse.base import Block, ParseError, paragraphs
from localrag.indexing.parse.tables import Table, cell_blocks, looks_like_table, table_blocks


def _markdown_it() -> Any:
    """CommonMark with GFM tables, block structure only: inline markup is never parsed (the
    text is kept as written), which keeps the parse linear in the file's length."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.disable(["inline", "text_join"], ignoreInvalid=True)
    md.disable("reference")  # a link definition ("[docs]: https://...") is text to search, not markup to drop
    return md


_MD: Any = None


def parse_markdown(text: str) -> Iterator[Block]:
    """Headings (ATX and setext), code (fenced and indented) and the rest as paragraphs, each
    with the source lines markdown-it-py's block parser maps it to."""
    global _MD
    if _MD is None:
        _MD = _markdown_it()
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # lines as markdown-it counts them
    lines = text.split("\n")
    tokens = _MD.parse(text)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.level != 0 or tok.map is None:
            i += 1
            continue
        a, b = tok.map
        if tok.type == "heading_open":
            content = (tokens[i + 1].content.strip() if i + 1 < len(tokens) else "") or lines[a].strip()
            if content:  # a heading of only white space (U+2028 is space to markdown-it) holds nothing to find
                yield Block(content, a + 1, b, heading=int(tok.tag[1:]))
        elif tok.type in ("fence", "code_block"):
            while b > a and not lines[b - 1].strip():
                b -= 1  # an indented block's map may take in the blank lines after it
            if b > a:
                yield Block("\n".join(lines[a:b]), a + 1, b, code=True)
        elif tok.type != "hr":
            yield from paragraphs(lines[a:b], a + 1)
        i += 1


_RST_ADORN = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")


def parse_rst(text: str) -> Iterator[Block]:
    """Sections by adornment style (levels in order of first appearance), paragraphs, and
    literal blocks (after ``::``) kept whole with their blank lines."""
    lines = text.split("\n")
    styles: list[tuple[bool, str]] = []
    i = 0
    para: list[int] = []
    literal_after = False

    def flush() -> Iterator[Block]:
        nonlocal literal_after
        if para:
            body = "\n".join(lines[para[0]: para[-1] + 1])
            yield Block(body, para[0] + 1, para[-1] + 1)
            literal_after = body.rstrip().endswith("::")
            para.clear()

    def level(over: bool, ch: str) -> int:
        if (over, ch) not in styles:
            styles.append((over, ch))
        return styles.index((over, ch)) + 1

    bare = [line.strip() for line in lines]  # each line stripped and matched once: linear, small constant
    adorned = [bool(b) and _RST_ADORN.match(line) is not None for line, b in zip(lines, bare)]
    n = len(lines)
    while i < n:
        line, b = lines[i], bare[i]
        # overline + title + underline
        if adorned[i] and i + 2 < n and bare[i + 1] and bare[i + 2] == b:
            yield from flush()
            yield Block(bare[i + 1], i + 1, i + 3, heading=level(True, b[0]))
            i += 3
            continue
        if (b and i + 1 < n and adorned[i + 1] and not line.startswith((" ", "\t"))
                and len(bare[i + 1]) >= len(b) - 1 and not para):
            yield from flush()
            yield Block(b, i + 1, i + 2, heading=level(False, bare[i + 1][0]))
            i += 2
            continue
        if not b:
            yield from flush()
            i += 1
            if literal_after:
                # gather the indented literal block, blank lines included
                j = i
                while j < n and not bare[j]:
                    j += 1
                k = j
                while k < n and (not bare[k] or lines[k].startswith((" ", "\t"))):
                    k += 1
                while k > j and not bare[k - 1]:
                    k -= 1
                if k > j:
                    yield Block("\n".join(lines[j:k]), j + 1, k, code=True)
                    i = k
                literal_after = False
            continue
        para.append(i)
        i += 1
    yield from flush()


class _HTMLText(html.parser.HTMLParser):
    BLOCK = {"p", "div", "li", "ul", "ol", "br", "section", "article", "header",
             "footer", "blockquote", "dd", "dt", "dl", "hr", "main", "nav", "aside", "figure", "figcaption", "form"}
    SKIP = {"script", "style", "noscript", "template", "svg", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.start: int | None = None
        self.end: int | None = None
        self.skip = 0
        self.heading = 0
        self.pre = 0
        self.tables: list[_TableBuilder] = []  # open tables, innermost last
        self.depth_over = 0  # tables open beyond MAX_NESTED

    def flush(self) -> None:
        text = "".join(self.buf)
        text = text.strip("\n") if self.pre else re.sub(r"[ \t\r\f\v]+", " ", text).strip()
        if text.strip():
            if self.tables:
                self.tables[-1].add_text(text, self.start, self.end)
            else:
                self.blocks.append(Block(text, self.start, self.end, heading=self.heading, code=bool(self.pre)))
        self.buf, self.start, self.end = [], None, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif self.skip:
            return
        elif tag == "table":
            self.flush()
            if len(self.tables) < MAX_NESTED:
                self.tables.append(_TableBuilder())
            else:  # deeper tables' text stays in the cell they are in (a hostile nesting stays linear)
                self.depth_over += 1
        elif self.tables and tag in ("tr", "td", "th", "caption", "thead", "tbody", "tfoot"):
            self.flush()
            self.tables[-1].start(tag, dict(attrs), self.getpos()[0])
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.flush()
            self.heading = int(tag[1])
        elif tag == "pre":
            self.flush()
            self.pre += 1
        elif tag in self.BLOCK:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif self.skip:
            return
        elif tag == "table" and self.tables:
            self.flush()
            if self.depth_over:
                self.depth_over -= 1
            else:
                self._close_table()
        elif self.tables and tag in ("tr", "td", "th", "caption", "thead", "tbody", "tfoot"):
            self.flush()
            self.tables[-1].end(tag)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.flush()
            self.heading = 0
        elif tag == "pre":
            self.flush()
            self.pre = max(0, self.pre - 1)
        elif tag in self.BLOCK:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        line = self.getpos()[0]
        if self.start is None and data.strip():
            self.start = line
        if data.strip():
            self.end = line + data.count("\n")
        self.buf.append(data)

    def close_all(self) -> None:
        """Tables the file never closed end with it."""
        self.flush()
        while self.tables:
            self._close_table()

    def _close_table(self) -> None:
        blocks = self.tables.pop().blocks()
        if self.tables:  # a table in a cell: its text is the cell's
            for b in blocks:
                self.tables[-1].add_text(b.text, b.start_line, b.end_line)
        else:
            self.blocks.extend(blocks)


MAX_NESTED = 8  # tables in tables read as tables; deeper ones as their cells' text
MAX_SPAN = 50  # a colspan or rowspan larger than this is hostile or a layout trick: taken as 1


class _TableBuilder:
    """One HTML table as its tags arrive: rows of cells (a colspan cell in its first column, a
    rowspan cell repeated down its rows, so each row reads alone), which rows are header (``th``
    cells or ``thead``), its caption."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.lines: list[tuple[int | None, int | None]] = []
        self.head: list[bool] = []  # per row: all its cells are th, or it is in thead
        self.caption: list[str] = []
        self.in_caption = False
        self.in_head = False
        self.cell: list[str] | None = None
        self.cell_th = False
        self.cell_span = (1, 1)
        self.row: list[str] | None = None
        self.row_th: list[bool] = []
        self.down: dict[int, tuple[str, int]] = {}  # column -> (text, rows left) from a rowspan
        self.loose: list[tuple[str, int | None, int | None]] = []  # text outside any cell

    def start(self, tag: str, attrs: dict[str, str | None], line: int) -> None:
        if tag == "caption":
            self.in_caption = True
        elif tag == "thead":
            self.in_head = True
        elif tag in ("tbody", "tfoot"):
            self.in_head = False
        elif tag == "tr":
            self.end_row()
            self.row, self.row_th = [], []
            self.lines.append((line, line))
        else:  # td, th
            self.end_cell()
            if self.row is None:
                self.start("tr", {}, line)
            self.cell, self.cell_th = [], tag == "th"
            self.cell_span = (_span(attrs.get("colspan")), _span(attrs.get("rowspan")))
            self._grow(line)

    def end(self, tag: str) -> None:
        if tag == "caption":
            self.in_caption = False
        elif tag == "thead":
            self.in_head = False
        elif tag == "tr":
            self.end_row()
        elif tag in ("td", "th"):
            self.end_cell()

    def add_text(self, text: str, start: int | None, end: int | None) -> None:
        if self.in_caption:
            self.caption.append(text)
        elif self.cell is not None:
            self.cell.append(text)
            self._grow(end)
        else:
            self.loose.append((text, start, end))

    def _grow(self, line: int | None) -> None:
        if self.lines and line is not None:
            a, b = self.lines[-1]
            self.lines[-1] = (a, max(b or line, line))

    def _fill_down(self) -> None:
        assert self.row is not None
        while len(self.row) in self.down:
            col = len(self.row)
            text, left = self.down.pop(col)
            self.row.append(text)
            self.row_th.append(False)
            if left > 1:
                self.down[col] = (text, left - 1)

    def end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        text = " ".join(self.cell)
        cols, rows = self.cell_span
        for n in range(cols):  # a cell over several columns is said once, in its first
            self._fill_down()
            if rows > 1:
                self.down[len(self.row)] = (text if n == 0 else "", rows - 1)
            self.row.append(text if n == 0 else "")
            self.row_th.append(self.cell_th)
        self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row is None:
            return
        self._fill_down()
        self.rows.append(self.row)
        self.head.append(self.in_head or (bool(self.row_th) and all(self.row_th)))
        self.row = None

    def blocks(self) -> list[Block]:
        """Rows with their header; a table that fails the gate (page layout) as its text."""
        self.end_row()
        n_head = 0
        while n_head < len(self.head) and self.head[n_head] and n_head < 3:
            n_head += 1
        caption = " ".join(self.caption)
        loose = [Block(t, a, b) for t, a, b in self.loose]
        if looks_like_table(self.rows):
            return loose + table_blocks(Table(self.rows, self.lines[: len(self.rows)], caption, header_rows=n_head))
        first = self.lines[0][0] if self.lines else None
        return ([Block(caption, first, first)] if caption else []) + loose + cell_blocks(self.rows, self.lines)


def _span(value: str | None) -> int:
    try:
        n = int(value or 1)
    except ValueError:
        return 1
    return n if 1 <= n <= MAX_SPAN else 1


def parse_html(text: str) -> list[Block]:
    p = _HTMLText()
    try:
        p.feed(text)
        p.close()
    except AssertionError as e:  # html.parser's way of refusing some broken markup
        raise ParseError(f"malformed HTML: {e}") from None
    p.close_all()
    return p.blocks
