"""Scoped questions: "only in my thesis folder", "only PDFs". A scope becomes one SQL condition
on the documents table, so retrieval applies it inside both the vector and the keyword half and a
scoped query still gets its k best passages from the scope."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from localrag.errors import LocalragError

_GLOB = re.compile(r"[*?\[]")
_TYPE = re.compile(r"^[a-z0-9_+-]{1,20}$")


@dataclass(frozen=True)
class Scope:
    """Where a question may look: any of ``paths`` (folders, files or globs) and any of ``types``
    (file extensions or parser kinds). Empty lists mean no limit on that side."""

    paths: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    sql: str = field(default="", compare=False)
    params: tuple[str | int, ...] = field(default=(), compare=False)

    def __bool__(self) -> bool:
        return bool(self.sql)

    def describe(self) -> str:
        parts = [*self.paths, *(f"*.{t}" for t in self.types)]
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {"in": list(self.paths), "types": list(self.types)}


def within(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or lies under it (``/data/notes-old`` is not under ``/data/notes``)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def parse_types(values: Sequence[str]) -> list[str]:
    """``["pdf,md", ".txt"]`` -> ``["pdf", "md", "txt"]``; anything else is refused in one line."""
    out: list[str] = []
    for v in values:
        for t in v.split(","):
            t = t.strip().lower().lstrip(".")
            if not t:
                continue
            if not _TYPE.match(t):
                raise LocalragError(f"--type {t!r}: give file extensions such as pdf,md,txt")
            if t not in out:
                out.append(t)
    return out


def make_scope(paths: Sequence[str], types: Sequence[str], folders: Sequence[str]) -> Scope:
    """Check every part of a scope against the registered ``folders`` and build its condition.

    A path is a registered folder, a folder or file under one (or a folder holding registered
    ones); a pattern with ``*``, ``?`` or ``[`` is a glob: without a ``/`` it matches file names
    anywhere (``*.md``), with one it matches whole paths (``~/thesis/*.pdf``; ``*`` crosses
    folders). Types are file extensions or parser kinds (``pdf``, ``md``, ``code``...).
    """
    conds: list[str] = []
    params: list[str | int] = []
    shown: list[str] = []
    for raw in paths:
        spec = os.path.expanduser(raw.strip())
        if not spec:
            raise LocalragError("--in needs a folder, file or glob")
        if _GLOB.search(spec):
            if "/" in spec:
                conds.append("d.path GLOB ?")
                params.append(os.path.abspath(spec) if not spec.startswith("/") else spec)
            else:
                conds.append("d.path GLOB ?")
                params.append("*/" + spec)
            shown.append(spec)
            continue
        target = os.path.realpath(spec) if os.path.exists(spec) else os.path.abspath(spec)
        inside = [f for f in folders if within(target, f) or within(f, target)]
        if not inside:
            known = ", ".join(folders) or "none"
            raise LocalragError(f"--in {raw}: not in a registered folder (registered: {known})")
        conds.append("(d.path = ? OR substr(d.path, 1, ?) = ?)")
        prefix = target.rstrip(os.sep) + os.sep
        params.extend([target, len(prefix), prefix])
        shown.append(target)
    kinds = parse_types(types)
    sql_parts = []
    if conds:
        sql_parts.append("(" + " OR ".join(conds) + ")")
    if kinds:
        sql_parts.append("(" + " OR ".join("d.kind = ? OR lower(d.path) LIKE ?" for _ in kinds) + ")")
        for t in kinds:
            params.extend([_KIND_ALIASES.get(t, t), f"%.{t}"])
    return Scope(tuple(shown), tuple(kinds), " AND ".join(sql_parts), tuple(params))


_KIND_ALIASES = {"md": "markdown", "htm": "html"}  # what people type -> the parser's name
