"""Vectors of the sentences answers rank, embedded ahead of the questions that need them.

An answer ranks every sentence of its passages by meaning, and embedding those sentences is most
of a warm answer's time. A long-lived process embeds the sentences of indexed chunks while it is
idle and keeps their vectors here, keyed by the hash of the text embedded, as chunks' vectors are.
A text's vector does not depend on what it was embedded beside, so a stored one is exactly what
the question would have made. Rows go with their chunk (when no chunk of that hash is left) and
all of them with the model (``reset_vectors``).
"""

from __future__ import annotations

from collections.abc import Sequence

import apsw
import numpy as np

from localrag.store.connection import Part
from localrag.store.rows import text_hash


def drop_unused(db: apsw.Connection) -> None:
    """Forget what no chunk holds any more (edited or removed text)."""
    gone = [h for (h,) in db.execute(  # the small table of chunk hashes, not the vectors, is scanned
        "SELECT hash FROM warm_chunks w WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = w.hash)")]
    for start in range(0, len(gone), 500):
        part = gone[start: start + 500]
        marks = ",".join("?" * len(part))
        db.execute(f"DELETE FROM sentence_vectors WHERE chunk_hash IN ({marks})", part)
        db.execute(f"DELETE FROM warm_chunks WHERE hash IN ({marks})", part)


def drop_all(db: apsw.Connection) -> None:
    db.execute("DELETE FROM sentence_vectors")
    db.execute("DELETE FROM warm_chunks")


class SentenceVectors(Part):
    def lookup(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those of ``texts`` that have one."""
        keys = {text_hash(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        items = list(keys)
        for start in range(0, len(items), 500):  # SQLite caps the variables of one statement
            part = items[start: start + 500]
            q = f"SELECT hash, vector FROM sentence_vectors WHERE hash IN ({','.join('?' * len(part))})"
            for h, blob in self.db.execute(q, part):
                found[keys[h]] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def count(self) -> int:
        return int(self.scalar("SELECT count(*) FROM sentence_vectors"))

    def cold_chunks(self, below: int, limit: int) -> list[tuple[int, str, str, str]]:
        """(id, hash, text, heading) of chunks under id ``below`` whose sentences are not stored,
        newest first: what was indexed last is what a person is most likely to ask about."""
        return [(int(i), h, t, hd) for i, h, t, hd in self.db.execute(
            "SELECT c.id, c.hash, c.text, c.heading FROM chunks c WHERE c.id < ? AND NOT EXISTS "
            "(SELECT 1 FROM warm_chunks w WHERE w.hash = c.hash) ORDER BY c.id DESC LIMIT ?", (below, limit))]

    def add(self, chunk_hashes: Sequence[str], texts: Sequence[str], owners: Sequence[str],
            vectors: np.ndarray, fingerprint: str) -> bool:
        """Store ``texts``' vectors (each from the chunk hash in ``owners``) and mark
        ``chunk_hashes`` done, in one short transaction that leaves searches' caches valid.
        Nothing is stored (False) if the index's model is no longer ``fingerprint``'s, the one
        that made them (a reindex ran meanwhile): vectors of two models never mix."""
        with self.transaction(changes_search=False):
            if self.meta("embed_fingerprint") != fingerprint:
                return False
            self.db.executemany(
                "INSERT OR IGNORE INTO sentence_vectors(hash, chunk_hash, vector) VALUES (?, ?, ?)",
                [(text_hash(t), o, np.ascontiguousarray(v, dtype=np.float32).tobytes())
                 for t, o, v in zip(texts, owners, vectors)])
            self.db.executemany("INSERT OR IGNORE INTO warm_chunks(hash) VALUES (?)", [(h,) for h in chunk_hashes])
        return True
