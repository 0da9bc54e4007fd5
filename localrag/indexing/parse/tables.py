"""A table, whatever file it came from, as the blocks localrag indexes: one block per row,
written with its header ("Program: Eco · Temperature: 50 °C · Duration: 220 min") so a row
keeps its meaning alone in a chunk, a search hit and a quote; and the gate that sends a table
that looks broken (one column, cells of whole paragraphs, a layout grid) back to plain text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from localrag.indexing.parse.base import Block

SEP = " · "  # between a row's cells; a quote splits rows at it never
MAX_CELL_WORDS = 40  # a cell longer than this is a paragraph: the "table" is page layout
MAX_COLUMNS = 40


@dataclass
class Table:
    """Rows of cells as the file gives them (header first when it has one), each row with its
    lines; ``caption`` is the table's caption, if any."""

    rows: list[list[str]] = field(default_factory=list)
    lines: list[tuple[int | None, int | None]] = field(default_factory=list)
    caption: str = ""
    header_rows: int = 0  # rows the file marks as header (<th>, <thead>); 0: guess
    page: int | None = None


def _cell(text: str) -> str:
    return " ".join(text.split())


def _words(text: str) -> int:
    return len(text.split())


_NUMBERISH = re.compile(r"^[\W\d_]*\d[\W\d_]*\w{0,4}$")  # "12.90", "50 C", "€ 1,200", "3x"


def guess_header(rows: Sequence[Sequence[str]]) -> bool:
    """The first row is a header when every cell in it holds words, none is a number, and it is not
    repeated below as data."""
    if len(rows) < 2:
        return False
    first = rows[0]
    filled = [c for c in first if c]
    if len(filled) < max(1, len(first) - 1) or any(_NUMBERISH.match(c) for c in filled):
        return False
    return all(_words(c) <= 6 for c in filled)


def looks_like_table(rows: Sequence[Sequence[str]]) -> bool:
    """The quality gate: at least two columns and two rows, short cells, most of the grid filled.
    A layout grid, a one-column list or text cut into columns fails and is read as text."""
    rows = [r for r in rows if any(r)]
    if len(rows) < 2:
        return False
    width = max(len(r) for r in rows)
    if width < 2 or width > MAX_COLUMNS:
        return False
    cells = [c for r in rows for c in r]
    filled = [c for c in cells if c]
    if len(filled) < 0.6 * len(rows) * width:
        return False
    if max(_words(c) for c in filled) > MAX_CELL_WORDS or sum(_words(c) for c in filled) / len(filled) > 12:
        return False
    # every row has at least two cells: a row with one is a heading or text caught in the grid
    return sum(sum(1 for c in r if c) >= 2 for r in rows) >= 0.8 * len(rows)


def split_row(text: str) -> list[tuple[str, str]] | None:
    """A row as ``row_text`` writes it back into (header, cell) pairs; None for other text."""
    if SEP not in text or "\n" in text:
        return None
    out = []
    for part in text.split(SEP):
        name, colon, value = part.partition(": ")
        out.append((name, value) if colon else ("", part))
    return out


def compact(text: str) -> str | None:
    """A run of rows (one a line) as the embedding model reads them: the header once, then each
    row's cells ("Program | Duration" over "Eco | 220 min"), about half the tokens of writing the
    header into every row. A row whose cells are not the first row's columns, or a line that is
    no row, stays as it is. None when ``text`` starts with no row."""
    lines = text.split("\n")
    first = split_row(lines[0])
    if first is None or not any(n for n, _ in first):
        return None
    names = [n for n, _ in first]
    out = [" | ".join(names)]
    for line in lines:
        row = split_row(line)
        out.append(" | ".join(v for _, v in row) if row is not None and [n for n, _ in row] == names else line)
    return "\n".join(out)


def row_text(header: Sequence[str], cells: Sequence[str]) -> str:
    """"Header: cell" pairs; a cell without a header stands alone and an empty one is left out.
    (A cell merged over columns comes from its parser once, with "" in the columns it spans.)"""
    parts = []
    for i, cell in enumerate(cells):
        if cell:
            name = header[i] if i < len(header) else ""
            parts.append(f"{name}: {cell}" if name and name != cell else cell)
    return SEP.join(parts)


def table_blocks(table: Table, fallback: bool = True, gate: bool = True) -> list[Block]:
    """The table's rows as blocks (``Block.table`` set to its caption), or, when it fails the gate,
    each row's cells as plain text (``fallback``; else nothing). A file that is a table by its
    format (CSV, a spreadsheet) passes ``gate=False``: its grid is never page layout."""
    rows = [[_cell(c) for c in r] for r in table.rows]
    if gate and not looks_like_table(rows):
        return cell_blocks(rows, table.lines, table.page) if fallback else []
    n_head = table.header_rows or (1 if guess_header(rows) else 0)
    header = _merge_header(rows[:n_head])
    out = []
    for r, (a, b) in zip(rows[n_head:], table.lines[n_head:]):
        if not any(r) or (header and r == rows[0]):  # empty, or the header repeated (a table over pages)
            continue
        out.append(Block(row_text(header, r), a, b, table.page, table=_cell(table.caption)[:200]))
    return out


def cell_blocks(rows: Sequence[Sequence[str]], lines: Sequence[tuple[int | None, int | None]],
                page: int | None = None) -> list[Block]:
    """A grid that is not a table: a row of short cells one paragraph ("part | gasket"), a row of
    long ones (page layout) a paragraph per cell; a cell merged over columns said once."""
    out = []
    for r, (a, b) in zip(rows, lines):
        cells = [c.strip() for i, c in enumerate(r) if c.strip() and (i == 0 or c != r[i - 1])]
        if cells and all(_words(c) <= MAX_CELL_WORDS for c in cells):
            out.append(Block(" | ".join(cells), a, b, page))
        else:
            out.extend(Block(c, a, b, page) for c in cells)
    return out


def _merge_header(rows: Sequence[Sequence[str]]) -> list[str]:
    """Several header rows become one ("Price / EUR"); a header cell merged over columns names each."""
    if not rows:
        return []
    width = max(len(r) for r in rows)
    out = []
    for i in range(width):
        parts: list[str] = []
        for r in rows:
            c = r[i] if i < len(r) else ""
            if c and c not in parts:
                parts.append(c)
        out.append(" / ".join(parts))
    return out
