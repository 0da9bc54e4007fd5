"""Measure retrieval (and answers) on labeled queries, and say what to fix first.

Metrics follow the standard definitions (as trec_eval): nDCG with linear gains and a log2
discount, recall over all judged relevant units, reciprocal rank of the first relevant one.
A judgment on a file counts any of its chunks, and a file is counted once in a ranking.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from localrag.errors import LocalragError
from localrag.evaluation.metrics import mrr, ndcg, percentile, recall
from localrag.evaluation.queries import Query
from localrag.search.retrieve import Result

if TYPE_CHECKING:

    from localrag.answering.compose import Answer
    from localrag.evaluation.subject import Measured
    from localrag.models.generator import Generator
    from localrag.models.remote import RemoteGenerator

MODES = ("keyword", "vector", "hybrid")
SYNTHETIC_NOTE = ("synthetic: the local model wrote these questions from the chunk named in 'relevant'; "
                  "review them before trusting the figures")


# ---- loading ----------------------------------------------------------------------------------
def load_queries(path: str | Path) -> list[Query]:
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise LocalragError(f"no such queries file: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise LocalragError(f"cannot read {p}: {e}") from None
    out: list[Query] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise LocalragError(f"{p}:{n}: not valid JSON ({e.msg})") from None
        if not isinstance(obj, dict) or "query" not in obj:
            if isinstance(obj, dict) and "_comment" in obj:
                continue
            raise LocalragError(f"{p}:{n}: each line needs a \"query\" and a \"relevant\" object")
        rel = obj.get("relevant") or {}
        if not isinstance(rel, dict) or not all(isinstance(v, (int, float)) for v in rel.values()):
            raise LocalragError(f"{p}:{n}: \"relevant\" must map paths or ids to grades")
        out.append(Query(str(obj.get("id", n)), str(obj["query"]), {str(k): int(v) for k, v in rel.items()},
                         obj.get("answer")))
    if not out:
        raise LocalragError(f"{p} holds no queries")
    return out


# ---- judging ----------------------------------------------------------------------------------
class Judge:
    """Resolves judgment keys (path, path#chunk-id, or doc id) to units of the index."""

    def __init__(self, paths: Sequence[str], folders: Sequence[str], base_dir: Path | None = None):
        self.paths = set(paths)
        self.by_stem: dict[str, list[str]] = {}
        for p in paths:
            self.by_stem.setdefault(Path(p).stem, []).append(p)
            self.by_stem.setdefault(Path(p).name, []).append(p)
        self.folders = list(folders)
        self.base = base_dir

    def resolve(self, key: str) -> str | None:
        path, _, chunk = key.partition("#")
        found = self._path(path)
        if found is None:
            return None
        return f"{found}#{chunk}" if chunk else found

    def _path(self, key: str) -> str | None:
        if key in self.paths:
            return key
        cands = [Path(key)] if os.path.isabs(key) else [Path.cwd() / key] + [Path(f) / key for f in self.folders]
        if self.base:
            cands.append(self.base / key)
        for c in cands:
            s = os.path.normpath(str(c))
            if s in self.paths:
                return s
        hits = self.by_stem.get(key)
        return hits[0] if hits and len(hits) == 1 else None

    def units(self, q: Query) -> tuple[dict[str, int], list[str]]:
        """Judged units with their grades, and the relevant keys not found in the index."""
        units: dict[str, int] = {}
        missing: list[str] = []
        for key, grade in q.relevant.items():
            u = self.resolve(key)
            if u is None:
                if grade > 0:
                    missing.append(key)
                continue
            units[u] = max(units.get(u, 0), grade)
        return units, missing


def gains_for(results: Sequence[Result], units: dict[str, int]) -> list[float]:
    """The ranking as gains, each judged unit counted once (a file's first chunk)."""
    seen: set[str] = set()
    gains: list[float] = []
    for r in results:
        key = f"{r.path}#{r.chunk_id}"
        unit = key if key in units else r.path
        if unit in seen:
            continue
        seen.add(unit)
        gains.append(float(units.get(unit, 0)))
    return gains


# ---- the report ---------------------------------------------------------------------------------
@dataclass
class ModeFigures:
    mode: str
    ndcg10: float
    recall10: float
    recall100: float
    mrr10: float
    p50_ms: float
    p95_ms: float
    per_query: dict[str, float] = field(default_factory=dict)  # nDCG@10 by query id

    def to_json(self) -> dict:
        return {"mode": self.mode, "ndcg@10": round(self.ndcg10, 4), "recall@10": round(self.recall10, 4),
                "recall@100": round(self.recall100, 4), "mrr@10": round(self.mrr10, 4),
                "p50_ms": round(self.p50_ms, 2), "p95_ms": round(self.p95_ms, 2)}


@dataclass
class AnswerFigures:
    asked: int = 0
    correct: int = 0
    retrieval_misses: int = 0
    generation_misses: int = 0
    examples: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)  # answer hit, F1, evidence hit... (squad.AnswerMetrics)

    def to_json(self) -> dict:
        return {"asked": self.asked, "correct": self.correct, "retrieval_misses": self.retrieval_misses,
                "generation_misses": self.generation_misses, "metrics": self.metrics, "worst": self.examples[:5]}


@dataclass
class Report:
    queries: int
    evaluated: int
    no_judgments: list[str]
    missing: dict[str, list[str]]  # query id -> relevant keys not in the index
    relevant_total: int
    figures: list[ModeFigures]
    answers: AnswerFigures | None = None
    recommendations: list[str] = field(default_factory=list)

    def figure(self, mode: str) -> ModeFigures | None:
        return next((f for f in self.figures if f.mode == mode), None)

    def to_json(self) -> dict:
        return {"queries": self.queries, "evaluated": self.evaluated, "no_judgments": self.no_judgments,
                "missing_from_index": self.missing, "figures": [f.to_json() for f in self.figures],
                "answers": self.answers.to_json() if self.answers else None,
                "recommendations": self.recommendations}


SearchFn = Callable[[str, int, str], list[Result]]


def evaluate(search: SearchFn, judge: Judge, queries: Sequence[Query], modes: Sequence[str] = MODES,
             depth: int = 100, on_query: Callable[[str, int, int], None] | None = None) -> Report:
    judged: list[tuple[Query, dict[str, int]]] = []
    no_judgments: list[str] = []
    missing: dict[str, list[str]] = {}
    relevant_total = 0
    for q in queries:
        if not any(g > 0 for g in q.relevant.values()):
            no_judgments.append(q.qid)
            continue
        units, miss = judge.units(q)
        if miss:
            missing[q.qid] = miss
        relevant_total += sum(1 for g in q.relevant.values() if g > 0)
        judged.append((q, units))
    figures = []
    for mode in modes:
        nd, r10, r100, rr, lat = [], [], [], [], []
        per: dict[str, float] = {}
        for i, (q, units) in enumerate(judged):
            t = time.perf_counter()
            results = search(q.text, depth, mode)
            lat.append((time.perf_counter() - t) * 1000)
            g = gains_for(results, units)
            n_rel = sum(1 for v in q.relevant.values() if v > 0)  # judged relevant, found in the index or not
            all_grades = [float(v) for v in q.relevant.values() if v > 0]
            nd.append(ndcg(g, all_grades, 10))
            per[q.qid] = nd[-1]
            r10.append(recall(g, n_rel, 10))
            r100.append(recall(g, n_rel, 100))
            rr.append(mrr(g, 10))
            if on_query:
                on_query(mode, i + 1, len(judged))
        def avg(xs: list[float]) -> float:
            return statistics.fmean(xs) if xs else 0.0

        figures.append(ModeFigures(mode, avg(nd), avg(r10), avg(r100), avg(rr), percentile(lat, 50),
                                   percentile(lat, 95), per))
    return Report(len(queries), len(judged), no_judgments, missing, relevant_total, figures)


# ---- answers ----------------------------------------------------------------------------------
def _norm(s: str) -> str:
    return " ".join(re.findall(r"\w+", s.lower()))


def answer_is_right(expected: str, got: str) -> bool:
    """Expected text contained in the answer, or most of its content words present."""
    from localrag.answering.lexical import content

    e, g = _norm(expected), _norm(got)
    if e and e in g:
        return True
    words = content(expected)
    return bool(words) and len(words & content(got)) / len(words) >= 0.6


def classify_answer(q: Query, units: dict[str, int], ans: Answer) -> str:
    """"hit", "retrieval" (no relevant chunk reached the prompt) or "generation" (one did, but
    the answer is wrong or does not cite a relevant chunk)."""
    cits = ans.citations
    rel = [c for c in cits if units.get(f"{c.result.path}#{c.result.chunk_id}", units.get(c.result.path, 0)) > 0]
    if not rel:
        return "retrieval"
    right = answer_is_right(q.answer or "", ans.text)
    cited_rel = any(c.cited for c in rel)
    return "hit" if right and cited_rel else "generation"


# ---- what to do next ----------------------------------------------------------------------------
def recommend(rep: Report) -> list[str]:
    """Advice in the order of what to fix first, each with the figure it rests on."""
    out: list[str] = []
    n_missing = sum(len(v) for v in rep.missing.values())
    if n_missing:
        ex = next(iter(rep.missing.values()))[0]
        out.append(f"Fix ingestion or chunking first: {n_missing} of {rep.relevant_total} relevant documents are "
                   f"not in the index (e.g. {ex}); check `localrag status` for failed files and your ignore rules.")
    h, v, k = rep.figure("hybrid"), rep.figure("vector"), rep.figure("keyword")
    best = max(rep.figures, key=lambda f: f.ndcg10, default=None)
    if best and best.recall100 >= 0.5 and best.recall100 - best.ndcg10 >= 0.25:
        out.append(f"Relevant passages are found but ranked low ({best.mode}: recall@100 {best.recall100:.3f} vs "
                   f"nDCG@10 {best.ndcg10:.3f}): use hybrid search and give the model more candidates (-k).")
    if v and k and v.ndcg10 < k.ndcg10 - 0.01:
        out.append(f"Vector retrieval trails keyword retrieval on your queries (nDCG@10 {v.ndcg10:.3f} vs "
                   f"{k.ndcg10:.3f}): tune the embedding to your domain with `localrag tune`.")
    if h and v and k and h.ndcg10 < max(v.ndcg10, k.ndcg10) - 0.01:
        better = v if v.ndcg10 >= k.ndcg10 else k
        out.append(f"Hybrid ({h.ndcg10:.3f}) trails {better.mode}-only ({better.ndcg10:.3f}) here: "
                   f"set `localrag config set search_mode {better.mode}`.")
    a = rep.answers
    if a and a.generation_misses > a.retrieval_misses and a.generation_misses > 0:
        out.append(f"Generation misses dominate ({a.generation_misses} vs {a.retrieval_misses} retrieval misses of "
                   f"{a.asked} answers): the right passage reached the model; try a larger or instruction-tuned GGUF.")
    if not out:
        f = best
        out.append(f"Nothing stands out: best nDCG@10 {f.ndcg10:.3f} ({f.mode}), recall@100 {f.recall100:.3f}; "
                   "add more labeled queries to measure finer." if f else "No figures to judge by.")
    return out


# ---- synthetic queries ----------------------------------------------------------------------------
QUESTION_PROMPT = ("Write one short question that the passage below answers. The question must make sense on "
                   "its own.\n\nPassage:\n{text}\n\nQuestion:")


def write_question(gen: Generator | RemoteGenerator, text: str) -> str:
    """One question, or "" when the model wrote something that is not one."""
    prompt = QUESTION_PROMPT.format(text=text.strip()[:1500])
    out = "".join(gen.stream(prompt, 48, 0.3, ["\n\n", "Answer:", "Passage:"]))
    line = next((ln.strip().strip('"').strip() for ln in out.splitlines() if ln.strip()), "")
    if "?" not in line or len(line) < 8:
        return ""
    return line.split("?")[0].strip() + "?"


# ---- runs on an index (the CLI's and the TUI's entry points) ---------------------------------------
def run_eval(app: Measured, queries: Sequence[Query], answers: bool = False, k: int | None = None,
             on_query: Callable[[str, int, int], None] | None = None) -> Report:
    """Score retrieval (and answers) on labeled queries; never writes to the index."""
    app.resident.keep_vectors_in_memory()  # many searches in one process
    judge = Judge(app.store.documents.indexed_paths(), app.index.folders())
    modes = list(MODES)  # the baseline; and what `tune` adopted, if anything
    levers = not app.tuning.levers().is_default()  # feedback settings can change keyword search too
    if levers or app.tuning.adapter() is not None:
        modes += ["vector+tuned"] + (["keyword+tuned"] if levers else []) + ["hybrid+tuned"]

    def run(q: str, depth: int, mode: str) -> list[Result]:
        base, _, tuned = mode.partition("+")
        return app.library.search(q, depth, base, adapter=bool(tuned), levers=bool(tuned))

    rep = evaluate(run, judge, queries, modes, on_query=on_query)
    if answers:
        from localrag.evaluation.squad import QA, AnswerMetrics

        figs = AnswerFigures()
        metrics = AnswerMetrics()
        for q in queries:
            if not q.answer:
                continue
            units, _ = judge.units(q)
            t = time.perf_counter()
            ans = app.library.ask(q.text, k)
            metrics.add(QA(q.qid, q.text, [q.answer], ""), ans, time.perf_counter() - t)
            kind = classify_answer(q, units, ans)
            figs.asked += 1
            if kind == "hit":
                figs.correct += 1
                continue
            if kind == "retrieval":
                figs.retrieval_misses += 1
            else:
                figs.generation_misses += 1
            figs.examples.append({"query": q.text, "expected": q.answer, "answer": ans.text, "miss": kind})
            if on_query:
                on_query("answers", figs.asked, 0)
        figs.metrics = metrics.figures()
        rep.answers = figs
    rep.recommendations = recommend(rep)
    return rep


def make_queries(app: Measured, n: int, out: str, seed: int = 0,
                 on_query: Callable[[str, int, int], None] | None = None) -> int:
    """A starter QUERIES file: the local model writes a question for each of n sampled chunks."""
    target = Path(out)
    if target.exists():
        raise LocalragError(f"{target} exists; choose another file with --out")
    rows = app.store.chunks.sample_chunks(n * 3, seed)  # spares for when the model writes no question
    if not rows:
        raise LocalragError("the index has no chunks to write questions from: add and index a folder first")
    gen = app.models.generator
    written = 0
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"_comment": SYNTHETIC_NOTE}) + "\n")
        for cid, path, text in rows:
            if written >= n:
                break
            q = write_question(gen, text)
            if q:
                fh.write(json.dumps({"id": f"synthetic-{cid}", "query": q, "relevant": {f"{path}#{cid}": 1},
                                     "synthetic": True}) + "\n")
                written += 1
                if on_query:
                    on_query("questions", written, n)
    return written


