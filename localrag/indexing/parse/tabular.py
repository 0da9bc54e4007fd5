"""Files that are tables: CSV and TSV (one table, the first row its header) and spreadsheets
(.xlsx through openpyxl, each sheet a table under its name as heading). A row is one block
written with its header ("part_number: DW-4471 · price_eur: 12.90"); lines are the rows' own
line (CSV) or row numbers (sheets), and a sheet is a page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from localrag.indexing.parse.base import Block, ParseError, clean, decode
from localrag.indexing.parse.tables import Table, table_blocks

MAX_ROWS = 200_000
MAX_COLUMNS = 200


def _parse(data: bytes, delimiter: str | None) -> list[Block]:
    text = clean(decode(data))
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    table = Table(header_rows=1)
    try:
        for row in reader:
            if reader.line_num > MAX_ROWS:
                break
            if table.rows and not any(cell.strip() for cell in row):
                continue
            table.rows.append(row[:MAX_COLUMNS])
            table.lines.append((reader.line_num, reader.line_num))
    except csv.Error as e:
        raise ParseError(f"malformed table near line {reader.line_num}: {e}") from None
    if not table.rows:
        return []
    table.rows[0] = [h.strip() or f"column {i + 1}" for i, h in enumerate(table.rows[0])]
    return table_blocks(table, gate=False)


def parse_csv(data: bytes) -> list[Block]:
    return _parse(data, None)


def parse_tsv(data: bytes) -> list[Block]:
    return _parse(data, "\t")


def parse_xlsx(data: bytes) -> list[Block]:
    """Each sheet: its name as a heading, then its rows; values as the sheet shows them (a formula's
    last computed value, a price with its two decimals, a date without a time of midnight)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ParseError(f"corrupt Excel file: {type(e).__name__}: {str(e)[:120]}") from None
    except Exception as e:  # openpyxl raises its own types for broken packages
        raise ParseError(f"corrupt Excel file: {type(e).__name__}: {str(e)[:120]}") from None
    blocks: list[Block] = []
    budget = MAX_ROWS
    try:
        for number, sheet in enumerate(book.worksheets, start=1):
            if not hasattr(sheet, "iter_rows"):  # a chart sheet
                continue
            table = Table(page=number)
            for r, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
                if budget <= 0:
                    break
                cells = [_shown(c.value, getattr(c, "number_format", "")) for c in row]
                while cells and not cells[-1]:
                    cells.pop()
                if not cells:
                    continue
                budget -= 1
                table.rows.append(cells)
                table.lines.append((r, r))
            blocks.append(Block(clean(sheet.title), None, None, page=number, heading=1))
            blocks.extend(b for b in sheet_blocks(table))
    finally:
        book.close()
    return blocks


def sheet_blocks(table: Table) -> list[Block]:
    """A sheet's grid as a table: title rows above the header (one filled cell) become its
    caption; the first row with several cells is the header."""
    title: list[str] = []
    while table.rows and sum(1 for c in table.rows[0] if c.strip()) == 1 and len(table.rows) > 2:
        title.append(next(c for c in table.rows[0] if c.strip()).strip())
        del table.rows[0], table.lines[0]
    table.caption = " ".join(title)
    table.header_rows = 1 if len(table.rows) > 1 else 0
    return table_blocks(table, gate=False)


_DECIMALS = re.compile(r"0\.(0+)")


def _rounded(value: float, decimals: int) -> Decimal:
    """Rounded as a spreadsheet shows it: halves away from zero (9,800.5 is "9,801")."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def _shown(value: Any, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return str(value)
        fmt = number_format or ""
        m = _DECIMALS.search(fmt)
        decimals = len(m.group(1)) if m else 0
        if "%" in fmt:  # "0%", "0.0%": the share as the sheet shows it
            return f"{_rounded(value * 100, decimals)}%"
        if "#,##" in fmt:  # "#,##0", "#,##0.00": thousands separated, as shown
            return f"{_rounded(value, decimals):,}"
        if m or fmt.strip() == "0":
            return str(_rounded(value, decimals))
        return str(int(value)) if isinstance(value, int) or value.is_integer() else repr(value)
    return clean(str(value))
