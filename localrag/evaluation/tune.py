"""Adapt retrieval to the user's domain: the cheap levers first (fusion weights, keyword and vector
feedback, see ``levers``), and a small query-side adapter; a combination is adopted only when
a held-out evaluation proves it better.

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

from localrag.errors import LocalragError
from localrag.evaluation.evaluate import Judge, ModeFigures, Query, evaluate
from localrag.search.adapter import Adapter, Example, fit, ranking_ndcg, split_by_query
from localrag.search.levers import Levers, combine, grid

if TYPE_CHECKING:
    from localrag.evaluation.subject import Measured


ADOPT_MIN_GAIN = 0.01
ADOPT_MAX_DROP = 0.01
LATENCY_BUDGET_MS = 30.0  # a lever may add at most this much to a search (p50, training queries)


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
    levers: list[dict] = field(default_factory=list)  # each lever: training and held-out figures, added ms
    candidate: str = ""  # the candidate the decision was about (adopted or not)
    retrieval: str = "default fusion"  # the retrieval settings of that candidate

    def to_json(self) -> dict:
        return {"sources": self.sources, "train_queries": self.train_queries,
                "held_out_queries": self.held_out_queries, "held_out_kind": self.held_out_kind, "seed": self.seed,
                "mode": self.mode, "baseline": self.baseline, "adapted": self.adapted, "adopted": self.adopted,
                "reason": self.reason, "seconds": round(self.seconds, 1), "train_pairs": self.train_pairs,
                "chosen": self.extra, "levers": self.levers, "candidate": self.candidate,
                "retrieval": self.retrieval}


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
def run_tune(app: Measured, labeled: Sequence[Query] = (), seed: int = 0, held_out: float = 0.3,
             ict: int | None = None, on_step: Callable[[str, int, int], None] | None = None) -> TuneReport:
    """Train a query adapter on labeled queries, feedback and inverse-cloze pairs; adopt it only
    when the held-out queries say it is better."""
    t0 = time.perf_counter()
    store = app.store
    app.resident.keep_vectors_in_memory()
    judge = Judge(store.documents.indexed_paths(), app.index.folders())
    # (query id, text, positive chunk ids, positive text, negative chunk ids, relevance for evaluation)
    specs: list[tuple[str, str, list[int], str | None, set[int], dict[str, int]]] = []
    sources = {"queries file": 0, "feedback": 0, "inverse cloze": 0}
    for q in labeled:
        units, _ = judge.units(q)
        pos: list[int] = []
        for unit, grade in units.items():
            if grade > 0:
                path, _, cid = unit.partition("#")
                pos.extend([int(cid)] if cid else store.chunks.doc_chunk_ids(path))
        if pos:
            specs.append((f"q:{q.qid}", q.text, pos, None, set(), q.relevant))
            sources["queries file"] += 1
    fb: dict[str, tuple[list[int], set[int], dict[str, int]]] = {}
    for row in store.history.feedback():
        query, path, chunk_id, helpful = row.query, row.path, row.chunk_id, row.helpful
        ids = [chunk_id] if chunk_id and store.chunks.chunks_by_ids([chunk_id]) else store.chunks.doc_chunk_ids(path)
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
        for qid, sentence, rest in inverse_cloze(store.chunks.sample_chunks(n_ict * 3, seed), n_ict, seed):
            ict_id = int(qid.split("-")[1])
            ict_path = store.chunks.chunks_by_ids([ict_id])[ict_id].path
            specs.append((qid, sentence, [], rest, {ict_id}, {f"{ict_path}#{ict_id}": 1}))
            sources["inverse cloze"] += 1
    if len(specs) < 4:
        raise LocalragError("too little to learn from: give labeled queries (--pairs FILE), mark sources "
                            "helpful in the TUI, or index more text")
    train_ids, held_ids = split_by_query([s[0] for s in specs], held_out, seed)
    labeled_held = [s for s in specs if s[0] in held_ids and not s[0].startswith("ict-")]
    held_specs = labeled_held if len(labeled_held) >= 5 else [s for s in specs if s[0] in held_ids]
    kind = "labeled queries" if held_specs is labeled_held else "all held-out queries (incl. inverse cloze)"
    emb = app.models.embedder
    train_specs = [s for s in specs if s[0] in train_ids]
    qvecs = emb.embed([s[1] for s in train_specs], on_row=lambda n: on_step and on_step("embedding", n,
                                                                                          len(train_specs)))
    rests = [s[3] for s in train_specs if s[3]]
    rest_vecs = iter(emb.embed(rests)) if rests else iter(())
    pos_vecs = store.vectors.chunk_vectors(sorted({c for s in train_specs for c in s[2]}))
    examples: list[Example] = []
    _, matrix = store.vectors.all_vectors()
    rnd = np.random.default_rng(seed)
    for s, qv in zip(train_specs, qvecs):
        pos = [pos_vecs[c] for c in s[2] if c in pos_vecs] + ([next(rest_vecs)] if s[3] else [])
        if not pos:
            continue
        exclude = set(s[2]) | s[4]
        mined = [c for c, _ in store.vectors.vector_search(qv, 40) if c not in exclude][:15]
        negs = list(store.vectors.chunk_vectors(mined + sorted(s[4])).values())
        # random negatives too: with hard ones alone the map learns to push queries away from
        # everything near them, and ranking against the whole index collapses
        negs += [matrix[i] for i in rnd.choice(len(matrix), size=min(32, len(matrix)), replace=False)]
        neg_matrix = np.stack(negs) if negs else np.zeros((0, qv.shape[0]), dtype=np.float32)
        examples.append(Example(s[0], qv, np.stack(pos), neg_matrix))
    if not examples:
        raise LocalragError("none of the training queries has a relevant chunk in the index")
    adapter, chosen_params = fit(examples, seed=seed,
                          on_epoch=(lambda e, n, loss: on_step("training", e, n)) if on_step else None,
                          score=ranking_ndcg(matrix), corpus=matrix)
    mode = app.settings.search_mode
    held_queries = [Query(s[0], s[1], s[5]) for s in held_specs]
    train_queries = [Query(s[0], s[1], s[5]) for s in train_specs]
    none = Levers()
    configs: dict[str, tuple[Adapter | bool, Levers]] = {lv.describe(): (False, lv) for lv in grid()}

    def figures(queries: Sequence[Query], names: Sequence[str], step: str) -> dict[str, ModeFigures]:
        rep = evaluate(lambda q, depth, name: app.library.search(q, depth, mode, adapter=configs[name][0],
                                                         levers=configs[name][1]),
                       judge, queries, list(names),
                       on_query=(lambda name, i, n: on_step(step, i, n)) if on_step else None)
        return {f.mode: f for f in rep.figures}

    # The levers are chosen on the training queries (a few settings each; the adapter's own
    # training score is no guide, it has seen those queries), then checked on the held-out ones.
    train = figures(train_queries, list(configs), "levers (training queries)")
    base_ms = train[none.describe()].p50_ms

    def fast(name: str) -> bool:
        return train[name].p50_ms - base_ms <= LATENCY_BUDGET_MS

    def best_of(names: Sequence[str]) -> str:
        return max(names, key=lambda n: (round(train[n].ndcg10, 4), n == none.describe()))

    fusion = best_of([n for n, (_, lv) in configs.items() if fast(n) and not (lv.expand_passages or lv.rocchio_passages)])
    feedback = best_of([n for n, (_, lv) in configs.items() if fast(n) and (lv.expand_passages or lv.rocchio_passages)]
                       or [none.describe()])
    both = combine(configs[fusion][1], configs[feedback][1])
    if both.describe() not in configs:
        configs[both.describe()] = (False, both)
        train.update(figures(train_queries, [both.describe()], "levers (training queries)"))
    chosen = configs[best_of([n for n in (fusion, feedback, both.describe()) if fast(n)] or [none.describe()])][1]
    configs["adapter"] = (adapter, none)
    if not chosen.is_default():
        configs[f"adapter + {chosen.describe()}"] = (adapter, chosen)
    train.update(figures(train_queries, [n for n in configs if n.startswith("adapter")], "levers (training queries)"))
    held = figures(held_queries, list(configs), "levers (held-out queries)")

    def scores(name: str) -> dict[str, float]:
        f = held[name]
        return {"ndcg@10": round(f.ndcg10, 4), "recall@10": round(f.recall10, 4), "mrr@10": round(f.mrr10, 4)}

    base = scores(none.describe())
    # simplest first, so a tie goes to the candidate with fewer parts
    candidates = ([chosen.describe()] if not chosen.is_default() else []) + [n for n in configs if n.startswith("adapter")]
    verdicts = {n: decide(base, scores(n)) for n in candidates}
    passed = [n for n in candidates if verdicts[n][0]]
    pick = max(passed or candidates, key=lambda n: held[n].ndcg10)
    adopted, reason = verdicts[pick]
    reason = f"{pick}: {reason}"
    table = [{"lever": n, "train_ndcg@10": round(train[n].ndcg10, 4), **{f"held_{k}": v for k, v in scores(n).items()},
              "added_ms": round(max(0.0, train[n].p50_ms - base_ms), 1)} for n in configs]  # below 0: noise
    use_adapter, use_levers = configs[pick]
    report = TuneReport(sources, len(train_ids), len(held_specs), kind, seed, base, scores(pick), adopted, reason,
                        time.perf_counter() - t0, mode, sum(len(e.pos) for e in examples), chosen_params,
                        table, pick, use_levers.describe())
    if adopted and not use_adapter:  # retrieval settings alone: no adapter is kept active
        u, v, dim, rank = b"", b"", 0, 0
    else:
        u, v, dim, rank = adapter.to_blobs()
    store.history.save_adapter(emb.info.fingerprint, u, v, dim, rank, json.dumps(report.to_json()), adopted,
                               use_levers.to_json() if adopted and not use_levers.is_default() else None)
    return report


def tune_status(app: Measured) -> dict:
    row = app.store.history.active_adapter()
    if row is None:
        return {"active": False}
    adapter = app.tuning.adapter() is not None
    levers = app.tuning.levers()
    active = adapter or not levers.is_default()
    uses = " + ".join((["adapter"] if adapter else []) + ([levers.describe()] if not levers.is_default() else [])) or "nothing"
    return {"active": active, "id": row.id, "trained_at": row.created_at, "report": json.loads(row.report),
            "adapter": adapter, "retrieval": levers.describe(), "uses": uses, "note": app.tuning.note}


