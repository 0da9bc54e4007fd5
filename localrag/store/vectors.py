"""Vectors and search: the embedding model guard (vectors of two models never mix), vectors keyed
by their text's hash, nearest neighbours (sqlite-vec or an in-memory copy) and FTS5 keywords."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from ..errors import ModelMismatchError
from ..scope import Scope
from .connection import Connection
from .rows import ChunkRow


class Vectors(Connection):
    # ---- embedding model guard ------------------------------------------------------------------
    def model_record(self) -> tuple[str, int, str] | None:
        name, dim, fp = self.meta("embed_model"), self.meta("embed_dim"), self.meta("embed_fingerprint")
        return (name, int(dim), fp) if name and dim and fp else None

    def bind_model(self, name: str, dim: int, fingerprint: str) -> None:
        """Record the model on first use; refuse a different one, so vectors never mix."""
        rec = self.model_record()
        if rec is None:
            with self.transaction():
                self.set_meta("embed_model", name)
                self.set_meta("embed_dim", str(dim))
                self.set_meta("embed_fingerprint", fingerprint)
                self.db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS vec USING vec0(embedding float[{dim}] distance_metric=cosine)")
            return
        self.check_model(fingerprint, name, dim)

    def check_model(self, fingerprint: str, name: str, dim: int | None = None) -> None:
        rec = self.model_record()
        if rec is not None and (rec[2] != fingerprint or (dim is not None and rec[1] != dim)):
            raise ModelMismatchError(
                f"the index was built with embedding model '{rec[0]}' but the settings name '{name}'; "
                f"run `localrag reindex` to re-embed everything with '{name}', or set embed_model back"
            )

    def reset_vectors(self) -> None:
        """Forget every vector and the model record (reindex); documents are re-read next index."""
        with self.transaction():
            self.db.execute("DROP TABLE IF EXISTS vec")
            self.db.execute("DELETE FROM embeddings")
            self.db.execute("DELETE FROM meta WHERE key IN ('embed_model','embed_dim','embed_fingerprint')")
            self.db.execute("DELETE FROM chunks")
            # forget the hashes too: "same content" must not let the next index skip re-chunking
            self.db.execute("UPDATE documents SET size=-1, content_hash=NULL, n_chunks=0")

    # ---- vectors --------------------------------------------------------------------------------
    def known_hashes(self, hashes: Iterable[str]) -> set[str]:
        hs = list(set(hashes))
        found: set[str] = set()
        for i in range(0, len(hs), 500):
            part = hs[i: i + 500]
            q = f"SELECT hash FROM embeddings WHERE hash IN ({','.join('?' * len(part))})"
            found.update(r[0] for r in self.db.execute(q, part))
        return found

    def add_vectors(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        for h, v in zip(hashes, vectors):
            self.db.execute("INSERT OR IGNORE INTO embeddings(hash) VALUES (?)", (h,))
            if self.db.changes():
                self.db.execute("INSERT INTO vec(rowid, embedding) VALUES (?, ?)",
                                (self.db.last_insert_rowid(), np.asarray(v, dtype=np.float32).tobytes()))

    def gc_embeddings(self) -> int:
        """Drop vectors no chunk uses any more (deleted or edited text)."""
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM embeddings e WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = e.hash)")]
        if not ids:
            return 0
        has_vec = self.db.execute("SELECT 1 FROM sqlite_master WHERE name='vec'").fetchone()
        for i in range(0, len(ids), 500):
            part = ids[i: i + 500]
            marks = ",".join("?" * len(part))
            if has_vec:
                self.db.execute(f"DELETE FROM vec WHERE rowid IN ({marks})", part)
            self.db.execute(f"DELETE FROM embeddings WHERE id IN ({marks})", part)
        return len(ids)

    # ---- reading --------------------------------------------------------------------------------
    _CHUNK_COLS = "c.id, c.doc_id, d.path, c.text, c.heading, c.page, c.start_line, c.end_line"

    def chunks_by_ids(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        if not ids:
            return {}
        q = (f"SELECT {self._CHUNK_COLS} FROM chunks c JOIN documents d ON d.id = c.doc_id"
             f" WHERE c.id IN ({','.join('?' * len(ids))})")
        return {int(r[0]): ChunkRow(*r) for r in self.db.execute(q, list(ids))}

    def vector_search(self, query: np.ndarray, k: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), best first. Chunks sharing a text share its vector.

        A one-shot process asks sqlite-vec; a long-lived one (TUI, eval) sets ``cache_vectors``
        and searches an in-memory copy, which is several times faster on large indexes. A
        ``scope`` limits the search itself (not its results), so k hits come from the scope.
        """
        if self.model_record() is None:
            return []
        q = np.asarray(query, dtype=np.float32)
        # driven from the documents (few) to their chunks and vectors by index, never a scan of all chunks
        in_scope = ("SELECT e.id FROM documents d CROSS JOIN chunks c ON c.doc_id = d.id CROSS JOIN embeddings e"
                    f" ON e.hash = c.hash WHERE {scope.sql}") if scope else ""
        if self.cache_vectors:
            ids, mat = self.vector_matrix()
            if len(ids) == 0:
                return []
            sims = mat @ q
            if scope:
                sims[~self._scope_mask(scope, in_scope, ids)] = -np.inf
            n = min(k, len(ids))
            top = np.argpartition(-sims, n - 1)[:n]
            top = top[np.argsort(-sims[top], kind="stable")]
            hits = [(int(ids[i]), float(sims[i])) for i in top if sims[i] > -np.inf]
        elif scope:
            hits = [(int(r), 1.0 - float(d)) for r, d in self.db.execute(
                f"SELECT rowid, distance FROM vec WHERE embedding MATCH ? AND k = ? AND rowid IN ({in_scope})"
                " ORDER BY distance", (q.tobytes(), k, *scope.params))]
        else:
            hits = [(int(r), 1.0 - float(d)) for r, d in self.db.execute(
                "SELECT rowid, distance FROM vec WHERE embedding MATCH ? AND k = ? ORDER BY distance", (q.tobytes(), k))]
        if not hits:
            return []
        marks = ",".join("?" * len(hits))
        by_vec: dict[int, list[int]] = {}
        q_map = f"SELECT c.id, e.id FROM embeddings e CROSS JOIN chunks c ON c.hash = e.hash WHERE e.id IN ({marks})"
        params: list = [h for h, _ in hits]
        if scope:  # a text shared with a file outside the scope is not a hit there
            q_map += f" AND c.doc_id IN (SELECT d.id FROM documents d WHERE {scope.sql})"
            params += scope.params
        for cid, eid in self.db.execute(q_map, params):
            by_vec.setdefault(int(eid), []).append(int(cid))
        out = [(cid, sim) for eid, sim in hits for cid in sorted(by_vec.get(eid, []))]
        return out[:k]

    def _scope_mask(self, scope: Scope, in_scope: str, ids: np.ndarray) -> np.ndarray:
        """Which rows of the vector matrix a scope allows; kept while the index is unchanged, as
        a long-lived process (TUI, MCP) asks many questions of one scope."""
        key = (scope.sql, scope.params, self.meta("generation") or "0", len(ids))
        with self._vm_lock:
            mask = self._masks.get(key)
        if mask is None:
            allowed = np.fromiter((r[0] for r in self.db.execute(in_scope, scope.params)), dtype=np.int64)
            mask = np.isin(ids, allowed)
            with self._vm_lock:
                if len(self._masks) >= 8:
                    self._masks.pop(next(iter(self._masks)))
                self._masks[key] = mask
        return mask

    def vector_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """All vectors as one matrix, reloaded only when the database changed since."""
        with self._vm_lock:
            key = self.meta("generation") or "0"
            if self._vm is None or self._vm[0] != key:
                with self.transaction_read():
                    key = self.meta("generation") or "0"
                    rows = self.db.execute("SELECT rowid, embedding FROM vec").fetchall()
                ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                dim = int(self.meta("embed_dim") or 0)
                blob = b"".join(r[1] for r in rows)  # type: ignore[misc]  # the vec table's float32 blobs
                mat = np.frombuffer(blob, dtype=np.float32).reshape(len(rows), dim)
                self._vm = (key, ids, mat)
            return self._vm[1], self._vm[2]

    @contextmanager
    def transaction_read(self) -> Iterator[None]:
        """One snapshot for several reads (WAL): a writer's commit in between is not half seen."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            if self.db.in_transaction:
                self.db.execute("COMMIT")

    def scope_has_chunks(self, scope: Scope) -> bool:
        return self.scalar(f"SELECT EXISTS(SELECT 1 FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {scope.sql})",
                           scope.params) == 1

    def keyword_search(self, fts_query: str, k: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        """(chunk id, BM25 score with higher = better), best first; only from ``scope`` if given."""
        if not fts_query:
            return []
        if scope:  # the matches are filtered as they come (a rowid list would make FTS5 look each one up)
            rows = self.db.execute(
                "SELECT chunks_fts.rowid, bm25(chunks_fts, 1.0, 0.5) AS s FROM chunks_fts CROSS JOIN chunks c"
                " ON c.id = chunks_fts.rowid WHERE chunks_fts MATCH ?"
                f" AND c.doc_id IN (SELECT d.id FROM documents d WHERE {scope.sql}) ORDER BY s LIMIT ?",
                (fts_query, *scope.params, k)).fetchall()
        else:
            rows = self.db.execute(
                "SELECT rowid, bm25(chunks_fts, 1.0, 0.5) AS s FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY s LIMIT ?",
                (fts_query, k)).fetchall()
        return [(int(r), -float(s)) for r, s in rows]  # type: ignore[arg-type]  # rowid and bm25: numbers

    def chunk_vectors(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors of chunks, from the in-memory copy (vec0 point reads are slow)."""
        if not chunk_ids:
            return {}
        ids, mat = self.vector_matrix()
        row_of = {int(e): i for i, e in enumerate(ids)}
        out: dict[int, np.ndarray] = {}
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start: start + 500])
            q = (f"SELECT c.id, e.id FROM chunks c JOIN embeddings e ON e.hash = c.hash"
                 f" WHERE c.id IN ({','.join('?' * len(part))})")
            for cid, eid in self.db.execute(q, part):
                if int(eid) in row_of:
                    out[int(cid)] = mat[row_of[int(eid)]]
        return out

    def doc_chunk_ids(self, path: str) -> list[int]:
        return [int(r[0]) for r in self.db.execute(
            "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE d.path=?", (path,))]
