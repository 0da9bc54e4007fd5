"""Answer a question evidence first: quote the sentences of the user's files that answer it,
let the model fill in only the short answer, and show as fact only what the quotes back.

1. The retrieved passages are cut into sentences and ranked (``evidence``).
2. The model sees only the best few sentences: a base model through a few-shot completion
   prompt that asks for a short phrase, a chat model through its chat template, answering with
   a short answer and one sentence.
3. Every sentence of the model's answer is checked against those sentences (``verify``): a
   short answer is snapped to the exact words of its quote; what is not backed is dropped. A
   quote backs nothing unless it is about what the question asks (``Sentence.answers_question``).
4. When nothing the model said survives, the answer is a quote about the question, labelled as
   a quote; when no sentence is about the question, it declines.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from localrag.answering import evidence, tables, verify
from localrag.answering.evidence import Sentence
from localrag.config import MIN_EVIDENCE
from localrag.errors import LocalragError
from localrag.search.retrieve import Result

NOTHING_FOUND = "I found nothing relevant to that question in your indexed files."
WEAK_EVIDENCE = "Your files do not seem to answer that question; the nearest passages are below."

QUOTE_LABEL = "Your files say: "
PROMPT_SENTENCES = 3  # evidence sentences a chat model sees

# Few-shot examples written for this prompt (not taken from any evaluation set). The answer
# sits in the second sentence of one, so the model learns to read all of the evidence.
FEW_SHOT = (
    "Answer each question with a few words copied from its evidence.\n\n"
    "Evidence: The Nile flows north through eleven countries. It empties into the Mediterranean Sea "
    "near Alexandria.\n"
    "Question: Into which sea does the Nile flow?\n"
    "Answer: the Mediterranean Sea\n\n"
    "Evidence: Penicillin was discovered by Alexander Fleming in 1928. It was first mass-produced "
    "during the Second World War.\n"
    "Question: Who discovered penicillin?\n"
    "Answer: Alexander Fleming\n\n"
)
CHAT_INSTRUCTIONS = (
    "Answer the question using only the numbered evidence from the user's own files. Reply in two lines:\n"
    "Answer: the few words of the evidence that answer the question\n"
    "Sentence: one plain sentence that answers the question\n"
    "If the evidence does not answer the question, reply only: Not in the files."
)
CHECK_POOL = 10  # ranked sentences a chat model's answer may rest on (it is shown the best few)


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


# ---- prompts ------------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    return " ".join(text.split())


def completion_prompt(question: str, sents: Sequence[Sentence]) -> str:
    """Few-shot, evidence first: what a base model can follow."""
    ev = " ".join(_one_line(s.text) for s in sents)
    return f"{FEW_SHOT}Evidence: {ev}\nQuestion: {_one_line(question)}\nAnswer:"


# One worked exchange before the real one: small chat models copy a shown format far better
# than they follow a described one. Written for this prompt, not taken from any evaluation set.
CHAT_EXAMPLE = (
    "[1] The Nile flows north through eleven countries.\n[2] It empties into the Mediterranean Sea near Alexandria.",
    "Into which sea does the Nile flow?",
    "Answer: the Mediterranean Sea\nSentence: The Nile flows into the Mediterranean Sea near Alexandria.",
)


def _chat_turn(evidence_lines: str, question: str) -> str:
    return f"{CHAT_INSTRUCTIONS}\n\nEvidence:\n{evidence_lines}\n\nQuestion: {question.strip()}"


def chat_messages(question: str, sents: Sequence[Sentence], history: Sequence[tuple[str, str]] = ()) -> list[dict]:
    ev_example, q_example, a_example = CHAT_EXAMPLE
    msgs: list[dict] = [{"role": "user", "content": _chat_turn(ev_example, q_example)},
                        {"role": "assistant", "content": a_example}]
    for q, a in history[-3:]:
        msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    ev = "\n".join(f"[{i}] {_one_line(s.text)}" for i, s in enumerate(sents, 1))
    msgs.append({"role": "user", "content": _chat_turn(ev, question)})
    return msgs


def fit(question: str, ranked: Sequence[Sentence], count: Callable[[str], int], budget: int,
        most: int = PROMPT_SENTENCES) -> list[Sentence]:
    """The best sentences that fit the model's window, in rank order, dropped whole."""
    used = count(FEW_SHOT + CHAT_INSTRUCTIONS + "".join(CHAT_EXAMPLE)) + count(question) + 16
    if used > budget:
        raise LocalragError("the question is too long for the model's context window (raise n_ctx)")
    kept: list[Sentence] = []
    for s in ranked[: most * 3]:
        if len(kept) >= most:
            break
        cost = count(s.text) + 4
        if used + cost <= budget:
            kept.append(s)
            used += cost
    return kept


# ---- relevance ----------------------------------------------------------------------------------
def relevant_enough(question: str, results: Sequence[Result], min_score: float) -> bool:
    """Whether the passages can answer at all: close in meaning, or fairly close and sharing the
    question's words (a long, many-topic passage can hold the answer with a modest cosine)."""
    sims = [r.similarity for r in results if r.similarity is not None]
    if not sims:  # keyword-only search: its hits are the evidence
        return True
    best = max(sims)
    if best >= min_score:
        return True
    words = verify.content(question)
    if best < min_score / 2 or not words:
        return False
    overlap = max(len(words & verify.content(r.text + " " + r.heading)) / len(words) for r in results[:3])
    return overlap >= 1 / 3


# ---- the answer -----------------------------------------------------------------------------------
CITATION_MARK = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")  # a [n] or [n, m] in answer text
SHORT_TOKENS = 32  # a base model's short answer: a phrase, on one line
BASE_TRIES = 2  # evidence sentences a base model is asked about, one at a time


def _generate(gen: object, question: str, sents: Sequence[Sentence], max_tokens: int, temperature: float,
              history: Sequence[tuple[str, str]], cancel: threading.Event | None) -> str:
    if getattr(gen, "chat", False):
        parts = gen.stream_chat(chat_messages(question, sents, history), max_tokens, temperature, cancel)  # type: ignore[attr-defined]
        return "".join(parts)
    parts = gen.stream(completion_prompt(question, sents), min(max_tokens, SHORT_TOKENS), temperature,  # type: ignore[attr-defined]
                       ["\n", "Question:", "Evidence:"], cancel)
    return next(iter(_sentences("".join(parts))), "")  # a base model runs on: its answer is the first sentence


def _sentences(text: str) -> list[str]:
    from sentencex import segment

    return [s.strip() for s in segment("en", text) if s.strip()]


_EVIDENCE_PREFIX = re.compile(r"^\s*(?:evidence|quote|source)\s*\[?\d+\]?\s*[:.-]\s*", re.I)
_LABEL = re.compile(r"^\s*[*_]*(short answer|answer|sentence)[*_]*\s*:\s*[*_]*", re.I)


def parse_reply(text: str) -> tuple[str, str]:
    """A chat model's reply as (short answer, sentence): the two labelled lines it was asked for,
    or, when it wrote free text, a phrase as the short answer and anything longer as sentences."""
    short, sentence = "", ""
    free: list[str] = []
    for line in text.splitlines():
        line = _EVIDENCE_PREFIX.sub("", CITATION_MARK.sub("", line)).strip()
        m = _LABEL.match(line)
        if not m:
            if line and not line.endswith(":"):  # "The words that answer it are:" says nothing
                free.append(line)
            continue
        value = _EVIDENCE_PREFIX.sub("", line[m.end():]).strip().strip("*_ ")
        if m.group(1).lower() == "sentence":
            sentence = sentence or value
        else:
            short = short or value
    if not short and not sentence and free:
        rest = " ".join(free)
        return (rest, "") if verify.is_short(rest) else ("", rest)
    return short, sentence


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
    if quote.verified is False and quote.about >= evidence.MIN_ABOUT:
        return "its quote does not say what the question asks (the answer check)"
    return "its quote is not about what the question asks"


def check_short(text: str, sents: Sequence[Sentence], question: str = "") -> Backed:
    """A short answer, snapped to the exact words of the first quote that holds it and is about
    the question."""
    text = text.rstrip(". ")
    why = verify.NOT_IN_QUOTES
    for s in sents:
        c = verify.check_short(text, [s.text], question)
        if not c.supported:
            if c.reason != verify.NOT_IN_QUOTES:  # the answer itself is wrong (an echo, the wrong kind)
                return (text, None, c.reason)
            continue
        why = _about(s, question)
        if not why:
            return (c.span, s, "")
    return (text, None, why)


def check_sentences(text: str, sents: Sequence[Sentence], question: str = "") -> list[Backed]:
    out: list[Backed] = []
    quotes = [s.text for s in sents]
    for sentence in _sentences(text):
        c = verify.check_sentence(sentence, quotes, question=question)
        quote = sents[c.quote] if c.supported and c.quote is not None else None
        why = c.reason or (_about(quote, question) if quote else "")
        out.append((sentence, None if why else quote, why))
    return out


def check(text: str, sents: Sequence[Sentence], question: str = "", short_only: bool = False) -> list[Backed]:
    """Each sentence of a model's answer as (text to show, the quote backing it or None, why not).
    A short answer is replaced by the exact words of its quote. With ``short_only`` (a base
    model), a longer answer is not trusted at all: such models paraphrase facts wrongly. A quote
    backs an answer only if it is about what the question asks (``Sentence.answers_question``)."""
    text = _EVIDENCE_PREFIX.sub("", CITATION_MARK.sub("", text)).strip()
    if short_only and not verify.is_short(text):
        return [(text, None, "a small model's long answer is not trusted")]
    if verify.is_short(text):
        return [check_short(text, sents, question)]
    return check_sentences(text, sents, question)


def answer(question: str, results: Sequence[Result], load_gen: Callable[[], object], embed: evidence.EmbedFn,
           max_tokens: int, temperature: float, min_score: float, on_text: Callable[[str], None] | None = None,
           history: Sequence[tuple[str, str]] = (), cancel: threading.Event | None = None,
           min_evidence: float = MIN_EVIDENCE, verifier: evidence.Verify | None = None,
           table_of: Callable[[Result], list[Result]] | None = None) -> Answer:
    """``load_gen`` is called only when there is evidence to answer from: a question nothing
    answers never waits for a language model to load. ``table_of``: every passage of the table a
    passage is part of (a total or a list is over all its rows)."""
    ans = Answer(question)
    if not results or not relevant_enough(question, results, min_score):
        return _not_found(ans, results, on_text)
    ranked = evidence.rank(question, results, embed, verifier)
    if not ranked or evidence.strength(ranked) < min_evidence or not evidence.answers_question(ranked):
        return _not_found(ans, results, on_text, WEAK_EVIDENCE)
    ans.citations = [Citation(i + 1, r) for i, r in enumerate(results)]
    over = tables.answer_rows(question, ranked, evidence.LOOK, table_of)
    if over is not None:  # a total, a highest, a list of a table's rows: computed, never generated
        return _over_rows(ans, over, on_text)
    found = tables.answer_cell(question, ranked, evidence.LOOK)
    if found is not None:  # a table's row: its cell is read by code, never by the model
        return _from_table(ans, ranked, found, on_text)
    gen = load_gen()
    budget = gen.n_ctx - max_tokens - 8  # type: ignore[attr-defined]
    sents = fit(question, ranked, gen.count, budget)  # type: ignore[attr-defined]
    chat = getattr(gen, "chat", False)
    # A chat model reads all the evidence at once. A small base model does best with one sentence
    # at a time: the best, then the next if its answer to the best is not backed.
    attempts = ([sents] if chat else [[s] for s in sents[:BASE_TRIES]]) if sents else []
    backed: list[tuple[str, Sentence]] = []
    short_quote: Sentence | None = None
    said_anything = False
    for given in attempts:
        try:
            raw = _generate(gen, question, given, max_tokens, temperature, history, cancel)
        except LocalragError as e:  # a server that went away: say why it stopped
            ans.error = str(e)
            break
        if cancel is not None and cancel.is_set():
            ans.stopped = True
            break
        said_anything = said_anything or bool(raw.strip())
        if not raw.strip() or verify.says_not_found(raw):
            continue
        if chat:
            short, said = _check_chat(raw, given, ranked[:CHECK_POOL], question)
        else:
            short = check(raw, given, question, short_only=True)[0]
            said = [short]
        if short[1] is not None:
            ans.short_answer, short_quote = short[0], short[1]
        for shown, quote, _why in said:
            if quote is None:
                ans.unsupported.append(shown)
            else:
                backed.append((shown, quote))
        if backed:
            break
    if attempts and not said_anything and not ans.stopped and not ans.error:
        ans.warning = ("the model returned no text" + (
            " (a base model behind a chat API? try llm_api = completions)" if chat else "")
            + "; showing the best quote instead")
    firsts: list[Sentence] = []
    for q in [q for _, q in backed] + ([short_quote] if short_quote is not None and backed else []):
        if q not in firsts:
            firsts.append(q)  # the short answer's own quote is shown too: its words stand there
    if not firsts:  # the quote shown instead is one about the question (there is one: else it declined)
        firsts = [next(s for s in ranked[:evidence.LOOK] if s.answers_question)]
    ans.evidence = [Quote(i + 1, s) for i, s in enumerate(evidence.pick(ranked, firsts))]
    number = {id(q.sentence): q.n for q in ans.evidence}
    if backed:
        ans.kind, ans.supported = "generated", True
        ans.text = " ".join(f"{_one_line(shown)} [{number[id(q)]}]" for shown, q in backed)
    else:
        ans.kind, ans.supported = "quote", False
        ans.text = _quoted(ans.evidence[0])
    return _shown(ans, on_text)


def _shown(ans: Answer, on_text: Callable[[str], None] | None) -> Answer:
    """The answer as it is shown: its citations marked cited where a quote comes from, its text
    passed on."""
    cited_chunks = {q.sentence.result.chunk_id for q in ans.evidence}
    for c in ans.citations:
        c.cited = c.result.chunk_id in cited_chunks
    if on_text:
        on_text(ans.text)
    return ans


def _quoted(quote: Quote) -> str:
    """An answer that is a quote, not a claim: "Your files say: “...” [n]"."""
    return f"{QUOTE_LABEL}\u201c{_one_line(quote.text)}\u201d [{quote.n}]"


def _from_table(ans: Answer, ranked: Sequence[Sentence], found: tables.TableAnswer,
                on_text: Callable[[str], None] | None) -> Answer:
    """The cell under the asked column of the row the question names, with that row as its quote
    ("Price: 689 EUR"); when no cell answers, the row is shown as a quote, not as an answer."""
    shown = [found.row] if found.cell is not None else evidence.pick(ranked, [found.row])  # the answer's row alone
    ans.evidence = [Quote(i + 1, s) for i, s in enumerate(shown)]
    if found.cell is not None:
        c = found.cell
        ans.kind, ans.supported, ans.short_answer = "table", True, c.value
        ans.text = f"{_one_line(c.header)}: {_one_line(c.value)} [1]"
    else:
        ans.kind, ans.supported = "quote", False
        ans.text = _quoted(ans.evidence[0])
    return _shown(ans, on_text)


_OVER_LABEL = {tables.SUM: "Total {column}", tables.AVERAGE: "Average {column}", tables.HIGHEST: "Highest {column}",
               tables.LOWEST: "Lowest {column}", tables.COUNT: "Rows", tables.LIST: "{column}"}


def _over_rows(ans: Answer, over: tables.RowsAnswer, on_text: Callable[[str], None] | None) -> Answer:
    """A figure over a table's rows with the rows it is over as its quotes ("Total Amount EUR:
    2,190.50 over 2 rows"). A total, average, count or list is made by code from the rows (kind
    "computed": it is in no one quote); a highest or lowest is a row's own cell (kind "table")."""
    shown = over.rows[: tables.MAX_SHOWN]
    ans.evidence = [Quote(i + 1, s) for i, s in enumerate(shown)]
    computed = over.how in (tables.SUM, tables.AVERAGE, tables.COUNT, tables.LIST)
    ans.kind, ans.supported, ans.short_answer = ("computed" if computed else "table"), True, over.cell or over.text
    label = _OVER_LABEL[over.how].format(column=_one_line(over.column))
    more = f", {len(over.rows) - len(shown)} more rows not shown" if len(over.rows) > len(shown) else ""
    n = len(over.rows)
    over_rows = f" over {n} row{'s' if n != 1 else ''}" if computed or over.how == tables.LIST else ""
    marks = "[" + ", ".join(str(q.n) for q in ans.evidence) + "]"
    ans.text = f"{label}: {_one_line(over.text)}{over_rows}{more} {marks}"
    ans.citations = [Citation(i + 1, r) for i, r in enumerate(  # the passages its rows come from
        {q.sentence.result.chunk_id: q.sentence.result for q in ans.evidence}.values())]
    return _shown(ans, on_text)


def _check_chat(raw: str, shown: Sequence[Sentence], pool: Sequence[Sentence],
                question: str) -> tuple[Backed, list[Backed]]:
    """A chat model's reply checked: its short answer (snapped to a quote) and what to show, its
    sentence where the quotes back it, else the short answer. Quotes it was shown come first; a
    sentence of the files it was not shown (but ranked near) backs an answer too."""
    short_text, sentence = parse_reply(raw)
    rest = [s for s in pool if s not in shown]
    if short_text and not verify.is_short(short_text):  # a whole sentence given as the "answer"
        sentence, short_text = sentence or short_text, ""
    short: Backed = ("", None, "")
    if short_text:
        short = check_short(short_text, list(shown) + rest, question)
    said: list[Backed] = []
    if sentence:
        said = check_sentences(sentence, list(shown), question)
        if any(q is None for _, q, _ in said) and rest:
            again = check_sentences(sentence, list(shown) + rest, question)
            said = again if sum(q is not None for _, q, _ in again) > sum(q is not None for _, q, _ in said) else said
        backed = " ".join(t for t, q, _ in said if q is not None)
        if backed and (short[1] is None or _agrees(short[0], backed)):
            return short, said  # the sentences the quotes back are shown; the others are listed as unsupported
    aside = [(t, None, why or "it does not state the short answer") for t, _, why in said]
    return short, ([short] if short_text else []) + aside


def _agrees(short: str, sentence: str) -> bool:
    """The sentence states the short answer (its content words), not some other fact."""
    need = verify.content(short) or {t for t, _, _ in verify.tokens(short)}
    return need <= {t for t, _, _ in verify.tokens(sentence)}


def _not_found(ans: Answer, results: Sequence[Result], on_text: Callable[[str], None] | None,
               text: str = NOTHING_FOUND) -> Answer:
    ans.found = False
    ans.kind = "not_found"
    ans.attributed = False
    ans.text = text
    ans.nearest = list(results[:5])
    if on_text:
        on_text(ans.text)
    return ans

