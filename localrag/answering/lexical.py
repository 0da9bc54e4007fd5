"""The words of a text as the checks compare them: light stems, content words, numbers, names,
a question's subject and exact terms, and the kind of thing a question asks for. Every step of
answering reads text through these, so a word means the same thing to ranking, tables and checks."""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from localrag.search.stopwords import STOPWORDS

TOKEN = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}


def _fold(word: str) -> str:
    """Without accents ("Beyoncé" meets "Beyonce", "Müller" "Muller"): people type names both ways."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light suffix strip so 'minutes'/'minute' and 'played'/'plays' meet; numbers unchanged."""
    w = _fold(word.lower())
    if w in NUMBER_WORDS:
        return NUMBER_WORDS[w]
    if _NUMBER.match(w):
        return w.replace(",", "")
    if w.endswith("'s"):
        return w[:-2]
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    if len(w) > 5 and w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]  # boxes -> box, matches -> match
    if len(w) > 5 and w.endswith("ies"):
        return w[:-3] + "y"  # companies -> company
    if len(w) > 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]  # invoices -> invoice, minutes -> minute; not class, status, analysis
    return w


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) for each word of ``text``."""
    return [(stem(m.group()), m.start(), m.end()) for m in TOKEN.finditer(text)]


def content(text: str) -> set[str]:
    return {t for t, _, _ in tokens(text) if t not in STOPWORDS}


def numbers(text: str) -> set[str]:
    return {t for t, _, _ in tokens(text) if _NUMBER.match(t)}

_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'-]+")


def names(text: str) -> set[str]:
    """Capitalised words not opening a sentence: the names an invented sentence gets wrong."""
    return {stem(m.group()) for m in _NAME.finditer(text.strip())} - STOPWORDS

# Words that say what kind of answer a question wants, not what it is about.
FRAME_WORDS = frozenset(
    "mean means meant long many much often far big old called name named kind type sort year years date time "
    "number happen happened term refer refers describe described use used give given get got say said".split())

_CODE = re.compile(r"(?<![\w-])(?=[\w.-]*\d)(?=[\w.-]*[^\W\d_])\w[\w.-]*\w(?![\w-])")  # E24, DW-4471, v2.0
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$", re.I)
_IDENT = re.compile(r"(?<![\w.])(?:[A-Za-z]+_\w+|[a-z]{2,}[A-Z]\w*|\w+\(\))")  # snake_case, camelCase, f()
_QUOTED = re.compile(r"\"([^\"]{2,60})\"|\u201c([^\u201d]{2,60})\u201d")


@dataclass(frozen=True)
class Subject:
    """What a question is about: its exact terms (codes, identifiers, numbers, quoted phrases),
    which a sentence that answers it must name, its names, and its content words."""

    exact: tuple[str, ...]  # as written, lower case: matched as whole words of the sentence or its heading
    names: frozenset[str]  # stems of the names: they weigh double in how much of the subject a sentence has
    words: frozenset[str]  # stems of the content words, exact terms' stems included


def subject(question: str) -> Subject:
    q = question.strip()
    exact: list[str] = []
    for m in _QUOTED.finditer(q):
        exact.append((m.group(1) or m.group(2)).lower())
    for m in _CODE.finditer(q):
        if not _ORDINAL.match(m.group()):  # "3rd" is written "third" as often
            exact.append(m.group().lower())
    for m in _IDENT.finditer(q):
        exact.append(m.group().removesuffix("()").lower())
    exact += sorted(numbers(q) - {t for e in exact for t in numbers(e)})
    words = frozenset(content(q) - FRAME_WORDS)
    exact_stems = {t for e in exact for t, _, _ in tokens(e)}
    named = {t for n in names(_CODE.sub(" ", q)) for t, _, _ in tokens(n)}  # "Jean-Paul" -> jean, paul
    return Subject(tuple(dict.fromkeys(exact)), frozenset(named - exact_stems - FRAME_WORDS - STOPWORDS), words)


def holds_term(text: str, term: str) -> bool:
    """A code, identifier or phrase as a whole word of ``text``; a number by its value."""
    if _NUMBER.match(term):
        return term in numbers(text)
    return re.search(rf"(?<![\w-]){re.escape(_fold(term))}(?![\w-])", _fold(text.lower())) is not None


def missing_terms(subj: Subject, text: str, around: str = "") -> list[str]:
    """The exact terms of the question that ``text`` does not name; and when the question names
    people or places, its names if neither ``text`` nor ``around`` has any of them."""
    missing = [t for t in subj.exact if not holds_term(text, t)]
    if subj.names and not subj.names & {t for t, _, _ in tokens(f"{text}\n{around}")}:
        missing += sorted(subj.names)
    return missing

_PUNCTUATION = frozenset(string.punctuation)


def squad_normalize(text: str) -> str:
    """The official SQuAD normalisation: lower case, no punctuation, no articles, one space."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())

_MONTHS = ("january february march april may june july august september october november december "
           "spring summer autumn fall winter century decade").split()


def kind_of_question(question: str) -> str | None:
    """What a question asks for, where its words say so: "year", "time", "number" or "name"."""
    q = question.lower()
    if re.search(r"\b(what|which) (year|decade|century)\b|\bin what year\b", q):
        return "year"
    if re.search(r"\bwhen\b", q):
        return "time"
    if re.search(r"\bhow (many|much)\b", q):
        return "number"
    if re.match(r"\s*who\b", q):
        return "name"
    return None


def fits_kind(answer: str, kind: str | None) -> bool:
    """``fits_question`` for a kind already worked out (``kind_of_question``)."""
    a = answer.lower()
    has_number = bool(re.search(r"\d", a)) or any(w in NUMBER_WORDS for w in re.findall(r"[a-z]+", a)) or any(
        w in a for w in ("hundred", "thousand", "million", "billion", "dozen", "several", "many", "few"))
    if kind == "year":
        return bool(re.search(r"\d", a))
    if kind == "time":
        return has_number or any(m in a for m in _MONTHS) or "after" in a or "before" in a or "during" in a
    if kind == "number":
        return has_number
    if kind == "name":
        return bool(re.search(r"[A-Z]", answer)) or any(w in a for w in ("his ", "her ", "their ", "the "))
    return True
