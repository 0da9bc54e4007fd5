"""Answer a question from retrieved passages with a local GGUF model, citing them as [n].

The prompt is fitted to the context window by counting tokens: the weakest passages are
dropped whole rather than cut. Citations are checked as the answer streams: a ``[n]`` that
names no passage given to the model never reaches the user.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LocalragError
from .retrieve import Result

NOTHING_FOUND = "I found nothing relevant to that question in your indexed files."

HEADER = (
    "Below are numbered excerpts from the user's own files, then a question. Answer the question in a few "
    "sentences using only the excerpts, and cite the excerpts you used by their numbers in square brackets, "
    "like [1]. If the excerpts do not contain the answer, say so.\n\n"
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
class Answer:
    question: str
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    nearest: list[Result] = field(default_factory=list)  # shown when nothing relevant was found
    found: bool = True
    stopped: bool = False
    attributed: bool = False  # citations added by matching the answer to its sources, not by the model
    error: str | None = None  # the generator failed part-way; ``text`` holds what came before

    def to_json(self) -> dict:
        return {"question": self.question, "answer": self.text, "citations": [c.to_json() for c in self.citations],
                "found": self.found, "attributed": self.attributed, "error": self.error, "nearest": [r.to_json() for r in self.nearest]}


class Generator:
    """A loaded GGUF model. Loading is the slow part, so one instance serves many questions."""

    def __init__(self, model_path: Path, n_ctx: int, n_gpu_layers: int = -1, seed: int = 0, main_gpu: int = 0):
        import llama_cpp

        _quiet(llama_cpp)
        self.model_path = model_path
        gpu = llama_cpp.llama_supports_gpu_offload()
        self.gpu = bool(gpu)
        try:
            self.llm = llama_cpp.Llama(
                model_path=str(model_path), n_ctx=n_ctx, n_gpu_layers=n_gpu_layers if gpu else 0,
                main_gpu=main_gpu, verbose=False, seed=seed,
            )
        except (ValueError, RuntimeError) as e:
            raise LocalragError(f"cannot load model {model_path}: {str(e).splitlines()[0][:160]}") from None
        self.n_ctx = self.llm.n_ctx()
        self._lock = threading.Lock()

    def count(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def stream(self, prompt: str, max_tokens: int, temperature: float, stop: Sequence[str],
               cancel: threading.Event | None = None) -> Iterator[str]:
        with self._lock:  # one generation at a time per loaded model
            for part in self.llm.create_completion(prompt, max_tokens=max_tokens, temperature=temperature,
                                                   top_p=0.9, repeat_penalty=1.15, stop=list(stop), stream=True):
                if cancel is not None and cancel.is_set():
                    break
                yield part["choices"][0]["text"]


def _quiet(llama_cpp: object) -> None:
    """llama.cpp writes its load log straight to stderr; a user should not see it."""
    try:
        cb_type = llama_cpp.llama_log_callback  # type: ignore[attr-defined]

        @cb_type
        def _noop(level: int, text: bytes, user_data: object) -> None:
            return None

        llama_cpp.llama_log_set(_noop, None)  # type: ignore[attr-defined]
        _quiet.keep = _noop  # type: ignore[attr-defined]  # the C side holds a pointer: keep it alive
    except AttributeError:
        pass


def source_label(n: int, r: Result) -> str:
    where = f"page {r.page}" if r.page is not None else (
        f"lines {r.start_line}-{r.end_line}" if r.start_line is not None else "")
    name = Path(r.path).name
    return f"[{n}] {name}" + (f" ({where})" if where else "") + (f" - {r.heading}" if r.heading else "")


def build_prompt(question: str, results: Sequence[Result], count: Callable[[str], int], budget: int,
                 history: Sequence[tuple[str, str]] = ()) -> tuple[str, list[Result]]:
    """The prompt and the passages that made it in, in rank order; those that don't fit are dropped."""
    tail = f"Question: {question.strip()}\nAnswer:"
    hist = "".join(f"Earlier question: {q}\nEarlier answer: {a}\n\n" for q, a in history[-3:])
    used = count(HEADER) + count(tail) + count(hist)
    if used > budget:
        hist = ""
        used = count(HEADER) + count(tail)
    if used > budget:
        raise LocalragError("the question is too long for the model's context window (raise n_ctx)")
    kept: list[Result] = []
    parts: list[str] = []
    for r in results:
        block = f"{source_label(len(kept) + 1, r)}\n{r.text.strip()}\n\n"
        cost = count(block)
        if used + cost > budget:
            continue  # weaker passages come later; never cut one in half
        kept.append(r)
        parts.append(block)
        used += cost
    return HEADER + "".join(parts) + hist + tail, kept


class CitationFilter:
    """Streams text through, holding back a possible ``[n]`` until it is complete, and dropping
    any citation whose number was not given to the model."""

    _PARTIAL = re.compile(r"\[[\d ,]*$")
    _FULL = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")

    def __init__(self, n_sources: int):
        self.n = n_sources
        self.buf = ""
        self.cited: set[int] = set()

    def _fix(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            nums = [int(x) for x in re.split(r"\s*,\s*", m.group(1))]
            ok = [x for x in nums if 1 <= x <= self.n]
            self.cited.update(ok)
            return "[" + ", ".join(str(x) for x in ok) + "]" if ok else ""
        return self._FULL.sub(sub, text)

    def feed(self, piece: str) -> str:
        self.buf += piece
        m = self._PARTIAL.search(self.buf)
        if m and len(self.buf) - m.start() < 16:
            ready, self.buf = self.buf[: m.start()], self.buf[m.start():]
        else:
            ready, self.buf = self.buf, ""
        return self._fix(ready)

    def flush(self) -> str:
        out, self.buf = self._fix(self.buf), ""
        return out


# A base model runs on into invented excerpts and questions; an answer is one paragraph. The
# paragraph end is checked here, once text has started, since some models open with blank lines.
STOP = ("\nQuestion:", "\nEarlier question:", "<end_of_turn>", "\n[")
_WORD = re.compile(r"\w+")


def _content_words(text: str) -> set[str]:
    from .retrieve import STOPWORDS

    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def attribute(text: str, sources: Sequence[Result], threshold: float = 0.3) -> list[int]:
    """Numbers (1-based) of the given sources that support an uncited answer: the share of the
    answer's content words found in a source. Small models answer well but rarely cite."""
    words = _content_words(text)
    if not words:
        return []
    scores = [len(words & _content_words(r.text + " " + r.heading)) / len(words) for r in sources]
    best = max(scores, default=0.0)
    if best < threshold:
        return []
    return [i + 1 for i, sc in enumerate(scores) if sc >= threshold and sc >= 0.6 * best][:3]


def relevant_enough(question: str, results: Sequence[Result], min_score: float) -> bool:
    """Whether the passages can answer at all: close in meaning, or fairly close and sharing the
    question's words (a long, many-topic passage can hold the answer with a modest cosine)."""
    sims = [r.similarity for r in results if r.similarity is not None]
    if not sims:  # keyword-only search: its hits are the evidence
        return True
    best = max(sims)
    if best >= min_score:
        return True
    words = _content_words(question)
    if best < min_score / 2 or not words:
        return False
    overlap = max(len(words & _content_words(r.text + " " + r.heading)) / len(words) for r in results[:3])
    return overlap >= 1 / 3


def answer(question: str, results: Sequence[Result], gen: Generator | object, max_tokens: int, temperature: float,
           min_score: float, on_text: Callable[[str], None] | None = None,
           history: Sequence[tuple[str, str]] = (), cancel: threading.Event | None = None) -> Answer:
    ans = Answer(question)
    if not results or not relevant_enough(question, results, min_score):
        ans.found = False
        ans.text = NOTHING_FOUND
        ans.nearest = list(results)
        if on_text:
            on_text(ans.text)
        return ans
    budget = gen.n_ctx - max_tokens - 8
    prompt, kept = build_prompt(question, results, gen.count, budget, history)
    ans.citations = [Citation(i + 1, r) for i, r in enumerate(kept)]
    filt = CitationFilter(len(kept))
    pieces: list[str] = []
    started = False
    try:
        for piece in gen.stream(prompt, max_tokens, temperature, STOP, cancel):
            out = filt.feed(piece)
            if not started:  # no leading blank space before the first word
                out = out.lstrip()
                started = bool(out)
            prev = pieces[-1][-1:] if pieces else ""  # a blank line may straddle two pieces
            end = (prev + out).find("\n\n") if out else -1
            if end >= 0:  # the paragraph is over
                out = out[: max(0, end - len(prev))]
            if out:
                pieces.append(out)
                if on_text:
                    on_text(out)
            if end >= 0:
                break
    except LocalragError as e:  # a server that went away: keep what was written, say why it stopped
        ans.error = str(e)
    tail = filt.flush()
    if tail:
        pieces.append(tail)
        if on_text:
            on_text(tail)
    ans.stopped = bool(cancel and cancel.is_set())
    ans.text = "".join(pieces).strip()
    if ans.text and not filt.cited and not ans.stopped and not ans.error:
        nums = attribute(ans.text, kept)
        if nums:
            marks = " " + "".join(f"[{n}]" for n in nums)
            ans.text += marks
            ans.attributed = True
            filt.cited.update(nums)
            if on_text:
                on_text(marks)
    for c in ans.citations:
        c.cited = c.n in filt.cited
    return ans
