"""An answer as it is shown: its text with quote numbers, its quotes (verbatim sentences with
file, page and lines) and the passages it cites. Every kind of answer is put together here, from
what the steps before found: a checked model answer, a table's cell, a figure over rows, a
quote, a decline, a document outline."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from localrag.answering import rank, tables
from localrag.answering.sentences import Sentence, file_name_words, one_line
from localrag.search.retrieve import Result

NOTHING_FOUND = "I found nothing relevant to that question in your indexed files."
WEAK_EVIDENCE = "Your files do not seem to answer that question; the nearest passages are below."
QUOTE_LABEL = "Your files say: "


@dataclass
class Citation:
    n: int
    result: Result
    cited: bool = False

    def to_json(self) -> dict:
        r = self.result
        return {"n": self.n, "path": r.path, "page": r.page, "start_line": r.start_line, "end_line": r.end_line,
                "text": r.text, "heading": r.heading, "cited": self.cited, "chunk_id": r.chunk_id}


@dataclass
class Quote:
    """A verbatim sentence of a file that the answer rests on, with its narrowed location."""

    n: int
    sentence: Sentence

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def result(self) -> Result:
        """The quote as a passage of its own: its lines, not its whole chunk's."""
        r = self.sentence.result
        return Result(r.chunk_id, r.path, r.score, self.text, r.heading, r.page, self.sentence.start_line,
                      self.sentence.end_line, r.similarity)

    def location(self) -> str:
        """``path:page 2, lines 5-6`` or ``path:12-13``: where a person finds the quote."""
        return self.result.precise_location()

    def to_json(self) -> dict:
        r = self.sentence.result
        return {"n": self.n, "path": r.path, "page": r.page, "start_line": self.sentence.start_line,
                "end_line": self.sentence.end_line, "quote": self.text, "chunk_id": r.chunk_id}


@dataclass
class Answer:
    question: str
    text: str = ""
    short_answer: str = ""  # the answer in a few verbatim words of its quote ("" when none was backed)
    citations: list[Citation] = field(default_factory=list)  # the passages retrieved for the question
    evidence: list[Quote] = field(default_factory=list)  # the sentences the answer rests on, best first
    nearest: list[Result] = field(default_factory=list)  # shown when nothing relevant was found
    found: bool = True
    stopped: bool = False
    attributed: bool = True  # citations come from checking the answer against the evidence, not the model
    supported: bool = False  # the shown answer passed the check against its quotes
    kind: str = "generated"  # "generated", "table" (cells read by code), "computed" (a figure over rows), "quote", "not_found"
    unsupported: list[str] = field(default_factory=list)  # what the model said that the quotes do not back
    error: str | None = None  # the generator failed part-way; ``text`` holds what came before
    warning: str | None = None  # something the user should know about this answer (empty model output...)
    partial: str | None = None  # the index is still being embedded: the answer rests on part of it
    question_kind: str = "fact"  # "fact", "summary", "compare", "which_files" or "list" (``kinds``)
    documents: list[str] = field(default_factory=list)  # the documents a whole-document answer is about
    choices: list[str] = field(default_factory=list)  # a name that fits several files: them, to choose from
    files: list[dict] = field(default_factory=list)  # "which files": path, passages, found_by, quote (its n)
    pairs: list[list[int | None]] = field(default_factory=list)  # a comparison: quote numbers side by side

    def to_json(self) -> dict:
        return {"question": self.question, "answer": self.text, "short_answer": self.short_answer,
                "answer_kind": self.kind,
                "supported": self.supported, "evidence": [q.to_json() for q in self.evidence],
                "unsupported": self.unsupported, "citations": [c.to_json() for c in self.citations],
                "found": self.found, "attributed": self.attributed, "error": self.error, "warning": self.warning,
                "partial": self.partial, "question_kind": self.question_kind, "documents": self.documents,
                "choices": self.choices, "files": self.files, "pairs": self.pairs,
                "nearest": [r.to_json() for r in self.nearest]}





def shown(ans: Answer, on_text: Callable[[str], None] | None = None) -> Answer:
    """The answer as it is shown: its citations marked cited where a quote comes from, its text
    passed on."""
    cited_chunks = {q.sentence.result.chunk_id for q in ans.evidence}
    for c in ans.citations:
        c.cited = c.result.chunk_id in cited_chunks
    if on_text:
        on_text(ans.text)
    return ans


def quoted(quote: Quote) -> str:
    """An answer that is a quote, not a claim: "Your files say: “...” [n]"."""
    return f"{QUOTE_LABEL}\u201c{one_line(quote.text)}\u201d [{quote.n}]"


def from_table(ans: Answer, ranked: Sequence[Sentence], found: tables.TableAnswer) -> Answer:
    """The cell under the asked column of the row the question names, with that row as its quote
    ("Price: 689 EUR"); when no cell answers, the row is shown as a quote, not as an answer."""
    rows = [found.row] if found.cell is not None else rank.pick(ranked, [found.row])  # the answer's row alone
    ans.evidence = [Quote(i + 1, s) for i, s in enumerate(rows)]
    if found.cell is not None:
        c = found.cell
        ans.kind, ans.supported, ans.short_answer = "table", True, c.value
        ans.text = f"{one_line(c.header)}: {one_line(c.value)} [1]"
    else:
        ans.kind, ans.supported = "quote", False
        ans.text = quoted(ans.evidence[0])
    return ans

_OVER_LABEL = {tables.SUM: "Total {column}", tables.AVERAGE: "Average {column}", tables.HIGHEST: "Highest {column}",
               tables.LOWEST: "Lowest {column}", tables.COUNT: "Rows", tables.LIST: "{column}"}


def over_rows(ans: Answer, over: tables.RowsAnswer) -> Answer:
    """A figure over a table's rows with the rows it is over as its quotes ("Total Amount EUR:
    2,190.50 over 2 rows"). A total, average, count or list is made by code from the rows (kind
    "computed": it is in no one quote); a highest or lowest is a row's own cell (kind "table")."""
    rows = over.rows[: tables.MAX_SHOWN]
    ans.evidence = [Quote(i + 1, s) for i, s in enumerate(rows)]
    computed = over.how in (tables.SUM, tables.AVERAGE, tables.COUNT, tables.LIST)
    ans.kind, ans.supported, ans.short_answer = ("computed" if computed else "table"), True, over.cell or over.text
    label = _OVER_LABEL[over.how].format(column=one_line(over.column))
    more = f", {len(over.rows) - len(rows)} more rows not shown" if len(over.rows) > len(rows) else ""
    n = len(over.rows)
    span = f" over {n} row{'s' if n != 1 else ''}" if computed or over.how == tables.LIST else ""
    marks = "[" + ", ".join(str(q.n) for q in ans.evidence) + "]"
    ans.text = f"{label}: {one_line(over.text)}{span}{more} {marks}"
    ans.citations = [Citation(i + 1, r) for i, r in enumerate(  # the passages its rows come from
        {q.sentence.result.chunk_id: q.sentence.result for q in ans.evidence}.values())]
    return ans


def not_found(ans: Answer, results: Sequence[Result], text: str = NOTHING_FOUND) -> Answer:
    ans.found = False
    ans.kind = "not_found"
    ans.attributed = False
    ans.text = text
    ans.nearest = list(results[:5])
    return ans


def name(path: str, all_paths: Sequence[str] = ()) -> str:
    """A document as a person reads it: its file name, or more of its path where names repeat."""
    base = os.path.basename(path)
    if sum(os.path.basename(p) == base for p in all_paths) > 1:
        return os.path.join(os.path.basename(os.path.dirname(path)), base)
    return base


def choose(ans: Answer, what: str, choices: Sequence[str]) -> Answer:
    ans.kind, ans.found, ans.attributed = "choose", False, False
    ans.choices = list(choices)
    listed = "\n".join(f"- {c}" for c in choices)
    ans.text = f"{what} Name one (or pass it with --in):\n\n{listed}"
    return ans


def number_quotes(ans: Answer, sents: Sequence[Sentence]) -> dict[int, int]:
    """Quote each sentence once, numbered in order; returns id(sentence) -> its number."""
    have = {id(q.sentence): q.n for q in ans.evidence}
    for s in sents:
        if id(s) not in have:
            q = Quote(len(ans.evidence) + 1, s)
            ans.evidence.append(q)
            have[id(s)] = q.n
    return have


def outline(ans: Answer, sents: Sequence[Sentence], all_paths: Sequence[str], by_file: bool) -> str:
    """Quotes as an outline: under their file (when several) and their section heading."""
    number = number_quotes(ans, sents)
    lines: list[str] = []
    last_file, last_head = None, None
    for s in sents:
        r = s.result
        if by_file and r.path != last_file:
            lines += ["", f"{name(r.path, all_paths)}:"]
            last_file, last_head = r.path, None
        head = r.heading.split(" > ")[-1] if r.heading else ""
        if head and head != last_head and not _is_title(head, r.path):
            lines += ["", f"{one_line(head)}:"]
        last_head = head
        lines.append(f"- \u201c{one_line(s.text)}\u201d [{number[id(s)]}]")
    return "\n".join(lines).strip("\n")


def _is_title(heading: str, path: str) -> bool:
    """A heading that only repeats the document's name says nothing in an outline."""
    a = {w for w in re.findall(r"\w+", heading.lower())}
    b = {w for w in re.findall(r"\w+", file_name_words(path).lower())}
    return bool(a) and a <= b | {"s"}


def finish(ans: Answer, question_kind: str, kind: str) -> Answer:
    ans.question_kind = question_kind
    ans.kind = kind
    seen: set[int] = set()
    for q in ans.evidence:  # the passages of the quotes, each once: all of them cited
        r = q.sentence.result
        if r.chunk_id not in seen:
            seen.add(r.chunk_id)
            ans.citations.append(Citation(len(ans.citations) + 1, r, True))
    ans.attributed = True
    return ans


def nothing(ans: Answer, question_kind: str, text: str) -> Answer:
    ans.question_kind, ans.kind, ans.found, ans.attributed, ans.text = question_kind, "not_found", False, False, text
    return ans
