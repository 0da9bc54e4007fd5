"""What every parser shares: the block a parser returns (text that remembers its lines, page,
heading level, whether it is code and whether it is a table's row), the error that gives a user its reason, how untrusted
text is cleaned and decoded, and blank-line paragraphs. Nothing here imports a parser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


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
    table: str | None = None  # a table's row: the table's caption ("" when it has none)


# a CSI sequence; an OSC sequence only with its terminator (BEL or ST) on the same line, so an
# unterminated one loses its ESC alone, never the text after it; then any control character
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


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
