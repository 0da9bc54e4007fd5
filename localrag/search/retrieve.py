"""Find the passages for a query: sqlite-vec nearest neighbours, FTS5 BM25, or both fused by
reciprocal rank fusion (the default)."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from localrag.search.levers import RRF_K, Levers, expansion_terms
from localrag.search.stopwords import STOPWORDS
from localrag.store import Store
from localrag.store.scope import Scope

CANDIDATES = 100  # per retriever, before fusion

QueryVector = Callable[[str], np.ndarray]


PAGE_WORDS = {".pptx": "slide", ".epub": "chapter", ".xlsx": "sheet", ".xlsm": "sheet", ".ods": "sheet",
              ".mbox": "message"}


def page_word(path: str) -> str:
    """What a citation calls a document's numbered parts: a PDF's pages, a deck's slides, a
    workbook's sheets, a book's chapters, a mailbox's messages."""
    return PAGE_WORDS.get(Path(path).suffix.lower(), "page")


@dataclass
class Result:
    chunk_id: int
    path: str
    score: float
    text: str
    heading: str
    page: int | None
    start_line: int | None
    end_line: int | None
    similarity: float | None = None  # cosine to the query, when the vector side saw this chunk

    def location(self) -> str:
        """``path:page N`` for paged documents, ``path:start-end`` for lines."""
        if self.page is not None:
            return f"{self.path}:{page_word(self.path)} {self.page}"
        if self.start_line is not None:
            end = self.end_line if self.end_line is not None else self.start_line
            return f"{self.path}:{self.start_line}-{end}"
        return self.path

    def precise_location(self) -> str:
        """As ``location``, with the lines on the page too: ``path:page 2, lines 5-6``."""
        if self.page is not None and self.start_line is not None:
            return f"{self.location()}, lines {self.start_line}-{self.end_line}"
        return self.location()

    def to_json(self) -> dict:
        return {"path": self.path, "score": round(self.score, 6), "text": self.text, "page": self.page,
                "start_line": self.start_line, "end_line": self.end_line, "heading": self.heading,
                "chunk_id": self.chunk_id}


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="localrag-search")
    return _POOL


def fts_terms(text: str) -> list[str]:
    """The words of free text a keyword search looks for: lowercase, no stopwords (unless
    there is nothing else), each once, at most 64. The store quotes each, so user text never
    reaches FTS5 as syntax."""
    words = re.findall(r"\w+", text.lower())
    content = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(content))[:64]


def rrf(rankings: list[list[int]], weights: list[float], k: int = RRF_K) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + w / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def search(store: Store, query_vector: QueryVector, query: str, k: int = 5, mode: str = "hybrid",
           candidates: int = CANDIDATES, scope: Scope | None = None, levers: Levers | None = None) -> list[Result]:
    """Top-k passages (from ``scope`` only, if given). ``levers`` set the fusion and feedback
    (what `tune` adopted); today's defaults if None."""
    query = query.strip()
    if not query:
        return []
    lv = levers or Levers()
    depth = max(k, candidates)
    vec: list[tuple[int, float]] = []
    kw: list[tuple[int, float]] = []
    qv: np.ndarray | None = None

    def vector_side() -> list[tuple[int, float]]:
        nonlocal qv
        qv = query_vector(query)
        return store.vectors.vector_search(qv, depth, scope)

    if mode == "hybrid":
        # both sides release the GIL (numpy/onnxruntime, SQLite), so they overlap on two cores
        pending = _pool().submit(vector_side)
        kw = store.keywords.keyword_search(fts_terms(query), depth, scope, _pool())
        vec = pending.result()
    elif mode == "vector":
        vec = vector_side()
    else:
        kw = store.keywords.keyword_search(fts_terms(query), depth, scope, _pool())
    if lv.rocchio_passages and vec and qv is not None:
        vec = _rocchio(store, qv, vec, lv, depth, scope)
    sims = dict(vec)
    if mode == "vector":
        ranked = vec
    elif mode == "keyword":
        ranked = kw
    else:
        ranked = rrf([[c for c, _ in vec], [c for c, _ in kw]], [lv.vector_weight, 1.0], lv.rrf_k)
    if lv.expand_passages and mode != "vector" and ranked:
        ranked = _expand(store, query, ranked, vec, kw, lv, mode, depth, scope)
    ranked = ranked[:k]
    rows = store.chunks.chunks_by_ids([c for c, _ in ranked])
    out: list[Result] = []
    for cid, score in ranked:
        r = rows.get(cid)
        if r is None:
            continue
        out.append(Result(cid, r.path, score, r.text, r.heading, r.page, r.start_line, r.end_line, sims.get(cid)))
    return out


def _rocchio(store: Store, qv: np.ndarray, vec: list[tuple[int, float]], lv: Levers, depth: int,
             scope: Scope | None) -> list[tuple[int, float]]:
    """The vector side again, from the query moved toward its best passages."""
    top = store.vectors.chunk_vectors([c for c, _ in vec[: lv.rocchio_passages]])
    if not top:
        return vec
    q2 = qv + lv.rocchio_beta * np.mean(list(top.values()), axis=0)
    q2 = (q2 / (np.linalg.norm(q2) or 1.0)).astype(np.float32)
    return store.vectors.vector_search(q2, depth, scope)


_STOP_STEMS: frozenset[str] | None = None


def _expand(store: Store, query: str, ranked: list[tuple[int, float]], vec: list[tuple[int, float]],
            kw: list[tuple[int, float]], lv: Levers, mode: str, depth: int,
            scope: Scope | None) -> list[tuple[int, float]]:
    """Keyword feedback: the best passages' weightiest words, searched and fused as a third ranking."""
    best = [c for c, _ in ranked[: lv.expand_passages]]
    rows = store.chunks.chunks_by_ids(best)
    stems = [store.keywords.stems(rows[c].text) for c in best if c in rows]
    df, n = store.keywords.document_frequencies({w for ws in stems for w in ws})
    global _STOP_STEMS
    if _STOP_STEMS is None:  # the same tokenizer everywhere: worked out once
        _STOP_STEMS = frozenset(store.keywords.stems(" ".join(sorted(STOPWORDS))))
    terms = expansion_terms(stems, set(store.keywords.stems(query)), df, n, lv.expand_terms, _STOP_STEMS)
    if not terms:
        return ranked
    more = store.keywords.keyword_search(terms, depth, scope)
    lists = [[c for c, _ in kw], [c for c, _ in more]]
    weights = [1.0, lv.expand_weight]
    if mode == "hybrid":
        lists.insert(0, [c for c, _ in vec])
        weights.insert(0, lv.vector_weight)
    return rrf(lists, weights, lv.rrf_k)
