"""PDF text layers through pypdf: one block run per page, and which pages have no text (scans,
for OCR). Run in the sandboxed child by indexing and previews."""

from __future__ import annotations

import logging
import os
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


def read_pdf(source: Path | BinaryIO, tables: bool | None = None) -> PdfText:
    """One block run per page; lines are counted within the page's extracted text. With
    ``tables`` (default: unless $LOCALRAG_TABLES is "off", which bench/tables.py sets to time
    indexing without them), a table's lines become its rows (``pdf_tables``)."""
    if tables is None:
        tables = os.environ.get("LOCALRAG_TABLES", "").lower() != "off"
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
        finder = _TableFinder(source)
        try:
            for number, page in enumerate(reader.pages, start=1):
                text = clean(page.extract_text() or "")
                lines = text.split("\n")
                found = finder.page(number, page, lines) if tables else None
                if found is None:
                    found = list(paragraphs(lines, 1, page=number))
                if not found and _has_images(page):
                    textless.append(number)
                blocks.extend(found)
        finally:
            finder.close()
        return PdfText(blocks, len(reader.pages), textless)
    except ParseError:
        raise
    except (PdfReadError, PdfStreamError, FileNotDecryptedError) as e:
        raise ParseError(f"corrupt PDF: {str(e)[:160]}") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, ZeroDivisionError, RecursionError) as e:
        raise ParseError(f"corrupt PDF: {type(e).__name__}: {str(e)[:120]}") from None


class _TableFinder:
    """Each page's tables: pdfium (fast) tells whether it draws a grid and finds borderless
    tables; pdfplumber, opened only for a page with a grid, reads ruled ones. A table that runs on
    from the page before without its header gets that table's header."""

    def __init__(self, source: Path | BinaryIO):
        self.source = source
        self.pdf: Any = None
        self.pdfium: Any = None
        self.failed = False
        self.header: list[str] | None = None
        self.header_page = 0
        self.caption = ""

    def page(self, number: int, page: Any, lines: list[str]) -> list[Block] | None:
        from localrag.indexing.parse import pdf_tables
        from localrag.indexing.parse.tables import guess_header

        if self.failed:
            return None
        try:
            if self.pdfium is None:
                import pypdfium2

                if hasattr(self.source, "seek"):
                    self.source.seek(0)
                self.pdfium = pypdfium2.PdfDocument(self.source.read() if hasattr(self.source, "read") else self.source)
            fpage = self.pdfium[number - 1]
            try:
                ruled = pdf_tables.draws_grid(fpage)
                found = pdf_tables.borderless_tables(fpage)
            finally:
                fpage.close()
            if ruled and found:  # a ruled table whose cells part as a borderless one's do: no pdfplumber needed
                ruled = pdf_tables.replace_rows(lines, found, number) is None  # it does not change ``found``
            if ruled:
                if self.pdf is None:
                    import pdfplumber

                    if hasattr(self.source, "seek"):
                        self.source.seek(0)
                    self.pdf = pdfplumber.open(self.source)  # type: ignore[arg-type]  # a path or a binary stream
                plumber_page = self.pdf.pages[number - 1]
                found = pdf_tables.ruled_tables(plumber_page)
                plumber_page.close()
        except Exception:  # pdfplumber's or pdfium's own trouble with this file: its text is read as lines
            self.failed = True
            return None
        continued = None
        for i, rows in enumerate(found):
            header = self.header
            runs_on = header is not None and self.header_page == number - 1 and len(header) == len(rows[0])
            if header is not None and runs_on and i == 0 and (rows[0] == header or not guess_header(rows)):
                continued = self.caption  # a table that runs on from the page before, with its caption
                if rows[0] != header:
                    rows.insert(0, header)
            elif guess_header(rows):
                self.header = rows[0]
        blocks = pdf_tables.replace_rows(lines, found, number, continued) if found else None
        if blocks:
            self.header_page = number
            self.caption = next((b.table for b in reversed(blocks) if b.table is not None), "")
        return blocks

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()
        if self.pdfium is not None:
            self.pdfium.close()


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
