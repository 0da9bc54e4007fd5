"""A question's way through answering, one step a module, each handing the next a typed value:

1. classify (``kinds``): what the question asks for, an ``Asked``;
2. resolve the documents it names (``resolve``): a ``Named``, for questions about whole documents;
3. gather evidence (``gather``, ``sentences``): the passages retrieval finds, cut into ``Sentence``s;
4. rank (``rank``): the sentences best first, and whether the best are about the question;
5. verify (``verify``): what the model wrote (``generate``), each sentence with the quote that
   backs it or why none does; a table's cell or a figure over its rows is read by code instead
   (``tables``), never by the model;
6. compose (``compose``): the ``Answer``, its text, quotes and citations.

A fact question goes through every step. A question about whole documents (``documents``) takes
the same steps in its own order: its documents resolved, their sentences gathered and ranked,
a chat model's summary verified against them, and composed as an outline of quotes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from localrag.answering import compose, documents, gather, generate, kinds, rank, resolve, tables, verify
from localrag.answering.compose import Answer, Citation, Quote
from localrag.answering.gather import Sources
from localrag.answering.sentences import Sentence, one_line
from localrag.config import MIN_EVIDENCE
from localrag.errors import LocalragError
from localrag.search.retrieve import Result
from localrag.store.scope import Scope

CHECK_POOL = 10  # ranked sentences a chat model's answer may rest on (it is shown the best few)


@dataclass
class Options:
    """How an answer is made (from the settings): the model's budget and temperature, how close
    the passages and the evidence must be to answer at all, and the conversation so far."""

    max_tokens: int
    temperature: float
    min_score: float
    min_evidence: float = MIN_EVIDENCE
    top_k: int = rank.PASSAGES
    history: Sequence[tuple[str, str]] = ()


def ask(src: Sources, question: str, opts: Options, k: int | None = None, scope: Scope | None = None,
        words: int = 0, on_text: Callable[[str], None] | None = None) -> Answer:
    """Any question: a fact gets a short answer on its quotes, a question about whole documents
    quotes chosen across them (``words``: a summary's budget). ``k``: passages to draw the
    evidence from (default a few more than a reader needs)."""
    asked = kinds.classify(question)
    if asked.kind != kinds.FACT:
        named = resolve.name_documents(asked, resolve.documents_in(src.store, scope))
        if named is not None:
            return compose.shown(documents.answer(src, question, asked, named, scope, words), on_text)
    if src.load_gen_ahead is not None:  # a fact's answer is generated: its model loads while passages are found
        src.load_gen_ahead()
    results = src.retrieve(question, k or max(opts.top_k, rank.PASSAGES), scope)
    return answer_facts(src, question, results, opts, on_text)


def summarize(src: Sources, question: str, topic: str, scope: Scope | None, words: int) -> Answer:
    """A summary of the documents in ``scope``, or of what they say about ``topic``."""
    asked = kinds.Asked(kinds.SUMMARY, topic=topic)
    named = resolve.name_documents(asked, resolve.documents_in(src.store, scope))
    assert named is not None  # only a weak reading of a question gives None
    return documents.answer(src, question, asked, named, scope, words)


def answer_facts(src: Sources, question: str, results: Sequence[Result], opts: Options,
                 on_text: Callable[[str], None] | None = None) -> Answer:
    """A fact question over the passages retrieval found: declined when none is about it, read
    from a table by code, else the model's short answer as its quotes back it."""
    ans = Answer(question)
    if not results or not gather.relevant_enough(question, results, opts.min_score):
        return compose.shown(compose.not_found(ans, results), on_text)
    ranked = rank.rank(question, results, src.embed, src.verifier)
    if not ranked or rank.strength(ranked) < opts.min_evidence or not rank.answers_question(ranked):
        return compose.shown(compose.not_found(ans, results, compose.WEAK_EVIDENCE), on_text)
    ans.citations = [Citation(i + 1, r) for i, r in enumerate(results)]
    over = tables.answer_rows(question, ranked, rank.LOOK, lambda r: gather.table_of(src.store, r))
    if over is not None:  # a total, a highest, a list of a table's rows: computed, never generated
        return compose.shown(compose.over_rows(ans, over), on_text)
    found = tables.answer_cell(question, ranked, rank.LOOK)
    if found is not None:  # a table's row: its cell is read by code, never by the model
        return compose.shown(compose.from_table(ans, ranked, found), on_text)
    backed, short_quote = _generated(src, question, ranked, opts, ans)
    firsts: list[Sentence] = []
    for q in [q for _, q in backed] + ([short_quote] if short_quote is not None and backed else []):
        if q not in firsts:
            firsts.append(q)  # the short answer's own quote is shown too: its words stand there
    if not firsts:  # the quote shown instead is one about the question (there is one: else it declined)
        firsts = [next(s for s in ranked[:rank.LOOK] if s.answers_question)]
    ans.evidence = [Quote(i + 1, s) for i, s in enumerate(rank.pick(ranked, firsts))]
    number = {id(q.sentence): q.n for q in ans.evidence}
    if backed:
        ans.kind, ans.supported = "generated", True
        ans.text = " ".join(f"{one_line(shown)} [{number[id(q)]}]" for shown, q in backed)
    else:
        ans.kind, ans.supported = "quote", False
        ans.text = compose.quoted(ans.evidence[0])
    return compose.shown(ans, on_text)


def _generated(src: Sources, question: str, ranked: Sequence[Sentence], opts: Options,
               ans: Answer) -> tuple[list[tuple[str, Sentence]], Sentence | None]:
    """The model's answer, verified: what its quotes back (text, quote) and the short answer's
    quote. What they do not back goes to ``ans.unsupported``; a failure or a stop is said on ``ans``."""
    gen = src.load_gen()
    budget = gen.n_ctx - opts.max_tokens - 8  # type: ignore[attr-defined]
    sents = generate.fit(question, ranked, gen.count, budget)  # type: ignore[attr-defined]
    chat = getattr(gen, "chat", False)
    # A chat model reads all the evidence at once. A small base model does best with one sentence
    # at a time: the best, then the next if its answer to the best is not backed.
    attempts = ([sents] if chat else [[s] for s in sents[:generate.BASE_TRIES]]) if sents else []
    backed: list[tuple[str, Sentence]] = []
    short_quote: Sentence | None = None
    said_anything = False
    for given in attempts:
        try:
            raw = generate.reply(gen, question, given, opts.max_tokens, opts.temperature, opts.history, src.cancel)
        except LocalragError as e:  # a server that went away: say why it stopped
            ans.error = str(e)
            break
        if src.cancel is not None and src.cancel.is_set():
            ans.stopped = True
            break
        said_anything = said_anything or bool(raw.strip())
        if not raw.strip() or verify.says_not_found(raw):
            continue
        if chat:
            short, said = verify.check_chat(generate.parse_reply(raw), given, ranked[:CHECK_POOL], question)
        else:
            short = verify.check_reply(generate.clean(raw), given, question, short_only=True)[0]
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
    return backed, short_quote
