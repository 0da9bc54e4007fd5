"""EPUB books through ebooklib: chapters in reading order, each a "page" (chunks never span
two chapters), their XHTML read by the same HTML parser as web pages."""

from __future__ import annotations

import os
import tempfile

from ..parsers import Block, ParseError, decode, parse_html


def parse_epub(data: bytes) -> list[Block]:
    import ebooklib
    from ebooklib import epub

    # ebooklib reads from a path; the bytes we hashed are the ones we parse
    fd, tmp = tempfile.mkstemp(suffix=".epub")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            book = epub.read_epub(tmp, options={"ignore_ncx": True})
        except Exception as e:  # zip, xml and KeyError alike for broken books
            raise ParseError(f"corrupt EPUB: {type(e).__name__}: {str(e)[:120]}") from None
    finally:
        os.unlink(tmp)
    blocks: list[Block] = []
    chapter = 0
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
            continue
        chapter += 1
        for b in parse_html(decode(item.get_content())):
            b.page = chapter
            blocks.append(b)
    return blocks
