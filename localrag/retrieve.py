"""Find the passages for a query: sqlite-vec nearest neighbours, FTS5 BM25, or both fused by
reciprocal rank fusion (the default)."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .scope import Scope
from .store import Store

RRF_K = 60
CANDIDATES = 100  # per retriever, before fusion
STOPWORDS = frozenset(
    "a an and are as at be but by can could did do does for from had has have how i if in into is it its "
    "me my no not of on or our she he so such than that the their them then there these they this those "
    "to was we were what when where which who whom why will with would you your".split()
)

QueryVector = Callable[[str], np.ndarray]


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
            return f"{self.path}:page {self.page}"
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


def fts_query(text: str) -> str:
    """Free text to an FTS5 OR-query of quoted terms: user text never reaches FTS5 as syntax."""
    words = re.findall(r"\w+", text.lower())
    content = [w for w in words if w not in STOPWORDS] or words
    seen: list[str] = []
    for w in content:
        if w not in seen:
            seen.append(w)
    return " OR ".join(f'"{w}"' for w in seen[:64])


def rrf(rankings: list[list[int]], weights: list[float], k: int = RRF_K) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + w / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def search(store: Store, query_vector: QueryVector, query: str, k: int = 5, mode: str = "hybrid",
           candidates: int = CANDIDATES, weights: tuple[float, float] = (1.0, 1.0),
           scope: Scope | None = None) -> list[Result]:
    """Top-k passages (from ``scope`` only, if given). ``weights`` are (vector, keyword) for the fusion."""
    query = query.strip()
    if not query:
        return []
    depth = max(k, candidates)
    vec: list[tuple[int, float]] = []
    kw: list[tuple[int, float]] = []
    if mode == "hybrid":
        # both sides release the GIL (numpy/onnxruntime, SQLite), so they overlap on two cores
        pending = _pool().submit(lambda: store.vector_search(query_vector(query), depth, scope))
        kw = store.keyword_search(fts_query(query), depth, scope)
        vec = pending.result()
    elif mode == "vector":
        vec = store.vector_search(query_vector(query), depth, scope)
    else:
        kw = store.keyword_search(fts_query(query), depth, scope)
    sims = dict(vec)
    if mode == "vector":
        ranked = vec
    elif mode == "keyword":
        ranked = kw
    else:
        ranked = rrf([[c for c, _ in vec], [c for c, _ in kw]], list(weights))
    ranked = ranked[:k]
    rows = store.chunks_by_ids([c for c, _ in ranked])
    out: list[Result] = []
    for cid, score in ranked:
        r = rows.get(cid)
        if r is None:
            continue
        out.append(Result(cid, r.path, score, r.text, r.heading, r.page, r.start_line, r.end_line, sims.get(cid)))
    return out
