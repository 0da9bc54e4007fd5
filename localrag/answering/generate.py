"""What the model is asked and how its reply is read: a base model through a few-shot completion
prompt that asks for a short phrase, a chat model through its chat template, answering with a
short answer and one sentence. Only the best few ranked sentences are shown to it, as many as
its context holds."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence

from localrag.answering import verify
from localrag.answering.sentences import CITATION_MARK, Sentence, one_line, split_text
from localrag.errors import LocalragError

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


def completion_prompt(question: str, sents: Sequence[Sentence]) -> str:
    """Few-shot, evidence first: what a base model can follow."""
    ev = " ".join(one_line(s.text) for s in sents)
    return f"{FEW_SHOT}Evidence: {ev}\nQuestion: {one_line(question)}\nAnswer:"

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
    ev = "\n".join(f"[{i}] {one_line(s.text)}" for i, s in enumerate(sents, 1))
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

SHORT_TOKENS = 32  # a base model's short answer: a phrase, on one line
BASE_TRIES = 2  # evidence sentences a base model is asked about, one at a time


def reply(gen: object, question: str, sents: Sequence[Sentence], max_tokens: int, temperature: float,
              history: Sequence[tuple[str, str]], cancel: threading.Event | None) -> str:
    if getattr(gen, "chat", False):
        parts = gen.stream_chat(chat_messages(question, sents, history), max_tokens, temperature, cancel)  # type: ignore[attr-defined]
        return "".join(parts)
    parts = gen.stream(completion_prompt(question, sents), min(max_tokens, SHORT_TOKENS), temperature,  # type: ignore[attr-defined]
                       ["\n", "Question:", "Evidence:"], cancel)
    return next(iter(split_text("".join(parts))), "")  # a base model runs on: its answer is the first sentence

_EVIDENCE_PREFIX = re.compile(r"^\s*(?:evidence|quote|source)\s*\[?\d+\]?\s*[:.-]\s*", re.I)
_LABEL = re.compile(r"^\s*[*_]*(short answer|answer|sentence)[*_]*\s*:\s*[*_]*", re.I)


def clean(text: str) -> str:
    """A reply without its citation marks and "Evidence [1]:" prefixes: what is checked."""
    return _EVIDENCE_PREFIX.sub("", CITATION_MARK.sub("", text)).strip()


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
