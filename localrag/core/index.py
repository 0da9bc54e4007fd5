"""``rag.index``: the folders a person registered, and the index kept in step with them."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localrag.config import Settings
from localrag.core.models import Models
from localrag.core.runtime import Runtime, generator_fields
from localrag.errors import LocalragError
from localrag.models.embed import Embedder
from localrag.store.scope import within

if TYPE_CHECKING:  # imported where used: a one-shot search never loads them
    from localrag.indexing.indexer import IndexStats, ProgressFn
    from localrag.indexing.parse.sandbox import ParserWorker
    from localrag.indexing.walk import Rules

DEFAULT_EMBED_RATE = 14.0  # texts a second, before an index run has measured this machine's own


@dataclass
class RemoveResult:
    path: str
    files: int


@dataclass
class Overview:
    """What a sidebar shows after every change: each folder's files, failures and chunks, the
    chunk total, failed files and the share searchable by meaning."""
    folders: list[dict[str, Any]]
    chunks: int
    failed: list[dict[str, Any]]
    meaning: float

    def to_json(self) -> dict[str, Any]:
        return {"folders": self.folders, "chunks": self.chunks, "failed": self.failed, "meaning": self.meaning}


class Index:
    def __init__(self, rt: Runtime, models: Models):
        self._rt = rt
        self._models = models
        self._parser: ParserWorker | None = None  # kept between runs by the watcher (keep_parser)

    def folders(self) -> list[str]:
        return [p for _, p in self._rt.store.documents.folders()]

    def rules(self) -> Rules:
        from localrag.indexing.walk import Rules

        return Rules(self._rt.settings.ignore, [self._rt.paths.data_dir, self._rt.paths.config_dir])

    def add(self, paths: Sequence[str]) -> list[str]:
        from localrag.indexing.indexer import check_folder_path

        store = self._rt.store
        resolved = [check_folder_path(p) for p in paths]  # all or nothing: check every path first
        for p in resolved:
            if self.rules().is_own(p):
                raise LocalragError(f"{p} is localrag's own data folder; it cannot be indexed")
        for p in resolved:
            store.documents.unforget(p)  # adding again is the way back after `forget`
            store.documents.add_folder(p)
        return resolved

    def remove(self, path: str, on_wait: Callable[[], None] | None = None) -> RemoveResult:
        """Unregister a folder. It waits for a running indexer (``on_wait`` is told), so an
        indexer never finds its folder gone half-way."""
        store = self._rt.store
        target = str(Path(path).expanduser().resolve()) if os.path.exists(path) else os.path.abspath(path)
        with store.writer_lock(on_wait):
            for fid, p in store.documents.folders():
                if p == target or p == path:
                    return RemoveResult(p, store.documents.remove_folder(fid))
        known = ", ".join(p for _, p in store.documents.folders()) or "none"
        raise LocalragError(f"{path} is not a registered folder (registered: {known})")

    def forget(self, path: str) -> tuple[int, bool]:
        """Remove a file's (or folder's) text from the index and the disk, and never index it again.
        Returns (files forgotten, whether their text is gone from the WAL too: a reader that
        another process holds open can keep it there until the next checkpoint)."""
        store = self._rt.store
        target = os.path.abspath(os.path.expanduser(path))
        if not store.documents.holds_path(target) and not any(within(target, f) for f in self.folders()):
            raise LocalragError(f"{path} is not in the index")  # said before any work is done
        with store.writer_lock():
            return store.documents.forget(target)

    def update(self, progress: ProgressFn | None = None, only: Sequence[str] | None = None,
               scope: dict[str, list[str]] | None = None, on_wait: Callable[[], None] | None = None) -> IndexStats:
        """Bring the index in step with the folders (``only`` some of them; ``scope``: only some
        paths under them, as the watcher knows what changed)."""
        store = self._rt.store
        if not store.documents.folders():  # said before any model loads
            raise LocalragError("no folders registered yet: add one with `localrag add PATH`")
        emb = self._models.embedder
        with store.writer_lock(on_wait):
            return self._run_locked(emb, progress, only, scope)

    def _run_locked(self, emb: Embedder, progress: ProgressFn | None, only: Sequence[str] | None,
                    scope: dict[str, list[str]] | None) -> IndexStats:
        """The indexer run, under the writer lock: the folders are read here, after any wait, so
        one removed meanwhile is not indexed."""
        store, s = self._rt.store, self._rt.settings
        folders = store.documents.folders()
        if only:
            folders = [(i, p) for i, p in folders if p in only]
        if not folders:
            raise LocalragError("no folders to index: they were removed meanwhile")
        store.vectors.bind_model(emb.info.name, emb.info.dim, emb.info.fingerprint)
        from localrag.indexing.indexer import Indexer
        from localrag.models.embed_server import EmbeddingServer

        server = EmbeddingServer(s.embed_url, s.embed_url_model, s.embed_api_key_env) if s.embed_url else None
        indexer = Indexer(store, emb, self.rules(), int(s.max_file_mb * 1e6), s.ocr, server, self._parser)
        scope_ids = None if scope is None else {i: scope[p] for i, p in folders if p in scope}
        stats = indexer.run(folders, progress, scope_ids)
        if scope is None:  # a whole run, not the watcher's few files
            store.vectors.save_codes_file()  # one-shot searches map it (a big index only)
        return stats

    def reindex(self, progress: ProgressFn | None = None, on_wait: Callable[[], None] | None = None,
                new_settings: Settings | None = None) -> IndexStats:
        """Re-embed everything with the configured model (after a model change). The reset and
        the re-embedding run under one writer lock: no indexer of the old model runs in between.

        ``new_settings`` (a new embedding model, say) are adopted and saved only once their model
        has loaded and the old vectors are gone: a model that cannot load (offline, a typo)
        changes nothing, and the saved settings always name the model the index holds."""
        rt = self._rt
        s = new_settings or rt.settings
        emb = self._models.load_embedder(s.embed_model, s.embed_threads)
        with rt.store.writer_lock(on_wait):
            rt.store.vectors.reset_vectors()
            if new_settings is not None:
                new_settings.save(rt.paths)
                if generator_fields(new_settings) != generator_fields(rt.settings):
                    self._models.reload()
                rt.settings = new_settings
            self._models.adopt_embedder(emb)
            return self._run_locked(emb, progress, None, None)

    def keep_parser(self) -> None:
        """For processes that index again and again (the watcher): one parser sandbox for every
        run, so a saved file is not held up by a child's start-up."""
        if self._parser is None:
            from localrag.indexing.parse.sandbox import ParserWorker

            self._parser = ParserWorker()  # its child starts on the first file that needs it

    def close(self) -> None:
        if self._parser is not None:
            self._parser.close()
            self._parser = None

    def stats(self) -> dict[str, Any]:
        """Folders, files, chunks and failed files (each with when it is tried again)."""
        from localrag.indexing.indexer import retry_when

        st = self._rt.store.health.stats()
        for f in st["failed"]:
            f["retry"] = retry_when(f["retry_at"])
        return st

    def overview(self) -> Overview:
        """Cheap enough to ask after every change the watcher makes."""
        st = self._rt.store.health.summary()
        return Overview(st["folders"], st["chunks"], st["failed"], st["meaning"])

    def reembed_estimate(self) -> tuple[int, int, float]:
        """(chunks, files, minutes) that re-embedding everything would take, at the speed the last
        index run measured on this machine (a cautious default before any run)."""
        st = self.overview()
        files = sum(f["files"] for f in st.folders)
        rate = self._rt.store.vectors.embed_rate() or DEFAULT_EMBED_RATE
        return st.chunks, files, st.chunks / rate / 60
