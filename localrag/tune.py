"""Adapt retrieval to the user's domain with a small query-side adapter, adopted only when a
held-out evaluation proves it better.

The embedding model stays frozen (an int8 ONNX file cannot be fine-tuned on a laptop CPU).
The adapter maps a query vector q to normalise(q + U Vᵀ q), a low-rank residual learned with
numpy by contrastive training (InfoNCE) against each query's relevant chunks and hard
negatives mined from the index. Documents are never re-embedded, so adopting or reverting an
adapter is instant.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import LocalragError
from .evaluate import Judge, Query, evaluate, sample_chunks

if TYPE_CHECKING:
    from .core import Localrag


RANK = 32
TAU = 0.05
ADOPT_MIN_GAIN = 0.01
ADOPT_MAX_DROP = 0.01


@dataclass
class Adapter:
    U: np.ndarray  # d x r
    V: np.ndarray  # d x r (the residual's strength is folded into V when chosen)

    def apply(self, q: np.ndarray) -> np.ndarray:
        q = np.asarray(q, dtype=np.float32)
        z = q + (q @ self.V) @ self.U.T
        n = np.linalg.norm(z, axis=-1, keepdims=True)
        return (z / np.where(n == 0, 1, n)).astype(np.float32)

    def to_blobs(self) -> tuple[bytes, bytes, int, int]:
        d, r = self.U.shape
        return self.U.astype(np.float32).tobytes(), self.V.astype(np.float32).tobytes(), d, r

    @classmethod
    def from_blobs(cls, u: bytes, v: bytes, d: int, r: int) -> Adapter:
        return cls(np.frombuffer(u, dtype=np.float32).reshape(d, r).copy(),
                   np.frombuffer(v, dtype=np.float32).reshape(d, r).copy())


@dataclass
class Example:
    """One training query: its vector, its positive chunk vectors, its hard negatives."""

    qid: str
    q: np.ndarray
    pos: np.ndarray  # p x d
    neg: np.ndarray  # n x d


def split_by_query(ids: Sequence[str], held_out: float, seed: int) -> tuple[set[str], set[str]]:
    """Train and held-out query ids; a query is never in both."""
    uniq = sorted(set(ids))
    rnd = random.Random(seed)
    rnd.shuffle(uniq)
    n_held = max(1, int(round(len(uniq) * held_out))) if len(uniq) > 1 else 0
    return set(uniq[n_held:]), set(uniq[:n_held])


def train(examples: Sequence[Example], seed: int = 0, rank: int = RANK, epochs: int = 60, lr: float = 0.003,
          weight_decay: float = 1e-2, batch: int = 32, corpus: np.ndarray | None = None, shared: int = 2048,
          on_epoch: Callable[[int, int, float], None] | None = None) -> Adapter:
    """InfoNCE over (positive, hard negatives, and ``shared`` random rows of ``corpus`` common
    to the batch), Adam, a fixed seed: deterministic. The shared rows stand for the rest of the
    index: without them the map learns to beat a few negatives and loses the whole ranking."""
    rng = np.random.default_rng(seed)
    d = examples[0].q.shape[0]
    U = np.zeros((d, rank), dtype=np.float64)
    V = rng.standard_normal((d, rank)) * 0.01
    m = {k: np.zeros_like(v) for k, v in (("U", U), ("V", V))}
    s = {k: np.zeros_like(v) for k, v in (("U", U), ("V", V))}
    # one row per (query, positive), candidates = [positive, hard negatives...]
    rows: list[tuple[np.ndarray, np.ndarray]] = []
    for ex in examples:
        for p in ex.pos:
            rows.append((ex.q.astype(np.float64), np.vstack([p[None, :], ex.neg]).astype(np.float64)))
    step = 0
    order = np.arange(len(rows))
    for epoch in range(epochs):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start: start + batch]
            q = np.stack([rows[i][0] for i in idx])
            width = max(rows[i][1].shape[0] for i in idx)
            C = np.zeros((len(idx), width, d))
            mask = np.zeros((len(idx), width), dtype=bool)
            for b, i in enumerate(idx):
                c = rows[i][1]
                C[b, : c.shape[0]] = c
                mask[b, : c.shape[0]] = True
            qV = q @ V
            z = q + qV @ U.T
            norm = np.linalg.norm(z, axis=1, keepdims=True)
            qh = z / norm
            own = np.einsum("bd,bnd->bn", qh, C) / TAU
            own[~mask] = -1e9
            if corpus is not None and len(corpus):
                S = corpus[rng.choice(len(corpus), size=min(shared, len(corpus)), replace=False)].astype(np.float64)
                logits = np.concatenate([own, qh @ S.T / TAU], axis=1)
            else:
                S = None
                logits = own
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            total += float(-np.log(p[:, 0] + 1e-12).sum())
            y = np.zeros_like(p)
            y[:, 0] = 1.0
            w = width
            g = np.einsum("bn,bnd->bd", (p - y)[:, :w], C) / TAU / len(idx)
            if S is not None:
                g += (p[:, w:] @ S) / TAU / len(idx)
            dz = (g - qh * (qh * g).sum(axis=1, keepdims=True)) / norm
            grads = {"U": dz.T @ qV + weight_decay * U, "V": q.T @ (dz @ U) + weight_decay * V}
            step += 1
            for k, param in (("U", U), ("V", V)):
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                s[k] = 0.999 * s[k] + 0.001 * grads[k] ** 2
                mh = m[k] / (1 - 0.9 ** step)
                sh = s[k] / (1 - 0.999 ** step)
                param -= lr * mh / (np.sqrt(sh) + 1e-8)
        if on_epoch:
            on_epoch(epoch + 1, epochs, total / max(1, len(rows)))
    return Adapter(U.astype(np.float32), V.astype(np.float32))


def pair_accuracy(adapter: Adapter | None, examples: Sequence[Example]) -> float:
    """How often a positive outscores a hard negative (a cheap proxy of ranking quality)."""
    hits = total = 0
    for ex in examples:
        if not len(ex.neg):
            continue
        q = adapter.apply(ex.q) if adapter is not None else ex.q
        ps, ns = ex.pos @ q, ex.neg @ q
        hits += int((ps[:, None] > ns[None, :]).sum())
        total += ps.size * ns.size
    return hits / total if total else 0.0


def ranking_ndcg(matrix: np.ndarray) -> Callable[[Adapter | None, Sequence[Example]], float]:
    """nDCG@10 of each example's positives ranked among *all* stored vectors (the positives are
    rows of the matrix): what search will do, unlike a score against a few negatives."""
    def score(adapter: Adapter | None, examples: Sequence[Example]) -> float:
        vals = []
        for ex in examples:
            q = adapter.apply(ex.q) if adapter is not None else ex.q
            s = matrix @ q
            ranks = [(s > float(p @ q) + 1e-6).sum() for p in ex.pos]
            dcg = sum(1 / np.log2(r + 2) for r in ranks if r < 10)
            ideal = sum(1 / np.log2(i + 2) for i in range(min(10, len(ex.pos))))
            vals.append(dcg / ideal if ideal else 0.0)
        return float(np.mean(vals)) if vals else 0.0
    return score


def fit(examples: Sequence[Example], seed: int = 0, rank: int = RANK,
        on_epoch: Callable[[int, int, float], None] | None = None,
        score: Callable[[Adapter | None, Sequence[Example]], float] = pair_accuracy,
        corpus: np.ndarray | None = None) -> tuple[Adapter, dict]:
    """Choose training length and residual strength on an inner split of the *training*
    queries (the held-out ones decide adoption later and are never looked at here), then
    train on all training queries with that choice."""
    inner_train_ids, inner_val_ids = split_by_query([e.qid for e in examples], 0.25, seed + 1)
    inner_train = [e for e in examples if e.qid in inner_train_ids]
    inner_val = [e for e in examples if e.qid in inner_val_ids]
    baseline = score(None, inner_val)
    best = (baseline, 0, 0.0)
    for epochs in (5, 20, 40):
        a = train(inner_train, seed=seed, rank=rank, epochs=epochs, corpus=corpus)
        for alpha in (0.25, 0.5, 1.0):
            val = score(Adapter(a.U, a.V * alpha), inner_val)
            if val > best[0] + 1e-4:
                best = (val, epochs, alpha)
    chosen = {"epochs": best[1], "alpha": best[2], "inner_val_score": round(best[0], 4),
              "inner_val_baseline": round(baseline, 4)}
    if best[1] == 0:  # nothing beat the frozen model on the inner split: a zero residual
        d = examples[0].q.shape[0]
        return Adapter(np.zeros((d, rank), np.float32), np.zeros((d, rank), np.float32)), chosen
    a = train(examples, seed=seed, rank=rank, epochs=best[1], corpus=corpus, on_epoch=on_epoch)
    return Adapter(a.U, (a.V * best[2]).astype(np.float32)), chosen


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def inverse_cloze(chunks: Sequence[tuple[int, str, str]], n: int, seed: int) -> list[tuple[str, str, str]]:
    """(query id, query sentence, the rest of the chunk) pairs from the user's own text."""
    rnd = random.Random(seed)
    picks = list(chunks)
    rnd.shuffle(picks)
    out: list[tuple[str, str, str]] = []
    for cid, _path, text in picks:
        sents = [x.strip() for x in _SENTENCE.split(" ".join(text.split())) if len(x.split()) >= 5]
        if len(sents) < 3:
            continue
        i = rnd.randrange(len(sents))
        rest = " ".join(sents[:i] + sents[i + 1:])
        out.append((f"ict-{cid}", sents[i], rest))
        if len(out) >= n:
            break
    return out


@dataclass
class TuneReport:
    sources: dict[str, int]
    train_queries: int
    held_out_queries: int
    held_out_kind: str
    seed: int
    baseline: dict[str, float]
    adapted: dict[str, float]
    adopted: bool
    reason: str
    seconds: float
    mode: str
    train_pairs: int = 0
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"sources": self.sources, "train_queries": self.train_queries,
                "held_out_queries": self.held_out_queries, "held_out_kind": self.held_out_kind, "seed": self.seed,
                "mode": self.mode, "baseline": self.baseline, "adapted": self.adapted, "adopted": self.adopted,
                "reason": self.reason, "seconds": round(self.seconds, 1), "train_pairs": self.train_pairs,
                "chosen": self.extra}


def decide(base: dict[str, float], new: dict[str, float]) -> tuple[bool, str]:
    """Adopt only on a held-out nDCG@10 gain of at least 0.01 with no metric dropping more than 0.01."""
    gain = new["ndcg@10"] - base["ndcg@10"]
    drops = [f"{k} {base[k]:.3f} -> {new[k]:.3f}" for k in base if base[k] - new[k] > ADOPT_MAX_DROP]
    if drops:
        return False, f"kept the baseline: {', '.join(drops)} on held-out queries"
    if gain < ADOPT_MIN_GAIN:
        return False, (f"kept the baseline: held-out nDCG@10 gain {gain:+.3f} is below {ADOPT_MIN_GAIN}")
    return True, f"adopted: held-out nDCG@10 {base['ndcg@10']:.3f} -> {new['ndcg@10']:.3f} ({gain:+.3f})"



# ---- a run on an index ------------------------------------------------------------------------
def run_tune(app: Localrag, labeled: Sequence[Query] = (), seed: int = 0, held_out: float = 0.3,
             ict: int | None = None, on_step: Callable[[str, int, int], None] | None = None) -> TuneReport:
    """Train a query adapter on labeled queries, feedback and inverse-cloze pairs; adopt it only
    when the held-out queries say it is better."""
    t0 = time.perf_counter()
    store = app.store
    app.keep_vectors_in_memory()
    judge = Judge([p for (p,) in store.db.execute("SELECT path FROM documents WHERE status='ok'")], app.folders())
    # (query id, text, positive chunk ids, positive text, negative chunk ids, relevance for evaluation)
    specs: list[tuple[str, str, list[int], str | None, set[int], dict[str, int]]] = []
    sources = {"queries file": 0, "feedback": 0, "inverse cloze": 0}
    for q in labeled:
        units, _ = judge.units(q)
        pos: list[int] = []
        for unit, grade in units.items():
            if grade > 0:
                path, _, cid = unit.partition("#")
                pos.extend([int(cid)] if cid else store.doc_chunk_ids(path))
        if pos:
            specs.append((f"q:{q.qid}", q.text, pos, None, set(), q.relevant))
            sources["queries file"] += 1
    fb: dict[str, tuple[list[int], set[int], dict[str, int]]] = {}
    for query, path, chunk_id, helpful in store.db.execute(
            "SELECT query, path, chunk_id, helpful FROM feedback ORDER BY id"):
        ids = [int(chunk_id)] if chunk_id and store.chunks_by_ids([int(chunk_id)]) else store.doc_chunk_ids(path)
        entry = fb.setdefault(query, ([], set(), {}))
        if helpful:
            entry[0].extend(ids)
            entry[2][path] = 1
        else:
            entry[1].update(ids)
    for i, (query, (pos, neg, rel)) in enumerate(fb.items()):
        if pos:
            specs.append((f"fb:{i}", query, pos, None, neg, rel))
            sources["feedback"] += 1
    n_ict = ict if ict is not None else (200 if len(specs) < 50 else 0)
    if n_ict:
        for qid, sentence, rest in inverse_cloze(sample_chunks(store.db, n_ict * 3, seed), n_ict, seed):
            ict_id = int(qid.split("-")[1])
            ict_path = store.chunks_by_ids([ict_id])[ict_id].path
            specs.append((qid, sentence, [], rest, {ict_id}, {f"{ict_path}#{ict_id}": 1}))
            sources["inverse cloze"] += 1
    if len(specs) < 4:
        raise LocalragError("too little to learn from: give labeled queries (--pairs FILE), mark sources "
                            "helpful in the TUI, or index more text")
    train_ids, held_ids = split_by_query([s[0] for s in specs], held_out, seed)
    labeled_held = [s for s in specs if s[0] in held_ids and not s[0].startswith("ict-")]
    held_specs = labeled_held if len(labeled_held) >= 5 else [s for s in specs if s[0] in held_ids]
    kind = "labeled queries" if held_specs is labeled_held else "all held-out queries (incl. inverse cloze)"
    emb = app.embedder
    train_specs = [s for s in specs if s[0] in train_ids]
    qvecs = emb.embed([s[1] for s in train_specs], on_row=lambda n: on_step and on_step("embedding", n,
                                                                                          len(train_specs)))
    rests = [s[3] for s in train_specs if s[3]]
    rest_vecs = iter(emb.embed(rests)) if rests else iter(())
    pos_vecs = store.chunk_vectors(sorted({c for s in train_specs for c in s[2]}))
    examples: list[Example] = []
    _, matrix = store.vector_matrix()
    rnd = np.random.default_rng(seed)
    for s, qv in zip(train_specs, qvecs):
        pos = [pos_vecs[c] for c in s[2] if c in pos_vecs] + ([next(rest_vecs)] if s[3] else [])
        if not pos:
            continue
        exclude = set(s[2]) | s[4]
        mined = [c for c, _ in store.vector_search(qv, 40) if c not in exclude][:15]
        negs = list(store.chunk_vectors(mined + sorted(s[4])).values())
        # random negatives too: with hard ones alone the map learns to push queries away from
        # everything near them, and ranking against the whole index collapses
        negs += [matrix[i] for i in rnd.choice(len(matrix), size=min(32, len(matrix)), replace=False)]
        neg_matrix = np.stack(negs) if negs else np.zeros((0, qv.shape[0]), dtype=np.float32)
        examples.append(Example(s[0], qv, np.stack(pos), neg_matrix))
    if not examples:
        raise LocalragError("none of the training queries has a relevant chunk in the index")
    adapter, chosen = fit(examples, seed=seed,
                          on_epoch=(lambda e, n, loss: on_step("training", e, n)) if on_step else None,
                          score=ranking_ndcg(matrix), corpus=matrix)
    mode = app.settings.search_mode
    held_queries = [Query(s[0], s[1], s[5]) for s in held_specs]

    def scores(use: Adapter | bool) -> dict[str, float]:
        rep = evaluate(lambda q, depth, m: app.search(q, depth, m, adapter=use), judge, held_queries, [mode])
        f = rep.figures[0]
        return {"ndcg@10": round(f.ndcg10, 4), "recall@10": round(f.recall10, 4), "mrr@10": round(f.mrr10, 4)}

    base = scores(False)
    new = scores(adapter)
    adopted, reason = decide(base, new)
    report = TuneReport(sources, len(train_ids), len(held_specs), kind, seed, base, new, adopted, reason,
                        time.perf_counter() - t0, mode, sum(len(e.pos) for e in examples), chosen)
    u, v, dim, rank = adapter.to_blobs()
    store.save_adapter(emb.info.fingerprint, u, v, dim, rank, json.dumps(report.to_json()), adopted)
    return report


def tune_status(app: Localrag) -> dict:
    row = app.store.active_adapter()
    if row is None:
        return {"active": False}
    active = app.active_adapter() is not None
    return {"active": active, "id": row[0], "trained_at": row[7], "report": json.loads(row[6]),
            "note": app.adapter_note}


