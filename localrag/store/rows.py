"""Rows of the index as the rest of localrag reads them, and the key its vectors are stored by."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass


def text_hash(text: str) -> str:
    """The key of a text's vector (a chunk's, a sentence's): the same text is never embedded twice."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass
class DocRow:
    id: int
    folder_id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    status: str
    error: str | None
    n_chunks: int
    note: str | None = None
    attempts: int = 0  # failed reads of this file in a row
    retry_at: float | None = None  # a failed file is read again from then on (None: only once it changes)
    stale_since: float | None = None  # its folder could not be read since then: kept, maybe out of date


@dataclass
class ChunkRow:
    id: int
    doc_id: int
    path: str
    text: str
    heading: str
    page: int | None
    start_line: int | None
    end_line: int | None


@dataclass
class AdapterRow:
    """What `tune` adopted: a query adapter (rank 0: none) and retrieval settings (levers, JSON)."""

    id: int
    fingerprint: str  # the embedding model it was made for
    u: bytes
    v: bytes
    dim: int
    rank: int
    report: str  # JSON
    created_at: float
    levers: str | None  # JSON; None: the defaults


@dataclass
class FeedbackRow:
    """A person's verdict on a source of an answer (the TUI's + and -), for `tune`."""

    query: str
    path: str
    chunk_id: int | None
    helpful: bool


def _ro(row: Sequence) -> DocRow:
    return DocRow(*row)
