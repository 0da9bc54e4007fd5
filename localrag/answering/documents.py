"""Answers about whole documents: a summary, a comparison, which files mention a thing, every
mention of it. Each is made of verbatim sentences of the files with their lines, like a fact
answer's quotes; a chat model may write a short summary on top of a summary's quotes, and only
its sentences those quotes back are shown as its words.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence

import numpy as np

from localrag.answering import compose, gather, kinds, lexical, rank, sentences, summary, verify
from localrag.answering.compose import Answer
from localrag.answering.gather import Sources
from localrag.answering.resolve import Named
from localrag.answering.sentences import CITATION_MARK, Sentence, one_line, split_text
from localrag.errors import LocalragError
from localrag.search.retrieve import Result
from localrag.store.scope import Scope, make_scope

_FILE_NAME = re.compile(r"\.[A-Za-z0-9]{1,5}$")
MAX_SCOPE_DOCS = 5  # a summary of a scope summarises each of at most this many documents
TOPIC_PASSAGES = 20  # passages a summary of a topic (or a list) draws its sentences from
MAX_FILES_SHOWN = 25  # files a "which files" answer lists in its text (its JSON has them all)
MAX_ITEMS = 30  # sentences a "list every" answer collects
MEANING_MIN = 0.5  # a file with no exact mention is listed when a passage is this close in meaning
LIST_CLOSE = 0.15  # a list holds the sentences this close to the best one in meaning
PAIR_MIN = 0.55  # two documents' sentences this close in meaning say the same thing
PROSE_TOKENS = 200
PROSE_SENTENCES = 3
PROSE_INSTRUCTIONS = (
    "Below are numbered quotes from one document. In two or three sentences of your own, say what the "
    "document is about and its main points, combining quotes that belong together. Use only what the quotes "
    "say. Do not copy the quotes one by one, do not number or cite."
)

# One worked exchange: small chat models copy a shown form far better than a described one.
# Written for this prompt, not taken from any evaluation set.
PROSE_EXAMPLE = (
    "[1] The library opens at 9 am on weekdays and at 10 am on Saturdays.\n"
    "[2] Members may borrow up to ten books for three weeks.\n"
    "[3] Late returns cost 20 cents a day per book.\n"
    "[4] The reading room on the second floor is reserved for quiet study.",
    "The library's rules: it opens at 9 am on weekdays and at 10 am on Saturdays, and its reading room "
    "on the second floor is for quiet study. Members borrow up to ten books for three weeks, and late "
    "returns cost 20 cents a day per book.",
)

_LIST_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*\u2022])\s+", re.M)


def _topic_sentences(src: Sources, topic: str, scope: Scope | None, words: int) -> list[Sentence]:
    """The best sentences about a topic, not repeating each other, within ``words``."""
    results = src.retrieve(topic, TOPIC_PASSAGES, scope)
    if not results:
        return []
    ranked = [summary.tidy(s) for s in rank.rank(topic, results, src.embed)]
    out: list[Sentence] = []
    seen: list[set[str]] = []
    total = 0
    top = ranked[0].relevance if ranked else 0.0
    for s in ranked:
        if s.relevance < top - 2 * rank.CLOSE or not s.answers_question:
            continue
        w = lexical.content(s.text)
        if any(len(w & o) / (len(w) or 1) > 0.6 for o in seen) or total + s.words > words:
            continue
        out.append(s)
        seen.append(w)
        total += s.words
    return out


def summarize(src: Sources, question: str, asked: kinds.Asked, named: Named, scope: Scope | None,
              words: int) -> Answer:
    ans = Answer(question)
    docs = named.docs
    if not docs:
        return compose.nothing(ans, kinds.SUMMARY, "Nothing is indexed there yet.")
    found = named.target
    if found.choices:
        return compose.choose(ans, f"Several files fit \u201c{asked.target}\u201d.", found.choices)
    paths = found.paths
    if not paths and _FILE_NAME.search(asked.target):  # "Summarize Normans.md" with no such file: say so
        near = difflib.get_close_matches(os.path.basename(asked.target).lower(),
                                         [os.path.basename(p).lower() for p, _ in docs], n=5, cutoff=0.5)
        close = [p for p, _ in docs if os.path.basename(p).lower() in near]
        if close:
            return compose.choose(ans, f"No indexed file is named {asked.target}; did you mean one of these?", close)
        return compose.nothing(ans, kinds.SUMMARY, f"No indexed file is named {asked.target}.")
    if not paths and not asked.topic and not found.named:  # "summarize this", "the key takeaways"
        if scope is not None or len(docs) == 1:
            paths = [p for p, _ in docs]  # "summarize this" with --in: the scope's documents
            if len(paths) > MAX_SCOPE_DOCS:
                return compose.choose(ans, f"The scope holds {len(paths)} files; a summary is of one, or of a few.",
                               paths[:10])
        else:
            return compose.choose(ans, "Which document should I summarize?", [p for p, _ in docs][:10])
    all_paths = [p for p, _ in docs]
    if paths:
        ans.documents = list(paths)
        each = max(summary.MIN_WORDS, words // len(paths))
        sents = [s for p in paths for s in gather.document_sentences(src, p, each)]
        if not sents:
            return compose.nothing(ans, kinds.SUMMARY, "Those files hold no text to summarize.")
        what = ", ".join(compose.name(p, all_paths) for p in paths)
        head = f"Summary of {what}, in its own words ({len(sents)} quotes):"
    else:  # a topic: "summarize what my notes say about the budget", "give an overview of solar power"
        topic = asked.topic or asked.target
        sents = _topic_sentences(src, topic, scope, words)
        if not sents:
            return compose.nothing(ans, kinds.SUMMARY, f"I found nothing about \u201c{topic}\u201d to summarize in your files.")
        order = {p: i for i, p in enumerate(dict.fromkeys(s.result.path for s in sents))}
        sents.sort(key=lambda s: (order[s.result.path], s.result.chunk_id, s.start))
        ans.documents = list(order)
        head = f"What your files say about \u201c{topic}\u201d ({len(sents)} quotes):"
    body = compose.outline(ans, sents, all_paths, by_file=len(ans.documents) > 1)
    prose = _prose(src, ans, sents)
    ans.text = (f"{prose}\n\n" if prose else "") + f"{head}\n\n{body}"
    ans.supported = True  # every quote is verbatim; the prose shown is what they back
    return compose.finish(ans, kinds.SUMMARY, "summary")


def _prose(src: Sources, ans: Answer, sents: Sequence[Sentence]) -> str:
    """A chat model's short summary of the quotes, its sentences checked against them: the
    backed ones with their quote numbers, the others kept aside as unsupported."""
    if src.chat_gen is None or len(sents) < 2:
        return ""
    gen = src.chat_gen()
    if gen is None:
        return ""  # a base model cannot be asked for a summary; the quotes are the summary
    number = {id(q.sentence): q.n for q in ans.evidence}
    quotes = "\n".join(f"[{i}] {one_line(s.text)}" for i, s in enumerate(sents, 1))
    msgs = [{"role": "user", "content": f"{PROSE_INSTRUCTIONS}\n\nQuotes:\n{PROSE_EXAMPLE[0]}"},
            {"role": "assistant", "content": PROSE_EXAMPLE[1]},
            {"role": "user", "content": f"{PROSE_INSTRUCTIONS}\n\nQuotes:\n{quotes}"}]
    try:
        raw = "".join(gen.stream_chat(msgs, PROSE_TOKENS, 0.0, src.cancel))  # type: ignore[attr-defined]
    except LocalragError as e:
        ans.error = str(e)
        return ""
    if src.cancel is not None and src.cancel.is_set():
        ans.stopped = True
        return ""
    kept: list[str] = []
    texts = [s.text for s in sents]
    for sentence in split_text(_LIST_NUMBER.sub("", CITATION_MARK.sub("", raw))):
        if len(kept) >= PROSE_SENTENCES:
            break
        if any(verify.copies(sentence, t) for t in texts):
            continue  # a quote copied out says nothing the quotes below do not
        backing = verify.backed_by(sentence, texts)
        if backing:
            kept.append(f"{sentence} [{', '.join(str(number[id(sents[i])]) for i in backing)}]")
        else:
            ans.unsupported.append(sentence)
    return " ".join(kept)

WORD_CHUNKS = 20  # matched chunks of a file read for a sentence that holds the word itself
QUOTED_FILES = 200  # files (those with most matches) read for their quote and the word's own form


def which_files(src: Sources, question: str, asked: kinds.Asked, named: Named, scope: Scope | None) -> Answer:
    ans = Answer(question)
    all_paths = named.paths
    exprs = gather.phrases(src.store, asked.topic)
    if not exprs:
        return compose.nothing(ans, kinds.WHICH_FILES, f"\u201c{asked.topic}\u201d has no words to look for.")
    hits: dict[str, list[int]] = {}
    for _, expr in exprs:  # every chunk of the scope the keyword index matches: no top k
        for cid, path in src.store.chunks.matching(expr, scope):
            hits.setdefault(path, []).append(cid)
    read = gather.reader(src.store)
    found: list[tuple[str, Sentence | None, int, str]] = []  # (path, its quote, passages, how found)
    for k, (path, ids) in enumerate(sorted(hits.items(), key=lambda kv: (-len(set(kv[1])), kv[0]))):
        ids = sorted(set(ids))
        if k >= QUOTED_FILES:  # a word in thousands of files: the rest are listed by their keyword match
            found.append((path, None, len(ids), "words"))
            continue
        best, fallback = None, None
        for r in read(ids[:WORD_CHUNKS]):
            for sent in sentences.split([r]):
                if any(gather.mentions(sent.text, a, src.store.keywords.stems) for a, _ in exprs):
                    best = summary.tidy(sent)
                    break
                fallback = fallback or summary.tidy(sent)
            if best is not None:
                break
        found.append((path, best or fallback, len(ids), "words" if best is not None else "word_form"))
    # by meaning: files with a passage close to the topic that never name it
    near: dict[str, Result] = {}
    for r in src.retrieve(asked.topic, 50, scope):
        if r.path not in hits and r.similarity is not None and r.similarity >= MEANING_MIN and r.path not in near:
            near[r.path] = r
    if near:
        ranked = rank.rank(asked.topic, list(near.values()), src.embed)
        for path in near:
            found.append((path, next((summary.tidy(s) for s in ranked if s.result.path == path), None), 1, "meaning"))
    if not found:
        return compose.nothing(ans, kinds.WHICH_FILES, f"No file mentions \u201c{asked.topic}\u201d.")
    order = {"words": 0, "word_form": 1, "meaning": 2}
    found.sort(key=lambda f: order[f[3]])  # stable: most passages first within each group
    number = compose.number_quotes(ans, [s for _, s, _, _ in found if s is not None])
    n_words = sum(f[3] == "words" for f in found)
    heads = {"words": f"{n_words} file{'s mention' if n_words != 1 else ' mentions'} \u201c{asked.topic}\u201d:",
             "word_form": "Another form of the word only:", "meaning": "Related in meaning (no mention of it):"}
    lines: list[str] = [] if n_words else [f"No file names \u201c{asked.topic}\u201d itself."]
    last = None
    for k, (path, q, count, how) in enumerate(found):
        ans.files.append({"path": path, "passages": count, "found_by": how,
                          "quote": number[id(q)] if q is not None else None})
        if how != last:
            lines += ([""] if lines else []) + [heads[how]]
            last = how
        if k >= MAX_FILES_SHOWN:
            continue
        said = f"{count} passage{'s' if count != 1 else ''}" if how != "meaning" else "related"
        quote = f": \u201c{one_line(q.text)}\u201d [{number[id(q)]}]" if q is not None else ""
        lines.append(f"- {compose.name(path, all_paths)} ({said}){quote}")
    if len(found) > MAX_FILES_SHOWN:
        lines.append(f"- \u2026 and {len(found) - MAX_FILES_SHOWN} more (--json lists them all)")
    ans.documents = [f[0] for f in found if f[3] == "words"]
    ans.text = "\n".join(lines)
    ans.supported = bool(n_words)
    return compose.finish(ans, kinds.WHICH_FILES, "files")


def list_every(src: Sources, question: str, asked: kinds.Asked, named: Named, scope: Scope | None) -> Answer:
    ans = Answer(question)
    all_paths = named.paths
    if asked.target:
        found = named.target
        if found.choices:
            return compose.choose(ans, f"Several files fit \u201c{asked.target}\u201d.", found.choices)
        if found.paths:
            folders = [p for _, p in src.store.documents.folders()]
            scope = make_scope(found.paths, (), folders)
            ans.documents = list(found.paths)
    topic = asked.topic
    items: list[Sentence] = []
    read = gather.reader(src.store)
    for alt, expr in gather.phrases(src.store, topic):  # every sentence that names it
        for r in read([cid for cid, _ in src.store.chunks.matching(expr, scope, limit=MAX_ITEMS * 4)]):
            items += [summary.tidy(s) for s in sentences.split([r]) if gather.mentions(s.text, alt, src.store.keywords.stems)]
    results = src.retrieve(topic, TOPIC_PASSAGES, scope)  # and those that mean it ("due on 3 May" for deadlines)
    if results:
        ranked = rank.rank(topic, results, src.embed)
        kind = topic_kind(topic)
        if kind:  # "every deadline": the sentences holding a time, however close in meaning
            ranked = [s for s in ranked if rank.holds_kind(s.text, kind, set())]
        top = ranked[0].relevance if ranked else 0.0
        items += [summary.tidy(s) for s in ranked if s.relevance >= top - (KIND_CLOSE if kind else LIST_CLOSE)]
    seen: set[tuple[int, int]] = set()
    unique = []
    for s in items:
        key = (s.result.chunk_id, s.start)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    if not unique:
        return compose.nothing(ans, kinds.LIST, f"I found no mention of \u201c{topic}\u201d in your files.")
    unique = unique[:MAX_ITEMS]
    order = {p: i for i, p in enumerate(all_paths)}
    unique.sort(key=lambda s: (order.get(s.result.path, 0), s.result.path, s.result.chunk_id, s.start))
    ans.documents = ans.documents or list(dict.fromkeys(s.result.path for s in unique))
    head = f"{len(unique)} passage{'s' if len(unique) != 1 else ''} on \u201c{topic}\u201d:"
    ans.text = head + "\n\n" + compose.outline(ans, unique, all_paths, by_file=True)
    ans.supported = True
    return compose.finish(ans, kinds.LIST, "list")

_TOPIC_KINDS = {"time": "deadline deadlines date dates due day days time times when schedule schedules appointment "
                        "appointments meeting meetings event events milestone milestones year years",
                "number": "number numbers figure figures price prices cost costs amount amounts total totals fee fees "
                          "limit limits rate rates sum sums quantity quantities value values",
                "name": "person people persons name names who attendee attendees owner owners author authors "
                        "contact contacts"}

_TOPIC_KIND = {w: k for k, ws in _TOPIC_KINDS.items() for w in ws.split()}
KIND_CLOSE = 0.4  # a list of a kind ("every date") reaches further: the kind says what belongs


def topic_kind(topic: str) -> str | None:
    """The kind of thing a list asks for, where its last word says so: "deadlines" are times,
    "costs" numbers, "people" names."""
    words = re.findall(r"[a-z]+", topic.lower())
    return _TOPIC_KIND.get(words[-1]) if words else None


def compare(src: Sources, question: str, asked: kinds.Asked, named: Named, scope: Scope | None, words: int) -> Answer:
    ans = Answer(question)
    all_paths = named.paths
    a, b = named.target, named.other
    for side, r in ((asked.target, a), (asked.other, b)):
        if r.choices:
            return compose.choose(ans, f"Several files fit \u201c{side}\u201d.", r.choices)
    if a.paths and b.paths and a.paths != b.paths:  # two documents, side by side
        left = gather.document_sentences(src, a.paths[0], max(summary.MIN_WORDS, words // 2))
        right = gather.document_sentences(src, b.paths[0], max(summary.MIN_WORDS, words // 2))
        labels = (compose.name(a.paths[0], all_paths), compose.name(b.paths[0], all_paths))
        ans.documents = [a.paths[0], b.paths[0]]
    else:  # two topics: what the files say of each
        left = _topic_sentences(src, asked.target, scope, words // 2)[:3]
        right = _topic_sentences(src, asked.other, scope, words // 2)[:3]
        labels = (asked.target, asked.other)
        ans.documents = list(dict.fromkeys(s.result.path for s in left + right))
    if not left and not right:
        return compose.nothing(ans, kinds.COMPARE, "I found nothing on either side to compare in your files.")
    pairs = _pairs(src, left, right)
    both = [(x, y) for x, y in pairs if x is not None and y is not None]
    shown = [s for p in both for s in p] + [p[0] for p in pairs if p[1] is None] + [p[1] for p in pairs if p[0] is None]
    number = compose.number_quotes(ans, [s for s in shown if s is not None])

    def quote(x: Sentence) -> str:
        return f"\u201c{one_line(x.text)}\u201d [{number[id(x)]}]"

    lines = [f"{labels[0]} and {labels[1]}, side by side:"]
    if both:
        lines += ["", "Where they say something alike:"]
        lines += [f"- {labels[0]}: {quote(x)}\n  {labels[1]}: {quote(y)}" for x, y in both]
    for k, label in ((0, labels[0]), (1, labels[1])):
        alone = [p[k] for p in pairs if p[1 - k] is None and p[k] is not None]
        if alone:
            lines += ["", f"Only {label}:" if both else f"{label}:"]
            lines += [f"- {quote(x)}" for x in alone if x is not None]
    for x, y in pairs:
        ans.pairs.append([number[id(x)] if x else None, number[id(y)] if y else None])
    ans.text = "\n".join(lines)
    ans.supported = True
    return compose.finish(ans, kinds.COMPARE, "comparison")


def _pairs(src: Sources, left: Sequence[Sentence], right: Sequence[Sentence]) -> list[tuple[Sentence | None, Sentence | None]]:
    """Each sentence of one side with the closest of the other (when close enough), greedily
    by closeness; the rest stand alone, in their documents' order."""
    if not left or not right:
        return [(s, None) for s in left] + [(None, s) for s in right]
    vecs = src.embed([s.text for s in left] + [s.text for s in right])
    sims = vecs[: len(left)] @ vecs[len(left):].T
    used_l: set[int] = set()
    used_r: set[int] = set()
    out: list[tuple[int | None, int | None]] = []
    for flat in np.argsort(-sims, axis=None):
        i, j = divmod(int(flat), len(right))
        if sims[i, j] < PAIR_MIN:
            break
        if i not in used_l and j not in used_r:
            used_l.add(i)
            used_r.add(j)
            out.append((i, j))
    out += [(i, None) for i in range(len(left)) if i not in used_l]
    out += [(None, j) for j in range(len(right)) if j not in used_r]
    out.sort(key=lambda p: (p[0] if p[0] is not None else len(left) + (p[1] or 0)))
    return [(left[i] if i is not None else None, right[j] if j is not None else None) for i, j in out]


def answer(src: Sources, question: str, asked: kinds.Asked, named: Named, scope: Scope | None, words: int) -> Answer:
    """The answer to a question about whole documents, of the kind ``asked`` says, about the
    documents ``named`` (``words``: a summary's budget)."""
    if asked.kind == kinds.SUMMARY:
        return summarize(src, question, asked, named, scope, words)
    if asked.kind == kinds.WHICH_FILES:
        return which_files(src, question, asked, named, scope)
    if asked.kind == kinds.LIST:
        return list_every(src, question, asked, named, scope)
    if asked.kind == kinds.COMPARE:
        return compare(src, question, asked, named, scope, words)
    raise ValueError(f"not a question about documents: {asked.kind}")
