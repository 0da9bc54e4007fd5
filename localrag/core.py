"""The one API the CLI and the TUI both call. Models load lazily: a command that needs no
model (status, remove) never pays for one."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answer import Answer, Generator, answer
from .config import Paths, Settings, get_paths
from .embed import Embedder, expected_identity
from .errors import LocalragError
from .evaluate import (MODES, SYNTHETIC_NOTE, AnswerFigures, Judge, Query, Report, classify_answer, evaluate, find_trec,
                       recommend, sample_chunks, write_question, write_trec_docs)
from .ignore import Rules
from .ingest import Indexer, IndexStats, ProgressFn, check_folder_path
from .models import ByteProgress, resolve_llm_path
from .retrieve import Result, search
from .remote import RemoteGenerator
from .store import Store
from .tune import Adapter, Example, TuneReport, decide, fit, inverse_cloze, ranking_ndcg, split_by_query


@dataclass
class RemoveResult:
    path: str
    files: int


class Localrag:
    def __init__(self, paths: Paths | None = None, settings: Settings | None = None,
                 model_progress: ByteProgress | None = None):
        self.paths = paths or get_paths()
        self.paths.ensure()
        self.settings = settings or Settings.load(self.paths)
        self.model_progress = model_progress
        self._store: Store | None = None
        self._embedder: Embedder | None = None
        self._generator: Generator | None = None
        self._adapter: tuple[int, Adapter] | None = None
        self.adapter_note: str | None = None
        self.notes: list[str] = []  # things a user should hear once (GPU requested but absent...)
        self._load_lock = threading.Lock()

    # ---- parts, loaded on first use -------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.paths.db_file)
        return self._store

    @property
    def embedder(self) -> Embedder:
        with self._load_lock:
            if self._embedder is None:
                name, fingerprint = expected_identity(self.settings.embed_model)
                self.store.check_model(fingerprint, name)  # refuse before loading (or downloading) anything
                emb = Embedder(self.settings.embed_model, self.paths.models_dir, self.settings.embed_threads,
                               self.model_progress, cuda=self._embed_cuda())
                self.store.check_model(emb.info.fingerprint, emb.info.name)
                self._embedder = emb
            return self._embedder

    @property
    def generator(self) -> Generator | RemoteGenerator:
        with self._load_lock:
            if self._generator is None:
                s = self.settings
                if s.llm == "openai":
                    self._generator = RemoteGenerator(s.llm_url, s.llm_remote_model, s.llm_api_key_env, s.n_ctx,
                                                      api=s.llm_api)
                else:
                    path = resolve_llm_path(s.llm_model, self.paths.models_dir, self.model_progress)
                    self._generator = Generator(path, s.n_ctx, s.n_gpu_layers, main_gpu=s.main_gpu)
                    if s.n_gpu_layers > 0 and not self._generator.gpu:
                        self.notes.append("n_gpu_layers is set, but this llama-cpp-python build has no GPU support:"
                                          " running on the CPU (reinstall it with CMAKE_ARGS=\"-DGGML_CUDA=on\")")
            return self._generator

    def _embed_cuda(self) -> bool:
        if not self.settings.embed_gpu:
            return False
        import onnxruntime

        if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            return True
        self.notes.append("embed_gpu is set, but onnxruntime has no CUDA provider (install fastembed-gpu): "
                          "embedding on the CPU")
        return False

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def rules(self) -> Rules:
        return Rules(self.settings.ignore, [self.paths.data_dir, self.paths.config_dir])

    # ---- folders and indexing -------------------------------------------------------------------
    def add(self, paths: Sequence[str]) -> list[str]:
        resolved = [check_folder_path(p) for p in paths]  # all or nothing: check every path first
        for p in resolved:
            if self.rules().is_own(p):
                raise LocalragError(f"{p} is localrag's own data folder; it cannot be indexed")
        for p in resolved:
            self.store.unforget(p)  # adding again is the way back after `forget`
            self.store.add_folder(p)
        return resolved

    def remove(self, path: str) -> RemoveResult:
        target = str(Path(path).expanduser().resolve()) if os.path.exists(path) else os.path.abspath(path)
        for fid, p in self.store.folders():
            if p == target or p == path:
                return RemoveResult(p, self.store.remove_folder(fid))
        known = ", ".join(p for _, p in self.store.folders()) or "none"
        raise LocalragError(f"{path} is not a registered folder (registered: {known})")

    def forget(self, path: str) -> int:
        """Remove a file's (or folder's) text from the index and the disk, and never index it again."""
        target = os.path.abspath(os.path.expanduser(path))
        with self.store.writer_lock():
            n = self.store.forget(target)
        if n == 0 and not any(target == f or target.startswith(f.rstrip(os.sep) + os.sep) for f in self.folders()):
            raise LocalragError(f"{path} is not in the index")
        return n

    def doctor(self, repair: bool = False) -> tuple[dict, list[str]]:
        with self.store.writer_lock():
            found = self.store.check()
            fixed = self.store.repair() if repair else []
        return found, fixed

    def folders(self) -> list[str]:
        return [p for _, p in self.store.folders()]

    def index(self, progress: ProgressFn | None = None, only: Sequence[str] | None = None,
              scope: dict[str, list[str]] | None = None, on_wait: Callable[[], None] | None = None) -> IndexStats:
        """Bring the index in step with the folders (``only`` some of them; ``scope``: only some
        paths under them, as the watcher knows what changed)."""
        folders = self.store.folders()
        if only:
            folders = [(i, p) for i, p in folders if p in only]
        if not folders:
            raise LocalragError("no folders registered yet: add one with `localrag add PATH`")
        emb = self.embedder
        self.store.bind_model(emb.info.name, emb.info.dim, emb.info.fingerprint)
        indexer = Indexer(self.store, emb, self.rules(), int(self.settings.max_file_mb * 1e6))
        scope_ids = None if scope is None else {i: scope[p] for i, p in folders if p in scope}
        with self.store.writer_lock(on_wait):
            return indexer.run(folders, progress, scope_ids)

    def reindex(self, progress: ProgressFn | None = None) -> IndexStats:
        """Re-embed everything with the configured model (after a model change)."""
        emb = Embedder(self.settings.embed_model, self.paths.models_dir, self.settings.embed_threads, self.model_progress,
                       cuda=self._embed_cuda())
        self.store.reset_vectors()
        self._embedder = emb
        return self.index(progress)

    # ---- questions ------------------------------------------------------------------------------
    def active_adapter(self) -> Adapter | None:
        """The adopted query adapter, if it was trained for the embedding model in use."""
        row = self.store.active_adapter()
        if row is None:
            self.adapter_note = None
            return None
        aid, fingerprint, u, v, dim, rank = row[:6]
        if fingerprint != expected_identity(self.settings.embed_model)[1]:
            self.adapter_note = ("the active tuning adapter was trained for another embedding model, so it is "
                                 "disabled; run `localrag tune` again, or `localrag tune --revert`")
            return None
        self.adapter_note = None
        if self._adapter is None or self._adapter[0] != aid:
            self._adapter = (aid, Adapter.from_blobs(u, v, dim, rank))
        return self._adapter[1]

    def query_vector(self, text: str, adapter: Adapter | bool = True) -> np.ndarray:
        """The query's vector, through the active adapter unless told otherwise."""
        vec = self.embedder.embed_query(text)
        a = self.active_adapter() if adapter is True else (adapter or None)
        return a.apply(vec) if a is not None else vec

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               adapter: Adapter | bool = True) -> list[Result]:
        mode = mode or self.settings.search_mode
        if mode not in ("hybrid", "vector", "keyword"):
            raise LocalragError(f"unknown search mode {mode!r}: use hybrid, vector or keyword")
        qv = (lambda text: self.query_vector(text, adapter)) if mode != "keyword" else _no_vector
        return search(self.store, qv, query, k or self.settings.top_k, mode)

    def ask(self, question: str, k: int | None = None, on_text: Callable[[str], None] | None = None,
            history: Sequence[tuple[str, str]] = (), cancel: threading.Event | None = None,
            mode: str | None = None) -> Answer:
        if not question.strip():
            raise LocalragError("the question is empty")
        results = self.search(question, k, mode)
        s = self.settings
        return answer(question, results, self.generator, s.max_answer_tokens, s.temperature, s.min_score,
                      on_text, history, cancel)

    # ---- conversations ----------------------------------------------------------------------------
    def history(self, conversation_id: int | None) -> list[tuple[str, str]]:
        """Earlier (question, answer) pairs, for follow-up questions."""
        return [(q, a) for q, a, _ in self.store.messages(conversation_id)] if conversation_id else []

    def ask_in_conversation(self, conversation_id: int | None, question: str,
                            on_text: Callable[[str], None] | None = None, cancel: threading.Event | None = None,
                            k: int | None = None) -> tuple[int, Answer]:
        """Ask with the conversation so far, and keep the exchange (a new conversation if None)."""
        history = self.history(conversation_id)
        ans = self.ask(question, k, on_text=on_text, history=history, cancel=cancel)
        if conversation_id is None:
            conversation_id = self.store.new_conversation(question)
        self.store.add_message(conversation_id, question, ans.text,
                               json.dumps([c.to_json() for c in ans.citations] or [r.to_json() for r in ans.nearest]))
        return conversation_id, ans

    def status(self) -> dict:
        st = self.store.stats()
        rec = self.store.model_record()
        size = sum(os.path.getsize(p) for p in (self.paths.db_file, Path(str(self.paths.db_file) + "-wal"))
                   if os.path.exists(p))
        st.update({
            "db_path": str(self.paths.db_file),
            "db_bytes": size,
            "embed_model": {"setting": self.settings.embed_model, "indexed_with": rec[0] if rec else None,
                            "dim": rec[1] if rec else None},
            "llm_model": self.settings.llm_model if self.settings.llm == "local" else
            f"{self.settings.llm_remote_model or 'server model'} at {self.settings.llm_url}",
            "gpu": gpu_report(self.settings),
            "config_file": str(self.paths.config_file),
        })
        return st


def run_eval(app: Localrag, queries: Sequence[Query], answers: bool = False, k: int | None = None,
             on_query: Callable[[str, int, int], None] | None = None) -> Report:
    """Score retrieval (and answers) on labeled queries; never writes to the index."""
    app.store.cache_vectors = True  # many searches in one process
    judge = Judge([p for (p,) in app.store.db.execute("SELECT path FROM documents WHERE status='ok'")], app.folders())
    modes = list(MODES)
    if app.active_adapter() is not None:
        modes += ["vector+adapter", "hybrid+adapter"]

    def run(q: str, depth: int, mode: str) -> list[Result]:
        base, _, tuned = mode.partition("+")
        return app.search(q, depth, base, adapter=bool(tuned))

    rep = evaluate(run, judge, queries, modes, on_query=on_query)
    if answers:
        figs = AnswerFigures()
        for q in queries:
            if not q.answer:
                continue
            units, _ = judge.units(q)
            ans = app.ask(q.text, k)
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
        rep.answers = figs
    rep.recommendations = recommend(rep)
    return rep


@contextmanager
def trec_app(directory: str, app_settings: Settings, paths: Paths, index_dir: str | None = None,
             progress: ProgressFn | None = None,
             model_progress: ByteProgress | None = None) -> Iterator[tuple[Localrag, list[Query]]]:
    """A TREC collection in its own index (one file per doc id), deleted afterwards, also on
    Ctrl-C. With ``index_dir`` it is kept there and re-used (embedding a collection takes minutes)."""
    col = find_trec(directory)
    queries = col.queries()
    tmp = None
    if index_dir:
        root = Path(index_dir).expanduser().resolve()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="localrag-eval-")
        root = Path(tmp.name)
    try:
        docs = root / "docs"
        if not docs.exists():  # written aside, then renamed: an interrupted run never leaves half a collection
            partial = root / "docs.partial"
            shutil.rmtree(partial, ignore_errors=True)
            write_trec_docs(col, partial)
            partial.rename(docs)
        app = Localrag(Paths(root / "home", root / "home", models_override=paths.models_dir), app_settings,
                       model_progress=model_progress)
        try:
            if not app.folders():
                app.add([str(docs)])
            app.index(progress)
            yield app, queries
        finally:
            app.close()
    finally:
        if tmp is not None:
            tmp.cleanup()


def eval_trec(directory: str, app_settings: Settings, paths: Paths, index_dir: str | None = None,
              answers: bool = False, progress: ProgressFn | None = None,
              on_query: Callable[[str, int, int], None] | None = None,
              model_progress: ByteProgress | None = None) -> Report:
    """Evaluate retrieval on a TREC collection, so figures compare with published ones."""
    with trec_app(directory, app_settings, paths, index_dir, progress, model_progress) as (app, queries):
        return run_eval(app, queries, answers, on_query=on_query)


def run_tune(app: Localrag, labeled: Sequence[Query] = (), seed: int = 0, held_out: float = 0.3,
             ict: int | None = None, on_step: Callable[[str, int, int], None] | None = None) -> TuneReport:
    """Train a query adapter on labeled queries, feedback and inverse-cloze pairs; adopt it only
    when the held-out queries say it is better."""
    t0 = time.perf_counter()
    store = app.store
    store.cache_vectors = True
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
            cid = int(qid.split("-")[1])
            path = store.chunks_by_ids([cid])[cid].path
            specs.append((qid, sentence, [], rest, {cid}, {f"{path}#{cid}": 1}))
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
    all_ids, matrix = store._vector_matrix()
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
        neg = np.stack(negs) if negs else np.zeros((0, qv.shape[0]), dtype=np.float32)
        examples.append(Example(s[0], qv, np.stack(pos), neg))
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


def make_queries(app: Localrag, n: int, out: str, seed: int = 0,
                 on_query: Callable[[str, int, int], None] | None = None) -> int:
    """A starter QUERIES file: the local model writes a question for each of n sampled chunks."""
    target = Path(out)
    if target.exists():
        raise LocalragError(f"{target} exists; choose another file with --out")
    rows = sample_chunks(app.store.db, n * 3, seed)  # spares for when the model writes no question
    if not rows:
        raise LocalragError("the index has no chunks to write questions from: add and index a folder first")
    gen = app.generator
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


def gpu_report(settings: Settings) -> dict:
    """What GPU offload this installation can do, for `status` (imports are cheap here)."""
    out: dict = {"llm_layers_setting": settings.n_gpu_layers, "embed_gpu_setting": settings.embed_gpu}
    try:
        import llama_cpp

        out["llm_gpu_build"] = bool(llama_cpp.llama_supports_gpu_offload())
    except ImportError:
        out["llm_gpu_build"] = False
    try:
        import onnxruntime

        out["embed_providers"] = onnxruntime.get_available_providers()
    except ImportError:
        out["embed_providers"] = []
    return out


def _no_vector(_: str) -> np.ndarray:  # keyword mode never embeds the query
    raise AssertionError("keyword search asked for a vector")
