"""The one API the CLI and the TUI both call. Models load lazily: a command that needs no
model (status, remove) never pays for one."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answer import Answer, Generator, answer
from .config import Paths, Settings, get_paths
from .embed import Embedder, expected_identity
from .errors import LocalragError
from .ignore import Rules
from .ingest import Indexer, IndexStats, ProgressFn, check_folder_path
from .models import ByteProgress, resolve_llm_path
from .retrieve import Result, search
from .store import Store


@dataclass
class RemoveResult:
    path: str
    files: int


class Localrag:
    def __init__(self, paths: Paths | None = None, settings: Settings | None = None,
                 model_progress: ByteProgress | None = None):
        self.paths = paths or get_paths()
        self.paths.ensure()
        self.settings = settings or Settings.load(self.paths)
        self.model_progress = model_progress
        self._store: Store | None = None
        self._embedder: Embedder | None = None
        self._generator: Generator | None = None
        self._load_lock = threading.Lock()

    # ---- parts, loaded on first use -------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.paths.db_file)
        return self._store

    @property
    def embedder(self) -> Embedder:
        with self._load_lock:
            if self._embedder is None:
                name, fingerprint = expected_identity(self.settings.embed_model)
                self.store.check_model(fingerprint, name)  # refuse before loading (or downloading) anything
                emb = Embedder(self.settings.embed_model, self.paths.models_dir, self.settings.embed_threads,
                               self.model_progress)
                self.store.check_model(emb.info.fingerprint, emb.info.name)
                self._embedder = emb
            return self._embedder

    @property
    def generator(self) -> Generator:
        with self._load_lock:
            if self._generator is None:
                path = resolve_llm_path(self.settings.llm_model, self.paths.models_dir, self.model_progress)
                self._generator = Generator(path, self.settings.n_ctx, self.settings.n_gpu_layers)
            return self._generator

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def rules(self) -> Rules:
        return Rules(self.settings.ignore, [self.paths.data_dir, self.paths.config_dir])

    # ---- folders and indexing -------------------------------------------------------------------
    def add(self, paths: Sequence[str]) -> list[str]:
        resolved = [check_folder_path(p) for p in paths]  # all or nothing: check every path first
        for p in resolved:
            if self.rules().is_own(p):
                raise LocalragError(f"{p} is localrag's own data folder; it cannot be indexed")
        for p in resolved:
            self.store.add_folder(p)
        return resolved

    def remove(self, path: str) -> RemoveResult:
        target = str(Path(path).expanduser().resolve()) if os.path.exists(path) else os.path.abspath(path)
        for fid, p in self.store.folders():
            if p == target or p == path:
                return RemoveResult(p, self.store.remove_folder(fid))
        known = ", ".join(p for _, p in self.store.folders()) or "none"
        raise LocalragError(f"{path} is not a registered folder (registered: {known})")

    def folders(self) -> list[str]:
        return [p for _, p in self.store.folders()]

    def index(self, progress: ProgressFn | None = None, only: Sequence[str] | None = None) -> IndexStats:
        folders = self.store.folders()
        if only:
            folders = [(i, p) for i, p in folders if p in only]
        if not folders:
            raise LocalragError("no folders registered yet: add one with `localrag add PATH`")
        emb = self.embedder
        self.store.bind_model(emb.info.name, emb.info.dim, emb.info.fingerprint)
        indexer = Indexer(self.store, emb, self.rules(), int(self.settings.max_file_mb * 1e6))
        return indexer.run(folders, progress)

    def reindex(self, progress: ProgressFn | None = None) -> IndexStats:
        """Re-embed everything with the configured model (after a model change)."""
        emb = Embedder(self.settings.embed_model, self.paths.models_dir, self.settings.embed_threads, self.model_progress)
        self.store.reset_vectors()
        self._embedder = emb
        return self.index(progress)

    # ---- questions ------------------------------------------------------------------------------
    def query_vector(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Result]:
        mode = mode or self.settings.search_mode
        if mode not in ("hybrid", "vector", "keyword"):
            raise LocalragError(f"unknown search mode {mode!r}: use hybrid, vector or keyword")
        qv = self.query_vector if mode != "keyword" else _no_vector
        return search(self.store, qv, query, k or self.settings.top_k, mode)

    def ask(self, question: str, k: int | None = None, on_text: Callable[[str], None] | None = None,
            history: Sequence[tuple[str, str]] = (), cancel: threading.Event | None = None,
            mode: str | None = None) -> Answer:
        if not question.strip():
            raise LocalragError("the question is empty")
        results = self.search(question, k, mode)
        s = self.settings
        return answer(question, results, self.generator, s.max_answer_tokens, s.temperature, s.min_score,
                      on_text, history, cancel)

    def status(self) -> dict:
        st = self.store.stats()
        rec = self.store.model_record()
        size = sum(os.path.getsize(p) for p in (self.paths.db_file, Path(str(self.paths.db_file) + "-wal"))
                   if os.path.exists(p))
        st.update({
            "db_path": str(self.paths.db_file),
            "db_bytes": size,
            "embed_model": {"setting": self.settings.embed_model, "indexed_with": rec[0] if rec else None,
                            "dim": rec[1] if rec else None},
            "llm_model": self.settings.llm_model,
            "config_file": str(self.paths.config_file),
        })
        return st


def _no_vector(_: str) -> np.ndarray:  # keyword mode never embeds the query
    raise AssertionError("keyword search asked for a vector")
