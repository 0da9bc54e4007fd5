"""One SQLite file (WAL) holds folders, documents, chunks, FTS5 keywords and sqlite-vec vectors.

Opened through apsw, not the stdlib ``sqlite3``: many Python builds cannot load extensions,
and sqlite-vec is one. Vectors are keyed by the hash of the text they embed, so a text that
is already in the index (an unchanged chunk, a moved file) is never embedded again.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apsw
import numpy as np
import sqlite_vec

from .errors import LocalragError, ModelMismatchError
from .schema import MIGRATIONS
from .scope import Scope

BUSY_TIMEOUT_MS = 30_000



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


def _ro(row: Sequence) -> DocRow:
    return DocRow(*row)


class Store:
    def __init__(self, path: Path, readonly: bool = False, cache_vectors: bool = False):
        self.path = path
        self.cache_vectors = cache_vectors
        self._vm: tuple[str, np.ndarray, np.ndarray] | None = None
        self._vm_lock = threading.Lock()
        self._masks: dict[tuple, np.ndarray] = {}  # scope -> allowed rows of the vector matrix
        if not readonly:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        elif not path.exists():
            raise LocalragError(f"no index yet at {path}: add a folder first with `localrag add PATH`")
        self.readonly = readonly
        self._local = threading.local()
        self._conns: list[apsw.Connection] = []
        self._conns_lock = threading.Lock()
        try:
            if not readonly:
                self._migrate()
            else:
                self.db  # noqa: B018 - open now, so errors surface here
        except apsw.BusyError:
            raise LocalragError(f"the index {path} is locked by another localrag process; try again shortly") from None
        except (apsw.NotADBError, apsw.CorruptError):
            raise LocalragError(f"{path} is not a localrag database or is damaged (run `localrag doctor`)") from None
        except apsw.CantOpenError:
            raise LocalragError(f"cannot open the index at {path}") from None
        except apsw.FullError:
            raise LocalragError(f"no space left to open the index at {path}") from None

    @property
    def db(self) -> apsw.Connection:
        """This thread's connection: apsw refuses to share one between threads at once, and
        separate connections give each reader its own snapshot (WAL) while a writer works."""
        conn = getattr(self._local, "db", None)
        if conn is None:
            flags = apsw.SQLITE_OPEN_READONLY if self.readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
            conn = apsw.Connection(str(self.path), flags=flags)
            conn.set_busy_timeout(BUSY_TIMEOUT_MS)
            conn.enable_load_extension(True)
            conn.load_extension(sqlite_vec.loadable_path())
            conn.enable_load_extension(False)
            if not self.readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA secure_delete=ON")  # deleted text is overwritten, not left in free pages
            self._local.db = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    # ---- schema -----------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.scalar("PRAGMA user_version")
        if version > len(MIGRATIONS):
            raise LocalragError(f"{self.path} was made by a newer localrag (schema {version}); upgrade localrag")
        for n in range(version, len(MIGRATIONS)):
            with self.transaction():
                if self.scalar("PRAGMA user_version") > n:
                    continue  # another process migrated while we waited for the lock
                self.db.execute(MIGRATIONS[n])
                self.db.execute(f"PRAGMA user_version={n + 1}")

    def close(self) -> None:
        with self._conns_lock:
            for c in self._conns:
                try:
                    c.close()
                except apsw.ThreadingViolationError:  # in use by a thread right now: it closes on exit
                    pass
            self._conns.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self, changes_search: bool = True) -> Iterator[None]:
        """All-or-nothing: a crash or Ctrl-C inside rolls back, so no reader sees half a file.

        BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so two
        writers queue instead of failing half-way when a read lock cannot be upgraded.
        ``changes_search=False`` (chats, feedback, adapters): readers' cached vectors stay valid."""
        if self.db.in_transaction:  # nested: the outer transaction decides
            yield
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except apsw.BusyError:
            raise LocalragError("the index is busy with another localrag process; try again shortly") from None
        full = LocalragError("disk full: the last batch was rolled back, everything before it is kept; "
                             "free some space and run `localrag index` to continue")
        try:
            yield
            if changes_search:  # any thread or process that caches vectors sees the change by this number
                self.db.execute("INSERT INTO meta(key, value) VALUES ('generation', 1) "
                                "ON CONFLICT(key) DO UPDATE SET value = value + 1")
            self.db.execute("COMMIT")
        except apsw.FullError:
            self._rollback()
            raise full from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except apsw.Error:
            pass  # the connection rolls back on its own when it cannot

    @contextmanager
    def writer_lock(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """One indexing process per database (watcher, TUI, `index`): the next one waits its turn."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: SQLite's own locking still serialises writes
            yield
            return
        fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait:
                    on_wait()
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def scalar(self, sql: str, params: tuple = ()) -> Any:
        """The first column of the first row (aggregates and PRAGMAs always return one)."""
        row = self.db.execute(sql, params).fetchone()
        if row is None:
            raise LocalragError(f"the index database returned no row for: {sql[:60]}")
        return row[0]

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (key, value))

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

    # ---- folders ----------------------------------------------------------------------------------
    def add_folder(self, path: str) -> int:
        with self.transaction():
            row = self.db.execute("SELECT id FROM folders WHERE path=?", (path,)).fetchone()
            if row:
                return int(row[0])
            self.db.execute("INSERT INTO folders(path, added_at) VALUES (?, ?)", (path, time.time()))
            return int(self.db.last_insert_rowid())

    def folders(self) -> list[tuple[int, str]]:
        return [(int(i), p) for i, p in self.db.execute("SELECT id, path FROM folders ORDER BY path")]

    def remove_folder(self, folder_id: int) -> int:
        with self.transaction():
            n = self.scalar("SELECT count(*) FROM documents WHERE folder_id=?", (folder_id,))
            self.db.execute("DELETE FROM chunks WHERE doc_id IN (SELECT id FROM documents WHERE folder_id=?)", (folder_id,))
            self.db.execute("DELETE FROM documents WHERE folder_id=?", (folder_id,))
            self.db.execute("DELETE FROM folders WHERE id=?", (folder_id,))
            self.gc_embeddings()
        return int(n)

    # ---- documents ------------------------------------------------------------------------------
    _DOC_COLS = "id, folder_id, path, size, mtime_ns, content_hash, status, error, n_chunks, note"

    def documents(self, folder_id: int) -> dict[str, DocRow]:
        q = f"SELECT {self._DOC_COLS} FROM documents WHERE folder_id=?"
        return {r[2]: _ro(r) for r in self.db.execute(q, (folder_id,))}

    def document(self, path: str) -> DocRow | None:
        r = self.db.execute(f"SELECT {self._DOC_COLS} FROM documents WHERE path=?", (path,)).fetchone()
        return _ro(r) if r else None

    def delete_document(self, doc_id: int) -> None:
        self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE id=?", (doc_id,))

    def move_document(self, doc_id: int, new_path: str, folder_id: int, size: int, mtime_ns: int) -> None:
        self.db.execute("DELETE FROM documents WHERE path=? AND id<>?", (new_path, doc_id))
        self.db.execute("UPDATE documents SET path=?, folder_id=?, size=?, mtime_ns=?, indexed_at=? WHERE id=?",
                        (new_path, folder_id, size, mtime_ns, time.time(), doc_id))

    def touch_document(self, doc_id: int, size: int, mtime_ns: int) -> None:
        self.db.execute("UPDATE documents SET size=?, mtime_ns=? WHERE id=?", (size, mtime_ns, doc_id))

    def upsert_document(self, folder_id: int, path: str, size: int, mtime_ns: int, content_hash: str | None,
                        kind: str | None, status: str, error: str | None, note: str | None = None) -> int:
        row = self.db.execute("SELECT id FROM documents WHERE path=?", (path,)).fetchone()
        now = time.time()
        if row:
            doc_id = int(row[0])
            self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            self.db.execute(
                "UPDATE documents SET folder_id=?, size=?, mtime_ns=?, content_hash=?, kind=?, status=?, error=?,"
                " n_chunks=0, indexed_at=?, note=? WHERE id=?",
                (folder_id, size, mtime_ns, content_hash, kind, status, error, now, note, doc_id))
            return doc_id
        self.db.execute(
            "INSERT INTO documents(folder_id, path, size, mtime_ns, content_hash, kind, status, error, indexed_at, note)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)", (folder_id, path, size, mtime_ns, content_hash, kind, status, error, now, note))
        return int(self.db.last_insert_rowid())

    def add_chunks(self, doc_id: int, rows: Sequence[tuple[str, str, int | None, int | None, int | None, str]]) -> None:
        """rows: (text, heading, page, start_line, end_line, hash); their vectors must exist."""
        self.db.executemany(
            "INSERT INTO chunks(doc_id, seq, text, heading, page, start_line, end_line, hash) VALUES (?,?,?,?,?,?,?,?)",
            [(doc_id, i, *r) for i, r in enumerate(rows)])
        self.db.execute("UPDATE documents SET n_chunks=? WHERE id=?", (len(rows), doc_id))

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

    # ---- conversations and feedback -----------------------------------------------------------------
    def new_conversation(self, title: str, origin: str = "tui") -> int:
        now = time.time()
        with self.transaction(changes_search=False):
            self.db.execute("INSERT INTO conversations(title, created_at, updated_at, origin) VALUES (?,?,?,?)",
                            (title[:120], now, now, origin))
            return int(self.db.last_insert_rowid())

    def conversations(self, limit: int = 200, origin: str | None = None) -> list[tuple[int, str, float]]:
        where, params = ("WHERE origin = ?", (origin,)) if origin else ("", ())
        return [(int(i), t, u) for i, t, u in self.db.execute(
            f"SELECT id, title, updated_at FROM conversations {where} ORDER BY updated_at DESC, id DESC LIMIT ?",
            (*params, limit))]

    def conversation(self, conversation_id: int) -> tuple[str, float, float, str] | None:
        """(title, created, updated, origin), or None when there is no such conversation."""
        row = self.db.execute("SELECT title, created_at, updated_at, origin FROM conversations WHERE id=?",
                              (conversation_id,)).fetchone()
        return (str(row[0]), float(row[1]), float(row[2]), str(row[3])) if row else None  # type: ignore[arg-type]

    def add_message(self, conversation_id: int, question: str, answer: str, citations_json: str,
                    details_json: str = "{}") -> None:
        now = time.time()
        with self.transaction(changes_search=False):
            self.db.execute("INSERT INTO messages(conversation_id, question, answer, citations, created_at, details)"
                            " VALUES (?,?,?,?,?,?)", (conversation_id, question, answer, citations_json, now, details_json))
            self.db.execute("UPDATE conversations SET updated_at=? WHERE id=?", (now, conversation_id))

    def messages(self, conversation_id: int) -> list[tuple[str, str, str]]:
        return [(q, a, c) for q, a, c in self.db.execute(
            "SELECT question, answer, citations FROM messages WHERE conversation_id=? ORDER BY id", (conversation_id,))]

    def message_rows(self, conversation_id: int) -> list[tuple[str, str, str, str, float]]:
        """(question, answer, sources JSON, details JSON, time) of a conversation, oldest first."""
        return [(q, a, c, d, t) for q, a, c, d, t in self.db.execute(
            "SELECT question, answer, citations, details, created_at FROM messages WHERE conversation_id=? ORDER BY id",
            (conversation_id,))]

    def add_feedback(self, query: str, path: str, chunk_id: int | None, helpful: bool) -> None:
        with self.transaction(changes_search=False):
            row = self.db.execute("SELECT hash FROM chunks WHERE id=?", (chunk_id,)).fetchone() if chunk_id else None
            self.db.execute("INSERT INTO feedback(query, path, chunk_id, chunk_hash, helpful, created_at)"
                            " VALUES (?,?,?,?,?,?)", (query, path, chunk_id, row[0] if row else None, int(helpful),
                                                       time.time()))

    # ---- adapters ---------------------------------------------------------------------------------
    def save_adapter(self, fingerprint: str, u: bytes, v: bytes, dim: int, rank: int, report: str,
                     active: bool) -> int:
        with self.transaction(changes_search=False):
            if active:
                self.db.execute("UPDATE adapters SET active=0")
            self.db.execute("INSERT INTO adapters(created_at, fingerprint, dim, rank, u, v, report, active)"
                            " VALUES (?,?,?,?,?,?,?,?)", (time.time(), fingerprint, dim, rank, u, v, report,
                                                          int(active)))
            return int(self.db.last_insert_rowid())

    def active_adapter(self) -> tuple[int, str, bytes, bytes, int, int, str, float] | None:
        row = self.db.execute("SELECT id, fingerprint, u, v, dim, rank, report, created_at FROM adapters"
                              " WHERE active=1").fetchone()
        return tuple(row) if row else None  # type: ignore[return-value]

    def deactivate_adapters(self) -> int:
        with self.transaction(changes_search=False):
            self.db.execute("UPDATE adapters SET active=0 WHERE active=1")
            return int(self.db.changes())

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

    # ---- health ---------------------------------------------------------------------------------
    def check(self) -> dict[str, int | str]:
        """Counts of every disagreement between documents, chunks, keywords and vectors."""
        def one(q: str) -> int:
            return int(self.scalar(q))

        integrity = self.scalar("PRAGMA integrity_check")
        try:
            self.db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
            fts_ok = 1
        except apsw.Error:
            fts_ok = 0
        has_vec = self.db.execute("SELECT 1 FROM sqlite_master WHERE name='vec'").fetchone() is not None
        vec_ids = {int(r[0]) for r in self.db.execute("SELECT rowid FROM vec")} if has_vec else set()
        emb_ids = {int(r[0]) for r in self.db.execute("SELECT id FROM embeddings")}
        return {
            "integrity": integrity,
            "keyword_index_ok": fts_ok,
            "chunks_without_vectors": one("SELECT count(*) FROM chunks c WHERE NOT EXISTS "
                                          "(SELECT 1 FROM embeddings e WHERE e.hash = c.hash)"),
            "vectors_without_rows": len(vec_ids - emb_ids),
            "rows_without_vectors": len(emb_ids - vec_ids) if has_vec else 0,
            "unused_vectors": one("SELECT count(*) FROM embeddings e WHERE NOT EXISTS "
                                  "(SELECT 1 FROM chunks c WHERE c.hash = e.hash)"),
            "chunk_counts_off": one("SELECT count(*) FROM documents d WHERE n_chunks <> "
                                    "(SELECT count(*) FROM chunks c WHERE c.doc_id = d.id)"),
            "orphan_chunks": one("SELECT count(*) FROM chunks c WHERE NOT EXISTS "
                                 "(SELECT 1 FROM documents d WHERE d.id = c.doc_id)"),
            # an indexed file always has chunks (an empty one is recorded as failed); size -1 marks
            # files already waiting to be re-read (after reindex or repair)
            "documents_without_chunks": one("SELECT count(*) FROM documents d WHERE status='ok' AND size >= 0 AND "
                                            "NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.id)"),
        }

    def repair(self) -> list[str]:
        """Fix what check() finds without re-embedding what is intact; documents whose vectors
        are lost are marked so the next index re-reads them (and embeds only what is missing)."""
        done: list[str] = []
        with self.transaction():
            has_vec = self.db.execute("SELECT 1 FROM sqlite_master WHERE name='vec'").fetchone() is not None
            if has_vec:
                vec_ids = {int(r[0]) for r in self.db.execute("SELECT rowid FROM vec")}
                emb_ids = {int(r[0]) for r in self.db.execute("SELECT id FROM embeddings")}
                stray = sorted(vec_ids - emb_ids)
                for i in range(0, len(stray), 500):
                    part = stray[i: i + 500]
                    self.db.execute(f"DELETE FROM vec WHERE rowid IN ({','.join('?' * len(part))})", part)
                lost = sorted(emb_ids - vec_ids)
                for i in range(0, len(lost), 500):
                    part = lost[i: i + 500]
                    self.db.execute(f"DELETE FROM embeddings WHERE id IN ({','.join('?' * len(part))})", part)
                if stray or lost:
                    done.append(f"dropped {len(stray)} stray vectors and {len(lost)} vector rows with no vector")
            self.db.execute("DELETE FROM chunks WHERE doc_id NOT IN (SELECT id FROM documents)")
            self.db.execute(
                "UPDATE documents SET size=-1, content_hash=NULL WHERE id IN (SELECT DISTINCT c.doc_id FROM chunks c "
                "WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = c.hash))")
            k = self.db.changes()
            self.db.execute("UPDATE documents SET size=-1, content_hash=NULL WHERE status='ok' AND size >= 0 AND "
                            "NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = documents.id)")
            k += self.db.changes()
            if k:
                done.append(f"{k} documents lost vectors or chunks: the next `localrag index` re-reads only those")
            self.db.execute("UPDATE documents SET n_chunks = (SELECT count(*) FROM chunks c WHERE c.doc_id = documents.id)")
            self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
            done.append("rebuilt the keyword index")
            g = self.gc_embeddings()
            if g:
                done.append(f"dropped {g} unused vectors")
        return done

    # ---- forgetting -------------------------------------------------------------------------------
    def forget(self, path: str) -> int:
        """Drop every trace of a file (or of every file under a folder): chunks, keywords, vectors,
        cached answers citing it, feedback; then compact, so its text is gone from the disk."""
        prefix = path.rstrip(os.sep) + os.sep
        with self.transaction():
            ids = [int(r[0]) for r in self.db.execute(
                "SELECT id FROM documents WHERE path = ? OR substr(path, 1, ?) = ?", (path, len(prefix), prefix))]
            for doc_id in ids:
                self.delete_document(doc_id)
            cited = [int(mid) for mid, cits in self.db.execute("SELECT id, citations FROM messages")
                     if any(c.get("path") == path or str(c.get("path", "")).startswith(prefix)
                            for c in json.loads(cits or "[]"))]
            for mid in cited:  # cached answers that quote the file
                self.db.execute("DELETE FROM messages WHERE id=?", (mid,))
            self.db.execute("DELETE FROM feedback WHERE path = ? OR substr(path, 1, ?) = ?", (path, len(prefix), prefix))
            self.db.execute("INSERT OR REPLACE INTO forgotten(path, at) VALUES (?, ?)", (path, time.time()))
            self.gc_embeddings()
        self.compact()
        return len(ids)

    def forgotten(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM forgotten")]

    def unforget(self, path: str) -> None:
        prefix = path.rstrip(os.sep) + os.sep
        with self.transaction(changes_search=False):
            self.db.execute("DELETE FROM forgotten WHERE path = ? OR substr(path, 1, ?) = ?", (path, len(prefix), prefix))

    def compact(self) -> None:
        """Rewrite the file without free pages and empty the WAL: deleted text leaves the disk."""
        self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('optimize')")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- status ---------------------------------------------------------------------------------
    def stats(self) -> dict:
        def one(q: str, *a: object) -> Any:
            return self.scalar(q, a)

        per_folder = []
        for fid, path in self.folders():
            per_folder.append({
                "path": path,
                "files": one("SELECT count(*) FROM documents WHERE folder_id=? AND status='ok'", fid),
                "failed": one("SELECT count(*) FROM documents WHERE folder_id=? AND status='failed'", fid),
                "chunks": one("SELECT coalesce(sum(n_chunks),0) FROM documents WHERE folder_id=?", fid),
            })
        failed = [{"path": p, "reason": e} for p, e in
                  self.db.execute("SELECT path, error FROM documents WHERE status='failed' ORDER BY path")]
        notes = [{"path": p, "note": n} for p, n in
                 self.db.execute("SELECT path, note FROM documents WHERE status='ok' AND note IS NOT NULL ORDER BY path")]
        return {
            "folders": per_folder,
            "files": one("SELECT count(*) FROM documents WHERE status='ok'"),
            "chunks": one("SELECT count(*) FROM chunks"),
            "vectors": one("SELECT count(*) FROM embeddings"),
            "failed": failed,
            "notes": notes,
        }
