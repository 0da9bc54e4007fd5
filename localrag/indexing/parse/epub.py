"""EPUB books through ebooklib: chapters in reading order, each a "page" (chunks never span
two chapters), their XHTML read by the same HTML parser as web pages."""

from __future__ import annotations

import io

from localrag.indexing.parse.base import Block, ParseError, decode
from localrag.indexing.parse.text import parse_html


def parse_epub(data: bytes) -> list[Block]:
    import ebooklib
    from ebooklib import epub

    try:  # from memory: the bytes we hashed are the ones we parse, and none go to a temp file
        book = epub.read_epub(io.BytesIO(data), options={"ignore_ncx": True})
    except Exception as e:  # zip, xml and KeyError alike for broken books
        raise ParseError(f"corrupt EPUB: {type(e).__name__}: {str(e)[:120]}") from None
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
