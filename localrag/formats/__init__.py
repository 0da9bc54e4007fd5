"""Parsers for more document formats, each a small module behind one interface:
``parse(data: bytes) -> list[Block]``, raising ``ParseError`` with a reason a user can read."""

from __future__ import annotations

from collections.abc import Callable

from ..parsers import Block

Parser = Callable[[bytes], list[Block]]

SUFFIXES = {
    ".docx": "docx", ".pptx": "pptx", ".odt": "odt", ".epub": "epub", ".csv": "csv", ".tsv": "tsv",
    ".ipynb": "ipynb", ".eml": "eml", ".mbox": "mbox",
}


def parser_for(kind: str) -> Parser | None:
    """Imported on use: each library costs start-up time only when its format shows up."""
    if kind in ("docx", "pptx", "odt"):
        from . import office

        return {"docx": office.parse_docx, "pptx": office.parse_pptx, "odt": office.parse_odt}[kind]
    if kind == "epub":
        from .epub import parse_epub

        return parse_epub
    if kind in ("csv", "tsv"):
        from .tabular import parse_csv, parse_tsv

        return parse_csv if kind == "csv" else parse_tsv
    if kind == "ipynb":
        from .notebook import parse_ipynb

        return parse_ipynb
    if kind in ("eml", "mbox"):
        from .mail import parse_eml, parse_mbox

        return parse_eml if kind == "eml" else parse_mbox
    return None
