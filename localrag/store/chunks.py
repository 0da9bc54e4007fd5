"""Chunks as the rest of localrag reads them: by id (in batches), by document, a sample for
evaluation, and whether a scope holds any."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from localrag.store.connection import Part
from localrag.store.rows import ChunkRow

if TYPE_CHECKING:  # a scope is read here (its SQL and parameters), never made
    from localrag.search.scope import Scope


class Chunks(Part):
    _CHUNK_COLS = "c.id, c.doc_id, d.path, c.text, c.heading, c.page, c.start_line, c.end_line"

    def chunks_by_ids(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        out: dict[int, ChunkRow] = {}
        for start in range(0, len(ids), 500):  # SQLite caps the variables of one statement
            part = list(ids[start: start + 500])
            q = (f"SELECT {self._CHUNK_COLS} FROM chunks c JOIN documents d ON d.id = c.doc_id"
                 f" WHERE c.id IN ({','.join('?' * len(part))})")
            out.update((int(r[0]), ChunkRow(*r)) for r in self.db.execute(q, part))
        return out

    def sample_chunks(self, n: int, seed: int) -> list[tuple[int, str, str]]:
        """(id, path, text) of ``n`` chunks of some substance, in a seeded random order: only
        their ids are held to draw from, and only the drawn texts are read."""
        ids = np.fromiter((int(r[0]) for r in self.db.execute("SELECT id FROM chunks WHERE length(text) > 200 ORDER BY id")),
                          dtype=np.int64)
        picked = [int(i) for i in np.random.default_rng(seed).permutation(ids)[:n]]
        rows = self.chunks_by_ids(picked)
        return [(cid, rows[cid].path, rows[cid].text) for cid in picked if cid in rows]

    def scope_has_chunks(self, scope: Scope) -> bool:
        return self.scalar(f"SELECT EXISTS(SELECT 1 FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {scope.sql})",
                           scope.params) == 1

    def doc_chunk_ids(self, path: str) -> list[int]:
        return [int(r[0]) for r in self.db.execute(
            "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE d.path=?", (path,))]
