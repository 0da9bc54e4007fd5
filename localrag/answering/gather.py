"""Gather the evidence a question is answered from: the passages retrieval finds (and whether
they can answer at all), every row of a table one of them is part of, a document's summary
sentences read from the index, and the chunks that name a phrase in some form of its words.

``Sources`` is what every kind of answer reads: the index, the retrieval of the core (tuned as
the person adopted), the embedding model, the verifier and the language model, loaded only when
an answer needs it.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from localrag.answering import lexical, summary
from localrag.answering.sentences import EmbedFn, Sentence
from localrag.search.retrieve import Result
from localrag.store import ChunkRow, Store
from localrag.store.scope import Scope


class Verify(Protocol):
    """The answerability verifier as ranking reads it (``models.verifier.Verifier``)."""

    threshold: float

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray: ...


Retrieve = Callable[[str, int, "Scope | None"], list[Result]]


@dataclass
class Sources:
    """What answers read. ``load_gen`` gives the answer model (loaded on first use: a question
    nothing answers never waits for it), ``load_gen_ahead`` starts that load while retrieval
    runs; ``chat_gen`` gives it only if it is a chat model (a base model writes no summary of
    its own)."""

    store: Store
    retrieve: Retrieve
    embed: EmbedFn
    load_gen: Callable[[], object]
    chat_gen: Callable[[], object | None] | None = None
    verifier: Verify | None = None
    cancel: threading.Event | None = None
    load_gen_ahead: Callable[[], None] | None = None


def passage(c: ChunkRow) -> Result:
    """An indexed chunk as a passage an answer reads (read from the index, not retrieved: no score)."""
    return Result(c.id, c.path, 0.0, c.text, c.heading, c.page, c.start_line, c.end_line)


def table_of(store: Store, r: Result) -> list[Result]:
    """Every passage of the table ``r`` is part of (its document's chunks under its heading),
    so a total or a list counts all its rows, not only those retrieval found."""
    return [passage(c) for c in store.chunks.under_heading(r.path, r.heading)]


def relevant_enough(question: str, results: Sequence[Result], min_score: float) -> bool:
    """Whether the passages can answer at all: close in meaning, or fairly close and sharing the
    question's words (a long, many-topic passage can hold the answer with a modest cosine)."""
    sims = [r.similarity for r in results if r.similarity is not None]
    if not sims:  # keyword-only search: its hits are the evidence
        return True
    best = max(sims)
    if best >= min_score:
        return True
    words = lexical.content(question)
    if best < min_score / 2 or not words:
        return False
    overlap = max(len(words & lexical.content(r.text + " " + r.heading)) / len(words) for r in results[:3])
    return overlap >= 1 / 3


def reader(store: Store) -> Callable[[Sequence[int]], list[Result]]:
    def read(ids: Sequence[int]) -> list[Result]:
        rows = store.chunks.chunks_by_ids(list(ids))
        return [passage(r) for i in ids if (r := rows.get(i)) is not None]
    return read


def document_sentences(src: Sources, path: str, words: int) -> list[Sentence]:
    """The summary sentences of one indexed document, in its order."""
    ol = src.store.chunks.outline(path)
    if not ol:
        return []
    outline = summary.Outline(path, ol, src.store.vectors.chunk_vectors([c[0] for c in ol]))
    vocab = summary.vocabulary(src.store.chunks.texts(path))
    return summary.summarize(outline, reader(src.store), vocab, src.embed, words)

_ALTERNATIVES = re.compile(r"\s+(?:or|and/or)\s+|\s*,\s*", re.I)
_LEADING = re.compile(r"^(?:the|a|an|any|some|my|our)\s+", re.I)
_FTS_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def phrases(store: Store, topic: str) -> list[tuple[str, str]]:
    """(what a person reads, FTS5 expression) for each alternative of ``topic``: its words as a
    phrase ("refund policy"), never FTS5 syntax."""
    out = []
    for alt in _ALTERNATIVES.split(topic.strip().strip("\"'\u201c\u201d")):
        alt = _LEADING.sub("", alt.strip()).strip("\"'\u201c\u201d ")
        if store.keywords.stems(alt):  # the words, not their stems: FTS5 stems a phrase's words itself
            out.append((alt, '"' + " ".join(_FTS_WORD.findall(alt)).replace('"', '""') + '"'))
    return out


def _same_word(a: str, b: str, porter: Callable[[str], list[str]]) -> bool:
    """The same word in another form: a plural or tense ("invoices", "descaling" for "descale"),
    not any word of the same Porter stem ("executed" is not "executive", nor "starring" "star")."""
    if lexical.stem(a) == lexical.stem(b):
        return True
    x, y = lexical.stem(a), lexical.stem(b)
    common = len(os.path.commonprefix([x, y]))
    return common >= 5 and common >= 0.8 * max(len(x), len(y)) and porter(a) == porter(b)


def mentions(sentence: str, phrase: str, porter: Callable[[str], list[str]]) -> bool:
    """Whether a sentence holds the phrase's words in a row, each in some form of itself
    (``_same_word``), accents and case aside."""
    want = _FTS_WORD.findall(phrase)
    have = _FTS_WORD.findall(sentence)
    n = len(want)
    return bool(want) and any(all(_same_word(w, h, porter) for w, h in zip(want, have[i:i + n]))
                              for i in range(len(have) - n + 1))
