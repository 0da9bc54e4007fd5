"""CSV and TSV: one block per row, written as "column: value" pairs so a row keeps its
meaning in a chunk; rows are never split between chunks, and lines are the rows' lines."""

from __future__ import annotations

import csv
import io

from localrag.indexing.parse.base import Block, ParseError, clean, decode

MAX_ROWS = 200_000


def _parse(data: bytes, delimiter: str | None) -> list[Block]:
    text = clean(decode(data))
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return []
    except csv.Error as e:
        raise ParseError(f"malformed table: {e}") from None
    blocks: list[Block] = []
    try:
        for n, row in enumerate(reader, start=2):
            if n > MAX_ROWS:
                break
            if not any(cell.strip() for cell in row):
                continue
            pairs = [f"{header[i] if i < len(header) and header[i] else f'column {i + 1}'}: {cell.strip()}"
                     for i, cell in enumerate(row) if cell.strip()]
            blocks.append(Block("; ".join(pairs), reader.line_num, reader.line_num))
    except csv.Error as e:
        raise ParseError(f"malformed table near line {reader.line_num}: {e}") from None
    return blocks


def parse_csv(data: bytes) -> list[Block]:
    return _parse(data, None)


def parse_tsv(data: bytes) -> list[Block]:
    return _parse(data, "\t")
