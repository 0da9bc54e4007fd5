"""A question about a table answered by code, never by the model: the row the question names
(its cells hold the question's words) and the cell under the column it asks for (a column it
names, else the one column of the kind it asks for: an amount for "how much does it cost", a
count for "how many", a name for "who"). The answer is the cell's verbatim text and its quote is
the whole row with its header, so a person sees at once which column the figure came from.

A question whose words the row, the column and the table's caption do not account for is not
answered from the row ("the night shift" when the rota has morning and evening; "the espresso
grinder" when the row is espresso beans): nothing is shown as supported that the row does not say.

A total, an average, the highest or lowest, a count or a list ("which models have a 2 kW
heater?") is computed here over every row of the table that holds what the question names, and
those rows are its quotes; the model never does arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from localrag.answering import lexical
from localrag.answering.sentences import Sentence, file_name_words, split
from localrag.indexing.parse.tables import SEP, split_row
from localrag.search.retrieve import Result

_MONEY_QUESTION = re.compile(
    r"\b(?:costs?|price[ds]?|pay|paid|spen[dt]|charged?|fees?|how much (?:is|are|was|were|does|do|did|for))\b", re.I)
_PAYING = re.compile(r"\b(?:costs?|price[ds]?|pay|paid|spen[dt]|charged?|fees?)\b", re.I)
_FAR = re.compile(r"\bhow far\b|\bdistance\b", re.I)
_DISTANCE = re.compile(r"(?i)\b(?:km|kilomet(?:re|er)s?|mi|miles?|distance|range)\b")
_HEAVY = re.compile(r"\bhow heavy\b|\bheaviest\b|\blightest\b", re.I)
_WEIGHT = re.compile(r"(?i)\b(?:weights?|mass|kg|g|lbs?|grams?|kilos?|kilograms?|pounds?|oz|tonnes?)\b")
_LOUD = re.compile(r"\bhow (?:loud|noisy)\b|\b(?:quietest|loudest|noisiest)\b", re.I)
_NOISE = re.compile(r"(?i)\b(?:noise|loudness|sound|dba?)\b")
_LONG = re.compile(r"\bhow long\b", re.I)
_DURATION = re.compile(r"(?i)\b\d+(?:[.,]\d+)?\s?(?:s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?|days?|weeks?"
                       r"|months?|years?)\b|\bduration\b")
# "how far": a distance; "how heavy", "the lightest": a weight; "how loud", "the quietest": a noise
# level; "how long does it take": a duration ("220 min", "1 h 20 min"), never a clock time
_DIMENSIONS = ((_FAR, _DISTANCE), (_HEAVY, _WEIGHT), (_LOUD, _NOISE), (_LONG, _DURATION))
# "Unit price", "Price per kg", "what did it cost per hour": a price of one, not an amount paid
_PER = re.compile(r"\b(?:unit|per|each|rate|apiece|a piece)\b", re.I)
_MONEY = re.compile(r"(?i)\b(?:price|cost|amount|total|fee|paid|eur|usd|gbp|chf)\b|[€$£¥]")
_NUMBERISH = re.compile(r"^[\W\d_]*\d[\W\d_]*(?:\s?\w{1,4}(?:/\w{1,2})?(?:\(\w{1,2}\))?)?$")  # "12.90", "689 EUR", "55 dB(A)", "21.5 km/h"
_WHEN = re.compile(  # a clock time, a date, a year or a month: what "when" asks for, not a duration
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2}(?:[:.]\d{2})?\s?[ap]\.?m\b|\b\d{4}-\d{2}-\d{2}\b|\b(?:1[89]|20)\d{2}\b"
    r"|(?i:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)")
MAX_LEFT = 1  # question words nothing in the row accounts for that are still taken as phrasing ("works", "sent")


@dataclass(frozen=True)
class Cell:
    header: str
    value: str
    start: int  # the value's offsets in the row's text
    end: int


@dataclass(frozen=True)
class TableAnswer:
    """The row the question names, and the cell that answers it (None: the row is shown as a
    quote, not as an answer)."""

    row: Sentence
    cell: Cell | None


def cells(text: str) -> list[Cell]:
    """A row as indexing writes it ("Header: value · Header: value") back into its cells, with
    the values' offsets; [] for text that is not a table's row."""
    pairs = split_row(text)
    if pairs is None:
        return []
    out = []
    pos = 0
    for name, value in pairs:
        start = pos + (len(name) + 2 if name else 0)
        out.append(Cell(name, value, start, start + len(value)))
        pos = start + len(value) + len(SEP)
    return out


_SHORT_FOR = {lexical.stem(a): lexical.stem(w) for a, w in (
    ("avg", "average"), ("qty", "quantity"), ("pcs", "pieces"), ("temp", "temperature"), ("hrs", "hours"),
    ("mins", "minutes"), ("approx", "approximately"), ("dept", "department"))}


def _words(text: str) -> set[str]:
    """Content words, with what a header's usual short forms stand for ("Avg speed" holds
    "average"); a lone letter ("s" of "Tanaka's") is no word, a lone digit is."""
    out = {w for w in lexical.content(text.replace("_", " ")) if len(w) > 1 or w.isdigit()}
    return out | {_SHORT_FOR[w] for w in out if w in _SHORT_FOR}


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


def _asked(question: str) -> set[str]:
    """The question's content words: a lone capital is one ("Trekker Y"), a lone small letter is
    not ("s" of "Tanaka's")."""
    out = set()
    for t, start, end in lexical.tokens(question):
        if t in lexical.STOPWORDS or t in lexical.FRAME_WORDS or t in _AUXILIARIES:
            continue
        if end - start > 1 or question[start].isdigit() or question[start].isupper():
            out.add(t)
    return out


def answer_cell(question: str, ranked: Sequence[Sentence], look: int) -> TableAnswer | None:
    """When the best evidence for ``question`` is a table's row: the row it names and the cell
    that answers it, if one does. None when the evidence is not a table's."""
    best = next((s for s in ranked[:look] if s.answers_question), None)
    if best is None or not cells(best.text):
        return None
    subj = lexical.subject(question)
    table = (best.result.path, best.result.heading)  # its rows, wherever retrieval found them
    rows = [s for s in ranked if (s.result.path, s.result.heading) == table and cells(s.text)]
    asked = _asked(question)
    exact = {t for e in subj.exact for t, _, _ in lexical.tokens(e)}
    plain = asked - exact  # "TF-20" is not "20 l"
    flat = " ".join(question.lower().split())
    scored = []
    for s in rows:
        if lexical.missing_terms(subj, s.text) or not _compounds_held(question, s):
            continue
        cs = cells(s.text)
        key = _key(cs, plain, subj.exact)
        if key:
            key_words = set().union(*(_value_words(c.value) for c in key))
            held = _held(asked, key_words)
            in_order = sum(" ".join(c.value.lower().split()) in flat for c in key)  # "Harbourtown to Northrock"
            unasked = len(key_words - _held(key_words, asked))  # "Fold 20 Pro" names more than "Fold 20"
            scored.append(((-len(held), -in_order, unasked), -s.score, s, cs, key))
    if not scored:
        return TableAnswer(best, None)
    scored.sort(key=lambda t: (t[0], t[1]))
    _, _, row, cs, key = scored[0]
    column = _column(question, asked, cs, key)
    if column is None:
        return TableAnswer(row, None)
    alike = [t[3] for t in scored[1:] if t[0] == scored[0][0]]
    if any(c.header == column.header and c.value != column.value for other in alike for c in other):
        return TableAnswer(row, None)  # rows the question names alike, with other values ("the paint": white, grey)
    context = _words(f"{row.result.heading} {file_name_words(row.result.path)}")
    explained = set().union(*(_words(c.header) | _value_words(c.value) for c in key)) | _words(column.header) | context
    if _MONEY_QUESTION.search(question) and _money(column):
        explained |= _words(" ".join(m.group() for m in _MONEY_QUESTION.finditer(question)))
        if _PER.search(column.header):  # "per hour" of a "Unit price"
            explained |= _words(" ".join(m.group() for m in _PER.finditer(question)))
    left = asked - _held(asked, explained)
    partial = [c for c in key if _words(c.value) - _held(_words(c.value), asked)]  # "Espresso beans" for "espresso"
    if (len(left) > MAX_LEFT or any(_next_to(question, w, partial) for w in left) or _held(left, _counted(question))
            or any(not (_phrasing(question, w) and _light(w, context)) for w in left)):
        return TableAnswer(row, None)
    return TableAnswer(row, column)


_COMPOUND = re.compile(r"\w+(?:-\w+)+")  # "same-day", "2025-04-30", "4-person", "e-bike"


def _compounds_held(question: str, row: Sentence) -> bool:
    """Every hyphen-joined word of the question stands whole in the row or its table's title:
    "same-day delivery" is not the row of "next day", "2025-04-30" not the row of 2025-04-27."""
    where = " ".join(f"{row.text} {row.result.heading} {file_name_words(row.result.path)}".lower().split())
    return all(m.group().lower() in where for m in _COMPOUND.finditer(question))


def _letters(text: str) -> set[str]:
    """A value's lone capitals ("Trekker X"), which ``_words`` leaves out."""
    return {t for t, a, b in lexical.tokens(text) if b - a == 1 and text[a].isupper()}


def _key(cs: Sequence[Cell], plain: set[str], exact: Sequence[str]) -> list[Cell]:
    """The cells that name the row the question asks about; a cell holding only what another key
    cell holds with more ("Gears: 8" beside "Bike: Cityline 8") is not one."""
    matched = {}
    for c in cs:
        m = _held(plain, _value_words(c.value)) | {e for e in exact if lexical.holds_term(c.value, e)}
        if m:
            matched[c] = m
    return [c for c, m in matched.items() if not any(m < other for d, other in matched.items() if d is not c)]


_AUXILIARIES = frozenset("should would could can will must may might shall".split())
_DETERMINERS = frozenset("the a an this that these those my our your their its his her each every".split())
_PREPOSITIONS = frozenset("for of in on at to from with about by per into onto under over than".split())


def _phrasing(question: str, word: str) -> bool:
    """Whether an unexplained word reads as the question's verb, not a thing it names: it comes
    right after the question word ("Who works", "Which vendor printed"), or nothing but small
    words follow it ("were ordered", "does it come in", "claim for travel"), and no preposition
    is right before it ("for catering"). A noun the row lacks ("the child fare", "the Fold 20
    battery cost") is neither."""
    toks = lexical.tokens(question)
    words = [question[a:b].lower() for _, a, b in toks]
    for i, (t, _, _) in enumerate(toks):
        if t != word:
            continue
        if i > 0 and (words[i - 1] in _PREPOSITIONS | _DETERMINERS or not words[i].isalpha()
                      or question[toks[i][1]].isupper()):
            return False  # "for catering", "the gas"; a name's part or a number ("Trekker Y") is never phrasing
        after_wh = i == 1 or (i == 2 and toks[1][0] not in lexical.STOPWORDS)
        nxt = toks[i + 1][0] if i + 1 < len(toks) else None
        if after_wh and words[0] in ("who", "which", "what", "whose"):
            return True
        if nxt is None or nxt in lexical.STOPWORDS or words[i + 1] in _PREPOSITIONS:
            return True
    return False


# Verbs and measure words that say nothing a table's row must hold: "how long does it last",
# "who works", "what does it cost", "did we order", "how heavy is it". A verb of another kind
# ("did we sow", in a harvest log; "does it reach") must be said by the row or its table's title.
_LIGHT = frozenset(lexical.stem(w) for w in (
    "be have do get got take took make made go went come came cost pay paid last start begin end finish open close "
    "leave arrive depart run ran hold keep need use work live play teach give weigh back due book booked write wrote "
    "written publish published buy bought order ordered send sent heavy loud level size far long").split())


def _light(word: str, context: set[str]) -> bool:
    """Whether an unexplained word may be taken as the question's phrasing: a verb or measure word
    of the light kind, or one the table's title or file name says."""
    return word in _LIGHT or bool(_held({word}, context))


_QUANTITY = re.compile(r"(?i)^\s*(?:qty|quantity|units|pcs|pieces|count|number)\b")


def _per_unit(header: Sequence[str]) -> Callable[[str], bool]:
    """Whether a column of this header is a price of one: "Unit price", "Price per kg"; and a
    bare "Price" beside a quantity column, as an invoice's is."""
    counted = any(_QUANTITY.search(h) for h in header)
    return lambda h: bool(_PER.search(h)) or (counted and re.search(r"(?i)\bprice\b", h) is not None)


def _money(c: Cell) -> bool:
    return bool(_MONEY.search(c.header) or _MONEY.search(c.value)) and bool(re.search(r"\d", c.value))


def _column(question: str, asked: set[str], cs: Sequence[Cell], key: Sequence[Cell]) -> Cell | None:
    """The column the question asks for, among the row's other cells: an amount when it asks what
    something costs, a distance for "how far", else one it names, else an amount for "how much is
    it", else the only one of the kind it asks for."""
    key_words = set().union(*(_words(c.value) for c in key))
    others = [c for c in cs if c not in key and c.header and c.value]
    money = [c for c in others if _money(c)]
    if _PAYING.search(question) and len(money) == 1:  # "what does it cost", whatever else it names
        return money[0]
    if _PAYING.search(question) and len(money) > 1:  # "what did it cost per hour": the unit price; else
        per = _per_unit([c.header for c in cs])
        each = [c for c in money if per(c.header) == bool(_PER.search(question))]  # the amount
        if len(each) == 1:
            return each[0]
    for asks, fits in _DIMENSIONS:  # "how far": a distance, not the column the stage's name is in
        if asks.search(question):
            fitting = [c for c in others if fits.search(f"{c.header} {c.value}")]
            if len(fitting) == 1:
                return fitting[0]
    naming = asked - _held(asked, key_words)
    named = [(len(_held(naming, _words(c.header))), c) for c in others]
    top = max((n for n, _ in named), default=0)
    if top:
        best = [c for n, c in named if n == top]
        return best[0] if len(best) == 1 else None
    if _MONEY_QUESTION.search(question) and len(money) == 1:  # "how much is it": an amount, when nothing else is named
        return money[0]
    kind = lexical.kind_of_question(question)
    if kind == "number":
        many = re.search(r"\bhow many\b", question, re.I) is not None
        fitting = [c for c in others if _NUMBERISH.match(c.value) and not (many and _money(c))]
    elif kind == "name":
        fitting = [c for c in others if re.search(r"[A-Z]", c.value) and not _NUMBERISH.match(c.value)]
    elif kind in ("time", "year"):
        fitting = [c for c in others if lexical.fits_kind(c.value, kind) and not _money(c)]
        if len(fitting) > 1:  # "when": a clock time or a date before a duration ("09:00", not "1 h 20 min")
            fitting = [c for c in fitting if _WHEN.search(c.value)]
    else:
        return None
    return fitting[0] if len(fitting) == 1 else None


def _counted(question: str) -> set[str]:
    """What "how many"/"how much" asks about ("how many pallets"): the row must name it."""
    m = re.search(r"\bhow (?:many|much)\s+(\w+)", question, re.I)
    return lexical.content(m.group(1)) if m else set()


def _next_to(question: str, word: str, key: Sequence[Cell]) -> bool:
    """An unexplained word right beside one of a key cell the question names only in part, with
    no small word between: the question names another thing ("espresso grinder" is not "espresso
    beans, 1 kg"); beside a cell it names whole ("Japanese maple come in") it is phrasing."""
    toks = lexical.tokens(question)
    held = set().union(*(_words(c.value) for c in key))
    for i, (t, _, _) in enumerate(toks):
        if t != word:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(toks) and _held({toks[j][0]}, held):
                return True
    return False


# ---- over rows: totals, averages, the highest and lowest, counts and lists ----------------------

SUM, AVERAGE, HIGHEST, LOWEST, COUNT, LIST = "sum", "average", "highest", "lowest", "count", "list"
_OVER = [
    (SUM, re.compile(r"\b(?:total|sum|altogether|in all|combined)\b", re.I)),
    (AVERAGE, re.compile(r"\b(?:average|mean)\b", re.I)),
    (HIGHEST, re.compile(r"\b(?:highest|largest|biggest|most expensive|maximum|longest|heaviest|greatest|loudest"
                         r"|noisiest)\b", re.I)),
    (LOWEST, re.compile(r"\b(?:lowest|smallest|cheapest|least expensive|minimum|shortest|lightest|fewest|quietest)\b",
                        re.I)),
]
_WHICH_MANY = re.compile(r"^\s*(?:which|what)\s+(\w+)\b|\bhow many\s+(\w+)\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_NAMES = ("january february march april may june july august september october november december").split()
_DEAR = re.compile(r"\b(?:most expensive|least expensive|cheapest|dearest|priciest)\b", re.I)
_OVER_WORDS = frozenset(lexical.stem(w) for w in (
    "total sum altogether all combined average mean highest largest biggest most expensive maximum longest heaviest "
    "greatest loudest noisiest lowest smallest cheapest least minimum shortest lightest fewest quietest how many which "
    "what").split())
_YES = frozenset({"yes", "y", "true", "x", "✓", "✔", "ja", "oui"})
_NO = frozenset({"no", "n", "false", "-", "–", "✗", "nein", "non", ""})
MAX_SHOWN = 20  # rows quoted with a figure over rows


@dataclass(frozen=True)
class RowsAnswer:
    """A figure computed over the rows that hold what the question names (or those rows' names,
    for "which"), and the rows it was computed from."""

    how: str
    column: str  # the header of the column it is over
    text: str  # the figure or the list, as shown
    rows: list[Sentence]
    cell: str = ""  # for the highest or lowest: the row's name as its cell has it


def _number(value: str) -> float | None:
    """A cell's number: "1,200.50", "689 EUR", "£11.20", "3,50" (a decimal comma); None for
    anything else (a date, a code, words)."""
    if _ISO_DATE.search(value) or not _NUMBERISH.match(value.strip()):
        return None
    m = re.search(r"-?\d[\d,.']*", value)
    if m is None:
        return None
    digits = m.group().rstrip(".,")
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits) or re.fullmatch(r"-?\d+(?:\.\d+)?", digits):
        return float(digits.replace(",", ""))
    if re.fullmatch(r"-?\d+,\d{1,2}", digits):  # 3,50
        return float(digits.replace(",", "."))
    return None


def _shown_number(x: float, like: Sequence[str], least: int = 0, money: bool = False) -> str:
    """A computed figure written as the column writes its numbers (decimals, at least ``least``;
    thousands commas; the unit they share); an amount of money with cents has two decimals."""
    decimals = max((len(m.group(1)) for v in like if (m := re.search(r"[.,](\d{1,2})\b(?!,\d)", v))), default=0)
    if least and round(x, decimals) != x:  # an average: its own decimals, up to ``least``
        decimals = max(decimals, min(least, len(f"{x:.{least}f}".rstrip("0").split(".")[1])))
        if money:
            decimals = 2
    comma = any(re.search(r"\d,\d{3}", v) for v in like)
    text = f"{x:,.{decimals}f}" if comma else f"{x:.{decimals}f}"
    units = {re.sub(r"[\d.,'\s-]", "", v) for v in like}
    unit = units.pop() if len(units) == 1 else ""
    if unit and like[0].strip().startswith(unit):
        return unit + text
    return f"{text} {unit}" if unit else text


def _value_words(value: str) -> set[str]:
    """A cell's words, and the month of a date in it ("2025-03-04" holds "march")."""
    out = _words(value) | _letters(value)
    for m in _ISO_DATE.finditer(value):
        if 1 <= int(m.group(2)) <= 12:
            out.add(lexical.stem(_MONTH_NAMES[int(m.group(2)) - 1]))
    return out


def answer_rows(question: str, ranked: Sequence[Sentence], look: int,
                table_of: Callable[[Result], list[Result]] | None) -> RowsAnswer | None:
    """A total, average, highest, lowest, count or list over a table's rows, when the question
    asks for one and its best evidence is a table's row: computed here from every row of the
    table that holds what the question names; None when it asks for none, or the rows cannot
    give it (then the question is answered a row at a time)."""
    how = next((h for h, rx in _OVER if rx.search(question)), None)
    m = _WHICH_MANY.search(question)
    noun = (m.group(1) or m.group(2)).lower() if m else ""
    plural = bool(noun) and lexical.stem(noun) != noun  # "models", "suppliers": more than one row
    if how is None and not plural:
        return None
    best = next((s for s in ranked[:look] if s.answers_question and cells(s.text)), None)
    if best is None:
        return None
    results = table_of(best.result) if table_of is not None else [best.result]
    rows = [s for s in split(results) if cells(s.text)] or [best]
    header = [c.header for c in cells(best.text)]
    if how in (SUM, AVERAGE) and _names_a_column(question, how, header):  # "the total for the white paint"
        if not plural:
            return None
        how = None
    asked = _asked(question)
    noun_stem = lexical.stem(noun) if noun else ""
    context = _words(f"{best.result.heading} {file_name_words(best.result.path)}")
    by_label = False
    if how is None:  # "which models ...", "how many models ...": rows named by a column of names
        named = [h for h in header if noun_stem and _held({noun_stem}, _words(h))]
        many = re.search(r"\bhow many\b", question, re.I) is not None
        if not named and header and not many:  # "which books has Mia borrowed" (a "title" column): the rows'
            named, by_label = header[:1], True  # labels; never a count ("how many pallets" may be no row at all)
        if not named or any(_number(c.value) is not None for r in rows for c in cells(r.text) if c.header == named[0]):
            return None
        how = COUNT if many else LIST
        column = named[0]
    else:
        over = _over_column(question, how, asked, rows, header, context)
        if over is None:
            return None
        column = over
    in_rows = set().union(*(_value_words(c.value) for r in rows for c in cells(r.text)))
    beside = {w for w in _beside(question, _words(column)) if not _held({w}, in_rows)}  # "posters cost": rows
    ignore = context | _words(column) | {noun_stem} | _OVER_WORDS | beside
    ignore |= _words(" ".join(m.group() for m in _MONEY_QUESTION.finditer(question)))
    whole = {frozenset(_value_words(c.value)) for r in rows for c in cells(r.text)}
    ignore |= {w for w in _row_kind(question) if frozenset({w}) not in whole}  # "the utilities" may be a cell's value
    wanted = [w for w in asked if not _held({w}, ignore) and not _held({w}, set().union(*(_words(h) for h in header)))]
    verbs = [w for w in wanted if _phrasing(question, w) and _light(w, context) and not _held({w}, in_rows)]
    if len(verbs) == 1:  # "which cheeses are made from sheep milk": "made" names no rows ("paint" in cells does)
        wanted.remove(verbs[0])
    chosen = [r for r in rows if all(_held({w}, set().union(*(_value_words(c.value) for c in cells(r.text)))) for w in wanted)]
    for h in header:
        if h == column or not _held(asked, _words(h)):
            continue
        flags = {c.value.strip().lower() for r in rows for c in cells(r.text) if c.header == h}
        if flags and flags <= _YES | _NO:  # "which rooms have a projector": a yes/no column it names holds yes
            chosen = [r for r in chosen if any(c.header == h and c.value.strip().lower() in _YES for c in cells(r.text))]
        elif there := {w for w in wanted if any(_held({w}, _value_words(v)) for v in flags)}:
            # "which weeks is Tom Reed on call": the name in the column the question names, not in "Backup";
            # "which laptops have 16 GB of RAM": all its words that column holds, in the row's one cell
            chosen = [r for r in chosen if any(c.header == h and _held(there, _value_words(c.value)) == there
                                               for c in cells(r.text))]
    chosen = [r for r in chosen if _compounds_held(question, r)]
    last = _last_said(question, wanted)
    if last is not None:  # "the posters": rows of posters ("Posters A2"), not of poster tubes
        chosen = [r for r in chosen if any(_same(last, h) for c in cells(r.text) if (h := _head(c.value)))]
    if not chosen or (by_label and len(chosen) == len(rows)):  # labels only of the rows the question picks
        return None
    if not _one_column_each(wanted, chosen):
        return None
    values = [c.value for r in chosen for c in cells(r.text) if c.header == column]
    if how in (COUNT, LIST):
        if len(values) != len(chosen):
            return None
        text = str(len(chosen)) if how == COUNT else ", ".join(dict.fromkeys(values))
        return RowsAnswer(how, column, text, chosen)
    numbers = [_number(v) for v in values]
    if len(values) != len(chosen) or any(n is None for n in numbers):
        return None
    nums = [n for n in numbers if n is not None]
    if how in (HIGHEST, LOWEST):
        pick = max if how == HIGHEST else min
        i = nums.index(pick(nums))
        names = [c.value for c in cells(chosen[i].text) if _number(c.value) is None]
        named = [c.value for c in cells(chosen[i].text) if _number(c.value) is None and noun_stem
                 and _held({noun_stem}, _words(c.header))] or names[:1]
        text = f"{named[0]} ({values[i]})" if named and named[0] != values[i] else values[i]
        return RowsAnswer(how, column, text, [chosen[i]], named[0] if named else values[i])  # "which model is the cheapest": its name, and why
    figure = sum(nums) if how == SUM else sum(nums) / len(nums)
    money = bool(_MONEY.search(column)) or any(_MONEY.search(v) for v in values)
    return RowsAnswer(how, column, _shown_number(figure, values, 0 if how == SUM else 2, money), chosen)


def _names_a_column(question: str, how: str, header: Sequence[str]) -> bool:
    """The word that would ask for a figure over rows is part of a column's name: "the total
    for the white paint" beside a "Total" column (a sum only "in total"), "my average speed"
    beside "Avg speed". The question is about a row's cell."""
    if how == SUM:
        said = {m.group().lower() for m in _OVER[0][1].finditer(question)}
        return (said == {"total"} and not re.search(r"\bin total\b", question, re.I)
                and any("total" in h.lower().split() for h in header))
    m = re.search(r"\b(?:average|mean)\s+(\w+)", question, re.I)
    average = {lexical.stem("average"), lexical.stem("mean")}
    return m is not None and any(_held(_words(m.group(1)), _words(h)) and _words(h) & average for h in header)


def _last_said(question: str, wanted: Sequence[str]) -> str | None:
    """Of the words that pick rows, the one the question says last when it is a word, not a
    number, code or unit: the head of what the question names ("the white paint", "the posters")."""
    said = [t for t, a, b in lexical.tokens(question) if t in wanted]
    return said[-1] if said and said[-1].isalpha() and len(said[-1]) > 2 else None  # not a unit ("2 kW")


_ROMAN = re.compile(r"[ivxlc]+")


def _head(value: str) -> str:
    """The thing a cell names: the last word of its first part, before codes and sizes ("Posters
    A2" is posters, "Poster tubes" tubes, "Paint, white, 10 l" paint, "Black toner TN-420" toner).
    A catalogue that puts the thing first and its kind after ("Paint roller 25 cm") reads wrong."""
    words = [t for part in value.split(",")[0].split() if not any(ch.isdigit() for ch in part)
             for t, _, _ in lexical.tokens(part) if t.isalpha() and len(t) > 2 and not _ROMAN.fullmatch(t)]
    return words[-1] if words else ""


def _one_column_each(wanted: Sequence[str], rows: Sequence[Sentence]) -> bool:
    """Each word that picks the rows sits in one column in all of them: "Tom Reed" as on call in
    one row and as backup in another picks no rows the question can mean."""
    for w in wanted:
        where = [{c.header for c in cells(r.text) if _held({w}, _value_words(c.value))} for r in rows]
        if not set.intersection(*where):
            return False
    return True


def _row_kind(question: str) -> set[str]:
    """A plural noun that ends the question after "the" or "all" names what the rows are ("the
    average price of the breads"), not which rows."""
    m = re.search(r"\b(?:the|all|all the|our|these|those)\s+(\w+)\s*\??\s*$", question, re.I)
    if m is None or lexical.stem(m.group(1)) == m.group(1).lower():
        return set()
    return {lexical.stem(m.group(1))}


def _beside(question: str, words: set[str]) -> set[str]:
    """The words right beside those of a column's name in the question ("noise level", "tank
    size"): they say which column, not which rows."""
    toks = [t for t, _, _ in lexical.tokens(question)]
    return {toks[j] for i, t in enumerate(toks) if _held({t}, words) for j in (i - 1, i + 1)
            if 0 <= j < len(toks) and toks[j] not in lexical.STOPWORDS}


def _over_column(question: str, how: str, asked: set[str], rows: Sequence[Sentence], header: Sequence[str],
                 context: set[str]) -> str | None:
    """The column a figure is over: the numeric column the question names, else the amount for a
    question about money, else the table's only numeric column."""
    numeric = [h for h in header if h and all(_number(c.value) is not None for r in rows for c in cells(r.text)
                                                if c.header == h)
               and any(c.header == h for r in rows for c in cells(r.text))]
    named = [h for h in numeric if _held(asked, _words(h))]
    money = [h for h in numeric if _MONEY.search(h)]
    if how == SUM and len(money) > 1:  # a total adds the amounts, never the unit prices beside them
        per = _per_unit(header)
        money = [h for h in money if not per(h)] or money
        if not _PER.search(question):  # "what did the posters cost in total": not the "Unit cost"
            named = [h for h in named if not (per(h) and _MONEY.search(h))]
    if _DEAR.search(question) and len(money) == 1:  # "most expensive" is about price, whatever else it names
        return money[0]
    for asks, fits in _DIMENSIONS:  # "the lightest": the weight, whatever else the question names
        if asks.search(question):
            fitting = [h for h in numeric if any(fits.search(f"{h} {c.value}") for r in rows for c in cells(r.text)
                                                 if c.header == h)]
            if len(fitting) == 1:
                return fitting[0]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:  # "the noise level of the heaters" in heater-specs.pdf: the heaters are the rows
        named = [h for h in named if not _held(_words(h), context)]
        if len(named) == 1:
            return named[0]
    if _MONEY_QUESTION.search(question) or re.search(r"\b(?:paid|payments?|spent|costs?|prices?)\b", question, re.I):
        if len(money) == 1:
            return money[0]
    if any(_held(asked, _words(h)) for h in header if h not in numeric and not _held(_words(h), context)):
        return None  # it names a column that holds no figures ("avg speed" in km/h): not some other one
    return numeric[0] if len(numeric) == 1 else None
