"""Word (.docx), PowerPoint (.pptx) and OpenDocument text (.odt), through python-docx,
python-pptx and odfpy. Lines are paragraph numbers; a slide is a page."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from localrag.indexing.parse.base import Block, ParseError, clean
from localrag.indexing.parse.tables import Table, table_blocks


def _open_error(kind: str, e: Exception) -> ParseError:
    return ParseError(f"corrupt {kind} file: {type(e).__name__}: {str(e)[:120]}")


def parse_docx(data: bytes) -> list[Block]:
    import docx
    from docx.table import Table as DocxTable

    try:
        doc = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise _open_error("Word", e) from None
    except Exception as e:  # python-docx raises its own types for broken packages
        raise _open_error("Word", e) from None
    blocks: list[Block] = []
    n = 0
    for item in doc.iter_inner_content():  # paragraphs and tables in reading order
        if isinstance(item, DocxTable):
            rows: list[list[str]] = []
            lines: list[tuple[int | None, int | None]] = []
            for row in item.rows:
                n += 1
                cells, seen = [], None
                for c in row.cells:  # python-docx repeats a merged cell in each column it spans
                    cells.append("" if c._tc is seen else clean(c.text))
                    seen = c._tc
                rows.append(cells)
                lines.append((n, n))
            blocks.extend(table_blocks(Table(rows, lines, _caption_before(blocks))))
            continue
        n += 1
        text = clean(item.text).strip()
        if not text:
            continue
        style = (item.style.name or "") if item.style is not None else ""
        m = re.match(r"Heading (\d)", style)
        level = int(m.group(1)) if m else (1 if style == "Title" else 0)
        blocks.append(Block(text, n, n, heading=level))
    return blocks


def _caption_before(blocks: list[Block]) -> str:
    """A short paragraph right before a table that names it ("Table 2: Prices") is its caption."""
    if blocks and not blocks[-1].heading and blocks[-1].table is None:
        text = blocks[-1].text
        if re.match(r"(?i)(table|tab\.|tabelle|tableau)\s*\d*\s*[:.\-–]", text) and len(text.split()) <= 20:
            return text
    return ""


def parse_pptx(data: bytes) -> list[Block]:
    import pptx

    try:
        deck = pptx.Presentation(io.BytesIO(data))
    except Exception as e:  # python-pptx raises several types for broken packages
        raise _open_error("PowerPoint", e) from None
    blocks: list[Block] = []
    for number, slide in enumerate(deck.slides, start=1):
        title = slide.shapes.title
        if title is not None and title.text.strip():
            blocks.append(Block(clean(title.text).strip(), None, None, page=number, heading=1))
        line = 0
        for shape in slide.shapes:
            if shape is title or not getattr(shape, "has_text_frame", False):
                continue
            for para in shape.text_frame.paragraphs:
                line += 1
                text = clean("".join(r.text for r in para.runs)).strip()
                if text:
                    blocks.append(Block(text, line, line, page=number))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = clean(slide.notes_slide.notes_text_frame.text).strip()
            if notes:
                blocks.append(Block(f"Notes: {notes}", None, None, page=number))
    return blocks


def _load_odf(data: bytes) -> Any:
    from odf.opendocument import load

    try:
        return load(io.BytesIO(data))
    except Exception as e:  # odfpy raises zip, xml and key errors alike
        raise _open_error("OpenDocument", e) from None


def parse_odt(data: bytes) -> list[Block]:
    from odf import teletype, text

    doc = _load_odf(data)
    blocks: list[Block] = []
    n = 0
    for el in doc.text.childNodes:
        n += 1
        tag = getattr(el, "qname", ("", ""))[1]
        if tag == "table":
            table = odf_table(el, n)
            n = table.lines[-1][0] if table.lines and table.lines[-1][0] is not None else n
            table.caption = _caption_before(blocks)
            blocks.extend(table_blocks(table))
            continue
        if tag not in ("h", "p", "list"):
            continue
        if tag == "list":
            items = [clean(teletype.extractText(p)).strip() for p in el.getElementsByType(text.P)]
            body = "\n".join(f"- {i}" for i in items if i)
            if body:
                blocks.append(Block(body, n, n))
            continue
        content = clean(teletype.extractText(el)).strip()
        if not content:
            continue
        level = int(el.getAttribute("outlinelevel") or 1) if tag == "h" else 0
        blocks.append(Block(content, n, n, heading=level))
    return blocks


def parse_ods(data: bytes) -> list[Block]:
    """Each sheet: its name as a heading, then its rows as a table."""
    from localrag.indexing.parse.tabular import sheet_blocks

    doc = _load_odf(data)
    blocks: list[Block] = []
    for number, sheet in enumerate(_children(doc.spreadsheet, "table"), start=1):
        table = odf_table(sheet, 0)
        table.page = number
        blocks.append(Block(clean(sheet.getAttribute("name") or f"Sheet {number}"), None, None, page=number, heading=1))
        blocks.extend(sheet_blocks(table))
    return blocks


MAX_REPEAT = 200  # "number-columns-repeated=1024" of empty cells is how a sheet says "and so on"
MAX_ODF_ROWS = 200_000


def _children(el: Any, tag: str) -> list[Any]:
    return [c for c in el.childNodes if getattr(c, "qname", ("", ""))[1] == tag]


def odf_table(el: Any, first: int) -> Table:
    """An OpenDocument table (a text document's or a sheet's): rows of the cells' shown text,
    repeated rows and columns written out (up to a bound), header rows marked; line numbers count
    rows after ``first``."""
    from odf import teletype

    table = Table()
    n = first

    def rows_of(node: Any, header: bool) -> None:
        nonlocal n
        for child in node.childNodes:
            tag = getattr(child, "qname", ("", ""))[1]
            if tag in ("table-header-rows", "table-rows", "table-row-group"):
                rows_of(child, header or tag == "table-header-rows")
            elif tag == "table-row":
                cells: list[str] = []
                for cell in child.childNodes:
                    ctag = getattr(cell, "qname", ("", ""))[1]
                    if ctag not in ("table-cell", "covered-table-cell"):
                        continue
                    repeat = min(int(cell.getAttribute("numbercolumnsrepeated") or 1), MAX_REPEAT)
                    value = clean(teletype.extractText(cell)).strip() if ctag == "table-cell" else ""
                    cells.extend([value] * repeat)
                    if len(cells) >= MAX_REPEAT:
                        break
                while cells and not cells[-1]:
                    cells.pop()
                repeat = int(child.getAttribute("numberrowsrepeated") or 1)
                for _ in range(min(repeat, MAX_REPEAT) if cells else 1):
                    n += 1
                    if cells and len(table.rows) < MAX_ODF_ROWS:
                        table.rows.append(cells)
                        table.lines.append((n, n))
                        table.header_rows += header
                if not cells:
                    n += min(repeat, MAX_ODF_ROWS) - 1

    rows_of(el, False)
    return table
