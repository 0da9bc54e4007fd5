"""PDF text layers through pypdf: one block run per page, and which pages have no text (scans,
for OCR). Run in the sandboxed child by indexing and previews."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from localrag.indexing.parse.base import Block, ParseError, clean, paragraphs

logging.getLogger("pypdf").setLevel(logging.ERROR)


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
