"""The index file and its rules: one connection a thread (WAL: readers never block), numbered
migrations on open, all-or-nothing transactions, and the one writer lock across processes."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import apsw
import sqlite_vec

from localrag.errors import LocalragError
from localrag.store.errors import StoreError, translate_public_methods, translated
from localrag.store.schema import MIGRATIONS, apply_migration

BUSY_TIMEOUT_MS = 30_000
# tests: "commit:N" kills the process just before its N-th commit, "committed:N" just after it,
# so a crash lands at a chosen point of any command, not wherever a timer happens to fall
KILL_AT = os.environ.get("LOCALRAG_KILL_AT", "")
_commits = 0
WAITING_FOR_WRITER = "waiting for another localrag process that is indexing"  # said by every writer that waits for the lock


class Connection:
    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
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
        except (apsw.Error, StoreError) as e:  # the first read, or a migration, said why it cannot open
            cause = e.__cause__ if isinstance(e, StoreError) else e
            if isinstance(cause, apsw.BusyError):
                raise StoreError(f"the index {path} is locked by another localrag process; try again shortly") from e
            if isinstance(cause, (apsw.NotADBError, apsw.CorruptError)):
                raise StoreError(f"{path} is not a localrag database or is damaged (run `localrag doctor`)") from e
            if isinstance(cause, apsw.CantOpenError):
                raise StoreError(f"cannot open the index at {path}") from e
            if isinstance(cause, apsw.FullError):
                raise StoreError(f"no space left to open the index at {path}") from e
            if isinstance(e, StoreError):
                raise
            raise translated(e) from e

    @property
    def db(self) -> apsw.Connection:
        """This thread's connection: apsw refuses to share one between threads at once, and
        separate connections give each reader its own snapshot (WAL) while a writer works."""
        conn = getattr(self._local, "db", None)
        if conn is None:
            conn = self._open()
            self._local.db = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    def release_thread(self) -> None:
        """Close this thread's connection: a long-lived process that runs each piece of work on a
        new thread (the TUI's workers) calls it as the work ends, or it would keep a connection,
        two file descriptors and a page cache, for every piece it ever ran. The thread's next
        use opens a new one."""
        conn = getattr(self._local, "db", None)
        if conn is None:
            return
        self._local.db = None
        self._local.tokenizer = None
        with self._conns_lock:
            if conn in self._conns:
                self._conns.remove(conn)
        conn.close()

    def open_connections(self) -> int:
        """How many threads hold a connection now (a long-lived process must not gather them)."""
        with self._conns_lock:
            return len(self._conns)

    @property
    def tokenizer(self) -> Any:
        """This thread's handle on the keyword index's own tokenizer (tied to its connection)."""
        self.db  # noqa: B018 - opens this thread's connection, which makes the tokenizer
        return self._local.tokenizer

    def _open(self) -> apsw.Connection:
        """One connection with everything tied to it set up at once: extensions, pragmas, the
        TEMP vocabulary table and the tokenizer. Nothing connection-bound is made lazily later,
        since the next call may come on another thread, so another connection."""
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
        # how many chunks hold a word, for the keyword half (TEMP: the database file is untouched)
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, chunks_fts, row)")
        self._local.tokenizer = conn.fts5_tokenizer("porter", ["unicode61", "remove_diacritics", "2"])
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
                apply_migration(self.db, MIGRATIONS[n])
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
        except apsw.BusyError as e:
            raise StoreError("the index is busy with another localrag process; try again shortly") from e
        full = StoreError("disk full: the last batch was rolled back, everything before it is kept; "
                             "free some space and run `localrag index` to continue")
        try:
            yield
            if changes_search:  # any thread or process that caches vectors sees the change by this number
                self.db.execute("INSERT INTO meta(key, value) VALUES ('generation', 1) "
                                "ON CONFLICT(key) DO UPDATE SET value = value + 1")
            if KILL_AT:
                _kill_point("commit")
            self.db.execute("COMMIT")
            if KILL_AT:
                _kill_point("committed")
        except apsw.FullError as e:
            self._rollback()
            raise full from e
        except apsw.Error as e:  # said in words (a busy or damaged index), the batch rolled back
            self._rollback()
            raise translated(e) from e
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


translate_public_methods(Connection)


def _kill_point(where: str) -> None:
    """Die here (SIGKILL, as a power cut or an OOM kill would) if ``LOCALRAG_KILL_AT`` says so."""
    global _commits
    point, _, n = KILL_AT.partition(":")
    if where == "commit":
        _commits += 1
    if point == where and n.isdigit() and _commits == int(n):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


class Part:
    """One job of the store (documents, chunks, vectors, keywords, history, health), on the
    connection it shares with the others: what each part does to the database is in its module.
    Each part's public methods say the database's failures as a ``StoreError``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        translate_public_methods(cls)

    def __init__(self, conn: Connection):
        self.conn = conn

    @property
    def db(self) -> apsw.Connection:
        return self.conn.db

    def scalar(self, sql: str, params: tuple = ()) -> Any:
        return self.conn.scalar(sql, params)

    def meta(self, key: str) -> str | None:
        return self.conn.meta(key)

    def set_meta(self, key: str, value: str) -> None:
        self.conn.set_meta(key, value)

    def transaction(self, changes_search: bool = True) -> AbstractContextManager[None]:
        return self.conn.transaction(changes_search)

    def transaction_read(self) -> AbstractContextManager[None]:
        return self.conn.transaction_read()
