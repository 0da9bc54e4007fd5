"""Files to structured blocks (headings, paragraphs, code, PDF pages) that remember their lines.

Each parser returns ``Block`` objects; the chunker packs them. A parser raises ``ParseError``
with a reason a user can read; the indexer records it and moves on.
"""

from __future__ import annotations

import html.parser
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

TEXT_NAMES = {
    "readme", "license", "licence", "copying", "authors", "contributors", "changelog", "changes", "news",
    "notice", "todo", "makefile", "dockerfile", "containerfile", "gemfile", "rakefile", "procfile",
    "vagrantfile", "justfile", "install", "history",
}

logging.getLogger("pypdf").setLevel(logging.ERROR)


class ParseError(Exception):
    """A file that cannot be turned into text; the message is the reason shown to the user."""


@dataclass(slots=True)
class Block:
    text: str
    start_line: int | None
    end_line: int | None
    page: int | None = None
    heading: int = 0  # heading level (1 = top); 0 for body text
    code: bool = False


def file_kind(path: Path) -> str | None:
    """The parser for a path, by its name (the registry in ``formats``); None means: skip
    quietly, not a document."""
    from localrag.indexing.parse.registry import KIND_OF_SUFFIX

    suffix = path.suffix.lower()
    inner = Path(path.stem).suffix.lower()
    if suffix == ".txt" and KIND_OF_SUFFIX.get(inner) in ("markdown", "rst"):  # Sphinx's _sources/*.rst.txt
        suffix = inner
    if suffix in KIND_OF_SUFFIX:
        return KIND_OF_SUFFIX[suffix]
    stem = path.name.lower()
    if stem in TEXT_NAMES or path.stem.lower() in TEXT_NAMES:
        return "text"
    return None


# a CSI sequence; an OSC sequence only with its terminator (BEL or ST) on the same line, so an
# unterminated one loses its ESC alone, never the text after it; then any control character
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029]")


def clean(text: str) -> str:
    """Normalise newlines and drop control characters (terminal escapes included): document
    text is untrusted and ends up in terminals and prompts."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def decode(data: bytes) -> str:
    """Bytes to text: BOMs first, then strict UTF-8, then charset detection."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                     (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc)
            except UnicodeDecodeError:
                raise ParseError(f"invalid {enc.upper()} text") from None
    head = data[:8192]
    if b"\x00" not in head:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 << 20]).best()
    if best is None or best.encoding is None:
        raise ParseError("binary content, not text")
    if b"\x00" in head and not best.encoding.startswith("utf_16") and not best.encoding.startswith("utf_32"):
        raise ParseError("binary content, not text")
    try:
        return data.decode(best.encoding, errors="replace")
    except LookupError:  # pragma: no cover - charset_normalizer names only codecs Python has
        return data.decode("latin-1")


def parse(path: Path, kind: str, data: bytes | None = None) -> list[Block]:
    """Blocks of one file. ``data`` is the file's bytes when the caller already read them."""
    if kind == "pdf":
        return parse_pdf(path)
    if data is None:
        data = path.read_bytes()
    from localrag.indexing.parse.registry import parser_for

    fmt = parser_for(kind)
    if fmt is not None:
        return fmt(data)
    text = clean(decode(data))
    if kind == "markdown":
        return list(parse_markdown(text))
    if kind == "rst":
        return list(parse_rst(text))
    if kind == "html":
        return parse_html(text)
    return list(paragraphs(text.split("\n"), 1, code=(kind == "code")))


def paragraphs(lines: list[str], first_line: int, page: int | None = None, code: bool = False) -> Iterator[Block]:
    """Blank-line separated runs of lines."""
    start: int | None = None
    for i, line in enumerate(lines + [""]):
        if line.strip():
            if start is None:
                start = i
        elif start is not None:
            yield Block("\n".join(lines[start:i]), first_line + start, first_line + i - 1, page, 0, code)
            start = None


def _markdown_it() -> Any:
    """CommonMark with GFM tables, block structure only: inline markup is never parsed (the
    text is kept as written), which keeps the parse linear in the file's length."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.disable(["inline", "text_join"], ignoreInvalid=True)
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
            content = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
            yield Block(content or lines[a].strip(), a + 1, b, heading=int(tok.tag[1:]))
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


@dataclass
class PdfText:
    """What a PDF's text layer holds, and which pages have none (scans, images of text)."""

    blocks: list[Block]
    pages: int
    textless: list[int]  # 1-based pages with images but no text: what OCR can read


def read_pdf(source: Path | BinaryIO) -> PdfText:
    """One block run per page; lines are counted within the page's extracted text."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        reader = PdfReader(source if hasattr(source, "read") else str(source))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ParseError("encrypted PDF (needs a password)")
            except (FileNotDecryptedError, NotImplementedError) as e:
                raise ParseError(f"encrypted PDF ({e})") from None
        blocks: list[Block] = []
        textless: list[int] = []
        for number, page in enumerate(reader.pages, start=1):
            text = clean(page.extract_text() or "")
            found = list(paragraphs(text.split("\n"), 1, page=number))
            if not found and _has_images(page):
                textless.append(number)
            blocks.extend(found)
        return PdfText(blocks, len(reader.pages), textless)
    except ParseError:
        raise
    except (PdfReadError, PdfStreamError, FileNotDecryptedError) as e:
        raise ParseError(f"corrupt PDF: {str(e)[:160]}") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, ZeroDivisionError, RecursionError) as e:
        raise ParseError(f"corrupt PDF: {type(e).__name__}: {str(e)[:120]}") from None


def _has_images(page: Any) -> bool:
    """A page draws an image (directly or in a form): a scan, not a blank page."""
    def walk(resources: Any, depth: int) -> bool:
        resources = resources.get_object() if resources is not None else None
        found = resources.get("/XObject") if hasattr(resources, "get") else None
        xobjects: Any = found.get_object() if found is not None else {}
        for ref in (xobjects.values() if hasattr(xobjects, "values") else []):
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                return True
            if obj.get("/Subtype") == "/Form" and depth < 4 and walk(obj.get("/Resources"), depth + 1):
                return True
        return False

    return walk(page.get("/Resources"), 0)


NO_TEXT = "PDF has no extractable text (scanned images?)"


def parse_pdf(source: Path | BinaryIO) -> list[Block]:
    """The text layer's blocks; a PDF with none is an error a user can read."""
    blocks = read_pdf(source).blocks
    if not blocks:
        raise ParseError(NO_TEXT)
    return blocks
