"""Rank the sentences of the retrieved passages for a question: by meaning (the embedding
model) plus shared words, the question's exact terms and the kind of thing it asks for; and say
whether the best of them are about the question at all, which is when the files answer it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence

from localrag.answering.gather import Verify
from localrag.answering.lexical import Subject, content, fits_kind, holds_term, kind_of_question, missing_terms, subject, tokens
from localrag.answering.sentences import MAX_QUOTE_WORDS, EmbedFn, Sentence, embed_texts, file_name_words, split
from localrag.search.retrieve import Result

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
        fits = kind and s.answers_question and holds_kind(s.text, kind, q_stems)
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


def holds_kind(text: str, kind: str, q_stems: set[str]) -> bool:
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
