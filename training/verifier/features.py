"""Lexical features of a (question, sentence) pair, tried as the input of a logistic verifier
before the cross-encoder (training only: the README gives the figures, and why it was not kept).

The lexical check (``Sentence.answers_question``) passes a sentence about a sibling of what is
asked ("the quince tree was planted in 2019" for "when was the fig tree planted"): it counts the
question's words the sentence shares, and one changed word is a small share. These features
look at the words that are *not* there (in the sentence, around it, anywhere in its passage),
how rare they are, whether a negation or the kind of answer asked for is present, and a
logistic model trained on SQuAD 2.0 pairs (``training/verifier/``) weighs them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from localrag.answering.lexical import FRAME_WORDS, STOPWORDS, content, kind_of_question, names, subject, tokens

if TYPE_CHECKING:
    from localrag.answering.sentences import Sentence

AROUND = 300  # characters before a sentence read with it: its subject is often named there ("He ...")
_NEGATION = re.compile(r"\b(?:not|never|no|none|nothing|neither|nor|without|cannot)\b|n't\b", re.I)

FEATURES = ("bias", "about", "exact_missing", "in_sentence", "in_window", "window_missing", "window_missing_rarest",
            "passage_missing", "passage_missing_rarest", "elsewhere", "elsewhere_rarest", "names_missing_passage", "negation_differs",
            "kind_none", "kind_fits", "log_words", "question_words")


def _stems(text: str) -> set[str]:
    return {t for t, _, _ in tokens(text)}


def features(question: str, sents: Sequence[Sentence]) -> np.ndarray:
    """One row of ``FEATURES`` for each sentence (already ranked: ``about`` and ``missing`` set)."""
    from localrag.answering.rank import holds_kind as _holds_kind
    from localrag.answering.sentences import file_name_words

    subj = subject(question)
    q_words = sorted(set(subj.words) or content(question) - FRAME_WORDS)
    sent_stems = [_stems(s.text) for s in sents]
    n = max(len(sents), 1)
    idf = {w: math.log(1 + n / (1 + sum(1 for sw in sent_stems if w in sw))) for w in q_words}
    top = max(idf.values(), default=1.0) or 1.0
    total = sum(idf.values()) or 1.0
    q_names = {t for nm in names(question) for t in _stems(nm)} - STOPWORDS
    q_neg = bool(_NEGATION.search(question))
    kind = kind_of_question(question)
    q_stems = _stems(question)
    passages: dict[int, set[str]] = {}
    rows = np.zeros((len(sents), len(FEATURES)), dtype=np.float32)
    for i, (s, sw) in enumerate(zip(sents, sent_stems)):
        r = s.result
        key = id(r)
        if key not in passages:
            passages[key] = _stems(f"{r.heading}\n{file_name_words(r.path)}\n{r.text}")
        passage = passages[key]
        window = sw | _stems(f"{r.heading}\n{file_name_words(r.path)}\n{r.text[max(0, s.start - AROUND):s.start]}")
        gone_window = [w for w in q_words if w not in window]
        gone_passage = [w for w in q_words if w not in passage]
        # named by another sentence but not here: this one is likely about a sibling ("the quince tree")
        elsewhere = [w for w in gone_window if any(w in o for j, o in enumerate(sent_stems) if j != i)]
        kind_fits = kind is not None and _holds_kind(s.text, kind, q_stems)
        rows[i] = (1.0, s.about, float(bool(s.missing)),
                   sum(idf[w] for w in q_words if w in sw) / total,
                   sum(idf[w] for w in q_words if w in window) / total,
                   len(gone_window), max((idf[w] for w in gone_window), default=0.0) / top,
                   len(gone_passage), max((idf[w] for w in gone_passage), default=0.0) / top,
                   len(elsewhere), max((idf[w] for w in elsewhere), default=0.0) / top,
                   len(q_names - passage), float(q_neg != bool(_NEGATION.search(s.text))),
                   float(kind is None), float(kind_fits), math.log(1 + s.words), len(q_words))
    return rows


def score(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The model's probability that each sentence answers the question."""
    return 1.0 / (1.0 + np.exp(-(rows @ weights)))
