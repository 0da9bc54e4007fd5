"""Pack parser blocks into chunks that follow the document's structure and fit the model.

A chunk never spans two sections or two PDF pages, never mixes a table's rows with other text,
and its embedded text (the heading path, a table's caption, plus the body) never exceeds the
embedding model's token limit, so nothing is cut off silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from localrag.indexing.parse.base import Block
from localrag.indexing.parse.tables import SEP, compact, split_row
from localrag.store.rows import text_hash

TokenCounter = Callable[[Sequence[str]], list[int]]  # counts include the model's 2 special tokens
SPECIAL = 2


@dataclass
class Chunk:
    text: str
    heading: str
    page: int | None
    start_line: int | None
    end_line: int | None

    @property
    def embed_text(self) -> str:
        return embed_text(self.text, self.heading)

    @property
    def hash(self) -> str:
        return text_hash(self.embed_text)


def embed_text(text: str, heading: str) -> str:
    """What the model sees: the section path gives a short chunk its context; a table's rows
    are read with their header once (``tables.compact``)."""
    body = compact(text) if SEP in text else None
    body = body or text
    return f"{heading}\n{body}" if heading else body


MAX_ROW_GAP = 50  # blank lines between two rows of a table's chunk, at most (beyond, its range bounds the line)
MAX_BLOCK_CHARS = 20_000  # longer blocks are cut by lines/characters before any tokenizing


def _presplit(blocks: list[Block]) -> list[Block]:
    """Cut giant blocks (a log file's paragraph, a 50 MB one-line file) into pieces a tokenizer
    handles quickly, at line breaks, else at spaces, keeping their line numbers."""
    out: list[Block] = []
    for b in blocks:
        if len(b.text) <= MAX_BLOCK_CHARS:
            out.append(b)
            continue
        lines = b.text.split("\n")
        acc: list[str] = []
        size = 0
        first = 0
        for i, line in enumerate(lines + [None]):  # type: ignore[list-item]
            if line is None or (acc and size + len(line) > MAX_BLOCK_CHARS):
                if acc:
                    out.append(Block("\n".join(acc), _ln(b.start_line, first), _ln(b.start_line, i - 1), b.page, 0,
                                     b.code, b.table))
                acc, size, first = [], 0, i
                if line is None:
                    break
            while len(line) > MAX_BLOCK_CHARS:  # a monster line: cut at a space near the limit
                cut = line.rfind(" ", MAX_BLOCK_CHARS // 2, MAX_BLOCK_CHARS)
                cut = cut if cut > 0 else MAX_BLOCK_CHARS
                out.append(Block(line[:cut], _ln(b.start_line, i), _ln(b.start_line, i), b.page, 0, b.code, b.table))
                line = line[cut:].lstrip(" ")
                first = i
            acc.append(line)
            size += len(line) + 1
    return out


def chunk_blocks(blocks: list[Block], count: TokenCounter, max_tokens: int) -> list[Chunk]:
    if not blocks:
        return []
    blocks = _presplit(blocks)
    heads: list[tuple[int, str]] = []
    sizes = [n - SPECIAL for n in count([_counted_text(b) for b in blocks])]
    chunks: list[Chunk] = []
    cur: list[tuple[Block, int]] = []
    heading = ""
    heading_cost = 0
    caption_costs: dict[str | None, int] = {None: 0, "": 0}
    header_costs: dict[str, int] = {"": 0}

    def caption_cost(caption: str | None) -> int:
        if caption not in caption_costs:
            caption_costs[caption] = count([f" > {caption}"])[0] - SPECIAL + 1
        return caption_costs[caption]

    def header_cost(block: Block) -> int:
        """The header line a table chunk's embedded text starts with."""
        names = _header_line(block)
        if names not in header_costs:
            header_costs[names] = count([names])[0] - SPECIAL + 1
        return header_costs[names]

    def flush() -> None:
        if not cur:
            return
        text = cur[0][0].text
        for (prev, _), (b, _) in zip(cur, cur[1:]):
            # a table's row is one line of text, whatever lines of the file it spans: the next row
            # comes as many lines further as in the file, so each row's line counts true
            rows = b.table is not None and prev.start_line is not None and b.start_line is not None
            gap = min(max(1, b.start_line - prev.start_line), MAX_ROW_GAP) if rows else 2  # type: ignore[operator]
            text += "\n" * gap + b.text
        lines = [b.start_line for b, _ in cur if b.start_line is not None]
        ends = [b.end_line for b, _ in cur if b.end_line is not None]
        caption = cur[0][0].table
        head = f"{heading} > {caption}" if heading and caption else heading or caption or ""
        chunks.append(Chunk(text, head, cur[0][0].page, min(lines) if lines else None, max(ends) if ends else None))
        cur.clear()

    for block, size in zip(blocks, sizes):
        if block.heading:
            flush()
            heads = [h for h in heads if h[0] < block.heading] + [(block.heading, block.text.strip())]
            heading = " > ".join(h[1] for h in heads)[:300]
            heading_cost = (count([heading])[0] - SPECIAL + 1) if heading else 0
            continue
        if cur and (cur[0][0].page != block.page or cur[0][0].table != block.table):
            flush()  # a chunk holds one page, and rows of one table or none
        budget = max_tokens - SPECIAL - heading_cost - caption_cost(block.table) - header_cost(block)
        if budget < 32:  # absurd heading: embed the body without it rather than starve it
            heading, heading_cost, budget = "", 0, max_tokens - SPECIAL
        used = sum(s for _, s in cur) + 2 * len(cur)  # the "\n\n" joins cost at most a token each
        if cur and used + size > budget:
            flush()
        if size > budget:
            flush()
            for piece in split_block(block, count, budget, size):
                cur.append((piece, 0))
                flush()
            continue
        cur.append((block, size))
    flush()
    return _verified(chunks, count, max_tokens)


def _header_line(block: Block) -> str:
    row = split_row(block.text) if block.table is not None else None
    return " | ".join(n for n, _ in row) if row else ""


def _counted_text(block: Block) -> str:
    """What a block costs in its chunk's embedded text: a table's row, its cells alone."""
    row = split_row(block.text) if block.table is not None else None
    return " | ".join(v for _, v in row) if row else block.text


def split_block(block: Block, count: TokenCounter, budget: int, size: int | None = None) -> list[Block]:
    """An over-long block, split by lines, then (for a monster line) by token windows.
    ``size``: the block's token count when the caller has it (a one-line block is not counted twice)."""
    lines = block.text.split("\n")
    first = block.start_line
    sizes = [size] if size is not None and len(lines) == 1 else [n - SPECIAL for n in count(lines)]
    out: list[Block] = []
    acc: list[int] = []
    used = 0

    def emit() -> None:
        nonlocal used
        if acc:
            s, e = acc[0], acc[-1]
            out.append(Block("\n".join(lines[s: e + 1]), _ln(first, s), _ln(first, e), block.page, 0, block.code, block.table))
            acc.clear()
            used = 0

    for i, size in enumerate(sizes):
        if size > budget:
            emit()
            for piece in _token_windows(lines[i], count, budget, size):
                out.append(Block(piece, _ln(first, i), _ln(first, i), block.page, 0, block.code, block.table))
            continue
        if acc and used + size + 1 > budget:
            emit()
        acc.append(i)
        used += size + 1
    emit()
    return [b for b in out if b.text.strip()]


def _ln(first: int | None, offset: int) -> int | None:
    return None if first is None else first + offset


def _token_windows(line: str, count: TokenCounter, budget: int, size: int | None = None) -> list[str]:
    """Cut one very long line at word boundaries into pieces within budget. The cut points come
    from the line's own characters-per-token ratio, and all pieces are counted in one batch; a
    piece still over budget (the text got denser) is cut again the same way. Linear in the
    line's length, so a minified file or a log line costs about one tokenizing pass."""
    if not line:
        return []
    n = count([line])[0] - SPECIAL if size is None else size
    if n <= budget:
        return [line]
    target = max(1, int(len(line) / n * budget * 0.9))  # characters that fit, with a margin
    pieces: list[str] = []
    rest = line
    while rest:
        if len(rest) <= target:
            pieces.append(rest)
            break
        cut = rest.rfind(" ", target // 2, target + 1)
        cut = cut if cut > 0 else target
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip()
    out: list[str] = []
    for piece, size in zip(pieces, count(pieces)):
        if size - SPECIAL <= budget or len(piece) <= 1:
            out.append(piece)
        else:
            out.extend(_token_windows(piece, count, budget))
    return [p for p in out if p.strip()]


def _verified(chunks: list[Chunk], count: TokenCounter, max_tokens: int) -> list[Chunk]:
    """Our per-block estimate can be off by a token at joins; re-split the rare chunk that is over."""
    if not chunks:
        return chunks
    sizes = count([c.embed_text for c in chunks])
    out: list[Chunk] = []
    for c, n in zip(chunks, sizes):
        if n <= max_tokens:
            out.append(c)
            continue
        head_cost = (count([c.heading])[0] - SPECIAL + 1) if c.heading else 0
        block = Block(c.text, c.start_line, c.end_line, c.page)
        for piece in split_block(block, count, max_tokens - SPECIAL - head_cost - 8):
            out.append(Chunk(piece.text, c.heading, c.page, piece.start_line, piece.end_line))
    return out
