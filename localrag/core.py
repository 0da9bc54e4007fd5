"""The one API the CLI and the TUI both call. Models load lazily: a command that needs no
model (status, remove) never pays for one."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answer import Answer, Generator, answer
from .config import Paths, Settings, get_paths
from .embed import Embedder, expected_identity
from .errors import LocalragError
from .evaluate import (SYNTHETIC_NOTE, AnswerFigures, Judge, Query, Report, classify_answer, evaluate, find_trec,
                       recommend, sample_chunks, write_question, write_trec_docs)
from .ignore import Rules
from .ingest import Indexer, IndexStats, ProgressFn, check_folder_path
from .models import ByteProgress, resolve_llm_path
from .retrieve import Result, search
from .store import Store


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
                               self.model_progress)
                self.store.check_model(emb.info.fingerprint, emb.info.name)
                self._embedder = emb
            return self._embedder

    @property
    def generator(self) -> Generator:
        with self._load_lock:
            if self._generator is None:
                path = resolve_llm_path(self.settings.llm_model, self.paths.models_dir, self.model_progress)
                self._generator = Generator(path, self.settings.n_ctx, self.settings.n_gpu_layers)
            return self._generator

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
            self.store.add_folder(p)
        return resolved

    def remove(self, path: str) -> RemoveResult:
        target = str(Path(path).expanduser().resolve()) if os.path.exists(path) else os.path.abspath(path)
        for fid, p in self.store.folders():
            if p == target or p == path:
                return RemoveResult(p, self.store.remove_folder(fid))
        known = ", ".join(p for _, p in self.store.folders()) or "none"
        raise LocalragError(f"{path} is not a registered folder (registered: {known})")

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
        emb = Embedder(self.settings.embed_model, self.paths.models_dir, self.settings.embed_threads, self.model_progress)
        self.store.reset_vectors()
        self._embedder = emb
        return self.index(progress)

    # ---- questions ------------------------------------------------------------------------------
    def query_vector(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Result]:
        mode = mode or self.settings.search_mode
        if mode not in ("hybrid", "vector", "keyword"):
            raise LocalragError(f"unknown search mode {mode!r}: use hybrid, vector or keyword")
        qv = self.query_vector if mode != "keyword" else _no_vector
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
            "llm_model": self.settings.llm_model,
            "config_file": str(self.paths.config_file),
        })
        return st


def run_eval(app: Localrag, queries: Sequence[Query], answers: bool = False, k: int | None = None,
             on_query: Callable[[str, int, int], None] | None = None) -> Report:
    """Score retrieval (and answers) on labeled queries; never writes to the index."""
    app.store.cache_vectors = True  # many searches in one process
    judge = Judge([p for (p,) in app.store.db.execute("SELECT path FROM documents WHERE status='ok'")], app.folders())
    rep = evaluate(lambda q, depth, mode: app.search(q, depth, mode), judge, queries, on_query=on_query)
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


def eval_trec(directory: str, app_settings: Settings, paths: Paths, index_dir: str | None = None,
              answers: bool = False, progress: ProgressFn | None = None,
              on_query: Callable[[str, int, int], None] | None = None,
              model_progress: ByteProgress | None = None) -> Report:
    """Index a TREC collection into a temporary index (one file per doc id), evaluate, delete it.

    With ``index_dir`` the index is kept there and re-used by the next run (embedding a
    collection takes minutes)."""
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
            return run_eval(app, queries, answers, on_query=on_query)
        finally:
            app.close()
    finally:
        if tmp is not None:
            tmp.cleanup()


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


def _no_vector(_: str) -> np.ndarray:  # keyword mode never embeds the query
    raise AssertionError("keyword search asked for a vector")
