"""Measure summaries without reference summaries: a SQuAD article's crowd-written questions are
probes of what it says, and a summary covers the share of them whose gold answer its text holds
(question-based coverage). The article's own opening at the same number of words is the
baseline a summary must beat; each article is summarised as a user asks for it, by file name
and with the file as the scope.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from localrag.answering.lexical import squad_normalize
from localrag.evaluation.squad import article_file

if TYPE_CHECKING:
    from localrag.evaluation.squad import SquadSet
    from localrag.evaluation.subject import Measured


def covered(text: str, answers_per_question: list[list[str]]) -> float:
    """Share of the questions whose gold answer (any of them) the text holds, as whole words."""
    if not answers_per_question:
        return 0.0
    t = f" {squad_normalize(text)} "
    hit = sum(any(f" {squad_normalize(a)} " in t for a in golds if squad_normalize(a)) for golds in answers_per_question)
    return hit / len(answers_per_question)


def opening(paragraphs: list[str], words: int) -> str:
    return " ".join(" ".join(paragraphs).split()[:words])


@dataclass
class ArticleFigures:
    title: str
    asked: str  # "by name" or "in scope"
    coverage: float
    opening_coverage: float
    words: int
    quotes: int
    verbatim: bool  # every quote is text of the file
    seconds: float
    kind: str


@dataclass
class SummaryMetrics:
    words_budget: int
    articles: list[ArticleFigures] = field(default_factory=list)

    def to_json(self) -> dict:
        a = self.articles
        if not a:
            return {"words_budget": self.words_budget, "summaries": 0}
        cov = sum(x.coverage for x in a)
        base = sum(x.opening_coverage for x in a)
        return {
            "words_budget": self.words_budget, "summaries": len(a),
            "coverage": round(cov / len(a), 4), "opening_coverage": round(base / len(a), 4),
            "coverage_ratio": round(cov / base, 3) if base else None,
            "articles_at_or_above_opening": round(sum(x.coverage >= x.opening_coverage for x in a) / len(a), 3),
            "all_quotes_verbatim": all(x.verbatim for x in a),
            "most_words": max(x.words for x in a),
            "not_summaries": sum(x.kind != "summary" for x in a),
            "p50_seconds": round(statistics.median(x.seconds for x in a), 2),
            "per_article": [vars(x) for x in a],
        }


def evaluate_summaries(app: Measured, data: SquadSet, words: int,
                       on_article: Callable[[str, int, int], None] | None = None) -> SummaryMetrics:
    """Summarise every article of a SQuAD collection (its index: ``squad_collection``) twice, by
    its file name and as "this article" with the file as scope, and measure the summaries by the
    share of its questions they answer, against its opening."""
    app.resident.keep_vectors_in_memory()
    folder = app.index.folders()[0]
    out = SummaryMetrics(words)
    for i, (title, paras) in enumerate(data.articles):
        if on_article:
            on_article("summaries", i, len(data.articles))
        probes = [q.answers for q in data.questions if q.article == title and q.answers]
        if not probes:
            continue
        path = os.path.join(folder, article_file(title))
        with open(path, encoding="utf-8") as f:
            text = f.read()
        base = covered(opening(paras, words), probes)
        for asked, question, scope in (("by name", f"Summarize {article_file(title)}", None),
                                       ("in scope", "Summarize this article", app.library.scope([path]))):
            t = time.perf_counter()
            ans = app.library.ask(question, scope=scope, words=words)
            dt = time.perf_counter() - t
            quotes = [q.text for q in ans.evidence]
            out.articles.append(ArticleFigures(
                title, asked, covered(" ".join(quotes), probes), base, sum(len(q.split()) for q in quotes),
                len(quotes), bool(quotes) and all(q in text for q in quotes), round(dt, 2), ans.kind))
    if on_article:
        on_article("summaries", len(data.articles), len(data.articles))
    return out
