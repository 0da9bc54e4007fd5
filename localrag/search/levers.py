"""The cheap retrieval levers `tune` tries before (and beside) the query adapter: how the two
rankings are fused, and pseudo-relevance feedback from the first pass's best passages.

- fusion: the vector ranking's weight in reciprocal rank fusion and the RRF constant;
- keyword feedback (RM3-style): the words that weigh most in the best passages (by frequency,
  rank and IDF, with the index's own Porter stems) are searched as a third ranking and fused;
- vector feedback (Rocchio): the query vector is moved toward the best passages' vectors and
  the vector side searched again.

Each costs at most one more search of one side, so a lever adds milliseconds, not a model call.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from localrag.errors import LocalragError

RRF_K = 60


@dataclass(frozen=True)
class Levers:
    vector_weight: float = 1.0  # the keyword ranking weighs 1
    rrf_k: int = RRF_K
    expand_passages: int = 0  # keyword feedback: from this many best passages (0: off)
    expand_terms: int = 10
    expand_weight: float = 0.5  # the expanded ranking's weight in the fusion
    rocchio_passages: int = 0  # vector feedback: toward this many best passages (0: off)
    rocchio_beta: float = 0.5

    def is_default(self) -> bool:
        return self == Levers()

    def describe(self) -> str:
        parts = []
        if (self.vector_weight, self.rrf_k) != (1.0, RRF_K):
            parts.append(f"fusion: vector weight {self.vector_weight:g}, k {self.rrf_k}")
        if self.expand_passages:
            parts.append(f"keyword feedback: {self.expand_terms} terms from {self.expand_passages} passages, "
                         f"weight {self.expand_weight:g}")
        if self.rocchio_passages:
            parts.append(f"vector feedback: toward {self.rocchio_passages} passages, beta {self.rocchio_beta:g}")
        return "; ".join(parts) or "default fusion"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Levers:
        """What a row stored; a row a newer localrag wrote with unknown keys is refused in one line."""
        if not text:
            return cls()
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as e:
            raise LocalragError(f"the adopted retrieval settings cannot be read ({e}); `localrag tune --revert` "
                                "goes back to the defaults") from None


# The grid `tune` searches: each lever alone around today's default, then the best of each kind
# together. Small on purpose: every setting is one more way to fit the training queries by chance.
def grid() -> list[Levers]:
    out = [Levers()]
    out += [Levers(vector_weight=w, rrf_k=k) for w in (0.5, 1.5, 2.0) for k in (20, 60)]
    out += [Levers(rrf_k=k) for k in (20, 100)]
    out += [Levers(expand_passages=m, expand_terms=t, expand_weight=w)
            for m, t, w in ((3, 10, 0.5), (5, 10, 0.5), (5, 20, 0.5), (10, 20, 0.5), (5, 10, 1.0), (10, 20, 1.0))]
    out += [Levers(rocchio_passages=m, rocchio_beta=b) for m, b in ((3, 0.5), (5, 0.5), (10, 1.0))]
    return list(dict.fromkeys(out))


def combine(a: Levers, b: Levers) -> Levers:
    """``a``'s fusion and feedback, with the feedback of ``b`` where ``a`` has none."""
    d = asdict(a)
    if not a.expand_passages and b.expand_passages:
        d.update(expand_passages=b.expand_passages, expand_terms=b.expand_terms, expand_weight=b.expand_weight)
    if not a.rocchio_passages and b.rocchio_passages:
        d.update(rocchio_passages=b.rocchio_passages, rocchio_beta=b.rocchio_beta)
    return Levers(**d)


def expansion_terms(stems: Sequence[Sequence[str]], query_stems: set[str], df: dict[str, int], n_docs: int,
                    terms: int, stop: frozenset[str] = frozenset()) -> list[str]:
    """RM3-style feedback terms: each stem of the best passages (best first) weighs its share of
    the passage, divided by the passage's rank, times its IDF (BM25's); the question's own stems,
    stopwords, numbers and single letters are left out."""
    weight: dict[str, float] = {}
    for rank, words in enumerate(stems):
        words = [w for w in words if len(w) > 1 and not w.isdigit() and w not in stop]
        for w, c in Counter(words).items():
            weight[w] = weight.get(w, 0.0) + c / len(words) / (1 + rank)
    scored = {w: v * math.log(1 + (n_docs - df.get(w, 0) + 0.5) / (df.get(w, 0) + 0.5))
              for w, v in weight.items() if w not in query_stems}
    return [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))][:terms]
