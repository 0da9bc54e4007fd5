"""``Localrag``: the one API the CLI, the TUI, the MCP server and the service call. It hands out
parts with one job each over one index and its models:

- ``library``: search, ask, summarize, and the passages answers cite;
- ``index``: the folders, and the index kept in step with them;
- ``conversations``: questions asked with the exchange so far, kept and exported;
- ``models``: the embedding and language models, loaded on first use, and the answer models;
- ``health``: `doctor` and `status`;
- ``tuning``: what `tune` adopted, and feedback for it;
- ``resident``: what a long-lived process does ahead of time.

Models load lazily: a command that needs none (status, remove) never pays for one; nor does a
one-shot `localrag search` import the answering, indexing and model-catalog code."""

from __future__ import annotations

from localrag.config import Paths, Settings
from localrag.core.conversations import Conversations
from localrag.core.health import Health
from localrag.core.index import Index
from localrag.core.library import Library
from localrag.core.models import Models
from localrag.core.resident import Resident
from localrag.core.runtime import Runtime, generator_fields
from localrag.core.tuning import Tuning
from localrag.errors import LocalragError
from localrag.models.bundled import ByteProgress
from localrag.models.embed import Embedder
from localrag.store import Store


class Localrag:
    def __init__(self, paths: Paths | None = None, settings: Settings | None = None,
                 model_progress: ByteProgress | None = None, embedder: Embedder | None = None):
        """``embedder``: an embedding model already loaded (tests share one; it is checked
        against the index as one loaded here would be)."""
        self._rt = rt = Runtime(paths, settings, model_progress)
        self.models = Models(rt, embedder)
        self.tuning = Tuning(rt, self.models)
        self.index = Index(rt, self.models)
        self.library = Library(rt, self.models, self.tuning, self.index)
        self.conversations = Conversations(rt, self.library)
        self.health = Health(rt, self.index)
        self.resident = Resident(rt, self.models)

    @property
    def paths(self) -> Paths:
        return self._rt.paths

    @property
    def settings(self) -> Settings:
        return self._rt.settings

    @property
    def store(self) -> Store:
        """The index itself: for evaluation and tests that look inside, never a front end."""
        return self._rt.store

    @property
    def model_progress(self) -> ByteProgress | None:
        """Where a model's download shows its progress (the service logs it, or shows none)."""
        return self._rt.model_progress

    @model_progress.setter
    def model_progress(self, progress: ByteProgress | None) -> None:
        self._rt.model_progress = progress

    @property
    def notes(self) -> list[str]:
        """Things a user should hear once (a GPU asked for but absent...)."""
        return self._rt.notes

    def apply_settings(self, new: Settings, save: bool = True) -> bool:
        """Save and use ``new`` (an embedding model change goes through reindex instead). True
        when the language model must be loaded again for it."""
        old = self._rt.settings
        new.validate()
        if save:
            new.save(self._rt.paths)
        self._rt.settings = new
        reload = generator_fields(new) != generator_fields(old)
        if reload:
            self.models.reload()
        return reload

    def adopt_saved_settings(self, reindexing: bool = False) -> None:
        """For a long-lived process: settings saved meanwhile (`localrag config set`) are used from
        the next command on; a new embedding model only by the reindex that re-embeds with it."""
        with self._rt.settings_lock:
            now = Settings.load(self._rt.paths)
            if now == self._rt.settings:
                return
            if now.embed_model != self._rt.settings.embed_model:
                if reindexing:
                    return
                raise LocalragError("the embedding model setting changed: run `localrag reindex` to "
                                    "re-embed everything with it")
            self.apply_settings(now, save=False)

    def close(self) -> None:
        self.index.close()
        self._rt.close_store()
