"""Word (.docx), PowerPoint (.pptx) and OpenDocument text (.odt), through python-docx,
python-pptx and odfpy. Lines are paragraph numbers; a slide is a page."""

from __future__ import annotations

import io
import re
import zipfile

from localrag.indexing.parse.base import Block, ParseError, clean


def _open_error(kind: str, e: Exception) -> ParseError:
    return ParseError(f"corrupt {kind} file: {type(e).__name__}: {str(e)[:120]}")


def parse_docx(data: bytes) -> list[Block]:
    import docx

    try:
        doc = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise _open_error("Word", e) from None
    except Exception as e:  # python-docx raises its own types for broken packages
        raise _open_error("Word", e) from None
    blocks: list[Block] = []
    n = 0
    for para in doc.paragraphs:
        n += 1
        text = clean(para.text).strip()
        if not text:
            continue
        style = (para.style.name or "") if para.style is not None else ""
        m = re.match(r"Heading (\d)", style)
        level = int(m.group(1)) if m else (1 if style == "Title" else 0)
        blocks.append(Block(text, n, n, heading=level))
    for table in doc.tables:
        for row in table.rows:
            n += 1
            cells = [clean(c.text).strip() for c in row.cells]
            if any(cells):
                blocks.append(Block(" | ".join(cells), n, n))
    return blocks


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


def parse_odt(data: bytes) -> list[Block]:
    from odf import teletype, text
    from odf.opendocument import load

    try:
        doc = load(io.BytesIO(data))
    except Exception as e:  # odfpy raises zip, xml and key errors alike
        raise _open_error("OpenDocument", e) from None
    blocks: list[Block] = []
    n = 0
    for el in doc.text.childNodes:
        n += 1
        tag = getattr(el, "qname", ("", ""))[1]
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
