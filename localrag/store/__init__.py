"""One SQLite file (WAL) holds folders, documents, chunks, FTS5 keywords and sqlite-vec vectors.

Opened through apsw, not the stdlib ``sqlite3``: many Python builds cannot load extensions,
and sqlite-vec is one. Vectors are keyed by the hash of the text they embed, so a text that
is already in the index (an unchanged chunk, a moved file) is never embedded again.
"""

from __future__ import annotations

from localrag.store.connection import BUSY_TIMEOUT_MS, WAITING_FOR_WRITER
from localrag.store.health import Health
from localrag.store.history import History
from localrag.store.rows import ChunkRow, DocRow
from localrag.store.schema import MIGRATIONS, apply_migration

__all__ = ["BUSY_TIMEOUT_MS", "WAITING_FOR_WRITER", "MIGRATIONS", "apply_migration", "ChunkRow", "DocRow", "Store"]


class Store(Health, History):
    """The index: each part of its job in a module of its own (see the package's modules)."""
