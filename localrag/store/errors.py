"""The index's failures said in one line: the store turns apsw's errors into a ``StoreError``
that names what happened (busy, full, damaged, read-only), so no front end needs to know
which database library the store uses."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import apsw

from localrag.errors import LocalragError

F = TypeVar("F", bound=Callable[..., Any])

# the first that matches: apsw's classes are subclasses of apsw.Error, none of another
KINDS: tuple[tuple[type[apsw.Error], str], ...] = (
    (apsw.BusyError, "the index is busy (another localrag is writing); try again"),
    (apsw.LockedError, "the index is busy (another localrag is writing); try again"),
    (apsw.FullError, "the disk is full"),
    (apsw.CorruptError, "the index database is damaged; run `localrag doctor`"),
    (apsw.NotADBError, "the index database is damaged; run `localrag doctor`"),
    (apsw.ReadOnlyError, "the index database is read-only"),
    (apsw.CantOpenError, "the index database cannot be opened"),
    (apsw.IOError, "the disk failed to read or write the index"),
)


class StoreError(LocalragError):
    """A failure of the index database, in words; ``__cause__`` is apsw's own error (``--debug``
    shows it)."""


def translated(e: apsw.Error) -> StoreError:
    kind = next((text for cls, text in KINDS if isinstance(e, cls)), "database error")
    detail = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
    return StoreError(f"{kind} ({detail})")


def translating(fn: F) -> F:
    """``fn`` with apsw's errors raised as a ``StoreError`` (generators: while they yield too)."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except apsw.Error as e:
                raise translated(e) from e
        return gen  # type: ignore[return-value]

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except apsw.Error as e:
            raise translated(e) from e
    return call  # type: ignore[return-value]


def translate_public_methods(cls: type) -> None:
    """Every public method ``cls`` defines says apsw's errors as a ``StoreError``."""
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(value):
            setattr(cls, name, translating(value))
