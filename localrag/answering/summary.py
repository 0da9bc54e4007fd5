"""Summaries made of a document's own sentences: central, not redundant, spread across it.

A document is read from the index, not from disk: its outline (chunk ids, headings, pages), the
stored vector of every chunk, and the text of only the chunks a summary may quote. So a 500-page
PDF is summarised without re-embedding it and without holding it whole.

1. The document's centre is the mean of its chunk vectors; each chunk's centrality is its
   cosine to it.
2. The document is cut into as many stretches as the summary has room for sentences (at
   section breaks where it has sections), and the most central chunks of each stretch are
   the candidates: a summary covers the whole document, not only its opening.
3. The candidates' sentences are embedded and scored by their own centrality, how much of the
   document's recurring vocabulary they hold (SumBasic), and how many facts they state (names,
   numbers, dates: what a reader asks a document about), the document's opening sentence a
   little more. Each chosen sentence makes its words count less, so the next says something
   else, and the budget is filled with whatever still fits.
4. The chosen sentences are shown in document order, under their headings, each a verbatim
   quote with its lines.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from localrag.answering.sentences import EmbedFn, Sentence, embed_texts, split
from localrag.search.retrieve import Result
from localrag.search.stopwords import STOPWORDS

DEFAULT_WORDS = 150
MIN_WORDS, MAX_WORDS = 30, 2000
SENTENCE_WORDS = 25  # a typical quoted sentence: how many a budget has room for
CANDIDATES_PER_STRETCH = 2  # chunks of each stretch whose sentences compete
MIN_SENTENCE_WORDS, MAX_SENTENCE_WORDS = 6, 60
REDUNDANT = 0.85  # cosine above which a sentence repeats one already chosen
# The score's weights, chosen on the shared SQuAD articles by `localrag eval --squad FILE
# --summaries` (question coverage against the articles' openings): centrality and vocabulary
# alone do no better than the opening; facts and the opening's bonus make the difference.
W_CENTRE = 1.0
W_VOCAB = 1.0
W_FACTS = 1.0
W_OPENING = 0.3

_FACT = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'-]+|\b\d[\d,.:/-]*\b")  # a name inside a sentence, a number
_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)


@dataclass
class Outline:
    """A document as the index holds it: (chunk id, heading, page, words) in file order, and
    the stored vector of each embedded chunk."""

    path: str
    chunks: list[tuple[int, str, int | None, int]]
    vectors: dict[int, np.ndarray]


def vocabulary(texts: Iterable[str]) -> dict[str, float]:
    """The document's word probabilities (content words, lower case), read one chunk at a time."""
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update(w for w in (m.group(0).lower() for m in _WORD.finditer(t)) if w not in STOPWORDS and len(w) > 2)
    total = sum(counts.values()) or 1
    return {w: c / total for w, c in counts.items()}


def _words_of(text: str) -> list[str]:
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in STOPWORDS and len(w) > 2]


def stretches(chunks: Sequence[tuple[int, str, int | None, int]], n: int) -> list[list[int]]:
    """``n`` runs of consecutive chunks of about equal length (as indexes into ``chunks``); a run
    ends early at a change of top-level section when one is near."""
    if not chunks:
        return []
    n = max(1, min(n, len(chunks)))
    total = sum(max(1, c[3]) for c in chunks)
    target = total / n
    out: list[list[int]] = [[]]
    acc = 0.0
    for i, c in enumerate(chunks):
        top = c[1].split(" > ")[0]
        new_section = i > 0 and top != chunks[i - 1][1].split(" > ")[0]
        if out[-1] and len(out) < n and (acc >= target or (new_section and acc >= 0.6 * target)):
            out.append([])
            acc = 0.0
        out[-1].append(i)
        acc += max(1, c[3])
    return out


def centre_of(outline: Outline) -> np.ndarray | None:
    """The document's centre: the normalised mean of its stored chunk vectors (None before any)."""
    have = list(outline.vectors.values())
    if not have:
        return None
    centre = np.mean(have, axis=0)
    return centre / (np.linalg.norm(centre) or 1.0)


def candidates(outline: Outline, runs: Sequence[Sequence[int]], centre: np.ndarray | None) -> list[int]:
    """Chunk ids whose sentences may be quoted: the most central of each stretch (``runs``)."""
    ids = [c[0] for c in outline.chunks]
    if centre is None:  # not embedded yet: the opening of each stretch
        return [ids[run[0]] for run in runs]
    vecs = [outline.vectors.get(i) for i in ids]
    cent = [float(v @ centre) if v is not None else -1.0 for v in vecs]
    out: list[int] = []
    for run in runs:
        best = sorted(run, key=lambda i: -cent[i])[:CANDIDATES_PER_STRETCH]
        if run[0] == 0 and 0 not in best:  # the opening states what a document is: always a candidate
            best.append(0)
        out += [ids[i] for i in sorted(best)]
    return out


_ENDS_SENTENCE = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")
_CODE_CHARS = frozenset("{}<>=\\|#&^~$@")  # not ";", brackets, "*" or backticks: prose has them (Markdown)
_SHOUTED = re.compile(r"\b[A-Z]{2,}(?:\s+[A-Z&]{2,}){2,}\b")  # a page's running header run into the text
_CONTENTS = re.compile(r"\.{4,}|^(?:chapter|section|part|appendix)\s+[\dIVX]+\b", re.I)


def _quotable(s: Sentence) -> bool:
    """A sentence of prose: a whole one, not a table row, a line of code, a title page or a
    table of contents."""
    n = s.words
    if n < MIN_SENTENCE_WORDS or n > MAX_SENTENCE_WORDS:
        return False
    text = s.text.strip()
    if not s.result.text[: s.start].strip() and text[:1].islower():
        return False  # the end of a sentence the chunk before began
    chars = text.replace(" ", "")
    letters = sum(ch.isalpha() for ch in chars)
    if letters < 0.6 * len(chars) or sum(ch in _CODE_CHARS for ch in chars) > 0.02 * len(chars):
        return False
    return bool(_ENDS_SENTENCE.search(text)) and not _SHOUTED.search(text) and not _CONTENTS.search(text)


_HEADING_LINE = re.compile(r"^[^\n.!?:;]{1,60}\n(?=\S)")
_BULLET = re.compile(r"^(?:[-*+\u2022]|\d{1,3}[.)])\s+")


def tidy(s: Sentence) -> Sentence:
    """A sentence quoted from where its words start: after a list item's bullet, and after a
    heading's line it opens with ("Descaling\nDescale the machine...", as PDFs give them)."""
    cut = 0
    m = _HEADING_LINE.match(s.text)
    after = s.text[m.end():] if m else ""
    # a heading's line, not a wrapped line of the sentence: what follows starts a sentence of its own
    if m and len(m.group(0).split()) <= 6 and after[:1].isupper() and len(after.split()) >= MIN_SENTENCE_WORDS:
        cut = m.end()
    b = _BULLET.match(s.text[cut:])
    if b and s.text[cut + b.end():].strip():
        cut += b.end()
    if not cut:
        return s
    return Sentence(s.text[cut:], s.start + cut, s.end, s.result, s.rank, s.score, s.relevance, s.about, s.missing)


def choose(sents: Sequence[Sentence], vecs: np.ndarray, centre: np.ndarray, vocab: dict[str, float],
           stretch_of: Callable[[Sentence], int], words: int, outline_first: int = -1) -> list[Sentence]:
    """Sentences within ``words`` words, best first by centrality and vocabulary, one a stretch
    before a second from any, never two that say the same."""
    cent = vecs @ centre if len(sents) else np.zeros(0)
    probs = dict(vocab)
    chosen: list[int] = []
    used_stretch: set[int] = set()
    total = 0
    pool = [i for i, s in enumerate(sents) if _quotable(s)]
    while pool:
        def score(i: int) -> float:
            ws = _words_of(sents[i].text)
            lex = sum(probs.get(w, 0.0) for w in ws) / (len(ws) or 1)
            facts = len(_FACT.findall(sents[i].text)) / (sents[i].words or 1)
            first = W_OPENING if sents[i].result.chunk_id == outline_first and sents[i].start == 0 else 0.0
            return W_CENTRE * float(cent[i]) + W_VOCAB * math.sqrt(lex * 100) + W_FACTS * facts + first

        fresh = [i for i in pool if stretch_of(sents[i]) not in used_stretch] or pool
        best = max(fresh, key=score)
        pool.remove(best)
        if total + sents[best].words > words:
            continue  # a shorter one may still fit: the budget is used to the full
        if any(float(vecs[best] @ vecs[j]) > REDUNDANT for j in chosen):
            continue
        chosen.append(best)
        used_stretch.add(stretch_of(sents[best]))
        total += sents[best].words
        for w in set(_words_of(sents[best].text)):  # SumBasic: what was said counts less next time
            if w in probs:
                probs[w] = probs[w] ** 2
    return [sents[i] for i in chosen]


def summarize(outline: Outline, read: Callable[[Sequence[int]], list[Result]], vocab: dict[str, float],
              embed: EmbedFn, words: int = DEFAULT_WORDS) -> list[Sentence]:
    """The summary's sentences in document order. ``read`` gives the candidate chunks' passages
    (in file order); ``vocab`` is the document's ``vocabulary``."""
    runs = stretches(outline.chunks, max(2, round(words / SENTENCE_WORDS)))
    centre = centre_of(outline)
    results = read(candidates(outline, runs, centre))
    sents = [tidy(s) for s in split(results)]
    if not sents:
        return []
    vecs = embed(embed_texts(sents))
    if centre is None:  # no stored vector yet: the sentences' own centre
        centre = np.mean(vecs, axis=0)
        centre = centre / (np.linalg.norm(centre) or 1.0)
    run_of = {outline.chunks[i][0]: k for k, run in enumerate(runs) for i in run}
    picked = choose(sents, vecs, centre, vocab, lambda s: run_of.get(s.result.chunk_id, 0), words,
                    outline.chunks[0][0])
    order = {r.chunk_id: i for i, r in enumerate(results)}
    return sorted(picked, key=lambda s: (order[s.result.chunk_id], s.start))
