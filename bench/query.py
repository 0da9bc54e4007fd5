"""Search latency at 10k and 100k chunks, excluding model load (synthetic vectors and text).

    .venv/bin/python bench/query.py [--sizes 10000,100000] [--queries 60]

Prints p50/p95 for hybrid, vector and keyword search, and hybrid p50 scoped to a tenth and a
hundredth of the documents (`--in` a subfolder). Target: hybrid p50 under 30 ms at 100k.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from localrag.retrieve import search
from localrag.scope import Scope, make_scope
from localrag.store import Store

DIM = 384


def build(path: Path, n: int, rng: np.random.Generator, vocab: list[str]) -> None:
    st = Store(path)
    st.bind_model("bench", DIM, "bench")
    fid = st.add_folder("/bench")
    per_doc = 20
    with st.transaction():
        for d in range(n // per_doc):
            doc = st.upsert_document(fid, f"/bench/part{d % 10}/{d % 100}/doc{d}.md", 1, 1, f"h{d}", "markdown", "ok", None)
            rows = []
            hashes = []
            for c in range(per_doc):
                words = rng.choice(vocab, size=120, p=ZIPF)
                h = f"{d}-{c}"
                rows.append((" ".join(words), "", None, c * 10 + 1, c * 10 + 9, h))
                hashes.append(h)
            vecs = rng.standard_normal((per_doc, DIM)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            st.add_vectors(hashes, vecs)
            st.add_chunks(doc, rows)
    st.close()


VOCAB = [f"w{i}" for i in range(20000)]
_r = 1.0 / np.arange(1, len(VOCAB) + 1)
ZIPF = _r / _r.sum()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--keep", metavar="DIR", help="keep the built databases here and re-use them next time")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    for n in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(args.keep or tmp) / f"bench-{n}.db"
            db.parent.mkdir(parents=True, exist_ok=True)
            if not db.exists():
                t = time.perf_counter()
                build(db, n, rng, VOCAB)
                print(f"{n} chunks built in {time.perf_counter() - t:.0f}s", flush=True)
            st = Store(db, cache_vectors=True)
            t = time.perf_counter()
            st.vector_codes()
            print(f"  vectors loaded into memory in {time.perf_counter() - t:.2f}s (once per long-lived process)")
            qv = {}
            queries = [" ".join(rng.choice(VOCAB[:3000], size=5)) for _ in range(args.queries)]
            for q in queries:
                v = rng.standard_normal(DIM).astype(np.float32)
                qv[q] = v / np.linalg.norm(v)
            for mode in ("hybrid", "vector", "keyword"):
                search(st, qv.__getitem__, queries[0], 10, mode)  # warm the page cache
                times = []
                for q in queries:
                    t = time.perf_counter()
                    search(st, qv.__getitem__, q, 10, mode)
                    times.append((time.perf_counter() - t) * 1000)
                times.sort()
                p95 = times[int(0.95 * (len(times) - 1))]
                print(f"  {n:>7} chunks {mode:>7}: p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms", flush=True)
            scopes: list[tuple[str, Scope | None]] = [
                ("unscoped", None), ("1/10 of docs", make_scope(["/bench/part3"], [], ["/bench"])),
                ("1/100 of docs", make_scope(["/bench/part3/13"], [], ["/bench"]))]
            for label, sc in scopes:
                print(f"  {n:>7} chunks  hybrid {label:>13}: p50 {p50(st, qv, queries, sc):6.1f} ms")
            st.cache_vectors = False
            for label, sc in scopes:
                print(f"  {n:>7} chunks  hybrid {label:>13}, one-shot process (sqlite-vec KNN):"
                      f" p50 {p50(st, qv, queries[:20], sc):6.1f} ms")
            st.close()


def p50(st: Store, qv: dict, queries: list[str], scope: Scope | None) -> float:
    times = []
    for q in queries:
        t = time.perf_counter()
        search(st, qv.__getitem__, q, 10, "hybrid", scope=scope)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
