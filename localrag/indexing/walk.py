"""Which files under a registered folder are documents: the built-in rules, every `.gitignore`
on the way down, and the user's own patterns on top.

Walking never follows symlinks and never opens anything but regular files: sockets, FIFOs and
link loops are passed over, and so are localrag's own database and models.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

SKIP_DIRS = {
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "site-packages", ".eggs", ".idea", ".vscode", ".cache",
}
TEMP_PATTERNS = pathspec.GitIgnoreSpec.from_lines(
    ["*~", "*.swp", "*.swo", "*.swx", "*.tmp", "*.temp", "*.part", "*.crdownload", ".#*", "#*#", "4913",
     "*.bak", ".~lock.*#"]
)


def is_temp_name(name: str) -> bool:
    """Editor swap and temp files: never documents, even for a moment."""
    return TEMP_PATTERNS.match_file(name)


@dataclass(frozen=True)
class FileStat:
    path: str
    size: int
    mtime_ns: int


class Rules:
    def __init__(self, user_patterns: list[str], own_dirs: list[Path]):
        self.user = pathspec.GitIgnoreSpec.from_lines(user_patterns) if user_patterns else None
        self.own = [str(p.resolve()) for p in own_dirs]

    def is_own(self, path: str) -> bool:
        return any(path == o or path.startswith(o + os.sep) for o in self.own)

    def skip_name(self, name: str, is_dir: bool) -> bool:
        if name.startswith("."):
            return True
        if is_dir:
            return name in SKIP_DIRS
        return is_temp_name(name)

    def user_ignores(self, rel: str) -> bool:
        return bool(self.user and self.user.match_file(rel))


def walk(root: str, rules: Rules, errors: list[str] | None = None, blind: list[str] | None = None) -> Iterator[FileStat]:
    """Regular files under root (or root itself when it is a file) that the rules keep.
    ``blind`` gets the folders that could not be read (their files are unknown, not gone)."""
    try:
        st = os.stat(root, follow_symlinks=False)
    except OSError as e:
        if errors is not None:
            errors.append(f"{root}: {e.strerror}")
        if blind is not None and not isinstance(e, FileNotFoundError):
            blind.append(root)
        return
    if stat.S_ISREG(st.st_mode):
        yield FileStat(root, st.st_size, st.st_mtime_ns)
        return
    yield from _walk_dir(root, root, rules, [], errors, blind)


def walk_under(root: str, sub: str, rules: Rules, errors: list[str] | None = None,
               blind: list[str] | None = None) -> Iterator[FileStat]:
    """The walk's files at or below ``sub`` (a path under ``root``), with the same rules."""
    if sub == root:
        yield from walk(root, rules, errors, blind)
        return
    if is_ignored_path(sub, root, rules):
        return
    try:
        st = os.stat(sub, follow_symlinks=False)
    except FileNotFoundError:
        return  # gone: the caller drops what the index had there
    except OSError as e:  # there, but not to be looked at now (permissions, a drive's hiccup)
        if errors is not None:
            errors.append(f"{sub}: {e.strerror}")
        if blind is not None:
            blind.append(sub)
        return
    if stat.S_ISREG(st.st_mode):
        yield FileStat(sub, st.st_size, st.st_mtime_ns)
    elif stat.S_ISDIR(st.st_mode):
        specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        d = root
        for part in Path(os.path.relpath(os.path.dirname(sub), root)).parts:
            gi = _load_gitignore(d)
            if gi is not None:
                specs.append((d, gi))
            d = os.path.join(d, part)
        gi = _load_gitignore(d)
        if gi is not None:
            specs.append((d, gi))
        yield from _walk_dir(root, sub, rules, specs, errors, blind)


def _load_gitignore(d: str) -> pathspec.GitIgnoreSpec | None:
    try:
        with open(os.path.join(d, ".gitignore"), encoding="utf-8", errors="replace") as fh:
            return pathspec.GitIgnoreSpec.from_lines(fh.read().splitlines())
    except OSError:
        return None


def _walk_dir(root: str, top: str, rules: Rules, specs: list[tuple[str, pathspec.GitIgnoreSpec]],
              errors: list[str] | None, blind: list[str] | None = None) -> Iterator[FileStat]:
    """Files below ``top`` in path order, depth first, with an explicit stack (a tree of any
    depth, never a RecursionError). ``blind`` gets each folder that could not be listed: its
    files are unknown, not gone."""
    stack: list[tuple[str, list[tuple[str, pathspec.GitIgnoreSpec]]]] = [(top, specs)]
    while stack:
        d, specs = stack.pop()
        if rules.is_own(d):
            continue
        gi = _load_gitignore(d)
        if gi is not None:
            specs = specs + [(d, gi)]
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            if errors is not None:
                errors.append(f"{d}: {e.strerror}")
            if blind is not None:
                blind.append(d)
            continue
        subdirs: list[str] = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if not (is_dir or is_file) or rules.skip_name(entry.name, is_dir):
                continue
            full = entry.path
            try:
                full.encode("utf-8")
            except UnicodeEncodeError:  # a name that is not valid UTF-8 cannot be stored or shown faithfully
                if errors is not None:
                    errors.append(f"{os.fsencode(full)!r}: name is not valid UTF-8, skipped")
                continue
            if is_dir and os.path.exists(os.path.join(full, "pyvenv.cfg")):
                continue  # a virtualenv under any name
            if _ignored(full, is_dir, specs) or rules.user_ignores(os.path.relpath(full, root) + ("/" if is_dir else "")):
                continue
            if is_dir:
                subdirs.append(full)
                continue
            if rules.is_own(full):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            yield FileStat(full, st.st_size, st.st_mtime_ns)
        stack.extend((sub, specs) for sub in reversed(subdirs))


def _ignored(full: str, is_dir: bool, specs: list[tuple[str, pathspec.GitIgnoreSpec]]) -> bool:
    for base, spec in specs:
        rel = os.path.relpath(full, base) + ("/" if is_dir else "")
        if spec.match_file(rel):
            return True
    return False


def is_ignored_path(path: str, root: str, rules: Rules) -> bool:
    """The walk's rules for one path (the watcher asks this for each event)."""
    if rules.is_own(path):
        return True
    rel_parts = Path(os.path.relpath(path, root)).parts
    if not rel_parts or rel_parts[0] == "..":
        return True
    d = root
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    for i, part in enumerate(rel_parts):
        is_dir = i < len(rel_parts) - 1
        if rules.skip_name(part, is_dir):
            return True
        gi = _load_gitignore(d)
        if gi is not None:
            specs.append((d, gi))
        full = os.path.join(d, part)
        if _ignored(full, is_dir, specs) or rules.user_ignores(os.path.relpath(full, root) + ("/" if is_dir else "")):
            return True
        d = full
    return False
