"""Measure answers on a SQuAD 2.0 file: each article becomes a file in a temporary index, each
question is asked as a user would, and the answer, its quotes and its citations are compared
with the gold answers (official normalisation and token F1). Questions marked
``is_impossible`` count as unanswerable: the right answer is to abstain.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from localrag.answering.lexical import squad_normalize
from localrag.answering.verify import is_short
from localrag.errors import LocalragError

if TYPE_CHECKING:
    from localrag.answering.compose import Answer
    from localrag.evaluation.subject import Measured


@dataclass
class QA:
    qid: str
    question: str
    answers: list[str]  # empty: unanswerable
    article: str


@dataclass
class SquadSet:
    articles: list[tuple[str, list[str]]]  # (title, paragraphs)
    questions: list[QA]

    def write(self, folder: Path) -> None:
        """One Markdown file per article: its title as a heading, its paragraphs as paragraphs."""
        folder.mkdir(parents=True, exist_ok=True)
        for title, paras in self.articles:
            body = "\n\n".join(" ".join(p.split()) for p in paras)
            (folder / article_file(title)).write_text(f"# {title.replace('_', ' ')}\n\n{body}\n", encoding="utf-8")


def article_file(title: str) -> str:
    """The file an article is written to (``SquadSet.write``): its title, made safe, as Markdown."""
    return (re.sub(r"[^A-Za-z0-9._-]", "_", title)[:100] or "article") + ".md"


def load_squad(path: str | Path) -> SquadSet:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        articles, questions = [], []
        for art in data["data"]:
            title = str(art["title"])
            paras = []
            for para in art["paragraphs"]:
                paras.append(str(para["context"]))
                for qa in para["qas"]:
                    golds = [] if qa.get("is_impossible") else [str(a["text"]) for a in qa.get("answers", [])]
                    questions.append(QA(str(qa["id"]), str(qa["question"]), golds, title))
            articles.append((title, paras))
    except FileNotFoundError:
        raise LocalragError(f"no such SQuAD file: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise LocalragError(f"cannot read {p}: {e}") from None
    except (ValueError, KeyError, TypeError) as e:
        raise LocalragError(f"{p} is not SQuAD 2.0 JSON ({type(e).__name__}: {e})") from None
    if not questions:
        raise LocalragError(f"{p} holds no questions")
    return SquadSet(articles, questions)


# ---- metrics (pure) -------------------------------------------------------------------------------
def f1(pred: str, gold: str) -> float:
    p, g = squad_normalize(pred).split(), squad_normalize(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or common == 0:
        return float(p == g)
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def contains(text: str, golds: list[str]) -> bool:
    """Whether the text holds a gold answer after SQuAD normalisation; a gold answer that is all
    article ("A", an energy class) is looked for as a word of its own, articles kept."""
    t = f" {squad_normalize(text)} "
    if any(f" {squad_normalize(g)} " in t for g in golds if squad_normalize(g)):
        return True
    kept = f" {' '.join(_unpunctuated(text).split())} "
    return any(f" {_unpunctuated(g).strip()} " in kept for g in golds if not squad_normalize(g) and _unpunctuated(g).strip())


def _unpunctuated(text: str) -> str:
    return "".join(" " if ch in string.punctuation else ch for ch in text.lower())


def _without_marks(text: str) -> str:
    from localrag.answering.sentences import CITATION_MARK

    return CITATION_MARK.sub("", text)


def shown_answer(ans: Answer) -> str:
    """The answer's words as a user reads them: no citation marks, no quote label."""
    from localrag.answering.compose import QUOTE_LABEL

    text = _without_marks(ans.text)
    if text.startswith(QUOTE_LABEL):
        text = text[len(QUOTE_LABEL):].strip("\u201c\u201d ")
    return text


@dataclass
class AnswerMetrics:
    asked: int = 0
    answerable: int = 0
    unanswerable: int = 0
    passage_hit: int = 0  # a retrieved passage holds a gold answer
    answer_hit: int = 0  # a gold answer inside the answer
    f1_sum: float = 0.0  # of the short answer (the shown text when there is none)
    evidence_hit: int = 0  # a gold answer inside a quote
    answered: int = 0  # answerable questions not abstained on
    citation_hit: int = 0  # ... with a cited passage (one a quote comes from) holding a gold answer
    cited: int = 0  # passages cited, over all answerable questions
    cited_right: int = 0  # ... that hold a gold answer
    supported: int = 0
    supported_answerable: int = 0
    supported_right: int = 0  # supported answers (to answerable questions) holding a gold answer
    unsupported_right: int = 0  # shown as a quote (not supported) yet holding a gold answer
    supported_absent: int = 0  # supported short answers whose words are absent from their quotes: must be 0
    generated: int = 0
    supported_wrong: int = 0  # supported yet holding no gold answer, or supported on an unanswerable question
    abstained_unanswerable: int = 0
    abstained_answerable: int = 0
    seconds: list[float] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)

    def add(self, qa: QA, ans: Answer, seconds: float) -> None:
        self.asked += 1
        self.seconds.append(seconds)
        text = shown_answer(ans)
        quotes = [q.text for q in ans.evidence]
        abstained = ans.kind == "not_found"
        short = ans.short_answer or text  # a chat model's sentence paraphrases; its short answer is verbatim
        if ans.supported:
            self.supported += 1
            verbatim = ans.short_answer or (text if is_short(text) else "")  # a checked sentence may paraphrase
            if verbatim and ans.kind != "computed" and not contains(" ".join(quotes), [verbatim]):  # a total is in no quote
                self.supported_absent += 1
        self.generated += ans.kind == "generated"
        row = {"id": qa.qid, "question": qa.question, "gold": qa.answers, "answer": ans.text,
               "short_answer": ans.short_answer, "unsupported": ans.unsupported, "kind": ans.kind,
               "supported": ans.supported, "quotes": quotes, "seconds": round(seconds, 3),
               "evidence_score": round(ans.evidence[0].sentence.relevance, 4) if ans.evidence else None,
               "similarity": max((r.similarity or 0.0 for r in
                                  [c.result for c in ans.citations] or ans.nearest), default=None)}
        if not qa.answers:
            self.unanswerable += 1
            self.abstained_unanswerable += abstained
            self.supported_wrong += ans.supported
            self.rows.append(row)
            return
        self.answerable += 1
        passages = [c.result.text for c in ans.citations] or [r.text for r in ans.nearest]
        self.passage_hit += any(contains(p, qa.answers) for p in passages)
        hit = contains(text, qa.answers) and not abstained
        self.supported_wrong += ans.supported and not hit
        self.answer_hit += hit
        best_f1 = 0.0 if abstained else max(f1(short, g) for g in qa.answers)
        self.f1_sum += best_f1
        # a figure computed over rows is in no quote: its quotes are evidence when it is right
        self.evidence_hit += hit if ans.kind == "computed" else any(contains(q, qa.answers) for q in quotes)
        if ans.supported:
            self.supported_answerable += 1
            self.supported_right += hit
        elif not abstained:
            self.unsupported_right += hit
        if abstained:
            self.abstained_answerable += 1
        else:
            self.answered += 1
            cited = [c for c in ans.citations if c.cited]
            self.citation_hit += any(contains(c.result.text, qa.answers) for c in cited)
            self.cited += len(cited)
            self.cited_right += sum(contains(c.result.text, qa.answers) for c in cited)
        row.update(f1=round(best_f1, 3), hit=hit)
        self.rows.append(row)

    def figures(self) -> dict:
        def share(a: float, b: float) -> float:
            return round(a / b, 4) if b else 0.0

        return {
            "questions": self.asked, "answerable": self.answerable, "unanswerable": self.unanswerable,
            "passage_hit": share(self.passage_hit, self.answerable),
            "evidence_hit": share(self.evidence_hit, self.answerable),
            "answer_hit": share(self.answer_hit, self.answerable),
            "answer_f1": share(self.f1_sum, self.answerable),
            "citation_hit": share(self.citation_hit, self.answered),
            "citation_precision": share(self.cited_right, self.cited),
            "supported_rate": share(self.supported, self.asked),
            "supported_precision": share(self.supported_right, self.supported_answerable),
            "supported_but_wrong": share(self.supported_wrong, self.asked),
            "supported_but_absent_from_quotes": self.supported_absent,
            "generated_rate": share(self.generated, self.asked),
            "abstained_on_unanswerable": share(self.abstained_unanswerable, self.unanswerable),
            "abstained_on_answerable": share(self.abstained_answerable, self.answerable),
            "p50_seconds": round(statistics.median(self.seconds), 3) if self.seconds else 0.0,
        }


def sample(questions: list[QA], limit: int | None, seed: int, balanced: bool = False) -> list[QA]:
    """A seeded sample; ``balanced``: half of it unanswerable questions (as held-out SQuAD 2.0 is),
    so abstention is measured on as many questions as answering."""
    if balanced:
        half = (limit or len(questions)) // 2
        return (sample([q for q in questions if q.answers], half, seed)
                + sample([q for q in questions if not q.answers], half, seed))
    if not limit or limit >= len(questions):
        return list(questions)
    picked = list(questions)
    random.Random(seed).shuffle(picked)
    return picked[:limit]


def run_squad(app: Measured, questions: list[QA], k: int | None = None,
              on_query: Callable[[str, int, int], None] | None = None) -> AnswerMetrics:
    app.resident.keep_vectors_in_memory()  # many questions in one process
    m = AnswerMetrics()
    for i, qa in enumerate(questions):
        t = time.perf_counter()
        ans = app.library.ask(qa.question, k)
        m.add(qa, ans, time.perf_counter() - t)
        if on_query:
            on_query("answers", i + 1, len(questions))
    return m
