"""One SQLite file (WAL) holds folders, documents, chunks, FTS5 keywords and sqlite-vec vectors.

Opened through apsw, not the stdlib ``sqlite3``: many Python builds cannot load extensions,
and sqlite-vec is one. Vectors are keyed by the hash of the text they embed, so a text that
is already in the index (an unchanged chunk, a moved file) is never embedded again.

``Store`` is the connection and one object per job sharing it: ``documents`` (folders,
documents, forgetting), ``chunks`` (reading chunks), ``vectors`` (the model guard, vectors,
nearest neighbours), ``sentences`` (vectors of the sentences answers rank, embedded ahead),
``keywords`` (FTS5), ``history`` (conversations, feedback, adapters) and
``health`` (doctor's checks and repairs, the counts status shows).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import apsw

from localrag.store.chunks import Chunks
from localrag.store.connection import BUSY_TIMEOUT_MS, WAITING_FOR_WRITER, Connection
from localrag.store.documents import Documents
from localrag.store.errors import StoreError, translate_public_methods
from localrag.store.health import Health
from localrag.store.history import History
from localrag.store.keywords import Keywords
from localrag.store.rows import ChunkRow, DocRow, FeedbackRow
from localrag.store.schema import MIGRATIONS, apply_migration
from localrag.store.sentences import SentenceVectors
from localrag.store.vectors import Vectors

__all__ = ["BUSY_TIMEOUT_MS", "WAITING_FOR_WRITER", "MIGRATIONS", "apply_migration", "ChunkRow", "DocRow", "FeedbackRow",
           "Store", "StoreError"]


class Store:
    """The index: its connection (one a thread, migrations on open, transactions, the writer
    lock) and the parts that share it."""

    def __init__(self, path: Path, readonly: bool = False, cache_vectors: bool = False):
        self.conn = Connection(path, readonly)
        self.vectors = Vectors(self.conn, cache_vectors)
        self.sentences = SentenceVectors(self.conn)
        self.keywords = Keywords(self.conn)
        self.chunks = Chunks(self.conn)
        self.documents = Documents(self.conn, self.vectors)
        self.history = History(self.conn)
        self.health = Health(self.conn, self.documents, self.vectors)

    @property
    def path(self) -> Path:
        return self.conn.path

    @property
    def db(self) -> apsw.Connection:
        """This thread's connection (for tests and benchmarks that look inside)."""
        return self.conn.db

    def transaction(self, changes_search: bool = True) -> AbstractContextManager[None]:
        return self.conn.transaction(changes_search)

    def writer_lock(self, on_wait: Callable[[], None] | None = None) -> AbstractContextManager[None]:
        return self.conn.writer_lock(on_wait)

    def scalar(self, sql: str, params: tuple = ()) -> object:
        return self.conn.scalar(sql, params)

    def close(self) -> None:
        self.conn.close()


translate_public_methods(Store)
