"""A question about a table answered by code, never by the model: the row the question names
(its cells hold the question's words) and the cell under the column it asks for (a column it
names, else the one column of the kind it asks for: an amount for "how much does it cost", a
count for "how many", a name for "who"). The answer is the cell's verbatim text and its quote is
the whole row with its header, so a person sees at once which column the figure came from.

A question whose words the row, the column and the table's caption do not account for is not
answered from the row ("the night shift" when the rota has morning and evening; "the espresso
grinder" when the row is espresso beans): nothing is shown as supported that the row does not say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from localrag.answering import verify
from localrag.answering.evidence import Sentence, file_name_words
from localrag.indexing.parse.tables import SEP

_MONEY_QUESTION = re.compile(r"\b(?:costs?|price[ds]?|pay|paid|spen[dt]|charged?|fees?|how much (?:is|are|was|were|does|do|did|for))\b",
                             re.I)
_MONEY = re.compile(r"(?i)\b(?:price|cost|amount|total|fee|paid|eur|usd|gbp|chf)\b|[€$£¥]")
_NUMBERISH = re.compile(r"^[\W\d_]*\d[\W\d_]*(?:\s?\w{1,4})?$")  # "12.90", "50 C", "1,200.50", "689 EUR"
MAX_LEFT = 1  # question words nothing in the row accounts for that are still taken as phrasing ("works", "sent")


@dataclass(frozen=True)
class Cell:
    header: str
    value: str
    start: int  # the value's offsets in the row's text
    end: int


@dataclass(frozen=True)
class CellAnswer:
    row: Sentence
    cell: Cell


def cells(text: str) -> list[Cell]:
    """A row as indexing writes it ("Header: value · Header: value") back into its cells; [] for
    text that is not a table's row."""
    if SEP not in text or "\n" in text:
        return []
    out = []
    pos = 0
    for part in text.split(SEP):
        name, colon, value = part.partition(": ")
        if not colon:
            name, value = "", part
        start = pos + (len(name) + 2 if colon else 0)
        out.append(Cell(name, value, start, start + len(value)))
        pos += len(part) + len(SEP)
    return out


def _words(text: str) -> set[str]:
    """Content words; a lone letter ("s" of "Tanaka's") is no word, a lone digit is."""
    return {w for w in verify.content(text.replace("_", " ")) if len(w) > 1 or w.isdigit()}


def _same(a: str, b: str) -> bool:
    """Two words are one when their stems are, or one is the other with a short ending
    ("teach"/"teacher", "weigh"/"weight", "gun"/"guns"): a header is a noun, a question a verb."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and not short.isdigit() and long_.startswith(short) and len(long_) - len(short) <= 3


def _held(words: set[str], by: set[str]) -> set[str]:
    """The words of ``words`` that ``by`` holds."""
    return {w for w in words if any(_same(w, x) for x in by)}


def answer_cell(question: str, ranked: Sequence[Sentence], look: int) -> CellAnswer | None | bool:
    """The cell that answers ``question`` when its best evidence is a table's row; False when it
    is a row but no cell can be shown as the answer; None when the evidence is not a table's."""
    best = next((s for s in ranked[:look] if s.answers_question), None)
    if best is None or not cells(best.text):
        return None
    subj = verify.subject(question)
    table = (best.result.path, best.result.heading)  # its rows, wherever retrieval found them
    rows = [s for s in ranked if (s.result.path, s.result.heading) == table and cells(s.text)]
    asked = _words(question) & set(subj.words)
    plain = asked - {t for e in subj.exact for t, _, _ in verify.tokens(e)}  # "TF-20" is not "20 l"
    scored = []
    for s in rows:
        cs = cells(s.text)
        if verify.missing_terms(subj, s.text):
            continue
        key = [c for c in cs if _held(plain, _words(c.value)) or any(verify.holds_term(c.value, e) for e in subj.exact)]
        if key:
            scored.append((len(_held(asked, set().union(*(_words(c.value) for c in key)))), -s.score, s, cs, key))
    if not scored:
        return False
    scored.sort(key=lambda t: (-t[0], t[1]))
    _, _, row, cs, key = scored[0]
    column = _column(question, asked, cs, key)
    if column is None:
        return False
    context = _words(f"{row.result.heading} {file_name_words(row.result.path)}")
    explained = set().union(*(_words(f"{c.header} {c.value}") for c in key)) | _words(column.header) | context
    if _MONEY_QUESTION.search(question) and _money(column):
        explained |= _words(" ".join(m.group() for m in _MONEY_QUESTION.finditer(question)))
    left = asked - _held(asked, explained)
    partial = [c for c in key if _words(c.value) - _held(_words(c.value), asked)]  # "Espresso beans" for "espresso"
    if len(left) > MAX_LEFT or any(_next_to(question, w, partial) for w in left) or _held(left, _counted(question)):
        return False
    return CellAnswer(row, column)


def _money(c: Cell) -> bool:
    return bool(_MONEY.search(c.header) or _MONEY.search(c.value)) and bool(re.search(r"\d", c.value))


def _column(question: str, asked: set[str], cs: Sequence[Cell], key: Sequence[Cell]) -> Cell | None:
    """The column the question asks for, among the row's other cells: an amount when it asks what
    something costs, else one it names, else the only one of the kind it asks for."""
    key_words = set().union(*(_words(c.value) for c in key))
    others = [c for c in cs if c not in key and c.header and c.value]
    if _MONEY_QUESTION.search(question):
        money = [c for c in others if _money(c)]
        if len(money) == 1:
            return money[0]
    naming = asked - _held(asked, key_words)
    named = [(len(_held(naming, _words(c.header))), c) for c in others]
    top = max((n for n, _ in named), default=0)
    if top:
        best = [c for n, c in named if n == top]
        return best[0] if len(best) == 1 else None
    kind = verify.kind_of_question(question)
    if kind == "number":
        many = re.search(r"\bhow many\b", question, re.I) is not None
        fitting = [c for c in others if _NUMBERISH.match(c.value) and not (many and _money(c))]
    elif kind == "name":
        fitting = [c for c in others if re.search(r"[A-Z]", c.value) and not _NUMBERISH.match(c.value)]
    elif kind in ("time", "year"):
        fitting = [c for c in others if verify.fits_kind(c.value, kind)]
    else:
        return None
    return fitting[0] if len(fitting) == 1 else None


def _counted(question: str) -> set[str]:
    """What "how many"/"how much" asks about ("how many pallets"): the row must name it."""
    m = re.search(r"\bhow (?:many|much)\s+(\w+)", question, re.I)
    return verify.content(m.group(1)) if m else set()


def _next_to(question: str, word: str, key: Sequence[Cell]) -> bool:
    """An unexplained word right beside one of a key cell the question names only in part, with
    no small word between: the question names another thing ("espresso grinder" is not "espresso
    beans, 1 kg"); beside a cell it names whole ("Japanese maple come in") it is phrasing."""
    toks = verify.tokens(question)
    held = set().union(*(_words(c.value) for c in key))
    for i, (t, _, _) in enumerate(toks):
        if t != word:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(toks) and _held({toks[j][0]}, held):
                return True
    return False
