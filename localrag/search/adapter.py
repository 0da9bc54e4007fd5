"""The query-side adapter: a low-rank residual q -> normalise(q + U Vᵀ q) learned with numpy by
contrastive training (InfoNCE) against each query's relevant chunks and hard negatives. The
embedding model stays frozen and documents are never re-embedded, so adopting or reverting an
adapter is instant. `tune` decides whether one is adopted."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

RANK = 32
TAU = 0.05

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
