"""What a long-lived process (the service, the TUI) does besides the commands it is given: keep
the folders in step (the watcher), embed ahead the sentences answers rank while no one waits, and
unload the language model after an idle time. One object for both, so both hold back the same
way while a person waits: ``working()`` around each command, ``busy_with()`` says what runs.
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localrag.core import Localrag
    from localrag.indexing.indexer import IndexStats, Progress
    from localrag.indexing.watch import Watcher

WARM_JOIN = 10.0  # seconds to wait, when stopping, for the step of embedding sentences ahead in hand
PROGRESS_FRESH = 2.0  # seconds an indexing progress report counts as "indexing now"


class Background:
    def __init__(self, core: Localrag, *, watch: bool = True, idle_unload: float | None = None,
                 log: Callable[[str], None] | None = None, on_stats: Callable[[IndexStats], None] | None = None,
                 on_message: Callable[[str], None] | None = None, progress: Callable[[Progress], None] | None = None,
                 busy_also: Callable[[], str] | None = None):
        """``idle_unload``: seconds without a command before the language model is dropped (None:
        kept). ``busy_also``: more work of the owner's that a person waits on (the TUI's question
        before its worker starts)."""
        self.core = core
        self.watch = watch
        self.idle_unload = idle_unload
        self.log = log or (lambda m: None)
        self._on_stats = on_stats
        self._on_message = on_message
        self._progress = progress
        self._busy_also = busy_also or (lambda: "")
        self.watcher: Watcher | None = None
        self.starting = ""
        self.last_command = 0.0  # time.monotonic() when the last command ended
        self.answering = threading.Lock()  # held while an answer runs: the idle unload waits for it
        self._working: dict[int, str] = {}  # one entry per command running now
        self._keys = itertools.count()
        self._lock = threading.Lock()
        self._indexing = ("", 0.0)
        self._warm_wanted = threading.Event()  # chunks may wait for their sentence vectors (set by indexing)
        self._warm_wanted.set()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # ---- life cycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """The watcher (its catch-up scan, then events), embedding ahead, and the idle unload."""
        if self.watch:  # with no folder yet too: one added later is picked up by its check
            self.start_watcher()
        warm = threading.Thread(target=self.core.resident.when_idle, name="localrag-warm", daemon=True,
                                args=(lambda: bool(self.busy_with()), lambda: self.last_command, self._warm_wanted,
                                      self._stop, self.log))
        self._threads.append(warm)
        if self.idle_unload is not None:
            self._threads.append(threading.Thread(target=self._unload_when_idle, name="localrag-idle", daemon=True))
        for t in self._threads:
            t.start()

    def start_watcher(self) -> None:
        from localrag.indexing.watch import Watcher

        self.watcher = Watcher(self.core.index, self._indexed, self._message, progress=self._progressed)
        self.watcher.start()

    def stop(self, watcher_timeout: float = 10.0) -> None:
        """Stop and join: a thread inside onnxruntime at exit aborts the process."""
        self._stop.set()
        self._warm_wanted.set()  # wakes the warm thread to see the stop
        if self.watcher is not None:
            self.watcher.stop(timeout=watcher_timeout)
        for t in self._threads:
            t.join(WARM_JOIN)

    # ---- what runs ------------------------------------------------------------------------------
    @contextmanager
    def working(self, label: str) -> Iterator[None]:
        """Around a command a person waits on: nothing is embedded ahead meanwhile."""
        key = next(self._keys)
        with self._lock:
            self._working[key] = label
        try:
            yield
        finally:
            with self._lock:
                del self._working[key]
                self.last_command = time.monotonic()

    def index_wanted(self) -> None:
        """New chunks may wait for their sentence vectors (after an index run of anyone's)."""
        self._warm_wanted.set()

    def busy_with(self) -> str:
        """The work that must not wait for embedding sentences ahead; "" when there is none."""
        with self._lock:
            running = [label for label in self._working.values() if label]
            counted = bool(self._working)
        if running:
            return "running " + " and ".join(running)
        if counted:
            return "working"
        if self.starting:
            return self.starting
        also = self._busy_also()
        if also:
            return also
        if self.watcher is not None and not self.watcher.ready.is_set():
            return "catching up with the folders"
        text, at = self._indexing
        if text and time.monotonic() - at < PROGRESS_FRESH:  # progress comes often while the watcher indexes
            return text
        return ""

    @property
    def doing(self) -> str:
        """A command, the catch-up scan, indexing, reading the index or embedding sentences
        ahead, or nothing."""
        return self.busy_with() or self.core.resident.warming or ("embedding sentences ahead" if self._warm_wanted.is_set()
                                                         else "idle")

    def retrying(self) -> str:
        """What the watcher could not index yet and will try again (a busy index, a full disk)."""
        w = self.watcher
        return w.retry_note() if w is not None else ""

    # ---- the watcher's reports ---------------------------------------------------------------------
    def _indexed(self, stats: IndexStats) -> None:
        self._indexing = ("", 0.0)
        self._warm_wanted.set()
        if self._on_stats is not None:
            self._on_stats(stats)
        else:
            for c in stats.changes:
                self.log(str(c))

    def _message(self, message: str) -> None:
        if self._on_message is not None:
            self._on_message(message)
        else:
            self.log(f"watcher: {message}")

    def _progressed(self, p: Progress) -> None:
        done, total = p.done_total
        self._indexing = (f"{'reading files' if p.phase == 'keywords' else 'embedding'} {done} of {total}",
                          time.monotonic())
        if self._progress is not None:
            self._progress(p)

    # ---- the idle unload -------------------------------------------------------------------------
    def _unload_when_idle(self) -> None:
        """The language model goes after ``idle_unload`` seconds without a command, so a laptop
        gets its memory back; the next answer loads it again."""
        assert self.idle_unload is not None
        while not self._stop.wait(min(30.0, max(0.5, self.idle_unload / 4))):
            if self.core.models.loaded()[1] is None or self.busy_with().startswith("running"):
                continue
            if time.monotonic() - self.last_command >= self.idle_unload and self.answering.acquire(blocking=False):
                try:
                    self.core.models.reload()
                    gc.collect()
                    give_memory_back()
                    self.log("language model unloaded after the idle time")
                finally:
                    self.answering.release()


def give_memory_back() -> None:
    """Freed heap goes back to the system (glibc keeps it otherwise): the unload is felt."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the allocator returns memory its own way
