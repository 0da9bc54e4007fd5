"""The one exception type a user should ever see as a message, never as a traceback."""

from __future__ import annotations


class LocalragError(Exception):
    """An expected failure (bad path, wrong model, locked DB...) with a one-line, user-facing message."""


class ModelMismatchError(LocalragError):
    """The database's vectors were made by another embedding model than the configured one."""
