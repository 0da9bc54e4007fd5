"""Ranking metrics, as trec_eval defines them: nDCG with linear gains and a log2 discount,
recall over all judged relevant units, reciprocal rank of the first relevant one."""

from __future__ import annotations

import math
from collections.abc import Sequence


def dcg(gains: Sequence[float], k: int) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]) if g > 0)


def ndcg(gains: Sequence[float], judged: Sequence[float], k: int) -> float:
    ideal = dcg(sorted((g for g in judged if g > 0), reverse=True), k)
    return dcg(gains, k) / ideal if ideal > 0 else 0.0


def recall(gains: Sequence[float], n_relevant: int, k: int) -> float:
    return sum(1 for g in gains[:k] if g > 0) / n_relevant if n_relevant else 0.0


def mrr(gains: Sequence[float], k: int) -> float:
    for i, g in enumerate(gains[:k]):
        if g > 0:
            return 1.0 / (i + 1)
    return 0.0


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]
