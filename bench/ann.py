"""Recall@10 of the two-step vector search (1-bit codes, then exact cosine of the best RESCORE)
against exact search, on real embeddings: an index built by `localrag eval --trec DIR --index-dir X`.

    .venv/bin/python bench/ann.py /tmp/vaswani-idx [--trec ../shared/datasets/vaswani]

Queries: the collection's topics (if --trec is given) and 300 of the index's own passages.
Prints recall through the store (in-memory codes and sqlite-vec codes) and, by subsampling the
same vectors, how recall at a fixed RESCORE moves with the index size, to judge larger indexes.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np

from localrag.config import Paths, Settings
from localrag.core import Localrag
from localrag.evaluation.trec import find_trec
from localrag.store.vectors import RESCORE, code_words, hamming, nearest, pack_bits


def exact_chunks(st, ids: np.ndarray, mat: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    top = np.argsort(-(mat @ q), kind="stable")[:k]
    out: list[int] = []
    for i in top:
        out += sorted(int(r[0]) for r in st.db.execute(
            "SELECT c.id FROM chunks c JOIN embeddings e ON e.hash = c.hash WHERE e.id = ?", (int(ids[i]),)))
    return out[:k]


def recall_subsampled(mat: np.ndarray, queries: np.ndarray, n: int, rescore: int, rng: np.random.Generator,
                      k: int = 10) -> float:
    sub = mat[rng.choice(len(mat), n, replace=False)]
    codes = code_words(pack_bits(sub))
    got = []
    for q in queries:
        exact = set(np.argsort(-(sub @ q))[:k].tolist())
        d = hamming(codes, pack_bits(q))
        cand = nearest(d, rescore)  # as the store picks them
        approx = set(cand[np.argsort(-(sub[cand] @ q))[:k]].tolist())
        got.append(len(exact & approx) / k)
    return float(np.mean(got))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("index_dir")
    ap.add_argument("--trec", help="the collection, for its topics as queries")
    args = ap.parse_args()
    home = Path(args.index_dir) / "home"
    app = Localrag(Paths(home, home), Settings())
    st = app.store
    ids, mat = st.vectors.all_vectors()
    rng = np.random.default_rng(0)
    queries = [mat[i] for i in rng.choice(len(mat), 300, replace=False)]
    labels = ["passages"] * len(queries)
    if args.trec:
        topics = [q.text for q in find_trec(args.trec).queries()]
        queries += list(app.models.embedder.embed(topics))
        labels += ["topics"] * len(topics)
    print(f"{len(ids)} real vectors of {mat.shape[1]} dimensions; RESCORE={RESCORE}")
    for cached in (True, False):
        st.vectors.cache = cached
        by: dict[str, list[float]] = {}
        for q, label in zip(queries, labels):
            exact = exact_chunks(st, ids, mat, q, 10)
            approx = [c for c, _ in st.vectors.vector_search(q, 10)]
            by.setdefault(label, []).append(len(set(exact) & set(approx)) / max(1, len(exact)))
        where = "in-memory codes" if cached else "sqlite-vec codes"
        print(f"  recall@10 vs exact, {where}: " + ", ".join(
            f"{label} {statistics.mean(v):.3f} ({len(v)})" for label, v in by.items()))
    q_arr = np.array(queries[:300])
    print("  subsampled (passages as queries), recall@10 at a fixed re-scoring depth:")
    for rescore in (100, 200, RESCORE):
        cells = [f"{n:>6}: {recall_subsampled(mat, q_arr[:150], n, rescore, rng):.3f}"
                 for n in (1000, 3000, len(mat)) if n <= len(mat)]
        print(f"    RESCORE {rescore:>4}  " + "  ".join(cells))
    app.close()


if __name__ == "__main__":
    main()
