"""Keep the index in step with the folders as files change, using watchdog's file events.

Events are only hints of *where* something changed: they are debounced, batched, and handed
to the same indexer `localrag index` uses, limited to those paths. So an editor's atomic save,
a rename, or a 1,000-file `git checkout` all end in the state a fresh index would give, and
a moved file keeps its vectors. On start, a full reconcile catches what changed while
localrag was not running. When the OS runs out of inotify watches, it rescans periodically
instead of going blind.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from localrag.errors import LocalragError
from localrag.indexing.indexer import IndexStats, ProgressFn
from localrag.indexing.walk import is_temp_name
from localrag.store import WAITING_FOR_WRITER

if TYPE_CHECKING:
    from localrag.indexing.walk import Rules

RETRY_FIRST = 1.0  # seconds before a failed batch is tried again; doubled at each failure in a row
RETRY_MOST = 60.0
INOTIFY_HINT = ("the system's inotify watch limit is reached; raise it with "
                "`sudo sysctl fs.inotify.max_user_watches=524288` (and in /etc/sysctl.conf); "
                "until then localrag rescans every {every:.0f}s")


@dataclass
class WatchState:
    """What a status bar shows."""

    running: bool = False
    folders: int = 0
    missing: set[str] = field(default_factory=set)
    polling: bool = False
    last_batch: float = 0.0
    changes: int = 0


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher, root: str):
        self.watcher = watcher
        self.root = root
        self.single_file = os.path.isfile(root)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a directory's mtime: the files inside bring their own events
        paths = [os.fsdecode(event.src_path)]
        dest = getattr(event, "dest_path", "")
        if dest:
            paths.append(os.fsdecode(dest))
        for p in paths:
            if self.single_file and p != self.root:
                continue
            if not (p == self.root or p.startswith(self.root + os.sep)):
                continue  # a move's other end outside this folder
            if is_temp_name(os.path.basename(p)):
                continue
            self.watcher.hint(self.root, p)


class Indexes(Protocol):
    """What the watcher asks of the index it keeps in step (the core's ``index`` part)."""
    def folders(self) -> list[str]: ...

    def rules(self) -> Rules: ...

    def keep_parser(self) -> None: ...

    def update(self, progress: ProgressFn | None = None, only: Sequence[str] | None = None,
               scope: dict[str, list[str]] | None = None, on_wait: Callable[[], None] | None = None) -> IndexStats: ...


class Watcher:
    def __init__(self, index: Indexes, on_stats: Callable[[IndexStats], None] | None = None,
                 on_message: Callable[[str], None] | None = None, debounce: float = 0.3,
                 max_delay: float = 2.0, rescan_every: float = 30.0, check_every: float = 2.0,
                 progress: ProgressFn | None = None):
        self.index = index
        self.progress = progress
        self.on_stats = on_stats or (lambda s: None)
        self.on_message = on_message or (lambda m: None)
        self.debounce = debounce
        self.max_delay = max_delay
        self.rescan_every = rescan_every
        self.check_every = check_every
        self.state = WatchState()
        self._pending: dict[str, set[str]] = {}
        self._first = 0.0
        self._last = 0.0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._observer: BaseObserver | None = None
        self._watches: dict[str, object] = {}
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()  # set once the start-up reconcile is done and events flow
        self._rules = index.rules()  # compiled once: a burst brings thousands of events
        index.keep_parser()  # every batch's run shares one parser sandbox
        self._retry: dict[str, set[str]] = {}  # paths whose indexing failed: tried again, never dropped
        self._retry_all = False
        self._retry_at = 0.0  # time.monotonic() of the next try
        self._retry_wait = 0.0  # seconds, doubled at each failure in a row (RETRY_FIRST .. RETRY_MOST)
        self._retry_why = ""

    # ---- events ---------------------------------------------------------------------------------
    def hint(self, root: str, path: str) -> None:
        if self._rules.is_own(path):
            return
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._last = now
            self._pending.setdefault(root, set()).add(path)
            self._cond.notify()

    # ---- life cycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="localrag-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify()
        if self._observer is not None:
            self._observer.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        self.state.running = False

    def wait(self) -> None:
        """Block until stopped (Ctrl-C in the CLI raises KeyboardInterrupt here)."""
        while not self._stop.is_set() and self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def _run(self) -> None:
        try:
            self._start_observer()  # first, so an edit made during the catch-up scan is an event
            self._index(None)  # catch up on what changed while we were not running
            self.state.running = True
            self.ready.set()
            next_check = next_rescan = time.monotonic()
            while not self._stop.is_set():
                batch = self._take_batch()
                if batch:
                    self._index(batch)
                now = time.monotonic()
                if now >= next_check:
                    self._check_roots()
                    next_check = now + self.check_every
                self._index_retries()
                if self.state.polling and now >= next_rescan:
                    self._index(None)
                    next_rescan = now + self.rescan_every
        except Exception as e:  # the watcher must say why it stopped, not vanish
            self.on_message(f"watcher stopped: {type(e).__name__}: {e}")
            self.state.running = False
            self.ready.set()

    def _index_retries(self) -> None:
        """What failed before is tried again once its back-off has passed (no busy loop)."""
        if not (self._retry_all or self._retry) or time.monotonic() < self._retry_at:
            return
        if self._retry_all:
            self._retry_all, self._retry = False, {}
            self._index(None)
        else:
            batch = {root: sorted(paths) for root, paths in self._retry.items()}
            self._retry = {}
            self._index(batch)

    def retry_note(self) -> str:
        """What waits to be indexed again and why, for a status line; "" when nothing does."""
        if not (self._retry_all or self._retry):
            return ""
        what = "every folder" if self._retry_all else f"{sum(len(p) for p in self._retry.values())} changed path(s)"
        left = max(0.0, self._retry_at - time.monotonic())
        return f"{what} to index again in {left:.0f}s ({self._retry_why})"

    def _failed(self, scope: dict[str, list[str]] | None, why: str) -> None:
        """Keep the batch to try again, waiting longer after each failure in a row."""
        if scope is None:
            self._retry_all = True
        else:
            for root, paths in scope.items():
                self._retry.setdefault(root, set()).update(paths)
        self._retry_wait = min(RETRY_MOST, self._retry_wait * 2) if self._retry_wait else RETRY_FIRST
        self._retry_at = time.monotonic() + self._retry_wait
        self._retry_why = why
        self.on_message(f"{why}; will index these changes again in {self._retry_wait:.0f}s")

    def _take_batch(self) -> dict[str, list[str]] | None:
        with self._cond:
            if not self._pending:
                self._cond.wait(0.2)
                return None
            now = time.monotonic()
            quiet = now - self._last >= self.debounce
            overdue = now - self._first >= self.max_delay
            if not (quiet or overdue):
                self._cond.wait(min(self.debounce - (now - self._last), 0.2))
                return None
            batch = {root: sorted(paths) for root, paths in self._pending.items()}
            self._pending.clear()
            return batch

    def _index(self, scope: dict[str, list[str]] | None) -> None:
        """Index the changed paths (``scope``), or everything when None."""
        def waiting() -> None:
            self.on_message(WAITING_FOR_WRITER)

        if not self.index.folders():
            return  # nothing to watch yet (the TUI's first run): a folder added later is picked up by _check_roots
        try:
            stats = self.index.update(self.progress, scope=scope, on_wait=waiting)
        except LocalragError as e:  # a busy index, a full disk: nothing of the batch is dropped
            self._failed(scope, str(e))
            return
        except Exception as e:  # noqa: BLE001 - say it, keep watching, and try these paths again
            self._failed(scope, f"indexing failed, still watching: {type(e).__name__}: {e}")
            return
        if not (self._retry_all or self._retry):
            self._retry_wait = 0.0  # a run went through: the next failure waits the least again
        self.state.last_batch = time.time()
        for root in stats.missing_folders:
            if root not in self.state.missing:
                self.state.missing.add(root)
                self.on_message(f"folder not found (unmounted or deleted?), its index is kept: {root}")
        if stats.changes:
            self.state.changes += len(stats.changes) + stats.more_changes
            self.on_stats(stats)

    # ---- the observer -----------------------------------------------------------------------------
    def _start_observer(self) -> None:
        self._observer = Observer()
        folders = self.index.folders()
        self.state.folders = len(folders)
        for root in folders:
            self._schedule(root)
        try:
            self._observer.start()
        except OSError as e:
            self._fallback(e)

    def _schedule(self, root: str) -> None:
        if self._observer is None or not os.path.exists(root) or root in self._watches:
            return
        target = os.path.dirname(root) if os.path.isfile(root) else root
        try:
            self._watches[root] = self._observer.schedule(_Handler(self, root), target,
                                                          recursive=not os.path.isfile(root))
        except OSError as e:
            self._fallback(e)

    def _fallback(self, e: OSError) -> None:
        if e.errno in (errno.ENOSPC, errno.EMFILE) and not self.state.polling:
            self.state.polling = True
            self.on_message(INOTIFY_HINT.format(every=self.rescan_every))
        elif e.errno not in (errno.ENOSPC, errno.EMFILE):
            self.on_message(f"cannot watch: {e.strerror}")

    def _check_roots(self) -> None:
        """Report folders that vanished; re-watch and reconcile the ones that came back."""
        current = set(self.index.folders())
        for root in current:
            exists = os.path.exists(root)
            if not exists and root not in self.state.missing:
                self.state.missing.add(root)
                self._unschedule(root)
                self.on_message(f"folder not found (unmounted or deleted?), its index is kept: {root}")
            elif exists and root in self.state.missing:
                self.state.missing.discard(root)
                self.on_message(f"folder is back: {root}")
                self._unschedule(root)
                self._schedule(root)
                self._index({root: [root]})
            elif exists and root not in self._watches:
                self._schedule(root)  # added while we run (the TUI adds folders)
        for root in list(self._watches):
            if root not in current:
                self._unschedule(root)
        self.state.folders = len(current)

    def _unschedule(self, root: str) -> None:
        w = self._watches.pop(root, None)
        if w is not None and self._observer is not None:
            try:
                self._observer.unschedule(w)  # type: ignore[arg-type]
            except (KeyError, OSError):
                pass
