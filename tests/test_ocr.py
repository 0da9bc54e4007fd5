"""Scanned pages: real image-only PDF pages (text rendered to an image, wrapped in a PDF) are
detected, reported per file, and read by OCR in the sandboxed parser, keeping their page numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from localrag.core import Localrag
from localrag.indexing.parse.ocr import join_lines
from localrag.indexing.parse.pdf import read_pdf

SCANNED = ["The quarterly report of the Zanzibar", "lighthouse keepers association lists", "forty-two brass lanterns."]


def scan_image(lines: list[str]):  # a page as a scanner sees it: pixels, no text layer
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=40)
    for i, line in enumerate(lines):
        draw.text((100, 160 + i * 70), line, fill=0, font=font)
    return img


def mixed_pdf(path: Path) -> Path:
    """Page 1 has a text layer, page 2 is a scan, page 3 is blank."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "The lighthouse on the northern cape opened in 1902.")
    pdf.add_page()
    pdf.image(scan_image(SCANNED), x=0, y=0, w=210)
    pdf.add_page()
    pdf.output(str(path))
    return path


def scanned_pdf(path: Path) -> Path:
    """Every page a scan: what a scanner's 'save as PDF' makes."""
    img = scan_image(["Minutes of the harbour board meeting:", "the pilot boat Ceres is to be repainted."])
    img.save(path, "PDF", resolution=150)
    return path


def test_pages_without_a_text_layer_are_found(tmp_path: Path) -> None:
    got = read_pdf(mixed_pdf(tmp_path / "m.pdf"))
    assert (got.pages, got.textless) == (3, [2])  # the blank page is not a scan
    assert [b.page for b in got.blocks] == [1]
    assert read_pdf(scanned_pdf(tmp_path / "s.pdf")).textless == [1]


def test_ocr_boxes_become_lines_in_reading_order() -> None:
    boxes = [(100, 130, 400, "world"), (102, 128, 50, "hello"), (200, 230, 60, "next line")]
    assert join_lines(boxes) == ["hello world", "next line"]


@pytest.mark.slow
def test_scanned_pages_are_read_by_ocr_and_cited_by_page(make_app: Callable[..., Localrag], tmp_path: Path) -> None:
    docs = tmp_path / "scans"
    docs.mkdir()
    mixed_pdf(docs / "lighthouse.pdf")
    scanned_pdf(docs / "harbour.pdf")
    app = make_app(ocr=False)
    app.index.add([str(docs)])
    stats = app.index.update()
    st = app.health.status()
    assert st.notes == [{"path": str(docs / "lighthouse.pdf"),
                            "note": "1 of 3 pages have no text layer (scans?); OCR is off (ocr = false)"}]
    assert st.failed[0]["path"] == str(docs / "harbour.pdf") and "no extractable text" in st.failed[0]["reason"]
    assert not [r for r in app.library.search("brass lanterns", mode="keyword")]

    app.settings.ocr = True  # the pages left unread are read at the next index, though the files did not change
    stats = app.index.update()
    assert stats.added + stats.updated == 2
    st = app.health.status()
    assert st.failed == []
    assert {n["path"]: n["note"] for n in st.notes} == {
        str(docs / "lighthouse.pdf"): "1 of 3 pages have no text layer: read by OCR",
        str(docs / "harbour.pdf"): "1 of 1 pages have no text layer: read by OCR"}
    hit = app.library.search("brass lanterns", k=1)[0]
    assert hit.path == str(docs / "lighthouse.pdf") and hit.page == 2 and "forty-two brass lanterns" in hit.text
    assert hit.start_line is not None
    boat = app.library.search("pilot boat repainted", k=1)[0]
    assert boat.path == str(docs / "harbour.pdf") and boat.page == 1
    ctx = app.library.passage_context(hit)  # the preview shows the page as it was read
    assert any("brass lanterns" in t for _, t in ctx.rows)
    assert app.index.update().unchanged == 2  # and then they are left alone
