"""Answer a question evidence first: quote the sentences of the user's files that answer it,
let the model fill in only the short answer, and show as fact only what the quotes back.

1. The retrieved passages are cut into sentences and ranked (``evidence``).
2. The model sees only the best few sentences: a base model through a few-shot completion
   prompt that asks for a short phrase, a chat model through its chat template.
3. Every sentence of the model's answer is checked against those sentences (``verify``): a
   short answer is snapped to the exact words of its quote; what is not backed is dropped.
4. When nothing the model said survives, the answer is the best quote, labelled as a quote.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from localrag.answering import evidence, verify
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
    "Answer the question using only the numbered evidence from the user's own files. Be brief: one or two "
    "sentences, and cite the evidence you used by its number, like [1]. If the evidence does not answer the "
    "question, say that the files do not say."
)


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
    citations: list[Citation] = field(default_factory=list)  # the passages retrieved for the question
    evidence: list[Quote] = field(default_factory=list)  # the sentences the answer rests on, best first
    nearest: list[Result] = field(default_factory=list)  # shown when nothing relevant was found
    found: bool = True
    stopped: bool = False
    attributed: bool = True  # citations come from checking the answer against the evidence, not the model
    supported: bool = False  # the shown answer passed the check against its quotes
    kind: str = "generated"  # "generated", "quote" or "not_found"
    unsupported: list[str] = field(default_factory=list)  # what the model said that the quotes do not back
    error: str | None = None  # the generator failed part-way; ``text`` holds what came before
    warning: str | None = None  # something the user should know about this answer (empty model output...)
    partial: str | None = None  # the index is still being embedded: the answer rests on part of it

    def to_json(self) -> dict:
        return {"question": self.question, "answer": self.text, "answer_kind": self.kind,
                "supported": self.supported, "evidence": [q.to_json() for q in self.evidence],
                "unsupported": self.unsupported, "citations": [c.to_json() for c in self.citations],
                "found": self.found, "attributed": self.attributed, "error": self.error, "warning": self.warning,
                "partial": self.partial,
                "nearest": [r.to_json() for r in self.nearest]}


# ---- prompts ------------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    return " ".join(text.split())


def completion_prompt(question: str, sents: Sequence[Sentence]) -> str:
    """Few-shot, evidence first: what a base model can follow."""
    ev = " ".join(_one_line(s.text) for s in sents)
    return f"{FEW_SHOT}Evidence: {ev}\nQuestion: {_one_line(question)}\nAnswer:"


def chat_messages(question: str, sents: Sequence[Sentence], history: Sequence[tuple[str, str]] = ()) -> list[dict]:
    msgs: list[dict] = []
    for q, a in history[-3:]:
        msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    ev = "\n".join(f"[{i}] {_one_line(s.text)}" for i, s in enumerate(sents, 1))
    msgs.append({"role": "user", "content": f"{CHAT_INSTRUCTIONS}\n\nEvidence:\n{ev}\n\nQuestion: {question.strip()}"})
    return msgs


def fit(question: str, ranked: Sequence[Sentence], count: Callable[[str], int], budget: int,
        most: int = PROMPT_SENTENCES) -> list[Sentence]:
    """The best sentences that fit the model's window, in rank order, dropped whole."""
    used = count(FEW_SHOT + CHAT_INSTRUCTIONS) + count(question) + 16
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


def check(text: str, sents: Sequence[Sentence], question: str = "",
          short_only: bool = False) -> list[tuple[str, Sentence | None, str]]:
    """Each sentence of a model's answer as (text to show, the quote backing it or None, why not).
    A short answer is replaced by the exact words of its quote. With ``short_only`` (a base
    model), a longer answer is not trusted at all: such models paraphrase facts wrongly."""
    quotes = [s.text for s in sents]
    text = CITATION_MARK.sub("", text).strip()
    if short_only and not verify.is_short(text):
        return [(text, None, "a small model's long answer is not trusted")]
    if verify.is_short(text):
        c = verify.check_short(text.rstrip(". "), quotes, question)
        return [(c.span, sents[c.quote], "") if c.supported and c.quote is not None else (text, None, c.reason)]
    out = []
    for sentence in _sentences(text):
        c = verify.check_sentence(sentence, quotes)
        out.append((sentence, sents[c.quote] if c.supported and c.quote is not None else None, c.reason))
    return out


def answer(question: str, results: Sequence[Result], load_gen: Callable[[], object], embed: evidence.EmbedFn,
           max_tokens: int, temperature: float, min_score: float, on_text: Callable[[str], None] | None = None,
           history: Sequence[tuple[str, str]] = (), cancel: threading.Event | None = None,
           min_evidence: float = MIN_EVIDENCE) -> Answer:
    """``load_gen`` is called only when there is evidence to answer from: a question nothing
    answers never waits for a language model to load."""
    ans = Answer(question)
    if not results or not relevant_enough(question, results, min_score):
        return _not_found(ans, results, on_text)
    ranked = evidence.rank(question, results, embed)
    if not ranked or evidence.strength(ranked) < min_evidence:
        return _not_found(ans, results, on_text, WEAK_EVIDENCE)
    ans.citations = [Citation(i + 1, r) for i, r in enumerate(results)]
    gen = load_gen()
    budget = gen.n_ctx - max_tokens - 8  # type: ignore[attr-defined]
    sents = fit(question, ranked, gen.count, budget)  # type: ignore[attr-defined]
    chat = getattr(gen, "chat", False)
    # A chat model reads all the evidence at once. A small base model does best with one sentence
    # at a time: the best, then the next if its answer to the best is not backed.
    attempts = ([sents] if chat else [[s] for s in sents[:BASE_TRIES]]) if sents else []
    backed: list[tuple[str, Sentence]] = []
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
        for shown, quote, _why in check(raw, given, question, short_only=not chat):
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
    for _, q in backed:
        if q not in firsts:
            firsts.append(q)
    ans.evidence = [Quote(i + 1, s) for i, s in enumerate(evidence.pick(ranked, firsts))]
    number = {id(q.sentence): q.n for q in ans.evidence}
    if backed:
        ans.kind, ans.supported = "generated", True
        ans.text = " ".join(f"{_one_line(shown)} [{number[id(q)]}]" for shown, q in backed)
    else:
        best = ans.evidence[0]
        ans.kind, ans.supported = "quote", False
        ans.text = f"{QUOTE_LABEL}\u201c{_one_line(best.text)}\u201d [{best.n}]"
    cited_chunks = {q.sentence.result.chunk_id for q in ans.evidence}
    for c in ans.citations:
        c.cited = c.result.chunk_id in cited_chunks
    if on_text:
        on_text(ans.text)
    return ans


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

