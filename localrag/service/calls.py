"""Typed requests: what another program (the MCP server) asks of the index, as named calls with
their parameters, never as command lines. The same functions answer in the caller's own process
and in the service (``{"op": "call", "method": ..., "params": {...}}``), so both give the same
result. Paths arrive absolute: the caller resolves them against its own folder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from localrag.errors import LocalragError

if TYPE_CHECKING:
    from localrag.core import Localrag

Call = Callable[["Localrag", dict[str, Any]], dict[str, Any]]
ANSWERS = frozenset({"ask", "summarize"})  # may generate for seconds: the service's answer lane


def _texts(params: dict[str, Any], key: str) -> list[str]:
    value = params.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LocalragError(f"{key} must be a list of texts")
    return value


def _text(params: dict[str, Any], key: str, default: str = "") -> str:
    value = params.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise LocalragError(f"{key} must be a text")
    return value


def _int(params: dict[str, Any], key: str, default: int | None) -> int | None:
    value = params.get(key, default)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise LocalragError(f"{key} must be a whole number")
    return value


def search(core: Localrag, params: dict[str, Any]) -> dict[str, Any]:
    query, mode = _text(params, "query"), _text(params, "mode", "hybrid")
    scope = core.library.scope(_texts(params, "in_paths"), _texts(params, "types"))
    results = core.library.search(query, _int(params, "k", 8), mode, scope=scope)
    return {"query": query, "mode": mode, "scope": scope.to_json() if scope else None,
            "partial": core.library.partial_note(mode), "results": [r.to_json() for r in results]}


def ask(core: Localrag, params: dict[str, Any]) -> dict[str, Any]:
    """Not kept in the person's conversations: another program asked."""
    scope = core.library.scope(_texts(params, "in_paths"), _texts(params, "types"))
    ans = core.library.ask(_text(params, "question"), scope=scope)
    if ans.error:
        raise LocalragError(ans.error)
    out = ans.to_json()
    out.pop("citations", None)  # the passages searched; the evidence is what the answer rests on
    return out


def summarize(core: Localrag, params: dict[str, Any]) -> dict[str, Any]:
    ans = core.library.summarize(_texts(params, "paths"), _text(params, "query"), _int(params, "words", 150),
                         _texts(params, "types"))
    if ans.error:
        raise LocalragError(ans.error)
    out = ans.to_json()
    out.pop("citations", None)
    return out


CALLS: dict[str, Call] = {"search": search, "ask": ask, "summarize": summarize}
