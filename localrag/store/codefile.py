"""The 1-bit codes beside the database (``index.db.codes``), laid out for the scan, so a
one-shot process (`localrag search`) memory-maps them instead of reading 48 MB of sqlite-vec
blocks at a million vectors (bench/query.py measures the difference).

It is a cache of the database, never a source: it names the database state it was written from
(the index's id, generation and newest vector id) and a reader that finds another state ignores
it and reads the database. It is replaced whole (written beside, then renamed), so a crash
leaves the old file or the new one, and a file that cannot be read or written is only slower.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np

MAGIC = b"LRCODES1"
HEADER = 4096  # magic, header length, JSON header; the arrays start here (page-aligned)


def path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".codes")


def _meta(path: Path) -> dict | None:
    """The header of a whole file this module wrote, else None (missing, cut short, foreign)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEADER)
        if len(head) < HEADER or head[:8] != MAGIC:
            return None
        (size,) = struct.unpack("<I", head[8:12])
        meta = json.loads(head[12: 12 + size])
        n, words, dtype = int(meta["n"]), int(meta["words"]), np.dtype(meta["dtype"])
        if os.path.getsize(path) != HEADER + 8 * n + dtype.itemsize * words * n:
            return None
        return dict(meta, n=n, words=words, dtype=dtype)
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return None


def read(path: Path, key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(ids, code words of shape (words, n)) mapped from the file, if it holds state ``key``."""
    meta = _meta(path)
    if meta is None or meta.get("key") != key:
        return None
    n, words, dtype = meta["n"], meta["words"], meta["dtype"]
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty((words, 0), dtype=dtype)
    try:
        ids = np.memmap(path, dtype=np.int64, mode="r", offset=HEADER, shape=(n,))
        codes = np.memmap(path, dtype=dtype, mode="r", offset=HEADER + 8 * n, shape=(words, n))
    except (OSError, ValueError):
        return None
    return ids, codes


def holds(path: Path, key: str) -> bool:
    meta = _meta(path)
    return meta is not None and meta.get("key") == key


def write(path: Path, key: str, ids: np.ndarray, words: np.ndarray) -> bool:
    """Replace the file with these codes (``code_words`` layout) of state ``key``; False if it
    could not be written (read-only folder, disk full): searches then read the database."""
    meta = json.dumps({"key": key, "n": int(len(ids)), "words": int(words.shape[0]), "dtype": words.dtype.str}).encode()
    if 12 + len(meta) > HEADER:
        return False
    tmp = _tmp(path)  # one name: writers hold the index's writer lock, and a crash's leftover is reused
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write((MAGIC + struct.pack("<I", len(meta)) + meta).ljust(HEADER, b"\0"))
            fh.write(np.ascontiguousarray(ids, dtype=np.int64).tobytes())
            fh.write(np.ascontiguousarray(words).tobytes())
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


def damaged(path: Path) -> bool:
    """Whether a codes file is there but is not one this module wrote whole (for `doctor`)."""
    return path.exists() and _meta(path) is None


def remove(path: Path) -> None:
    for p in (path, _tmp(path)):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _tmp(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")
