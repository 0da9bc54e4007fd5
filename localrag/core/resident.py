"""``rag.resident``: what a long-lived process (the TUI, the service) does that a one-shot
command does not: keep vectors in memory, read the index ahead, embed sentences while idle."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from localrag.core.models import Models
from localrag.core.runtime import Runtime

QUIET_SECONDS = 2.0  # without a request, before a long-lived process embeds sentences ahead


class Resident:
    def __init__(self, rt: Runtime, models: Models):
        self._rt = rt
        self._models = models
        self.warming = ""  # what when_idle does now, if anything

    def keep_vectors_in_memory(self) -> None:
        """Search an in-memory copy of the vectors (TUI, eval, tune)."""
        self._rt.store.vectors.cache = True

    def release_thread(self) -> None:
        """This thread is done with the index: its connection closes (see Connection.release_thread)."""
        store = self._rt.opened_store()
        if store is not None:
            store.conn.release_thread()

    def warm_sentences(self, stop: Callable[[], bool]) -> tuple[int, bool]:
        """Embed ahead the sentences answers rank, newest chunks first, up to ``warm_sentences``
        vectors, until done or ``stop()``: a new question then embeds only itself. Returns the
        vectors stored and whether it finished."""
        if self._rt.settings.warm_sentences <= 0:
            return 0, True
        from localrag.answering.warm import warm

        emb = self._models.embedder
        return warm(self._rt.store, emb.embed, emb.info.fingerprint, self._rt.settings.warm_sentences, stop)

    def read_vectors_ahead(self, stop: Callable[[], bool]) -> bool:
        """Bring every stored vector into the OS's page cache (a step at a time, until ``stop()``),
        so a long-lived process's first searches of a big index do not wait for the disk.
        Whether it read them all."""
        after = 0
        while not stop():
            after = self._rt.store.vectors.read_ahead(after)
            if not after:
                return True
        return False

    def when_idle(self, busy: Callable[[], bool], last_request: Callable[[], float], wanted: threading.Event,
                  stop: threading.Event, log: Callable[[str], None]) -> None:
        """On a thread of its own until ``stop``: first the stored vectors are read ahead; then,
        whenever ``wanted`` is set (by whoever indexes) and the process is quiet (not ``busy()``,
        and ``QUIET_SECONDS`` past its ``last_request()`` end, in ``time.monotonic()``), sentences
        are embedded ahead, stopping at the next step once it is not quiet. Errors (a locked
        index, a full disk) are logged, and tried again after the next change."""
        def quiet() -> bool:
            return not busy() and time.monotonic() - last_request() >= QUIET_SECONDS

        self.warming = "reading the index ahead"  # not held back for requests: it is the disk's work
        try:
            self.read_vectors_ahead(stop.is_set)
        except Exception as e:
            log(f"reading the index ahead: {e}")
        finally:
            self.warming = ""
        while not stop.is_set():
            if not wanted.wait(5.0):
                continue
            if not quiet():
                stop.wait(0.5)
                continue
            self.warming = "embedding sentences ahead"
            wanted.clear()
            try:
                stored, done = self.warm_sentences(lambda: stop.is_set() or not quiet())
                if stored:
                    log(f"embedded {stored} sentences ahead")
            except Exception as e:  # on a background thread: said, never a traceback
                log(f"embedding sentences ahead: {e}")
                done = True
            finally:
                self.warming = ""
            if not done:
                wanted.set()  # interrupted: go on once quiet again
        self.release_thread()
