"""Check what a model wrote against the quotes it rests on, word by word.

A small model invents names, numbers and second sentences. What reaches the user as fact must
be found in the evidence: every number, and the content words of each sentence (a short answer
is snapped to the exact words of its quote, so it is always verbatim text of the file). A quote
backs an answer only if it is about what the question asks (``Sentence.answers_question``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from localrag.answering import sentences, tables
from localrag.answering.lexical import TOKEN, content, fits_kind, kind_of_question, names, numbers, squad_normalize, subject, tokens
from localrag.answering.sentences import Sentence, split_text
from localrag.search.stopwords import STOPWORDS

NOT_FOUND_PHRASES = ("not found", "not in the evidence", "unknown", "no answer", "cannot be determined",
                     "does not say", "not mentioned", "not stated")


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


def fits_question(answer: str, question: str) -> bool:
    """Whether a short answer is the kind the question asks for: a time for "when" and "what
    year", a number for "how many/much", a name for "who". A wrong kind is a wrong answer."""
    return fits_kind(answer, kind_of_question(question))


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
    return len(TOKEN.findall(text)) <= SHORT_WORDS and not re.search(r"[.!?]\s+\w", text.strip())


Backed = tuple[str, "Sentence | None", str]  # (text to show, the quote backing it or None, why not)


def _about(quote: Sentence, question: str) -> str:
    """Why a quote cannot support an answer to ``question``, or "" when it can. A table's row
    backs no model's words: its cells are read by code (``tables.answer_cell``), and a row the
    code did not answer from does not say what the question asks ("how many chairs" is not the
    desk organiser's "Qty: 4")."""
    if question and tables.cells(quote.text):
        return "its quote is a table's row whose cells do not answer the question"
    if not question or quote.answers_question:
        return ""
    if quote.missing:
        return f"its quote does not mention {quote.missing[0]}"
    if quote.verified is False and quote.about >= sentences.MIN_ABOUT:
        return "its quote does not say what the question asks (the answer check)"
    return "its quote is not about what the question asks"


def backed_short(text: str, sents: Sequence[Sentence], question: str = "") -> Backed:
    """A short answer, snapped to the exact words of the first quote that holds it and is about
    the question."""
    text = text.rstrip(". ")
    why = NOT_IN_QUOTES
    for s in sents:
        c = check_short(text, [s.text], question)
        if not c.supported:
            if c.reason != NOT_IN_QUOTES:  # the answer itself is wrong (an echo, the wrong kind)
                return (text, None, c.reason)
            continue
        why = _about(s, question)
        if not why:
            return (c.span, s, "")
    return (text, None, why)


def backed_sentences(text: str, sents: Sequence[Sentence], question: str = "") -> list[Backed]:
    out: list[Backed] = []
    quotes = [s.text for s in sents]
    for sentence in split_text(text):
        c = check_sentence(sentence, quotes, question=question)
        quote = sents[c.quote] if c.supported and c.quote is not None else None
        why = c.reason or (_about(quote, question) if quote else "")
        out.append((sentence, None if why else quote, why))
    return out


def check_reply(text: str, sents: Sequence[Sentence], question: str = "", short_only: bool = False) -> list[Backed]:
    """Each sentence of a model's answer as (text to show, the quote backing it or None, why not).
    A short answer is replaced by the exact words of its quote. With ``short_only`` (a base
    model), a longer answer is not trusted at all: such models paraphrase facts wrongly. A quote
    backs an answer only if it is about what the question asks (``Sentence.answers_question``).
    ``text`` is the reply without its citation marks (``generate.clean``)."""
    if short_only and not is_short(text):
        return [(text, None, "a small model's long answer is not trusted")]
    if is_short(text):
        return [backed_short(text, sents, question)]
    return backed_sentences(text, sents, question)


def check_chat(reply: tuple[str, str], shown: Sequence[Sentence], pool: Sequence[Sentence],
               question: str) -> tuple[Backed, list[Backed]]:
    """A chat model's reply, (short answer, sentence) as ``generate.parse_reply`` reads it,
    checked: its short answer (snapped to a quote) and what to show, its sentence where the
    quotes back it, else the short answer. Quotes it was shown come first; a sentence of the
    files it was not shown (but ranked near) backs an answer too."""
    short_text, sentence = reply
    rest = [s for s in pool if s not in shown]
    if short_text and not is_short(short_text):  # a whole sentence given as the "answer"
        sentence, short_text = sentence or short_text, ""
    short: Backed = ("", None, "")
    if short_text:
        short = backed_short(short_text, list(shown) + rest, question)
    said: list[Backed] = []
    if sentence:
        said = backed_sentences(sentence, list(shown), question)
        if any(q is None for _, q, _ in said) and rest:
            again = backed_sentences(sentence, list(shown) + rest, question)
            said = again if sum(q is not None for _, q, _ in again) > sum(q is not None for _, q, _ in said) else said
        backed = " ".join(t for t, q, _ in said if q is not None)
        if backed and (short[1] is None or _agrees(short[0], backed)):
            return short, said  # the sentences the quotes back are shown; the others are listed as unsupported
    aside = [(t, None, why or "it does not state the short answer") for t, _, why in said]
    return short, ([short] if short_text else []) + aside


def _agrees(short: str, sentence: str) -> bool:
    """The sentence states the short answer (its content words), not some other fact."""
    need = content(short) or {t for t, _, _ in tokens(short)}
    return need <= {t for t, _, _ in tokens(sentence)}


def copies(sentence: str, quote: str) -> bool:
    """A quote written out again (near enough word for word): it adds nothing to the quotes."""
    a, b = content(sentence), content(quote)
    return bool(a) and len(a & b) >= 0.8 * len(a | b)


def backed_by(sentence: str, quotes: Sequence[str]) -> list[int]:
    """The one quote, or the two, that back a sentence of a written summary (its names and
    numbers all in them, nearly all its words in them); [] when none do."""
    one = check_sentence(sentence, quotes)
    if one.supported and one.quote is not None:
        return [one.quote]
    words = content(sentence)
    if not words or numbers(sentence) - numbers(" ".join(quotes)):
        return []
    shares = sorted(((len(words & content(q)), i) for i, q in enumerate(quotes)), reverse=True)[:2]
    pair = [i for _, i in shares]
    if len(pair) == 2 and check_sentence(sentence, [" ".join(quotes[i] for i in pair)]).supported:
        return sorted(pair)
    return []
