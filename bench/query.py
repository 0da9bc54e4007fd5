"""Search latency from 10k to 1M chunks, excluding model load (synthetic vectors; Zipf or real text).

    .venv/bin/python bench/query.py [--sizes 10000,100000,1000000] [--queries 60] [--keep DIR]
                                    [--text ../shared/datasets/vaswani] [--home DIR]

Builds each index in bulk (and says how long it took), then, each in a fresh process: a
long-lived one (p50/p95 of hybrid, vector and keyword search; hybrid scoped to a tenth and a
hundredth of the documents; what each of `tune`'s levers adds; its peak RSS) and fifteen
one-shot ones, as `localrag search` is.
Text is Zipf-distributed words; ``--text`` takes a TREC collection's documents instead (cycled
to the size asked: real words at real rates) and its topics as the queries.
``--home DIR`` builds each size as a LOCALRAG_HOME (DIR/home-N) that `localrag` and `localrag
serve` open, stamped with the default embedding model's identity (its vectors are still random:
they time a search, not its quality), and writes the queries it times as DIR/home-N/queries.txt,
for `bench/service.py --search-home DIR/home-N --queries-from DIR/home-N/queries.txt`;
``--build-only`` stops there.
Targets at 1M chunks: hybrid p50 <= 50 ms long-lived, <= 300 ms one-shot, RSS <= 1 GB; a
lever adds <= 30 ms at 10k chunks.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from localrag.evaluation.trec import find_trec
from localrag.models.embed import expected_identity
from localrag.search.levers import Levers, grid
from localrag.search.retrieve import search
from localrag.store import Store
from localrag.store.scope import Scope, make_scope

DIM = 384


def build(path: Path, n: int, rng: np.random.Generator, vocab: list[str], texts: list[str] | None = None,
          identity: tuple[str, str] = ("bench", "bench")) -> None:
    """Bulk: one transaction per 1,000 documents, every row through executemany."""
    st = Store(path)
    st.vectors.bind_model(identity[0], DIM, identity[1])
    fid = st.documents.add_folder("/bench")
    per_doc = 20
    words = np.array(vocab)
    for start in range(0, n // per_doc, 1000):
        with st.transaction():
            for d in range(start, min(start + 1000, n // per_doc)):
                doc = st.documents.upsert_document(fid, f"/bench/part{d % 10}/{d % 100}/doc{d}.md", 1, 1, f"h{d}", "markdown", "ok", None)
                if texts:
                    bodies = [texts[(d * per_doc + c) % len(texts)] for c in range(per_doc)]
                else:
                    bodies = [" ".join(ws) for ws in words[rng.choice(len(vocab), size=(per_doc, 120), p=ZIPF)]]
                hashes = [f"{d}-{c}" for c in range(per_doc)]
                rows = [(bodies[c], "", None, c * 10 + 1, c * 10 + 9, hashes[c]) for c in range(per_doc)]
                vecs = rng.standard_normal((per_doc, DIM)).astype(np.float32)
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
                st.vectors.add_vectors(hashes, vecs)
                st.documents.add_chunks(doc, rows)
    st.close()


VOCAB = [f"w{i}" for i in range(20000)]
_r = 1.0 / np.arange(1, len(VOCAB) + 1)
ZIPF = _r / _r.sum()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--keep", metavar="DIR", help="keep the built databases here and re-use them next time")
    ap.add_argument("--text", metavar="TREC_DIR", help="a TREC collection's documents as the text, its topics as queries")
    ap.add_argument("--home", metavar="DIR", help="build each index as DIR/home-N, a LOCALRAG_HOME the CLI opens")
    ap.add_argument("--build-only", action="store_true", help="build (and write the queries), measure nothing")
    ap.add_argument("--long-lived", metavar="DB", help=argparse.SUPPRESS)  # the child that measures one index
    ap.add_argument("--one-shot", metavar="DB", help=argparse.SUPPRESS)
    args = ap.parse_args()
    global TOPICS
    col = find_trec(args.text) if args.text else None
    TOPICS = [q.text for q in col.queries()] if col else []
    if args.long_lived:
        return long_lived(Path(args.long_lived), args.queries)
    if args.one_shot:
        return one_shot(Path(args.one_shot))
    rng = np.random.default_rng(0)
    more = ["--text", args.text] if args.text else []
    for n in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(args.keep or tmp) / (f"bench-{n}-{Path(args.text).name}.db" if col else f"bench-{n}.db")
            identity = ("bench", "bench")
            if args.home:
                db = as_home(Path(args.home) / f"home-{n}")
                identity = expected_identity("default")
            db.parent.mkdir(parents=True, exist_ok=True)
            if not db.exists():
                t = time.perf_counter()
                build(db, n, rng, VOCAB, [text for _, text in col.docs()] if col else None, identity)
                print(f"{n} chunks built in {time.perf_counter() - t:.0f}s", flush=True)
            if args.home:
                (db.parent / "queries.txt").write_text("\n".join(queries_and_vectors(args.queries)) + "\n",
                                                       encoding="utf-8")
            st = Store(db)  # as `localrag index` ends: the codes beside the index, for one-shot searches
            st.vectors.save_codes_file()
            st.close()
            if args.build_only:
                continue
            # each measure in a fresh process: its memory is the index's, not the build's
            subprocess.run([sys.executable, __file__, "--long-lived", str(db), "--queries", str(args.queries), *more],
                           check=True)
            runs = []
            for _ in range(15):
                t = time.perf_counter()
                p = subprocess.run([sys.executable, __file__, "--one-shot", str(db), *more], check=True, capture_output=True,
                                   text=True)
                runs.append(dict(json.loads(p.stdout), wall_ms=(time.perf_counter() - t) * 1000))
            for key, label in (("search_ms", "open + hybrid search"), ("wall_ms", "whole process (CLI imports too)")):
                print(f"  {n:>7} chunks  one-shot process, {label}: p50 {statistics.median(r[key] for r in runs):6.0f} ms"
                      " (embedding-model load excluded)")


def as_home(home: Path) -> Path:
    """A LOCALRAG_HOME sharing the user's models (the service loads the embedding model); its
    index file."""
    from localrag.config import get_paths

    home.mkdir(parents=True, exist_ok=True)
    if not (home / "models").exists():
        (home / "models").symlink_to(get_paths().models_dir, target_is_directory=True)
    return home / "index.db"


TOPICS: list[str] = []  # --text: the collection's topics are the queries


def queries_and_vectors(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Queries (five Zipf words each, or the collection's topics from a random start), with
    random unit vectors."""
    rng = np.random.default_rng(seed)
    qv = {}
    start = int(rng.integers(len(TOPICS))) if TOPICS else 0
    for i in range(min(n, len(TOPICS)) if TOPICS else n):
        v = rng.standard_normal(DIM).astype(np.float32)
        q = TOPICS[(start + i) % len(TOPICS)] if TOPICS else " ".join(rng.choice(VOCAB[:3000], size=5))
        qv[q] = v / np.linalg.norm(v)
    return qv


def long_lived(db: Path, n_queries: int) -> None:
    """A long-lived process (TUI, watcher, MCP server): codes in memory, many queries."""
    st = Store(db, cache_vectors=True)
    n = st.scalar("SELECT count(*) FROM chunks")
    t = time.perf_counter()
    st.vectors.vector_codes()
    print(f"  {n:>7} chunks  codes loaded into memory in {time.perf_counter() - t:.2f}s (once per long-lived process)")
    qv = queries_and_vectors(n_queries)
    queries = list(qv)
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
    base = p50(st, qv, queries, None)
    for lv in grid():  # what each of tune's levers adds (target: <= 30 ms at 10k chunks)
        if not lv.is_default():
            print(f"  {n:>7} chunks  hybrid + {lv.describe()}: p50 +{p50(st, qv, queries, None, lv) - base:5.1f} ms")
    st.vectors.cache = False
    for label, sc in scopes:
        print(f"  {n:>7} chunks  hybrid {label:>13}, codes on disk (sqlite-vec), warm process:"
              f" p50 {p50(st, qv, queries[:20], sc):6.1f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {n:>7} chunks  peak RSS of this long-lived process: {rss:.0f} MB (no language model)", flush=True)
    st.close()


def one_shot(db: Path) -> None:
    """What a `localrag search` process does: import the CLI, open the index as it does (read
    and write), search once. The embedding model's load and the query's vector are left out."""
    import localrag.cli  # noqa: F401 - its import time is part of every one-shot process

    q, v = next(iter(queries_and_vectors(1, seed=int(time.time() * 1000) % 1000).items()))
    t = time.perf_counter()
    st = Store(db)
    search(st, lambda _: v, q, 10, "hybrid")
    print(json.dumps({"search_ms": (time.perf_counter() - t) * 1000}))


def p50(st: Store, qv: dict, queries: list[str], scope: Scope | None, levers: Levers | None = None) -> float:
    times = []
    for q in queries:
        t = time.perf_counter()
        search(st, qv.__getitem__, q, 10, "hybrid", scope=scope, levers=levers)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
