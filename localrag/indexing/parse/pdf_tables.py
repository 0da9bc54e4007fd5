"""Tables on a PDF page. A page's text stays pypdf's (its lines are what citations count); the
lines a table covers are replaced by the table's rows, each at the line that holds it.

Ruled tables: pdfplumber's line strategy, run only on pages that draw a grid (pdfplumber costs
several times what pypdf does a page; pdfium's page objects tell in a fraction of that).
Borderless tables: pdfium's text runs (it parts a line at wide gaps), lines that part at the
same places. pdfplumber's text strategy was tried for these: it cut a header's last word off
("Price EUR" read "Price") and read aligned prose and code as columns.

A table whose rows cannot be found among the page's lines, or that fails the quality gate, is
left as lines: a broken table is worse than none.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from localrag.indexing.parse.base import Block, paragraphs
from localrag.indexing.parse.tables import Table, looks_like_table, table_blocks

logging.getLogger("pdfminer").setLevel(logging.ERROR)

MATCHED = 0.6  # share of a table's rows that must be found among the page's lines
_STOP = re.compile(r"[\w)\]][.!?;:]$")


def _key(text: str) -> str:
    return "".join(text.split()).lower()


def draws_grid(page: Any) -> bool:
    """The page draws what may be a ruled table: thin rules or box edges at three or more distinct
    places both across and down, or one path of many segments (a grid drawn in one go). Read from
    pdfium's page objects (a pypdfium2 page): a fraction of what a pdfplumber page costs."""
    import pypdfium2.raw as raw

    xs: set[int] = set()
    ys: set[int] = set()
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h < 2.5 and w > 10:
            ys.add(round(bottom))
        elif w < 2.5 and h > 6:
            xs.add(round(left))
        elif w >= 2.5 and h >= 2.5:
            if raw.FPDFPath_CountSegments(obj.raw) > 12:
                return True
            xs.update((round(left), round(right)))
            ys.update((round(bottom), round(top)))
        if len(xs) >= 3 and len(ys) >= 3:
            return True
    return False


WIDE = 12.0  # points between two runs of text on a line that part two columns (a space is ~3)
MIN_LINES = 3  # lines in a row that must share a column start before they are a table
Run = tuple[float, float, float, float]  # left, bottom, right, top


def _lines(textpage: Any) -> list[list[Run]]:
    """The page's text as pdfium cuts it into runs (it parts a line at gaps and font changes),
    grouped into lines from the top, each left to right."""
    runs = [textpage.get_rect(i) for i in range(min(textpage.count_rects(), 20_000))]
    lines: list[list[Run]] = []
    for r in sorted(runs, key=lambda r: (-(r[1] + r[3]) / 2, r[0])):
        mid = (r[1] + r[3]) / 2
        if lines and lines[-1][0][1] - 1 <= mid <= lines[-1][0][3] + 1:
            lines[-1].append(r)
        else:
            lines.append([r])
    return [sorted(line) for line in lines]


def _starts(line: list[Run]) -> list[float]:
    """Where a line's columns start: its first run, and each run after a wide gap."""
    out = [line[0][0]]
    for a, b in zip(line, line[1:]):
        if b[0] - a[2] >= WIDE:
            out.append(b[0])
    return out


def borderless_tables(fpage: Any) -> list[list[list[str]]]:
    """Tables without rules: runs of lines that part into columns at the same places. A column
    starts where most of the run's lines leave a wide gap; a run of text goes to the column it
    starts in (so no word is lost at an edge), and a line with one cell and nothing in the first
    column continues the row above (a wrapped cell)."""
    textpage = fpage.get_textpage()
    try:
        return _borderless(textpage)
    finally:
        textpage.close()


def _borderless(textpage: Any) -> list[list[list[str]]]:
    lines = _lines(textpage)
    tables = []
    i = 0
    while i < len(lines):
        if len(_starts(lines[i])) < 2:
            i += 1
            continue
        j = i
        while j < len(lines) and (len(_starts(lines[j])) >= 2 or (j + 1 < len(lines) and len(_starts(lines[j + 1])) >= 2
                                                                   and lines[j][0][0] > lines[i][0][0] + WIDE)):
            j += 1
        block = lines[i:j]
        i = j
        if len(block) < MIN_LINES:
            continue
        columns = _shared_starts([_starts(line) for line in block])
        if len(columns) < 2:
            continue
        split = []
        for line in block:
            cells = [""] * len(columns)
            for run in line:
                col = max([k for k, x in enumerate(columns) if run[0] >= x - 3] or [0])
                cells[col] = f"{cells[col]} {textpage.get_text_bounded(*run).strip()}".strip()
            split.append(cells)
        rows = join_wrapped_cells(split, [(line[0][1] + line[0][3]) / 2 for line in block])
        if looks_like_table(rows):
            tables.append(rows)
    return tables


def join_wrapped_cells(lines: list[list[str]], mids: list[float]) -> list[list[str]]:
    """Rows from a table's lines (top first, ``mids`` their heights on the page): a line with one
    cell and nothing in the first column is part of a wrapped cell, and belongs to the nearer of
    the rows above and below it. A row whose other cells sit in the middle of a cell wrapped over
    lines ("Ryzen 7" / "Forge 16 ..." / "7840HS") has a part above it as well as below."""
    own = [k for k, cells in enumerate(lines) if cells[0] or sum(1 for c in cells if c) != 1]
    if not own:
        return []
    parts: dict[int, list[int]] = {k: [k] for k in own}
    for k in range(len(lines)):
        if k in parts:
            continue
        above = max((o for o in own if o < k), default=None)
        below = min((o for o in own if o > k), default=None)
        near_above = above is not None and (below is None or mids[above] - mids[k] <= mids[k] - mids[below])
        parts[above if near_above else below].append(k)  # type: ignore[index]
    return [[" ".join(lines[m][col] for m in sorted(parts[k]) if lines[m][col]) for col in range(len(lines[k]))]
            for k in own]


def _shared_starts(starts: list[list[float]]) -> list[float]:
    """Column starts that at least half the lines share (within 3 points); the leftmost always."""
    flat = sorted((x, n) for n, line in enumerate(starts) for x in line)
    clusters: list[list[tuple[float, int]]] = []
    for x, n in flat:
        if clusters and x - clusters[-1][-1][0] <= 3:
            clusters[-1].append((x, n))
        else:
            clusters.append([(x, n)])
    need = max(MIN_LINES, (len(starts) + 1) // 2)
    left = min(line[0] for line in starts)
    shared = [c[0][0] for c in clusters if len({n for _, n in c}) >= need and c[0][0] > left + 3]
    return [left, *shared]


def ruled_tables(plumber_page: Any) -> list[list[list[str]]]:
    """Tables drawn with rules, by pdfplumber's line strategy (a merged cell in its first column,
    None, read as empty, in the others)."""
    found = []
    for t in plumber_page.find_tables():
        rows = [[c or "" for c in r] for r in t.extract()]
        if looks_like_table(rows):
            found.append(rows)
    return found


def _find(keys: Sequence[str], key: str, start: int) -> tuple[int, int] | None:
    """The first line from ``start`` that is the row (or begins it, the rest on the next lines,
    for a wrapped cell): (its index, the index after the row's last line)."""
    if not key:
        return None
    for i in range(start, len(keys)):
        if keys[i] and key.startswith(keys[i]):
            joined, j = keys[i], i + 1
            while joined != key and j < len(keys) and j < i + 12 and key.startswith(joined + keys[j]):
                joined, j = joined + keys[j], j + 1
            if joined == key:
                return i, j
    return None


def caption_above(lines: Sequence[str], first: int, stop: int = 0) -> str:
    """A PDF marks no headings: the nearest line above the table that reads like a title (short,
    no full stop, not a row of figures) names it ("Programs", "Table 2: Prices")."""
    for i in range(first - 1, max(stop, first - 12) - 1, -1):
        line = lines[i].strip()
        if line and len(line.split()) <= 10 and not _STOP.search(line):
            return line
    return ""


def replace_rows(lines: list[str], tables: list[list[list[str]]], page: int, continued: str | None = None
                 ) -> list[Block] | None:
    """The page's blocks with each table's lines replaced by its rows; None when no table's rows
    are found among the lines (the page stays as pypdf read it). ``continued``: the caption of the
    table the page's first table runs on from."""
    keys = [_key(x) for x in lines]
    spans: list[tuple[int, int, list[Block]]] = []
    pos = 0
    for rows in tables:
        where: list[tuple[int, int] | None] = []  # each row's lines: (first, after its last)
        at = pos
        for r in rows:
            hit = _find(keys, _key("".join(r)), at)
            where.append(hit)
            if hit:
                at = hit[1]
        hits = [w for w in where if w is not None]
        if not hits or len(hits) < MATCHED * len(rows) or hits[0][0] < pos:
            continue
        first, end = hits[0][0], hits[-1][1]
        numbers: list[tuple[int | None, int | None]] = []
        nxt = first
        for w in where:  # a row not found (its cells wrapped out of order) takes the line after the one before
            a, b = w if w is not None else (nxt, nxt + 1)
            numbers.append((a + 1, max(a + 1, b)))
            nxt = min(b, end - 1)
        caption = continued if continued is not None and not spans else caption_above(lines, first, pos)
        table = Table(rows, numbers, caption=caption, page=page)
        spans.append((first, end, table_blocks(table, fallback=False)))
        pos = end
    spans = [s for s in spans if s[2]]
    if not spans:
        return None
    blocks: list[Block] = []
    pos = 0
    for a, b, rows_blocks in spans:
        blocks.extend(paragraphs(lines[pos:a], pos + 1, page=page))
        blocks.extend(rows_blocks)
        pos = b
    blocks.extend(paragraphs(lines[pos:], pos + 1, page=page))
    return blocks
