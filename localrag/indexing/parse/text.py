"""Markdown, reStructuredText and HTML to blocks: headings, paragraphs and code, each with the
file's own line numbers."""

from __future__ import annotations

import html.parser
import re
from collections.abc import Iterator
from typing import Any

from localrag.indexing.parse.base import Block, ParseError, paragraphs


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
    BLOCK = {"p", "div", "li", "ul", "ol", "table", "tr", "td", "th", "br", "section", "article", "header",
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

    def flush(self) -> None:
        text = "".join(self.buf)
        text = text.strip("\n") if self.pre else re.sub(r"[ \t\r\f\v]+", " ", text).strip()
        if text.strip():
            self.blocks.append(Block(text, self.start, self.end, heading=self.heading, code=bool(self.pre)))
        self.buf, self.start, self.end = [], None, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
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


def parse_html(text: str) -> list[Block]:
    p = _HTMLText()
    try:
        p.feed(text)
        p.close()
    except AssertionError as e:  # html.parser's way of refusing some broken markup
        raise ParseError(f"malformed HTML: {e}") from None
    p.flush()
    return p.blocks
