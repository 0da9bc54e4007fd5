"""Text from PDF pages that have no text layer (scans), with the optional ``ocr`` extra:
pypdfium2 renders the page, RapidOCR (ONNX models shipped inside its wheel, so it works
offline) reads it. Runs in the sandboxed PDF child, under its time and memory limits."""

from __future__ import annotations

from typing import Any

DPI = 200  # enough for 9-pt print; higher costs time roughly as its square
_ENGINE: Any = None


def available() -> bool:
    """Whether the ``ocr`` extra is installed (checked without loading a model)."""
    from importlib.util import find_spec

    return find_spec("rapidocr_onnxruntime") is not None and find_spec("pypdfium2") is not None


def _engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        from rapidocr_onnxruntime import RapidOCR

        _ENGINE = RapidOCR()
    return _ENGINE


def page_lines(pdf: bytes, page: int) -> list[str]:
    """The text lines OCR reads on ``page`` (1-based), top to bottom, left to right."""
    import numpy as np
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[page - 1].render(scale=DPI / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    found, _ = _engine()(np.asarray(image))
    boxes = []
    for box, text, _score in found or []:
        ys = [p[1] for p in box]
        boxes.append((min(ys), max(ys), min(p[0] for p in box), str(text)))
    return join_lines(boxes)


def join_lines(boxes: list[tuple[float, float, float, str]]) -> list[str]:
    """(top, bottom, left, text) boxes to lines: boxes whose vertical middles fall within one
    another's height are one line, read left to right."""
    lines: list[list[tuple[float, float, float, str]]] = []
    for b in sorted(boxes, key=lambda b: (b[0] + b[1]) / 2):
        mid = (b[0] + b[1]) / 2
        if lines and lines[-1][0][0] <= mid <= lines[-1][0][1]:
            lines[-1].append(b)
        else:
            lines.append([b])
    return [" ".join(t for *_, t in sorted(line, key=lambda b: b[2])).strip() for line in lines]
