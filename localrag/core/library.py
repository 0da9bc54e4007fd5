"""``rag.library``: what a person asks of the indexed files: search, ask, summarize, and the
passages answers cite."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from localrag.config import BOUNDS, MAX_K, Settings
from localrag.core.index import Index
from localrag.core.models import Models
from localrag.core.runtime import Runtime
from localrag.core.tuning import Tuning
from localrag.errors import LocalragError
from localrag.search.adapter import Adapter
from localrag.search.levers import Levers
from localrag.search.retrieve import Result, search
from localrag.store.scope import Scope, make_scope

if TYPE_CHECKING:  # imported where used: a one-shot search never loads them
    from localrag.answering.compose import Answer
    from localrag.answering.gather import Sources
    from localrag.answering.pipeline import Options
    from localrag.answering.preview import PassageContext


class Library:
    def __init__(self, rt: Runtime, models: Models, tuning: Tuning, index: Index):
        self._rt = rt
        self._models = models
        self._tuning = tuning
        self._index = index

    def scope(self, paths: Sequence[str] = (), types: Sequence[str] = ()) -> Scope | None:
        """A checked scope for search and ask (None: everything). A scope nothing indexed
        matches is said at once, not answered with "nothing found"."""
        if not paths and not types:
            return None
        sc = make_scope(paths, types, self._index.folders())
        if sc and not self._rt.store.chunks.scope_has_chunks(sc):
            raise LocalragError(f"nothing indexed matches the scope ({sc.describe()})")
        return sc

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               adapter: Adapter | bool = True, scope: Scope | None = None,
               levers: Levers | bool = True) -> list[Result]:
        """``adapter`` and ``levers``: True for what `tune` adopted, False for the baseline, or
        a candidate of `tune`'s own."""
        s = self._rt.settings
        mode = mode or s.search_mode
        if mode not in ("hybrid", "vector", "keyword"):
            raise LocalragError(f"unknown search mode {mode!r}: use hybrid, vector or keyword")
        if adapter is True or levers is True:  # what `tune` adopted: its row read once per search
            tuned_adapter, tuned_levers = self._tuning.adopted()
            adapter = (tuned_adapter or False) if adapter is True else adapter
            levers = tuned_levers if levers is True else levers
        qv = (lambda text: self._tuning.query_vector(text, adapter)) if mode != "keyword" else _no_vector
        lv = levers or None
        return search(self._rt.store, qv, query, checked_k(k) or s.top_k, mode, scope=scope, levers=lv)

    def ask(self, question: str, k: int | None = None, on_text: Callable[[str], None] | None = None,
            history: Sequence[tuple[str, str]] = (), cancel: threading.Event | None = None,
            mode: str | None = None, scope: Scope | None = None, words: int | None = None) -> Answer:
        """A fact question gets a short answer on its quotes; a question about whole documents
        (summarize X, compare A and B, which files mention Y, list every Z) gets quotes chosen
        across them (``words``: a summary's budget, default ``summary_words``)."""
        if not question.strip():
            raise LocalragError("the question is empty")
        if not self._index.folders():  # said at once, before any model is loaded
            raise LocalragError("nothing is indexed yet: add a folder with `localrag add PATH`")
        self._models.check_answer_model()
        from localrag.answering.pipeline import ask

        s = self._rt.settings
        ans = ask(self._sources(mode, cancel), question, self._options(history), checked_k(k), scope,
                  checked_words(words, s), on_text)
        ans.partial = self.partial_note(mode)
        return ans

    def summarize(self, paths: Sequence[str] = (), query: str = "", words: int | None = None,
                  types: Sequence[str] = (), cancel: threading.Event | None = None) -> Answer:
        """A summary of the files at ``paths`` (each file, or the files under a folder), or of
        what the files say about ``query``: the MCP server's and `localrag summarize`'s call."""
        from localrag.answering import pipeline

        if not self._index.folders():
            raise LocalragError("nothing is indexed yet: add a folder with `localrag add PATH`")
        if not paths and not query.strip():
            raise LocalragError("name the files to summarize, or a topic")
        scope = self.scope(paths, types)
        question = f"Summarize {', '.join(paths) if paths else query}"
        ans = pipeline.summarize(self._sources(None, cancel), question, query.strip(), scope,
                                 checked_words(words, self._rt.settings))
        ans.partial = self.partial_note()
        return ans

    def partial_note(self, mode: str | None = None) -> str | None:
        """While vectors are still being made, say that search by meaning saw part of the index."""
        return None if (mode or self._rt.settings.search_mode) == "keyword" else self._rt.store.vectors.partial_note()

    def passage_context(self, r: Result, around: int | None = None) -> PassageContext:
        """A cited passage with the lines around it, read as its format's parser reads it."""
        from localrag.answering.preview import CONTEXT_LINES, passage_context

        return passage_context(r, CONTEXT_LINES if around is None else around)

    def passage(self, chunk_id: int, start_line: int | None = None, end_line: int | None = None) -> Result:
        """An indexed passage by its id (narrowed to some of its lines, as a quote is). Only what
        is in the index can be read this way, never an arbitrary file."""
        row = self._rt.store.chunks.chunks_by_ids([chunk_id]).get(chunk_id)
        if row is None:
            raise LocalragError(f"no passage {chunk_id} in the index (it may have changed since: search again)")
        lo, hi = row.start_line, row.end_line
        if start_line is not None and lo is not None and hi is not None:
            end = end_line if end_line is not None else start_line
            if not lo <= start_line <= end <= hi:
                raise LocalragError(f"lines {start_line}-{end} are not in passage {chunk_id} (lines {lo}-{hi})")
            lo, hi = start_line, end
        return Result(row.id, row.path, 0.0, row.text, row.heading, row.page, lo, hi)

    def _sources(self, mode: str | None = None, cancel: threading.Event | None = None) -> Sources:
        """What answers read: the index, this part's search (tuned as adopted), the models."""
        from localrag.answering.gather import Sources

        models = self._models
        return Sources(self._rt.store, lambda text, k, scope: self.search(text, k, mode, scope=scope),
                       models.embed_sentences, lambda: models.generator, models.chat_generator, models.verifier, cancel,
                       models.load_generator_ahead)

    def _options(self, history: Sequence[tuple[str, str]] = ()) -> Options:
        from localrag.answering.pipeline import Options

        s = self._rt.settings
        return Options(s.max_answer_tokens, s.temperature, s.min_score, s.min_evidence, s.top_k, history)


def checked_k(k: int | None) -> int | None:
    """A number of passages asked for (``-k``, an MCP call): bounded, as the settings' top_k is."""
    if k is not None and not (isinstance(k, int) and 1 <= k <= MAX_K):
        raise LocalragError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
    return k


def checked_words(words: int | None, settings: Settings) -> int:
    """A summary's word budget (``--words``, an MCP call), bounded as the setting is."""
    if words is None:
        return settings.summary_words
    lo, hi = BOUNDS["summary_words"]
    if not (isinstance(words, int) and not isinstance(words, bool) and lo <= words <= hi):
        raise LocalragError(f"words must be a whole number from {int(lo)} to {int(hi)}, not {words!r}")
    return words


def _no_vector(_: str) -> np.ndarray:  # keyword mode never embeds the query
    raise AssertionError("keyword search asked for a vector")
