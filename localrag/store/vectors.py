"""Vectors: the embedding model guard (vectors of two models never mix), vectors keyed by their
text's hash, and nearest neighbours.

Nearest neighbours come in two steps, so a million passages stay fast on a laptop: a Hamming
scan of 1-bit codes (the sign of each dimension: 48 bytes a vector, in a sqlite-vec ``bit``
column), then an exact cosine of the few hundred best against the float vectors, read by
primary key. Both live in the same database and change in the same transactions, so they
cannot drift apart; doctor rebuilds the codes from the floats.

The scan is numpy's over sqlite-vec's own blocks of 1,024 codes, read whole from its shadow
tables, and held in memory by a long-lived process; a one-shot
process maps them from the codes file beside the index (``codefile``) when it is current.
sqlite-vec's KNN
query keeps its top k in a way whose cost grows with k, too slow for the few hundred candidates
re-scoring needs, and its row-by-row scan is slower still (bench/ann.py, bench/query.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import apsw
import numpy as np

from localrag.errors import LocalragError, ModelMismatchError
from localrag.store import codefile, sentences
from localrag.store.connection import Connection, Part
from localrag.store.schema import BITS_TABLE

if TYPE_CHECKING:  # a scope is read here (its SQL and parameters), never made
    from localrag.store.scope import Scope

CODES_FILE_MIN = 200_000  # vectors; below this one-shot searches read the codes from the database
READ_AHEAD_ROWS = 20_000  # vectors a step of read_ahead: some 30 MB, tens of milliseconds
RESCORE = 400  # coarse candidates re-scored exactly: recall@10 0.999 on Vaswani's real vectors (bench/ann.py)


def pack_bits(vectors: np.ndarray) -> np.ndarray:
    """1-bit codes, bit i set when dimension i is positive; the layout of sqlite-vec's
    ``vec_quantize_binary``, so codes made here and in SQL compare."""
    return np.packbits(np.asarray(vectors) > 0, axis=-1, bitorder="little")


def code_words(codes: np.ndarray, copy: bool = True) -> np.ndarray:
    """Codes (a row of bytes each) as columns of machine words, shape (words, rows): the scan
    then runs down contiguous columns (faster than down strided ones). ``copy=False``: a
    strided view, for one scan only (the copy itself costs more than one scan)."""
    wide = np.uint64 if codes.shape[1] % 8 == 0 else np.uint8
    words = np.ascontiguousarray(codes).view(wide).T
    return np.ascontiguousarray(words) if copy else words


def hamming(words: np.ndarray, query_code: np.ndarray) -> np.ndarray:
    """Differing bits between each code (``code_words`` columns) and the query's code."""
    q = np.ascontiguousarray(query_code).view(words.dtype)
    n = words.shape[1]
    out = np.zeros(n, dtype=np.uint16)
    tmp = np.empty(n, dtype=words.dtype)
    count = np.empty(n, dtype=np.uint8)
    for j in range(words.shape[0]):
        np.bitwise_xor(words[j], q[j], out=tmp)
        np.bitwise_count(tmp, out=count)
        np.add(out, count, out=out)
    return out


def nearest(dist: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` smallest distances (at the edge, the first), found by counting
    the distances (a few hundred values) instead of partitioning a million (several times faster)."""
    if n >= len(dist):
        return np.arange(len(dist))
    cut = int(np.searchsorted(np.cumsum(np.bincount(dist)), n))  # the distance of the n-th nearest
    near = np.flatnonzero(dist <= cut)
    if len(near) > n:  # ties at the cut: all that are nearer, then the first at it
        d = dist[near]
        near = np.concatenate([near[d < cut], near[d == cut][: n - int((d < cut).sum())]])
    return near


class Vectors(Part):
    def __init__(self, conn: Connection, cache: bool = False):
        super().__init__(conn)
        self.cache = cache  # a long-lived process keeps the codes (and scope masks) in memory
        self._vm: tuple[str, np.ndarray, np.ndarray] | None = None
        self._vm_lock = threading.Lock()
        self._masks: dict[tuple, np.ndarray] = {}  # scope -> allowed rows of the vector matrix

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
                if dim % 8:
                    raise LocalragError(f"embedding model {name} has {dim} dimensions; localrag needs a multiple of 8")
                self.db.execute(BITS_TABLE.format(dim=dim))
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
            self.db.execute("DROP TABLE IF EXISTS vec_bits")
            self.db.execute("DELETE FROM embeddings")
            sentences.drop_all(self.db)
            self.db.execute("DELETE FROM meta WHERE key IN ('embed_model','embed_dim','embed_fingerprint','texts_pending')")
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
        """Store new texts' vectors (a hash already known keeps its vector) and their codes."""
        top = self.scalar("SELECT coalesce(max(id), 0) FROM embeddings")
        self.db.executemany("INSERT OR IGNORE INTO embeddings(hash, vector) VALUES (?, ?)",
                            ((h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in zip(hashes, vectors)))
        # new rows get ids above the old maximum (INTEGER PRIMARY KEY), so this codes exactly them
        self.db.execute("INSERT INTO vec_bits(rowid, embedding) SELECT id, vec_quantize_binary(vector) FROM embeddings"
                        " WHERE id > ?", (top,))

    _UNEMBEDDED = "NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = c.hash)"

    def count_unembedded(self) -> int:
        """Texts (distinct) that are searchable by keywords but have no vector yet."""
        return int(self.scalar(f"SELECT count(DISTINCT c.hash) FROM chunks c WHERE {self._UNEMBEDDED}"))

    def unembedded(self, after: int, limit: int) -> list[tuple[int, str, str, str]]:
        """The next chunks without a vector, by id after ``after``: (id, hash, text, heading)."""
        return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in self.db.execute(
            f"SELECT c.id, c.hash, c.text, c.heading FROM chunks c WHERE c.id > ? AND {self._UNEMBEDDED}"
            " ORDER BY c.id LIMIT ?", (after, limit))]

    def add_pending(self, n: int) -> None:
        """Keep ``texts_pending`` (texts without a vector) without counting: a query reads it to
        say its answer rests on part of the index. The meaning phase recounts it exactly."""
        if n:
            self.db.execute("INSERT INTO meta(key, value) VALUES ('texts_pending', max(0, ?)) "
                            "ON CONFLICT(key) DO UPDATE SET value = max(0, value + ?)", (n, n))

    def meaning_share(self) -> float | None:
        """The share of texts that have a vector while some still wait (None: all have one),
        from the kept counter, without counting the chunks."""
        pending = int(self.meta("texts_pending") or 0)
        if pending <= 0:
            return None
        have = int(self.scalar("SELECT count(*) FROM embeddings"))
        return have / (have + pending)

    def partial_note(self) -> str | None:
        """Said with an answer while vectors are still being made: how much meaning search saw."""
        share = self.meaning_share()
        if share is None:
            return None
        return (f"indexing is not finished: search by meaning covers {share:.0%} of the passages so far (keywords "
                "cover all), so this rests on part of your folders")

    def set_embed_rate(self, per_s: float) -> None:
        """The last run's embedding speed, for "about 2 h left" before the next one measures."""
        if per_s > 0:
            self.set_meta("embed_rate", f"{per_s:.3f}")

    def embed_rate(self) -> float | None:
        """Texts a second the last index run embedded, if one measured it."""
        rate = float(self.meta("embed_rate") or 0)
        return rate if rate > 0 else None

    def coverage(self) -> dict[str, float | int | None]:
        """How much of the index each half of hybrid search sees: keywords cover every chunk
        once it is written; meaning covers the chunks whose text has a vector."""
        total = int(self.scalar("SELECT count(*) FROM chunks"))
        waiting = int(self.scalar(f"SELECT count(*) FROM chunks c WHERE {self._UNEMBEDDED}")) if total else 0
        texts = self.count_unembedded() if waiting else 0
        rate = float(self.meta("embed_rate") or 0)
        return {"chunks": total, "chunks_without_vectors": waiting,
                "meaning": 1.0 if not total else round((total - waiting) / total, 4),
                "seconds_left": round(texts / rate) if texts and rate else None}

    def read_ahead(self, after: int) -> int:
        """Read the float vectors of the next READ_AHEAD_ROWS rows after id ``after``, so the OS
        keeps their pages: re-scoring reads a few hundred at random a search, each from the disk
        while the file is cold (at a million chunks, most of a warm service's search). The last
        id read, 0 when none is left."""
        row = self.db.execute("SELECT max(id), sum(length(vector || x'')) FROM "  # || reads the whole blob
                              "(SELECT id, vector FROM embeddings WHERE id > ? ORDER BY id LIMIT ?)",
                              (after, READ_AHEAD_ROWS)).fetchone()
        return int(row[0] or 0) if row else 0

    def gc_embeddings(self) -> int:
        """Drop vectors no chunk uses any more (deleted or edited text), its sentences' too."""
        sentences.drop_unused(self.db)
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM embeddings e WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = e.hash)")]
        if not ids:
            return 0
        has_vec = self.db.execute("SELECT 1 FROM sqlite_master WHERE name='vec_bits'").fetchone()
        for i in range(0, len(ids), 500):
            part = ids[i: i + 500]
            marks = ",".join("?" * len(part))
            if has_vec:
                self.db.execute(f"DELETE FROM vec_bits WHERE rowid IN ({marks})", part)
            self.db.execute(f"DELETE FROM embeddings WHERE id IN ({marks})", part)
        return len(ids)

    def vector_search(self, query: np.ndarray, k: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), best first. Chunks sharing a text share its vector.

        Coarse candidates by Hamming distance of the codes (kept in memory by a long-lived process
        that sets ``cache``), then exact cosine. A ``scope`` limits the search itself (not
        its results), so k hits come from the scope.
        """
        if self.model_record() is None:
            return []
        q = np.asarray(query, dtype=np.float32)
        want = max(RESCORE, 4 * k)
        # driven from the documents (few) to their chunks and vectors by index, never a scan of all chunks
        in_scope = ("SELECT e.id FROM documents d CROSS JOIN chunks c ON c.doc_id = d.id CROSS JOIN embeddings e"
                    f" ON e.hash = c.hash WHERE {scope.sql}") if scope else ""
        ids, words = self.vector_codes()
        if len(ids) == 0:
            return []
        dist = hamming(words, pack_bits(q))
        if scope:
            dist[~self._scope_mask(scope, in_scope, ids)] = np.iinfo(np.uint16).max
        cand = [int(i) for i in ids[nearest(dist, want)]]
        hits = self._rescore(cand, q, k)
        if not hits:
            return []
        by_vec: dict[int, list[int]] = {}
        for start in range(0, len(hits), 500):  # SQLite caps the variables of one statement
            part = [h for h, _ in hits[start: start + 500]]
            q_map = ("SELECT c.id, e.id FROM embeddings e CROSS JOIN chunks c ON c.hash = e.hash"
                     f" WHERE e.id IN ({','.join('?' * len(part))})")
            params: list = part
            if scope:  # a text shared with a file outside the scope is not a hit there
                q_map += f" AND c.doc_id IN (SELECT d.id FROM documents d WHERE {scope.sql})"
                params = part + list(scope.params)
            for cid, eid in self.db.execute(q_map, params):
                by_vec.setdefault(int(eid), []).append(int(cid))
        out = [(cid, sim) for eid, sim in hits for cid in sorted(by_vec.get(eid, []))]
        return out[:k]

    def _rescore(self, cand: list[int], q: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Exact cosine of the candidates (float vectors by primary key), best ``k`` first."""
        got: list = []  # (id, float32 bytes)
        for s in range(0, len(cand), 500):
            part = cand[s: s + 500]
            got += self.db.execute(f"SELECT id, vector FROM embeddings WHERE id IN ({','.join('?' * len(part))})"
                                   " AND vector IS NOT NULL", part).fetchall()
        if not got:
            return []
        mat = np.frombuffer(b"".join(v for _, v in got), dtype=np.float32).reshape(len(got), -1)
        sims = mat @ q
        order = np.argsort(-sims, kind="stable")[:k]
        return [(int(got[i][0]), float(sims[i])) for i in order]

    def _scope_mask(self, scope: Scope, in_scope: str, ids: np.ndarray) -> np.ndarray:
        """Which codes a scope allows; a long-lived process (TUI, MCP) keeps it while the index
        is unchanged, as it asks many questions of one scope."""
        key = (scope.sql, scope.params, self.meta("generation") or "0", len(ids))
        with self._vm_lock:
            mask = self._masks.get(key) if self.cache else None
        if mask is None:
            allowed = np.fromiter((r[0] for r in self.db.execute(in_scope, scope.params)), dtype=np.int64)
            mask = np.isin(ids, allowed)
            with self._vm_lock:
                if len(self._masks) >= 8:
                    self._masks.pop(next(iter(self._masks)))
                self._masks[key] = mask
        return mask

    def vector_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Every vector's id and its 1-bit code (as ``code_words``). A long-lived process
        (``cache``) keeps them (48 MB at a million 384-d vectors) until the index changes."""
        if not self.cache:  # one search: the file beside the index, else scanned where they lie
            with self.transaction_read():
                mapped = codefile.read(self.codes_path, self._codes_key())
                if mapped is not None:
                    return mapped
                _, ids, codes = self.read_codes()
            return ids, code_words(codes, copy=False)
        with self._vm_lock:
            key = self.meta("generation") or "0"
            if self._vm is None or self._vm[0] != key:
                key, ids, codes = self.read_codes()
                self._vm = (key, ids, code_words(codes))
            return self._vm[1], self._vm[2]

    @property
    def codes_path(self) -> Path:
        """The codes file beside the index, for one-shot searches."""
        return codefile.path_for(self.conn.path)

    def _codes_key(self) -> str:
        """The state of the codes: which index, which generation, its newest vector."""
        top = self.scalar("SELECT coalesce(max(id), 0) FROM embeddings")
        return f"{self.meta('index_id') or ''}:{self.meta('generation') or '0'}:{top}"

    def save_codes_file(self) -> None:
        """After indexing: write the codes beside the index for one-shot searches, if the index
        is big enough for it to matter (below CODES_FILE_MIN, reading them from the database is cheap)."""
        path = self.codes_path
        with self.transaction_read():
            if self.model_record() is None or self.scalar("SELECT count(*) FROM embeddings") < CODES_FILE_MIN:
                codefile.remove(path)
                return
            key = self._codes_key()
            if codefile.holds(path, key):
                return
            _, ids, codes = self.read_codes()
        codefile.write(path, key, ids, code_words(codes))

    def read_codes(self) -> tuple[str, np.ndarray, np.ndarray]:
        """(generation, ids, codes) in one snapshot, from sqlite-vec's blocks when their layout
        is the one known (checked block by block), else row by row (slower, same result)."""
        width = int(self.meta("embed_dim") or 0) // 8
        with self.transaction_read():
            key = self.meta("generation") or "0"
            got = self.codes_from_blocks(width)
            if got is None:
                rows = self.db.execute("SELECT rowid, embedding FROM vec_bits").fetchall()
                ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                blob = b"".join(r[1] for r in rows)  # type: ignore[misc]  # the bit column's bytes
                got = ids, np.frombuffer(blob, dtype=np.uint8).reshape(len(rows), width)
        return key, got[0], got[1]

    def codes_from_blocks(self, width: int) -> tuple[np.ndarray, np.ndarray] | None:
        """sqlite-vec 0.1 keeps a vec0 table in blocks: ``vec_bits_chunks`` (size, a validity
        bitmap, 8-byte rowids) and ``vec_bits_vector_chunks00`` (the codes, one row a block).
        A full block's codes are read straight into place (SQLite's blob I/O): a one-shot
        process copies the 48 MB of a million codes once, not three times."""
        try:
            blocks = self.db.execute("SELECT chunk_id, size, validity, rowids FROM vec_bits_chunks ORDER BY chunk_id").fetchall()
        except apsw.SQLError:
            return None
        parsed: list[tuple[int, int, bytes, np.ndarray]] = []  # (block, size, rowids, which slots hold a code)
        for chunk_id, size, validity, rowids in blocks:
            if not (isinstance(chunk_id, int) and isinstance(size, int) and isinstance(validity, bytes)
                    and isinstance(rowids, bytes) and len(rowids) == 8 * size and len(validity) * 8 >= size):
                return None  # not the layout we know: read row by row
            ok = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[:size].astype(bool)
            parsed.append((chunk_id, size, rowids, ok))
        total = sum(int(ok.sum()) for *_, ok in parsed)
        ids = np.empty(total, dtype=np.int64)
        codes = np.empty((total, width), dtype=np.uint8)
        into = codes.reshape(-1).data  # the array's own bytes, written by SQLite
        at = 0
        for chunk_id, size, rowids, ok in parsed:
            n = int(ok.sum())
            try:
                blob = self.db.blob_open("main", "vec_bits_vector_chunks00", "vectors", chunk_id, False)
            except apsw.SQLError:
                return None
            try:
                if blob.length() != width * size:
                    return None
                if n == size:
                    blob.read_into(into, at * width, n * width)
                    ids[at: at + n] = np.frombuffer(rowids, dtype=np.int64)
                elif n:  # deleted rows leave holes; a last block is partly empty
                    codes[at: at + n] = np.frombuffer(blob.read(), dtype=np.uint8).reshape(size, width)[ok]
                    ids[at: at + n] = np.frombuffer(rowids, dtype=np.int64)[ok]
            finally:
                blob.close()
            at += n
        return ids, codes

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Every vector id and float vector as one matrix, for batch jobs (tune) that need them all."""
        with self.transaction_read():  # one copy of the matrix: each row is written into its place as it is read
            n = int(self.scalar("SELECT count(*) FROM embeddings WHERE vector IS NOT NULL"))
            dim = int(self.meta("embed_dim") or 0)
            ids = np.empty(n, dtype=np.int64)
            mat = np.empty((n, dim), dtype=np.float32)
            i = 0
            for vid, blob in self.db.execute("SELECT id, vector FROM embeddings WHERE vector IS NOT NULL ORDER BY id"):
                ids[i] = vid
                mat[i] = np.frombuffer(blob, dtype=np.float32)  # type: ignore[arg-type]  # the vector column's bytes
                i += 1
        return ids[:i], mat[:i]

    def chunk_vectors(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors of chunks (those that have one yet)."""
        out: dict[int, np.ndarray] = {}
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start: start + 500])
            q = (f"SELECT c.id, e.vector FROM chunks c JOIN embeddings e ON e.hash = c.hash"
                 f" WHERE c.id IN ({','.join('?' * len(part))}) AND e.vector IS NOT NULL")
            for cid, blob in self.db.execute(q, part):
                out[int(cid)] = np.frombuffer(blob, dtype=np.float32)
        return out
