"""Pick the exact sentences of the retrieved passages that answer a question.

Retrieval finds the right passage almost always; a person (and a small model) needs the one or
two sentences in it that matter. Passages are cut into sentences with their character offsets
(sentencex), so each quote is verbatim text of the file with its own narrowed line range, and
sentences are ranked by meaning (the embedding model) plus shared words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from localrag.answering.verify import Subject, content, fits_kind, holds_term, kind_of_question, missing_terms, subject, tokens
from localrag.indexing.parse.tables import SEP
from localrag.search.retrieve import Result

MAX_QUOTE_WORDS = 80  # all quotes of one answer together: readable at a glance
LONG_SENTENCE_WORDS = 60  # a "sentence" longer than this (a table, a log line) is cut by lines/words
_LIST_ITEM = re.compile(r"\n(?=[ \t]*(?:[-*+•|]|\d+[.)])\s)")
_WORDS = re.compile(r"\S+")
_TABLE_ROW = re.compile(r"(?m)^[^\n]*" + re.escape(SEP) + r"[^\n]*$")  # a table's row, as indexing writes it

EmbedFn = Callable[[Sequence[str]], np.ndarray]


class Verify(Protocol):
    """The answerability verifier as ranking sees it (``models.verifier.Verifier``)."""

    threshold: float

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray: ...


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


# Weights of the sentence score, chosen on the shared SQuAD articles (500 answerable questions,
# gold answer in the top sentence 0.70 -> 0.72, in the top three 0.84 -> 0.86 over cosine alone
# 0.62 / 0.79): cosine to the question, plus the IDF-weighted share of the question's words the
# sentence has (and, less, with its previous sentence: "He" needs the sentence before), plus a
# little of its best neighbour's score and of its passage's retrieval rank. A listwise model
# fitted on one half of the articles and scored on the other found the same weights.
W_WORDS = 0.35
W_WINDOW = 0.15
W_NEIGHBOUR = 0.1
W_RANK = 0.05
# A sentence holding the kind of thing the question asks for (a time for "when", a number for
# "how many", a name for "who") beyond the question's own words ranks higher. Fitted on each half
# of the shared articles, checked on the other: top sentence 0.706 -> 0.712 and 0.760 -> 0.766.
W_KIND = 0.15
# Further quotes are shown while they score this close to the best (at most three, 80 words):
# the gold answer is in the quotes 0.813 / 0.845 of the time at 0.15, 0.838 / 0.880 at 0.5, which
# is as many as the three best sentences hold (the two halves of the shared articles).
CLOSE = 0.5
# A sentence naming the exact terms of the question (an error code, a part number, a function)
# outranks one that does not: that is what people ask manuals and code about.
# Measured on both halves of the shared SQuAD articles (600 answerable questions, best-sentence
# hit): 0.3 cost 1.3 points on one half, 0.1 cost 0.7; the same bonus for names cost more still.
W_EXACT = 0.1
# A sentence answers a question when it names the question's exact terms (and one of its names,
# if it has any) and holds at least this share of its subject words (names and codes counting
# double), counting its heading, its file's name and the sentence before. Chosen on the curve
# `bench/abstain.py` prints: the highest value that declines no more than 5% of the shared
# SQuAD articles' answerable questions.
MIN_ABOUT = 0.2
PASSAGES = 8  # passages whose sentences compete (the top 5 hold the answer 0.91, the top 8 0.94)


def rank(question: str, results: Sequence[Result], embed: EmbedFn, verify: Verify | None = None) -> list[Sentence]:
    """Every sentence of the passages, best first; with ``verify``, the verifier reads the best
    ``VERIFY_TOP``, and those it reads below its threshold support no answer."""
    sents = split(results)
    if not sents:
        return []
    vecs = embed([question] + embed_texts(sents))
    sims = vecs[1:] @ vecs[0]
    subj = subject(question)
    q_words = content(question) | subj.words
    sent_words = [{t for t, _, _ in tokens(s.text)} for s in sents]
    n = len(sents)
    idf = {w: math.log(1 + n / (1 + sum(1 for sw in sent_words if w in sw))) for w in q_words}

    key = {t for e in subj.exact for t, _, _ in tokens(e)} | subj.names

    def overlap(words: set[str], of: Collection[str] = q_words, double: Collection[str] = ()) -> float:
        """IDF-weighted share of ``of`` in ``words``; the ``double`` ones (names, codes) count twice.
        Summed in sorted order: a set's order changes with each process's string hashing, and
        with it the last bits of a float sum, which flipped ``MIN_ABOUT`` at its edge."""
        def weight(w: str) -> float:
            return idf[w] * (2 if w in double else 1)

        ordered = sorted(of)
        return sum(weight(w) for w in ordered if w in words) / (sum(weight(w) for w in ordered) or 1.0)

    base = []
    for i, (s, sim, sw) in enumerate(zip(sents, sims, sent_words)):
        prev_sent = sents[i - 1] if i > 0 and sents[i - 1].result is s.result else None
        prev = sent_words[i - 1] if prev_sent else set()
        around = _around(s, prev_sent)
        s.before = prev_sent.text if prev_sent else ""
        s.missing = tuple(missing_terms(subj, f"{s.result.heading}\n{s.text}", around))
        s.about = overlap(sw | prev | {t for t, _, _ in tokens(around)}, subj.words, key) if subj.words else 1.0
        base.append(float(sim) + W_WORDS * overlap(sw) + W_WINDOW * overlap(sw | prev) + W_RANK / (1 + s.rank)
                    + W_EXACT * _exact_share(subj, s.text))
    kind = kind_of_question(question)
    q_stems = {t for t, _, _ in tokens(question)}
    for i, s in enumerate(sents):
        near = [base[j] for j in (i - 1, i + 1) if 0 <= j < n and sents[j].result is s.result]
        s.relevance = base[i] + W_NEIGHBOUR * max(near, default=0.0)
        # the kind bonus ("a time, for a when question") only for a sentence about the question:
        # a date elsewhere is not the answer to "when does the café open"
        fits = kind and s.answers_question and _holds_kind(s.text, kind, q_stems)
        s.score = s.relevance + (W_KIND if fits else 0.0)
    out: list[Sentence] = []
    seen: set[str] = set()
    for s in sorted(sents, key=lambda s: -s.score):  # a sentence in two copies of a file competes once, as its best copy
        same = " ".join(s.text.split()).lower()
        if same not in seen:
            seen.add(same)
            out.append(s)
    if verify is not None:
        _verify(question, out[:VERIFY_TOP], verify)
    return out


# The verifier reads this many of the best sentences, batched; an answer rests on the best few
# (``LOOK``, and the ``CHECK_POOL`` a chat model's reply is checked against). It does not rank:
# adding its score to the ranking (weight 0.3) gained nothing on held-out articles.
VERIFY_TOP = 10


def _verify(question: str, best: Sequence[Sentence], verify: Verify) -> None:
    """Sets ``support`` and ``verified`` of ``best``; the others stay unread (None), judged by the
    lexical check alone."""
    probs = verify.scores(question, [f"{s.before} {s.text}".strip() for s in best])
    for s, p in zip(best, probs):
        s.support = float(p)
        s.verified = s.support >= verify.threshold


def file_name_words(path: str) -> str:
    """A file's name as words: "meeting-notes_2025.md" -> "meeting notes 2025"."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", " ").replace("_", " ")


def _around(s: Sentence, prev: Sentence | None) -> str:
    """What a sentence is read with: its heading, its file's name and the sentence before."""
    r = s.result
    return f"{r.heading}\n{file_name_words(r.path)}\n{prev.text if prev else ''}"


def _exact_share(subj: Subject, text: str) -> float:
    """Share of the question's exact terms the sentence itself names (0 when it has none)."""
    if not subj.exact:
        return 0.0
    return sum(holds_term(text, t) for t in subj.exact) / len(subj.exact)


_TIME_LIKE = re.compile(r"\b\d{4}s?\b|\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{1,2}\s*(?:am|pm|h|uhr)\b|"
                        r"\b(?:january|february|march|april|june|july|august|september|october|november|"
                        r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|century|decade)\b", re.I)


def _holds_kind(text: str, kind: str, q_stems: set[str]) -> bool:
    """Whether the sentence has, beyond the question's own words, what the question asks for. For
    a time, a year, a date or a clock time: any number would do for a house number too."""
    rest = " ".join(text[a:b] for t, a, b in tokens(text) if t not in q_stems)
    if kind == "time":
        return bool(_TIME_LIKE.search(rest))
    return fits_kind(rest, kind)


LOOK = 3  # the best sentences one of which must be about the question, or the files do not answer it


def answers_question(ranked: Sequence[Sentence], look: int = LOOK) -> bool:
    """Whether any of the best few sentences is about what the question asks."""
    return any(s.answers_question for s in ranked[:look])


def strength(ranked: Sequence[Sentence]) -> float:
    """How well the best evidence matches the question: what ``min_evidence`` is compared with."""
    return max((s.relevance for s in ranked), default=0.0)


def embed_texts(sents: Sequence[Sentence]) -> list[str]:
    """What each sentence is embedded as: alone it loses its subject ('It runs for 20 minutes');
    its section heading helps. What ``warm`` embeds ahead, so it must stay the one rule."""
    return [f"{s.result.heading}: {s.text}" if s.result.heading else s.text for s in sents]


def pick(ranked: Sequence[Sentence], firsts: Sequence[Sentence] = (), most: int = 3,
         max_words: int = MAX_QUOTE_WORDS, close: float = CLOSE) -> list[Sentence]:
    """Quotes for an answer: ``firsts`` (those the answer rests on), then the best others that
    score within ``close`` of the best, at most ``most`` of them and ``max_words`` words in all
    (the first is always kept)."""
    out: list[Sentence] = []
    words = 0
    top = ranked[0].score if ranked else 0.0
    for s in list(firsts) + [s for s in ranked if s not in firsts]:
        if len(out) >= most:
            break
        if out and (words + s.words > max_words or (s not in firsts and s.score < top - close)):
            continue
        out.append(s)
        words += s.words
    return out
