"""Jupyter notebooks: one run of blocks per cell (Markdown cells keep their headings, code
cells stay code, text outputs follow their cell). A cell's number is its line."""

from __future__ import annotations

import json

from localrag.indexing.parse.base import Block, ParseError, clean
from localrag.indexing.parse.text import parse_markdown


def _text(v: object) -> str:
    return "".join(v) if isinstance(v, list) else str(v or "")


def parse_ipynb(data: bytes) -> list[Block]:
    try:
        nb = json.loads(data.decode("utf-8"))
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise ParseError(f"not a Jupyter notebook: {type(e).__name__}") from None
    blocks: list[Block] = []
    for n, cell in enumerate(cells, start=1):
        src = clean(_text(cell.get("source")))
        if not src.strip():
            continue
        if cell.get("cell_type") == "markdown":
            for b in parse_markdown(src):
                blocks.append(Block(b.text, n, n, heading=b.heading, code=b.code))
        else:
            blocks.append(Block(src, n, n, code=True))
            for out in cell.get("outputs", []):
                txt = _text(out.get("text") or (out.get("data") or {}).get("text/plain"))
                if txt.strip():
                    blocks.append(Block(clean(txt)[:4000], n, n))
    return blocks
