"""Which of the indexed documents a question names: "Normans.md", "the espresso machine
manual", "the Beyoncé article". Matched by words against each file's name and its title (its
first heading), accents and case aside; an ambiguous name gets the candidates, never a guess."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from localrag.answering.kinds import COMPARE, Asked
from localrag.answering.lexical import stem
from localrag.answering.sentences import file_name_words
from localrag.store import Store
from localrag.store.scope import Scope

# words that point, not name ("this", "my") and words for documents in general ("the Spectre
# article"): "this document" names nothing (the scope is meant), "the manual" names the manuals
POINTING = frozenset("a an the my our your this that these those its his her their of in on for about and "
                     "whole entire one it them all here".split())
GENERAL = frozenset("file files document documents doc docs article articles page pages pdf text texts "
                    "entry entries folder content contents".split())
KIND = frozenset("note notes paper papers report reports book books chapter manual manuals guide guides".split())
GENERIC = POINTING | GENERAL | KIND
EXTENSIONS = frozenset("md markdown txt rst pdf py csv xlsx ods html htm docx odt epub json toml yaml yml eml org tex".split())
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
PARTIAL = 2 / 3  # a name some of whose words the question lacks still counts when it has this share


def words(text: str, drop: frozenset[str] = GENERIC) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in drop and w not in EXTENSIONS}


@dataclass
class Resolved:
    """``paths``: the documents meant (empty: none named); ``choices``: when the name fits
    several equally well, the candidates to choose from."""

    paths: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    named: bool = False  # the question named something (even if nothing matched)


def _name_words(path: str, title: str) -> tuple[set[str], set[str]]:
    """(every word of the file name and title, the distinctive ones: generic words aside)."""
    text = f"{file_name_words(path)} {title}"
    return words(text, frozenset()), words(text)


def resolve(target: str, docs: Sequence[tuple[str, str]]) -> Resolved:
    """The documents of ``docs`` ((path, title) pairs) that ``target`` names."""
    raw = target.strip()
    if not raw:
        return Resolved()
    base = os.path.basename(raw)
    exact = [p for p, _ in docs if os.path.basename(p).lower() == base.lower() or p == raw]
    if exact:  # a file name given whole: "Normans.md", "notes/todo.txt"
        under = [p for p in exact if p.endswith(raw)] or exact
        return Resolved(under if len(under) == 1 else [], under if len(under) > 1 else [], True)
    want = words(raw) or words(raw, POINTING | GENERAL)  # "the manual": the kind word is the name
    if not want:
        return Resolved()
    scored: list[tuple[float, bool, str]] = []
    for path, title in docs:
        every, distinctive = _name_words(path, title)
        have = len(want & every) / len(want)
        if have >= PARTIAL:  # whole: the question says every distinctive word of the name
            scored.append((have, distinctive <= want, path))
    if not scored:
        return Resolved(named=True)
    best = max(h for h, _, _ in scored)
    tied = sorted(p for h, _, p in scored if h == best)
    whole = [p for h, w, p in scored if h == best and w]
    if len(tied) == 1 or len(whole) == 1:
        return Resolved(tied if len(tied) == 1 else whole, [], True)
    return Resolved([], tied[:10], True)


@dataclass
class Named:
    """The documents a question about whole documents can be about (``docs``: (path, title) of
    those in its scope) and those its two sides name (``other``: a comparison's second)."""

    docs: list[tuple[str, str]]
    target: Resolved
    other: Resolved

    @property
    def paths(self) -> list[str]:
        return [p for p, _ in self.docs]


def documents_in(store: Store, scope: Scope | None) -> list[tuple[str, str]]:
    """(path, title) of the documents in the scope (all of them without one)."""
    docs = store.chunks.titles()
    if scope is None:
        return docs
    allowed = set(store.chunks.paths_in(scope))
    return [d for d in docs if d[0] in allowed]


def name_documents(asked: Asked, docs: list[tuple[str, str]]) -> Named | None:
    """The documents ``asked`` names; None when its reading was a weak one ("what does X
    cover?") and it names no indexed document: a fact question after all."""
    named = Named(docs, resolve(asked.target, docs), resolve(asked.other, docs))
    if asked.weak:
        sides = [named.target] + ([named.other] if asked.kind == COMPARE else [])
        if not all(r.paths or r.choices for r in sides):
            return None
    return named
