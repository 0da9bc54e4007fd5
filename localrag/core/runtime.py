"""What every part of the core shares: the paths, the settings in use, the index (opened on
first use), and the notes a user should hear once."""

from __future__ import annotations

import threading

from localrag.config import Paths, Settings, get_paths
from localrag.models.bundled import ByteProgress
from localrag.store import Store


class Runtime:
    def __init__(self, paths: Paths | None, settings: Settings | None, model_progress: ByteProgress | None):
        self.paths = paths or get_paths()
        self.paths.ensure()
        self.settings = settings or Settings.load(self.paths)
        self.model_progress = model_progress
        self.notes: list[str] = []  # things a user should hear once (GPU requested but absent...)
        self._store: Store | None = None
        self.settings_lock = threading.Lock()  # two commands of the service may both adopt new settings

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.paths.db_file)
        return self._store

    def opened_store(self) -> Store | None:
        """The index if it is open (closing or releasing a thread never opens it)."""
        return self._store

    def close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def generator_fields(s: Settings) -> tuple:
    """The settings a loaded language model was made from: a change to one loads it again."""
    return (s.llm, s.llm_model, s.llm_url, s.llm_remote_model, s.n_ctx, s.n_gpu_layers, s.main_gpu, s.llm_threads)
