"""The cheap retrieval levers of issue 14 on a TREC collection, measured before any is built in:
fusion weights and constants, score fusion, and pseudo-relevance feedback on the query vector.

    .venv/bin/python bench/fusion.py ../shared/datasets/vaswani /tmp/vaswani-idx [--seed 0]

The index is the one `localrag eval --trec DIR --index-dir IDX` keeps. Each query's top 200 of
both retrievers are fetched once; every lever is then scored on them. A lever is chosen on the
training queries only and reported on the held-out ones (the split `tune` uses).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path

import numpy as np

from localrag.config import Paths, Settings
from localrag.core import Localrag
from localrag.evaluation.metrics import mrr, ndcg, recall
from localrag.evaluation.trec import find_trec
from localrag.search.adapter import split_by_query
from localrag.search.retrieve import fts_terms, rrf

DEPTH = 200


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("collection")
    ap.add_argument("index_dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--held-out", type=float, default=0.3)
    args = ap.parse_args()
    queries = [q for q in find_trec(args.collection).queries() if q.relevant]
    home = Path(args.index_dir) / "home"
    app = Localrag(Paths(home, home), Settings())
    app.resident.keep_vectors_in_memory()
    st = app.store
    ids, mat = st.vectors.all_vectors()
    row_of = {int(e): i for i, e in enumerate(ids)}
    doc_of: dict[int, str] = {}
    vec_row: dict[int, int] = {}
    for cid, path, eid in st.db.execute("SELECT c.id, d.path, e.id FROM chunks c JOIN documents d ON d.id = c.doc_id "
                                        "JOIN embeddings e ON e.hash = c.hash"):
        doc_of[int(cid)] = Path(str(path)).stem
        vec_row[int(cid)] = row_of[int(eid)]

    t = time.perf_counter()
    runs = {}
    for q in queries:
        qv = app.tuning.query_vector(q.text, adapter=False)
        runs[q.qid] = (qv, st.vectors.vector_search(qv, DEPTH), st.keywords.keyword_search(fts_terms(q.text), DEPTH))
    print(f"{len(queries)} queries fetched in {time.perf_counter() - t:.1f}s")

    def score(ranked: list[int], q) -> tuple[float, float, float]:
        seen, docs = set(), []
        for c in ranked:
            d = doc_of.get(c)
            if d and d not in seen:
                seen.add(d)
                docs.append(d)
        gains = [float(q.relevant.get(d, 0)) for d in docs]
        judged = [float(g) for g in q.relevant.values()]
        return ndcg(gains, judged, 10), recall(gains, sum(1 for g in judged if g > 0), 10), mrr(gains, 10)

    def rank(lever: dict, qid: str) -> list[int]:
        qv, vec, kw = runs[qid]
        if lever.get("prf"):
            m, beta = lever["prf"]
            top = [vec_row[c] for c, _ in vec[:m] if c in vec_row]
            q2 = qv + beta * mat[top].mean(axis=0)
            q2 /= np.linalg.norm(q2)
            sims = mat @ q2
            order = np.argsort(-sims)[:DEPTH]
            by_row: dict[int, list[int]] = {}
            for c, r in vec_row.items():
                by_row.setdefault(r, []).append(c)
            vec = [(c, float(sims[r])) for r in order for c in by_row.get(int(r), [])]
        kind = lever["fusion"]
        if kind == "vector":
            return [c for c, _ in vec]
        if kind == "keyword":
            return [c for c, _ in kw]
        if kind == "rrf":
            return [c for c, _ in rrf([[c for c, _ in vec], [c for c, _ in kw]], [lever["w"], 1.0], lever["k"])]
        a = lever["alpha"]  # convex combination of min-max normalised scores

        def norm(xs: list[tuple[int, float]]) -> dict[int, float]:
            if not xs:
                return {}
            lo, hi = min(s for _, s in xs), max(s for _, s in xs)
            return {c: (s - lo) / (hi - lo) if hi > lo else 1.0 for c, s in xs}
        nv, nk = norm(vec), norm(kw)
        return sorted(set(nv) | set(nk), key=lambda c: -(a * nv.get(c, 0.0) + (1 - a) * nk.get(c, 0.0)))

    levers: list[dict] = [{"fusion": "vector"}, {"fusion": "keyword"}, {"fusion": "rrf", "w": 1.0, "k": 60}]
    levers += [{"fusion": "rrf", "w": w, "k": k} for w, k in itertools.product((1.5, 2.0, 3.0, 4.0), (10, 30, 60, 100))]
    levers += [{"fusion": "convex", "alpha": a} for a in (0.5, 0.6, 0.7, 0.8, 0.9)]
    levers += [{"fusion": f["fusion"], **{k: v for k, v in f.items() if k != "fusion"}, "prf": p}
               for f in ({"fusion": "vector"}, {"fusion": "rrf", "w": 2.0, "k": 60}, {"fusion": "convex", "alpha": 0.7})
               for p in ((3, 0.5), (5, 0.5), (5, 1.0), (10, 1.0))]

    train, held = split_by_query([q.qid for q in queries], args.held_out, args.seed)
    print(f"split (seed {args.seed}): {len(train)} train, {len(held)} held out")
    print(f"{'lever':<48} {'train nDCG':>10} {'held nDCG':>10} {'held R@10':>10} {'held MRR':>9} {'ms/q':>6}")
    rows = []
    for lever in levers:
        t = time.perf_counter()
        figs = {q.qid: score(rank(lever, q.qid), q) for q in queries}
        ms = (time.perf_counter() - t) * 1000 / len(queries)
        tr = statistics.mean(figs[i][0] for i in train)
        he = [statistics.mean(figs[i][j] for i in held) for j in range(3)]
        rows.append((lever, tr, he, ms))
        label = ", ".join(f"{k}={v}" for k, v in lever.items())
        print(f"{label:<48} {tr:>10.3f} {he[0]:>10.3f} {he[1]:>10.3f} {he[2]:>9.3f} {ms:>6.1f}")
    default = next(r for r in rows if r[0] == {"fusion": "rrf", "w": 1.0, "k": 60})
    best = max(rows, key=lambda r: r[1])
    print(f"today's default (rrf w=1 k=60): held-out nDCG@10 {default[2][0]:.3f}")
    print(f"best on training queries: {best[0]} -> held-out nDCG@10 {best[2][0]:.3f} "
          f"({best[2][0] - default[2][0]:+.3f})")
    app.close()


if __name__ == "__main__":
    main()
