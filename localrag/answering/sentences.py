"""Passages cut into sentences a person can check: each a verbatim run of the passage with its
character offsets, so a quote is the file's own text with its own narrowed line range.

Passages are cut by sentencex; paragraphs and list items are never joined, a table's row is one
quote, and over-long runs are cut at line breaks or word windows so no quote is a wall of text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from localrag.indexing.parse.tables import SEP
from localrag.search.retrieve import Result

MAX_QUOTE_WORDS = 80  # all quotes of one answer together: readable at a glance
LONG_SENTENCE_WORDS = 60  # a "sentence" longer than this (a table, a log line) is cut by lines/words
_LIST_ITEM = re.compile(r"\n(?=[ \t]*(?:[-*+•|]|\d+[.)])\s)")
_WORDS = re.compile(r"\S+")
_TABLE_ROW = re.compile(r"(?m)^[^\n]*" + re.escape(SEP) + r"[^\n]*$")  # a table's row, as indexing writes it

EmbedFn = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Sentence:
    text: str  # verbatim, as in the passage (and the file)
    start: int  # character offsets in the passage text
    end: int
    result: Result
    rank: int  # the passage's rank in retrieval, 0 = best
    score: float = 0.0  # what sentences are ranked by
    relevance: float = 0.0  # the score without the answer-kind bonus: what abstention is calibrated on
    about: float = 1.0  # share (IDF-weighted) of the question's subject words in the sentence and around it
    missing: tuple[str, ...] = ()  # exact terms of the question it does not name (or all its names, if none)
    before: str = ""  # the sentence before it in its passage: what the verifier reads it with
    support: float | None = None  # the verifier's probability that it answers the question (None: not read)
    verified: bool | None = None  # support at or above the verifier's threshold (None: no verifier ran)

    @property
    def answers_question(self) -> bool:
        """Whether the sentence is about what the question asks: it names every exact term the
        question does, holds enough of its subject (here or around it; names weigh double) and,
        where the verifier ran, the verifier reads it as answering the question."""
        return not self.missing and self.about >= MIN_ABOUT and self.verified is not False

    @property
    def start_line(self) -> int | None:
        return _line_at(self.result, self.start)

    @property
    def end_line(self) -> int | None:
        return _line_at(self.result, max(self.start, self.end - 1))

    @property
    def words(self) -> int:
        return len(_WORDS.findall(self.text))


def _line_at(r: Result, offset: int) -> int | None:
    """The file line of a character of the passage. Passages keep their blocks' line breaks, so
    counting newlines from the passage's first line is exact for consecutive paragraphs; the
    passage's own range bounds it where blocks were further apart in the file."""
    if r.start_line is None:
        return None
    line = r.start_line + r.text.count("\n", 0, offset)
    return min(line, r.end_line) if r.end_line is not None else line


def _segment(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a passage: paragraphs and list items are never joined, and over-long
    runs are cut at line breaks or word windows so no quote is a wall of text."""
    spans: list[tuple[int, int]] = []
    pieces: list[tuple[int, int]] = []
    pos = 0
    for m in _LIST_ITEM.finditer(text):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(text)))
    for p0, p1 in pieces:
        rows = list(_TABLE_ROW.finditer(text, p0, p1))
        if rows:  # a table's row is one quote, however many full stops its cells hold
            for a, b in zip([p0] + [m.end() for m in rows], [m.start() for m in rows] + [p1]):
                spans.extend(_sentences(text, a, b))
            for m in rows:
                spans.extend(_cut_long(text, m.start(), m.end()))
        else:
            spans.extend(_sentences(text, p0, p1))
    spans.sort()
    out = []
    for s, e in spans:  # trim white space off both ends; keep only spans with a word in them
        seg = text[s:e]
        s2 = s + (len(seg) - len(seg.lstrip()))
        e2 = e - (len(seg) - len(seg.rstrip()))
        if e2 > s2 and re.search(r"\w", text[s2:e2]):
            out.append((s2, e2))
    return out


def _sentences(text: str, p0: int, p1: int) -> list[tuple[int, int]]:
    from sentencex import get_sentence_boundaries

    spans: list[tuple[int, int]] = []
    if p1 <= p0 or not text[p0:p1].strip():
        return spans
    for b in get_sentence_boundaries("en", text[p0:p1]):
        if b["is_paragraph_break"]:
            continue
        s, e = p0 + b["start_index"], p0 + b["end_index"]
        for s2, e2 in _cut_rows(text, s, e):
            spans.extend(_cut_long(text, s2, e2))
    return spans

ROW_WORDS = 8  # a table's row as a PDF gives it: a short line, most of them with a number


def _cut_rows(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """A table read as lines ("Eco 50 C 220 min" under "Program Temperature Duration") is one
    row a quote, never all rows in one: an answer must come from its own row."""
    lines = [(m.start() + s, m.end() + s) for m in re.finditer(r"[^\n]*\S[^\n]*", text[s:e])]
    if len(lines) < 3:
        return [(s, e)]
    words = [len(_WORDS.findall(text[a:b])) for a, b in lines]
    with_number = sum(bool(re.search(r"\d", text[a:b])) for a, b in lines)
    if max(words) > ROW_WORDS or with_number * 2 < len(lines):
        return [(s, e)]
    return lines


def _cut_long(text: str, s: int, e: int) -> list[tuple[int, int]]:
    words = list(_WORDS.finditer(text, s, e))
    if len(words) <= LONG_SENTENCE_WORDS:
        return [(s, e)]
    lines = [(m.start() + s, m.end() + s) for m in re.finditer(r"[^\n]+", text[s:e])]
    if len(lines) > 1 and all(len(_WORDS.findall(text[a:b])) <= LONG_SENTENCE_WORDS for a, b in lines):
        return lines
    step = LONG_SENTENCE_WORDS // 2
    return [(words[i].start(), words[min(i + step, len(words)) - 1].end()) for i in range(0, len(words), step)]


def split(results: Sequence[Result]) -> list[Sentence]:
    out = []
    for rank, r in enumerate(results):
        spans = _segment(r.text)
        for i, (s, e) in enumerate(spans):
            edge = i == 0 or i == len(spans) - 1
            whole_line = (s == 0 or r.text[s - 1] == "\n") and (e == len(r.text) or r.text[e] == "\n")
            if edge and not whole_line and len(spans) > 1 and len(_WORDS.findall(r.text, s, e)) < 4:
                continue  # the end of a sentence cut at a chunk boundary ("earthquake. The..."): no quote
            out.append(Sentence(r.text[s:e], s, e, r, rank))
    return out

# A sentence answers a question when it names the question's exact terms (and one of its names,
# if it has any) and holds at least this share of its subject words (names and codes counting
# double), counting its heading, its file's name and the sentence before. Chosen on the curve
# `bench/abstain.py` prints: the highest value that declines no more than 5% of the shared
# SQuAD articles' answerable questions.
MIN_ABOUT = 0.2


def file_name_words(path: str) -> str:
    """A file's name as words: "meeting-notes_2025.md" -> "meeting notes 2025"."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", " ").replace("_", " ")


def embed_texts(sents: Sequence[Sentence]) -> list[str]:
    """What each sentence is embedded as: alone it loses its subject ('It runs for 20 minutes');
    its section heading helps. What ``warm`` embeds ahead, so it must stay the one rule."""
    return [f"{s.result.heading}: {s.text}" if s.result.heading else s.text for s in sents]


def split_text(text: str) -> list[str]:
    """A model's reply (or any text that is no passage) as its sentences."""
    from sentencex import segment

    return [s.strip() for s in segment("en", text) if s.strip()]


CITATION_MARK = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")  # a [n] or [n, m] in answer text


def one_line(text: str) -> str:
    """A quote or an answer on one line, as it is shown inline and given to a model."""
    return " ".join(text.split())
