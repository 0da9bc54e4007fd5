"""What evaluation reads of the core, as Protocols: evaluation sits above the core and measures
any object of this shape (``Localrag`` is one), never importing the core to do it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from localrag.answering.compose import Answer
    from localrag.config import Settings
    from localrag.models.embed import Embedder
    from localrag.models.generator import Generator
    from localrag.models.remote import RemoteGenerator
    from localrag.search.adapter import Adapter
    from localrag.search.levers import Levers
    from localrag.search.retrieve import Result
    from localrag.store import Store
    from localrag.store.scope import Scope


class Asks(Protocol):
    def search(self, query: str, k: int | None = None, mode: str | None = None,
               adapter: Adapter | bool = True, scope: Scope | None = None,
               levers: Levers | bool = True) -> list[Result]: ...

    def ask(self, question: str, k: int | None = None, *, scope: Scope | None = None,
            words: int | None = None) -> Answer: ...

    def scope(self, paths: list[str] = ..., types: list[str] = ...) -> Scope | None: ...


class Folders(Protocol):
    def folders(self) -> list[str]: ...


class Tuned(Protocol):
    @property
    def note(self) -> str | None: ...

    def adapter(self) -> Adapter | None: ...

    def levers(self) -> Levers: ...


class Loads(Protocol):
    @property
    def embedder(self) -> Embedder: ...

    @property
    def generator(self) -> Generator | RemoteGenerator: ...


class KeepsWarm(Protocol):
    def keep_vectors_in_memory(self) -> None: ...


class Measured(Protocol):
    """An index with its models: what a run of evaluation or `tune` is given."""
    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def library(self) -> Asks: ...

    @property
    def index(self) -> Folders: ...

    @property
    def tuning(self) -> Tuned: ...

    @property
    def models(self) -> Loads: ...

    @property
    def resident(self) -> KeepsWarm: ...
