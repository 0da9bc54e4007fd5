"""Check a model's answer against the quotes it rests on, word by word.

A small model invents names, numbers and second sentences. What reaches the user as fact must
be found in the evidence: every number, and the content words of each sentence (a short answer
is snapped to the exact words of its quote, so it is always verbatim text of the file).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from localrag.search.stopwords import STOPWORDS

_TOKEN = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
NOT_FOUND_PHRASES = ("not found", "not in the evidence", "unknown", "no answer", "cannot be determined",
                     "does not say", "not mentioned", "not stated")


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
    return [(stem(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


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


def says_not_found(answer: str) -> bool:
    a = squad_normalize(answer)
    return not a or any(p in a for p in NOT_FOUND_PHRASES)


NOT_IN_QUOTES = "its words are not in the quoted evidence"


@dataclass
class Check:
    supported: bool
    quote: int | None = None  # index of the quote that supports it
    span: str = ""  # for a short answer: the verbatim words of the quote it was snapped to
    reason: str = ""


def find_span(answer: str, quote: str, slack: int = 3) -> str:
    """The shortest verbatim run of ``quote`` that holds every content word and number of a
    short ``answer`` (within a few extra words), or ""."""
    want = [t for t, _, _ in tokens(answer)]
    need = {t for t in want if t not in STOPWORDS} or set(want)
    if not need:
        return ""
    qt = tokens(quote)
    best: tuple[int, int] | None = None
    for i in range(len(qt)):
        if qt[i][0] not in need:
            continue
        seen: set[str] = set()
        for j in range(i, min(len(qt), i + len(want) + slack)):
            if qt[j][0] in need:
                seen.add(qt[j][0])
            if seen == need:
                if best is None or qt[j][2] - qt[i][1] < best[1] - best[0]:
                    best = (qt[i][1], qt[j][2])
                break
    if best is None:
        return ""
    # keep the leading words the model gave when the quote has them too ("in the late 1990s")
    lead: list[str] = []
    for t in want:
        if t in need:
            break
        lead.append(t)
    start, end = best
    before = [t for t in qt if t[2] <= start][-len(lead):] if lead else []
    if lead and [t[0] for t in before] == lead:
        start = before[0][1]
    return _whole_words(quote, start, end)


_OPEN, _CLOSE = "([{\"'\u201c\u2018", ")]}\"'\u201d\u2019.,;:!?"


def _whole_words(text: str, start: int, end: int) -> str:
    """The span widened to whole words ("Chopin" in "Chopin's" -> "Chopin's"), without the
    punctuation around it: a quote's words are never cut in half."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    while start < end and text[start] in _OPEN:
        start += 1
    while end > start and text[end - 1] in _CLOSE:
        inner = text[start:end - 1]
        if text[end - 1] == ")" and inner.count("(") > inner.count(")"):
            break  # "est. (1775)" keeps the bracket it opened
        end -= 1
    return text[start:end]


def echoes(answer: str, question: str) -> bool:
    """An answer made only of the question's own words ("Chopin" to "Who taught Chopin?") says
    nothing: small models do this often."""
    words = content(answer)
    return bool(words) and words <= content(question)


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


def fits_question(answer: str, question: str) -> bool:
    """Whether a short answer is the kind the question asks for: a time for "when" and "what
    year", a number for "how many/much", a name for "who". A wrong kind is a wrong answer."""
    return fits_kind(answer, kind_of_question(question))


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


def check_short(answer: str, quotes: Sequence[str], question: str = "") -> Check:
    """A short answer (a phrase) is supported when one quote holds all its words close together,
    and it is more than the question's own words."""
    if question and echoes(answer, question):
        return Check(False, reason="it only repeats words of the question")
    if question and not fits_question(answer, question):
        return Check(False, reason="it is not the kind of answer the question asks for")
    for i, q in enumerate(quotes):
        span = find_span(answer, q)
        if span:
            return Check(True, i, span)
    return Check(False, reason=NOT_IN_QUOTES)


def check_sentence(sentence: str, quotes: Sequence[str], min_share: float = 0.85, question: str = "") -> Check:
    """A longer sentence is supported when every number and name is in the evidence and nearly
    all its content words are in one quote. Words it takes from the question ("Error E24 means
    ...") are the question's, not claims: only the rest is checked, and there must be a rest."""
    subj = subject(question) if question else None
    # the question's plain words may be restated; its names, codes and numbers must be in the evidence
    asked = content(question) - (subj.names | {t for e in subj.exact for t, _, _ in tokens(e)} if subj else set())
    words = content(sentence) - asked
    evidence = " ".join(quotes)
    missing_nums = numbers(sentence) - numbers(evidence)
    if missing_nums:
        return Check(False, reason=f"the number {sorted(missing_nums)[0]} is not in the evidence")
    missing_names = (names(sentence) | (subj.names & content(sentence) if subj else set())) - content(evidence)
    if missing_names:
        return Check(False, reason=f"the name {sorted(missing_names)[0]} is not in the evidence")
    if not words:
        return Check(False, reason="it says nothing checkable" if not asked else "it only repeats the question")
    best, best_i = 0.0, None
    for i, q in enumerate(quotes):
        share = len(words & content(q)) / len(words)
        if share > best:
            best, best_i = share, i
    if best >= min_share:
        return Check(True, best_i)
    return Check(False, best_i, reason=f"only {best:.0%} of its words are in the evidence")


SHORT_WORDS = 8  # an answer of up to this many words is a phrase, checked by snapping to a quote


def is_short(text: str) -> bool:
    return len(_TOKEN.findall(text)) <= SHORT_WORDS and not re.search(r"[.!?]\s+\w", text.strip())
