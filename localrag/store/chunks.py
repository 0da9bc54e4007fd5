"""Chunks as the rest of localrag reads them: by id (in batches), by document (in order, for
whole-document answers), a sample for evaluation, and whether a scope holds any."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from localrag.store.connection import Part
from localrag.store.rows import ChunkRow

if TYPE_CHECKING:  # a scope is read here (its SQL and parameters), never made
    from localrag.store.scope import Scope


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

    def under_heading(self, path: str, heading: str, limit: int = 500) -> list[ChunkRow]:
        """A document's chunks under one heading, in file order: all of a table's rows, when
        retrieval found only some (a table's chunks carry its caption in their heading)."""
        q = (f"SELECT {self._CHUNK_COLS} FROM chunks c JOIN documents d ON d.id = c.doc_id"
             " WHERE d.path=? AND c.heading=? ORDER BY c.seq LIMIT ?")
        return [ChunkRow(*r) for r in self.db.execute(q, (path, heading, limit))]

    def outline(self, path: str) -> list[tuple[int, str, int | None, int]]:
        """A document's chunks in file order as (id, heading, page, words), without their text: a
        500-page PDF's outline is small, and only the chunks a summary picks are read whole."""
        return [(int(r[0]), str(r[1]), r[2], int(r[3])) for r in self.db.execute(
            "SELECT c.id, c.heading, c.page, length(c.text) - length(replace(c.text, ' ', '')) + 1"
            " FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE d.path=? ORDER BY c.seq", (path,))]

    def texts(self, path: str) -> Iterator[str]:
        """A document's chunk texts in file order, one at a time (memory stays flat)."""
        for (text,) in self.db.execute(
                "SELECT c.text FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE d.path=? ORDER BY c.seq", (path,)):
            yield str(text)

    def titles(self) -> list[tuple[str, str]]:
        """Every indexed document's (path, title): its first heading, or "" (what a question
        naming "the espresso machine manual" or "the Normans article" is matched against)."""
        return [(str(p), str(h or "")) for p, h in self.db.execute(
            "SELECT d.path, (SELECT c.heading FROM chunks c WHERE c.doc_id = d.id ORDER BY c.seq LIMIT 1)"
            " FROM documents d WHERE d.status='ok' ORDER BY d.path")]

    def matching(self, expression: str, scope: Scope | None = None, limit: int = 100_000) -> list[tuple[int, str]]:
        """(chunk id, path) of every chunk the FTS5 ``expression`` matches, in the scope: all
        of them, not the best k (which files mention a word)."""
        sql = ("SELECT c.id, d.path FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid"
               " JOIN documents d ON d.id = c.doc_id WHERE chunks_fts MATCH ?")
        params: tuple = (expression,)
        if scope:
            sql += f" AND {scope.sql}"
            params += tuple(scope.params)
        return [(int(i), str(p)) for i, p in self.db.execute(sql + " LIMIT ?", (*params, limit))]

    def paths_in(self, scope: Scope) -> list[str]:
        """The indexed documents a scope holds."""
        return [str(r[0]) for r in self.db.execute(
            f"SELECT d.path FROM documents d WHERE d.status='ok' AND {scope.sql} ORDER BY d.path", scope.params)]
