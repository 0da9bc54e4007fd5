"""Folders, documents and their chunks: what the indexer writes, and forgetting a file for good."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence

from localrag.store import codefile
from localrag.store.connection import Connection, Part
from localrag.store.rows import DocRow, _ro
from localrag.store.vectors import Vectors


def _at_or_under(path: str) -> tuple[str, tuple[str, int, str]]:
    """The condition (and its parameters) for rows whose ``path`` is ``path`` or lies under it."""
    prefix = path.rstrip(os.sep) + os.sep
    return "path = ? OR substr(path, 1, ?) = ?", (path, len(prefix), prefix)


class Documents(Part):
    def __init__(self, conn: Connection, vectors: Vectors):
        super().__init__(conn)
        self.vectors = vectors  # a deleted text's vector goes with it
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
            self.vectors.gc_embeddings()
        return int(n)

    # ---- documents ------------------------------------------------------------------------------
    _DOC_COLS = "id, folder_id, path, size, mtime_ns, content_hash, status, error, n_chunks, note, attempts, retry_at, stale_since"

    def in_folder(self, folder_id: int) -> dict[str, DocRow]:
        q = f"SELECT {self._DOC_COLS} FROM documents WHERE folder_id=?"
        return {r[2]: _ro(r) for r in self.db.execute(q, (folder_id,))}

    def under(self, folder_id: int, paths: Sequence[str]) -> dict[str, DocRow]:
        """The folder's documents at or under each of ``paths`` (found by the path's unique index)."""
        out: dict[str, DocRow] = {}
        q = f"SELECT {self._DOC_COLS} FROM documents WHERE folder_id=? AND (path = ? OR (path > ? AND path < ?))"
        for p in paths:
            prefix = p.rstrip(os.sep) + os.sep
            out.update((r[2], _ro(r)) for r in self.db.execute(q, (folder_id, p, prefix, prefix[:-1] + chr(ord(os.sep) + 1))))
        return out

    def indexed_paths(self) -> list[str]:
        """Every document that was read and has its chunks (what an evaluation can name)."""
        return [str(r[0]) for r in self.db.execute("SELECT path FROM documents WHERE status='ok'")]

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
        self.db.execute("UPDATE documents SET size=?, mtime_ns=?, stale_since=NULL WHERE id=?", (size, mtime_ns, doc_id))

    def upsert_document(self, folder_id: int, path: str, size: int, mtime_ns: int, content_hash: str | None,
                        kind: str | None, status: str, error: str | None, note: str | None = None,
                        attempts: int = 0, retry_at: float | None = None) -> int:
        """A document as just read: ``attempts`` and ``retry_at`` say, for a failed one, how many
        times in a row it failed and when it is to be tried again."""
        row = self.db.execute("SELECT id FROM documents WHERE path=?", (path,)).fetchone()
        now = time.time()
        if row:
            doc_id = int(row[0])
            self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            self.db.execute(
                "UPDATE documents SET folder_id=?, size=?, mtime_ns=?, content_hash=?, kind=?, status=?, error=?,"
                " n_chunks=0, indexed_at=?, note=?, attempts=?, retry_at=?, stale_since=NULL WHERE id=?",
                (folder_id, size, mtime_ns, content_hash, kind, status, error, now, note, attempts, retry_at, doc_id))
            return doc_id
        self.db.execute(
            "INSERT INTO documents(folder_id, path, size, mtime_ns, content_hash, kind, status, error, indexed_at, note,"
            " attempts, retry_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (folder_id, path, size, mtime_ns, content_hash, kind, status, error, now, note, attempts, retry_at))
        return int(self.db.last_insert_rowid())

    def mark_stale(self, doc_ids: Sequence[int], stale: bool) -> None:
        """Documents whose folder could not be read (kept, said to be maybe out of date), or no longer."""
        now = time.time() if stale else None
        for start in range(0, len(doc_ids), 500):
            part = list(doc_ids[start: start + 500])
            cond = "stale_since IS NULL" if stale else "stale_since IS NOT NULL"
            self.db.execute(f"UPDATE documents SET stale_since=? WHERE {cond} AND id IN ({','.join('?' * len(part))})",
                            [now, *part])

    def add_chunks(self, doc_id: int, rows: Sequence[tuple[str, str, int | None, int | None, int | None, str]]) -> None:
        """rows: (text, heading, page, start_line, end_line, hash); searchable by keywords at once,
        by meaning once their text's vector is stored (the indexer's second phase)."""
        self.db.executemany(
            "INSERT INTO chunks(doc_id, seq, text, heading, page, start_line, end_line, hash) VALUES (?,?,?,?,?,?,?,?)",
            [(doc_id, i, *r) for i, r in enumerate(rows)])
        self.db.execute("UPDATE documents SET n_chunks=? WHERE id=?", (len(rows), doc_id))

    # ---- forgetting -------------------------------------------------------------------------------
    def forget(self, path: str) -> tuple[int, bool]:
        """Drop every trace of a file (or of every file under a folder): chunks, keywords, vectors,
        cached answers citing it, feedback; then compact, so its text is gone from the disk.
        Returns (files forgotten, whether the WAL could be emptied of their text too)."""
        prefix = path.rstrip(os.sep) + os.sep
        where, params = _at_or_under(path)
        with self.transaction():
            ids = [int(r[0]) for r in self.db.execute(f"SELECT id FROM documents WHERE {where}", params)]
            for doc_id in ids:
                self.delete_document(doc_id)
            cited = [int(mid) for mid, cits in self.db.execute("SELECT id, citations FROM messages")
                     if _cites(cits, path, prefix)]
            for mid in cited:  # cached answers that quote the file
                self.db.execute("DELETE FROM messages WHERE id=?", (mid,))
            self.db.execute(f"DELETE FROM feedback WHERE {where}", params)
            self.db.execute("INSERT OR REPLACE INTO forgotten(path, at) VALUES (?, ?)", (path, time.time()))
            self.vectors.gc_embeddings()
        codefile.remove(self.vectors.codes_path)  # its codes too (the next index writes the file again)
        return len(ids), self.compact()

    def holds_path(self, path: str) -> bool:
        """A document at ``path``, or under it when it is a folder."""
        where, params = _at_or_under(path)
        return self.db.execute(f"SELECT 1 FROM documents WHERE {where} LIMIT 1", params).fetchone() is not None

    def forgotten(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM forgotten")]

    def unforget(self, path: str) -> None:
        where, params = _at_or_under(path)
        with self.transaction(changes_search=False):
            self.db.execute(f"DELETE FROM forgotten WHERE {where}", params)

    def compact(self, wait: float = 10.0) -> bool:
        """Rewrite the file without free pages and empty the WAL: deleted text leaves the disk.
        False when a reader (another process) kept the WAL from being emptied for ``wait``
        seconds: the text is then still in the ``-wal`` file until the next checkpoint."""
        self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('optimize')")
        self.checkpoint(wait)
        self.db.execute("VACUUM")
        return self.checkpoint(wait)

    def checkpoint(self, wait: float) -> bool:
        """Copy the WAL into the database and truncate it, retrying while a reader holds it."""
        deadline = time.monotonic() + wait
        while True:
            row = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            busy = bool(row and row[0])
            if not busy or time.monotonic() >= deadline:
                return not busy
            time.sleep(0.1)


def _cites(text: object, path: str, prefix: str) -> bool:
    """Whether a cached answer's citations name ``path`` or a file under it. A row that does not
    read as citations (damaged, or from another version) never stops a `forget`: it goes when
    its text names the path at all."""
    try:
        cits = json.loads(text or "[]") if isinstance(text, (str, bytes)) else []
    except ValueError:
        return path in str(text)
    if not isinstance(cits, list):
        return path in str(text)
    return any(isinstance(c, dict) and (c.get("path") == path or str(c.get("path", "")).startswith(prefix))
               for c in cits)
