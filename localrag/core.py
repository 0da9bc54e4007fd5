"""The one API the CLI and the TUI both call. Models load lazily: a command that needs no
model (status, remove) never pays for one; nor does a one-shot `localrag search` import the
answering, indexing and model-catalog code (a third of such a process's time; bench/query.py)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from localrag.config import BOUNDS, MAX_K, Paths, Settings, get_paths
from localrag.errors import LocalragError
from localrag.models.bundled import ByteProgress, resolve_llm_path
from localrag.models.embed import Embedder, expected_identity
from localrag.search.adapter import Adapter
from localrag.search.levers import Levers
from localrag.search.retrieve import Result, search
from localrag.search.scope import Scope, make_scope, within
from localrag.store import WAITING_FOR_WRITER, Store  # noqa: F401 - the CLI says it too
from localrag.store.rows import AdapterRow

if TYPE_CHECKING:  # imported where used: a one-shot search never loads them
    from localrag.answering.answer import Answer
    from localrag.answering.documents import Library
    from localrag.answering.preview import PassageContext
    from localrag.evaluation.answerset import AnswerSet
    from localrag.evaluation.evaluate import Report
    from localrag.evaluation.queries import Query
    from localrag.evaluation.squad import QA, AnswerMetrics, SquadSet
    from localrag.evaluation.summaries import SummaryMetrics
    from localrag.evaluation.tune import TuneReport
    from localrag.indexing.indexer import IndexStats, ProgressFn
    from localrag.indexing.parse.sandbox import ParserWorker
    from localrag.indexing.walk import Rules
    from localrag.models.generator import Generator
    from localrag.models.remote import RemoteGenerator
    from localrag.models.verifier import Verifier



QUIET_SECONDS = 2.0  # without a request, before a long-lived process embeds sentences ahead
DEFAULT_EMBED_RATE = 14.0  # texts a second, before an index run has measured this machine's own

# what each of the store's checks means, and whether it can wait (harmless) or needs --repair
CHECKS: dict[str, tuple[str, str]] = {
    "keyword_index_ok": ("serious", "the keyword index disagrees with the chunks"),
    "chunks_without_vectors": ("harmless", "chunks wait for their vectors (harmless: searchable by keywords; "
                                           "`localrag index` embeds them)"),
    "vectors_without_rows": ("serious", "stray vectors belong to no text"),
    "rows_without_vectors": ("serious", "vector rows lost their vector"),
    "rows_without_codes": ("serious", "vectors miss their search codes (rebuilt by --repair without re-embedding)"),
    "unused_vectors": ("harmless", "vectors are no longer used (harmless, reclaimed by the next index)"),
    "chunk_counts_off": ("serious", "documents have a wrong chunk count"),
    "orphan_chunks": ("serious", "chunks belong to no document"),
    "documents_without_chunks": ("serious", "indexed files have no chunks"),
    "codes_file_damaged": ("harmless", "codes file beside the index is damaged (harmless: searches read the index; "
                                       "--repair removes it)"),
}


@dataclass
class Problem:
    check: str
    count: int
    severity: str  # "serious" (needs `doctor --repair`) or "harmless" (mends itself, or costs nothing)
    message: str


@dataclass
class DoctorReport:
    checks: dict
    problems: list[Problem]
    repaired: list[str]

    @property
    def serious(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "serious"]

    def to_json(self) -> dict:
        return {"checks": self.checks, "problems": [vars(p) for p in self.problems], "repaired": self.repaired}


@dataclass
class RemoveResult:
    path: str
    files: int


class Localrag:
    def __init__(self, paths: Paths | None = None, settings: Settings | None = None,
                 model_progress: ByteProgress | None = None, embedder: Embedder | None = None):
        """``embedder``: an embedding model already loaded (tests share one; it is checked
        against the index as one loaded here would be)."""
        self.paths = paths or get_paths()
        self.paths.ensure()
        self.settings = settings or Settings.load(self.paths)
        self.model_progress = model_progress
        self._store: Store | None = None
        self._embedder: Embedder | None = None
        if embedder is not None:
            self.store.vectors.check_model(embedder.info.fingerprint, embedder.info.name)
            self._embedder = embedder
        self._generator: Generator | RemoteGenerator | None = None
        self._adapter: tuple[int, Adapter] | None = None
        self._parser: ParserWorker | None = None  # kept between index runs by the watcher (keep_parser)
        self.adapter_note: str | None = None
        self.notes: list[str] = []  # things a user should hear once (GPU requested but absent...)
        self.warming = ""  # what warm_when_idle does now, if anything
        # one lock a model: a search never waits for the language model to load
        self._embed_lock = threading.Lock()
        self._gen_lock = threading.Lock()
        self._settings_lock = threading.Lock()  # two commands of the service may both adopt new settings

    # ---- parts, loaded on first use -------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.paths.db_file)
        return self._store

    @property
    def embedder(self) -> Embedder:
        if self._embedder is not None:
            return self._embedder
        with self._embed_lock:
            if self._embedder is None:
                name, fingerprint = expected_identity(self.settings.embed_model)
                self.store.vectors.check_model(fingerprint, name)  # refuse before loading (or downloading) anything
                emb = Embedder(self.settings.embed_model, self.paths.models_dir, self.settings.embed_threads,
                               self.model_progress, cuda=self._embed_cuda())
                self.store.vectors.check_model(emb.info.fingerprint, emb.info.name)
                self._embedder = emb
            return self._embedder

    @property
    def generator(self) -> Generator | RemoteGenerator:
        with self._gen_lock:
            if self._generator is None:
                s = self.settings
                if s.llm == "openai":
                    from localrag.models.remote import RemoteGenerator

                    self._generator = RemoteGenerator(s.llm_url, s.llm_remote_model, s.llm_api_key_env, s.n_ctx,
                                                      api=s.llm_api)
                else:
                    from localrag.models.generator import Generator

                    path = resolve_llm_path(s.llm_model, self.paths.models_dir, self.model_progress)
                    self._generator = Generator(path, s.n_ctx, s.n_gpu_layers, main_gpu=s.main_gpu, threads=s.llm_threads)
                    if s.n_gpu_layers > 0 and not self._generator.gpu:
                        self.notes.append("n_gpu_layers is set, but this llama-cpp-python build has no GPU support:"
                                          " running on the CPU (reinstall it with CMAKE_ARGS=\"-DGGML_CUDA=on\")")
            return self._generator

    @property
    def verifier(self) -> Verifier | None:
        """The answerability verifier when the settings use it (``verifier = true``); loaded once
        per process, shared by every Localrag in it."""
        if not self.settings.verifier:
            return None
        from localrag.models.verifier import bundled_verifier

        return bundled_verifier()

    def _embed_cuda(self) -> bool:
        if not self.settings.embed_gpu:
            return False
        import onnxruntime

        if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            return True
        self.notes.append("embed_gpu is set, but onnxruntime has no CUDA provider (install fastembed-gpu): "
                          "embedding on the CPU")
        return False

    def loaded_models(self) -> tuple[str | None, str | None]:
        """(embedding model, language model) labels of what is loaded now; None: not yet."""
        emb, gen = self._embedder, self._generator
        llm = None
        if gen is not None:
            llm = (gen.model_path.name if isinstance(gen.model_path, Path) else str(gen.model_path)) + (
                " (GPU)" if gen.gpu else "")
        return (emb.info.name.split(" (")[0] if emb else None), llm

    def reload_generator(self) -> None:
        """Drop the loaded language model; the next answer loads the one the settings name."""
        with self._gen_lock:
            self._generator = None

    def keep_vectors_in_memory(self) -> None:
        """For long-lived processes (TUI, eval, tune): search an in-memory copy of the vectors."""
        self.store.vectors.cache = True

    def release_thread(self) -> None:
        """This thread is done with the index: its connection closes (see Connection.release_thread)."""
        if self._store is not None:
            self._store.conn.release_thread()

    def warm_sentences(self, stop: Callable[[], bool]) -> tuple[int, bool]:
        """Embed ahead the sentences answers rank, newest chunks first, up to ``warm_sentences``
        vectors, until done or ``stop()``: a new question then embeds only itself (the service
        and the TUI, while idle: ``warm_when_idle``). Returns the vectors stored and whether it
        finished."""
        if self.settings.warm_sentences <= 0:
            return 0, True
        from localrag.answering.warm import warm

        emb = self.embedder
        return warm(self.store, emb.embed, emb.info.fingerprint, self.settings.warm_sentences, stop)

    def warm_when_idle(self, busy: Callable[[], bool], last_request: Callable[[], float], wanted: threading.Event,
                       stop: threading.Event, log: Callable[[str], None]) -> None:
        """For a long-lived process, on a thread of its own until ``stop``: first the stored
        vectors are read ahead (``read_vectors_ahead``); then, whenever ``wanted`` is set (by
        whoever indexes) and the process is quiet (not ``busy()``, and ``QUIET_SECONDS`` past its
        ``last_request()`` end, in ``time.monotonic()``), sentences are embedded ahead, stopping
        at the next step once it is not quiet. Errors (a locked index, a full disk) are logged,
        and tried again after the next change."""
        def quiet() -> bool:
            return not busy() and time.monotonic() - last_request() >= QUIET_SECONDS

        self.warming = "reading the index ahead"  # not held back for requests: it is the disk's work
        try:
            self.read_vectors_ahead(stop.is_set)
        except Exception as e:
            log(f"reading the index ahead: {e}")
        finally:
            self.warming = ""
        while not stop.is_set():
            if not wanted.wait(5.0):
                continue
            if not quiet():
                stop.wait(0.5)
                continue
            self.warming = "embedding sentences ahead"
            wanted.clear()
            try:
                stored, done = self.warm_sentences(lambda: stop.is_set() or not quiet())
                if stored:
                    log(f"embedded {stored} sentences ahead")
            except Exception as e:  # on a background thread: said, never a traceback
                log(f"embedding sentences ahead: {e}")
                done = True
            finally:
                self.warming = ""
            if not done:
                wanted.set()  # interrupted: go on once quiet again
        self.release_thread()

    def read_vectors_ahead(self, stop: Callable[[], bool]) -> bool:
        """Bring every stored vector into the OS's page cache (a step at a time, until ``stop()``),
        so a long-lived process's first searches of a big index do not wait for the disk.
        Whether it read them all."""
        after = 0
        while not stop():
            after = self.store.vectors.read_ahead(after)
            if not after:
                return True
        return False

    def _embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence vectors for ranking: recent ones, those embedded ahead, then the rest."""
        return self.embedder.embed_recent(texts, self.store.sentences.lookup)

    def keep_parser(self) -> None:
        """For processes that index again and again (the watcher): one parser sandbox for every
        run, so a saved file is not held up by a child's start-up."""
        if self._parser is None:
            from localrag.indexing.parse.sandbox import ParserWorker

            self._parser = ParserWorker()  # its child starts on the first file that needs it

    def close(self) -> None:
        if self._parser is not None:
            self._parser.close()
            self._parser = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def rules(self) -> Rules:
        from localrag.indexing.walk import Rules

        return Rules(self.settings.ignore, [self.paths.data_dir, self.paths.config_dir])

    # ---- folders and indexing -------------------------------------------------------------------
    def add(self, paths: Sequence[str]) -> list[str]:
        from localrag.indexing.indexer import check_folder_path

        resolved = [check_folder_path(p) for p in paths]  # all or nothing: check every path first
        for p in resolved:
            if self.rules().is_own(p):
                raise LocalragError(f"{p} is localrag's own data folder; it cannot be indexed")
        for p in resolved:
            self.store.documents.unforget(p)  # adding again is the way back after `forget`
            self.store.documents.add_folder(p)
        return resolved

    def remove(self, path: str, on_wait: Callable[[], None] | None = None) -> RemoveResult:
        """Unregister a folder. It waits for a running indexer (``on_wait`` is told), so an
        indexer never finds its folder gone half-way."""
        target = str(Path(path).expanduser().resolve()) if os.path.exists(path) else os.path.abspath(path)
        with self.store.writer_lock(on_wait):
            for fid, p in self.store.documents.folders():
                if p == target or p == path:
                    return RemoveResult(p, self.store.documents.remove_folder(fid))
        known = ", ".join(p for _, p in self.store.documents.folders()) or "none"
        raise LocalragError(f"{path} is not a registered folder (registered: {known})")

    def forget(self, path: str) -> tuple[int, bool]:
        """Remove a file's (or folder's) text from the index and the disk, and never index it again.
        Returns (files forgotten, whether their text is gone from the WAL too: a reader that
        another process holds open can keep it there until the next checkpoint)."""
        target = os.path.abspath(os.path.expanduser(path))
        if not self.store.documents.holds_path(target) and not any(within(target, f) for f in self.folders()):
            raise LocalragError(f"{path} is not in the index")  # said before any work is done
        with self.store.writer_lock():
            return self.store.documents.forget(target)

    def doctor(self, repair: bool = False) -> DoctorReport:
        """Whether documents, chunks, keywords and vectors agree, each disagreement with its
        severity; ``repair`` mends them without re-embedding what is intact."""
        with self.store.writer_lock():
            found = self.store.health.check()
            fixed = self.store.health.repair() if repair else []
        problems = []
        if found["integrity"] != "ok":
            problems.append(Problem("integrity", 1, "serious", f"SQLite integrity check: {found['integrity']}"))
        for key, (severity, text) in CHECKS.items():
            v = int(found[key])
            if key == "keyword_index_ok":
                if not v:
                    problems.append(Problem(key, 1, severity, text))
            elif v:
                problems.append(Problem(key, v, severity, f"{v} {text}"))
        return DoctorReport(found, problems, fixed)

    def folders(self) -> list[str]:
        return [p for _, p in self.store.documents.folders()]

    def index(self, progress: ProgressFn | None = None, only: Sequence[str] | None = None,
              scope: dict[str, list[str]] | None = None, on_wait: Callable[[], None] | None = None) -> IndexStats:
        """Bring the index in step with the folders (``only`` some of them; ``scope``: only some
        paths under them, as the watcher knows what changed)."""
        if not self.store.documents.folders():  # said before any model loads
            raise LocalragError("no folders registered yet: add one with `localrag add PATH`")
        emb = self.embedder
        with self.store.writer_lock(on_wait):
            return self._index_locked(emb, progress, only, scope)

    def _index_locked(self, emb: Embedder, progress: ProgressFn | None, only: Sequence[str] | None,
                      scope: dict[str, list[str]] | None) -> IndexStats:
        """The indexer run, under the writer lock: the folders are read here, after any wait, so
        one removed meanwhile is not indexed."""
        folders = self.store.documents.folders()
        if only:
            folders = [(i, p) for i, p in folders if p in only]
        if not folders:
            raise LocalragError("no folders to index: they were removed meanwhile")
        self.store.vectors.bind_model(emb.info.name, emb.info.dim, emb.info.fingerprint)
        s = self.settings
        from localrag.indexing.indexer import Indexer
        from localrag.models.embed_server import EmbeddingServer

        server = EmbeddingServer(s.embed_url, s.embed_url_model, s.embed_api_key_env) if s.embed_url else None
        indexer = Indexer(self.store, emb, self.rules(), int(s.max_file_mb * 1e6), s.ocr, server, self._parser)
        scope_ids = None if scope is None else {i: scope[p] for i, p in folders if p in scope}
        stats = indexer.run(folders, progress, scope_ids)
        if scope is None:  # a whole run, not the watcher's few files: 56 MB written at a million
            self.store.vectors.save_codes_file()  # one-shot searches map it (a big index only)
        return stats

    def reindex(self, progress: ProgressFn | None = None, on_wait: Callable[[], None] | None = None,
                new_settings: Settings | None = None) -> IndexStats:
        """Re-embed everything with the configured model (after a model change). The reset and
        the re-embedding run under one writer lock: no indexer of the old model runs in between.

        ``new_settings`` (a new embedding model, say) are adopted and saved only once their model
        has loaded and the old vectors are gone: a model that cannot load (offline, a typo)
        changes nothing, and the saved settings always name the model the index holds."""
        s = new_settings or self.settings
        emb = Embedder(s.embed_model, self.paths.models_dir, s.embed_threads, self.model_progress, cuda=self._embed_cuda())
        with self.store.writer_lock(on_wait):
            self.store.vectors.reset_vectors()
            if new_settings is not None:
                new_settings.save(self.paths)
                if _generator_fields(new_settings) != _generator_fields(self.settings):
                    self.reload_generator()
                self.settings = new_settings
            self._embedder = emb
            return self._index_locked(emb, progress, None, None)

    # ---- questions ------------------------------------------------------------------------------
    def _active_tuning(self) -> AdapterRow | None:
        """The row `tune` adopted, if it was made for the embedding model in use."""
        row = self.store.history.active_adapter()
        self.adapter_note = None
        if row is None:
            return None
        if row.fingerprint != expected_identity(self.settings.embed_model)[1]:
            self.adapter_note = ("the active tuning was made for another embedding model, so it is "
                                 "disabled; run `localrag tune` again, or `localrag tune --revert`")
            return None
        return row

    def _tuned(self) -> tuple[Adapter | None, Levers]:
        """The adapter and the retrieval settings `tune` adopted, from one read of its row."""
        row = self._active_tuning()
        if row is None:
            return None, Levers()
        levers = Levers.from_json(row.levers)
        if not row.rank:  # rank 0: `tune` adopted retrieval settings alone
            return None, levers
        if self._adapter is None or self._adapter[0] != row.id:
            self._adapter = (row.id, Adapter.from_blobs(row.u, row.v, row.dim, row.rank))
        return self._adapter[1], levers

    def active_adapter(self) -> Adapter | None:
        """The adopted query adapter, if it was trained for the embedding model in use."""
        return self._tuned()[0]

    def active_levers(self) -> Levers:
        """The fusion and feedback settings `tune` adopted (the defaults if none)."""
        return self._tuned()[1]

    def query_vector(self, text: str, adapter: Adapter | bool = True) -> np.ndarray:
        """The query's vector, through the active adapter unless told otherwise."""
        vec = self.embedder.embed_query(text)
        a = self.active_adapter() if adapter is True else (adapter or None)
        return a.apply(vec) if a is not None else vec

    def scope(self, paths: Sequence[str] = (), types: Sequence[str] = ()) -> Scope | None:
        """A checked scope for search and ask (None: everything). A scope nothing indexed
        matches is said at once, not answered with "nothing found"."""
        if not paths and not types:
            return None
        sc = make_scope(paths, types, self.folders())
        if sc and not self.store.chunks.scope_has_chunks(sc):
            raise LocalragError(f"nothing indexed matches the scope ({sc.describe()})")
        return sc

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               adapter: Adapter | bool = True, scope: Scope | None = None,
               levers: Levers | bool = True) -> list[Result]:
        """``adapter`` and ``levers``: True for what `tune` adopted, False for the baseline, or
        a candidate of `tune`'s own."""
        mode = mode or self.settings.search_mode
        if mode not in ("hybrid", "vector", "keyword"):
            raise LocalragError(f"unknown search mode {mode!r}: use hybrid, vector or keyword")
        if adapter is True or levers is True:  # what `tune` adopted: its row read once per search
            tuned_adapter, tuned_levers = self._tuned()
            adapter = (tuned_adapter or False) if adapter is True else adapter
            levers = tuned_levers if levers is True else levers
        qv = (lambda text: self.query_vector(text, adapter)) if mode != "keyword" else _no_vector
        lv = levers or None
        return search(self.store, qv, query, checked_k(k) or self.settings.top_k, mode, scope=scope, levers=lv)

    def ask(self, question: str, k: int | None = None, on_text: Callable[[str], None] | None = None,
            history: Sequence[tuple[str, str]] = (), cancel: threading.Event | None = None,
            mode: str | None = None, scope: Scope | None = None, words: int | None = None) -> Answer:
        """A fact question gets a short answer on its quotes; a question about whole documents
        (summarize X, compare A and B, which files mention Y, list every Z) gets quotes chosen
        across them (``words``: a summary's budget, default ``summary_words``)."""
        if not question.strip():
            raise LocalragError("the question is empty")
        if not self.folders():  # said at once, before any model is loaded
            raise LocalragError("nothing is indexed yet: add a folder with `localrag add PATH`")
        s = self.settings
        if s.llm == "local" and s.llm_model not in ("", "default"):
            resolve_llm_path(s.llm_model, self.paths.models_dir)  # a wrong model is said even if nothing answers
        from localrag.answering.kinds import FACT, classify

        asked = classify(question)
        if asked.kind != FACT:
            from localrag.answering.documents import answer_documents

            doc_ans = answer_documents(self._library(mode, cancel), question, asked, scope, checked_words(words, s))
            if doc_ans is not None:
                doc_ans.partial = self.partial_note(mode)
                if on_text:
                    on_text(doc_ans.text)
                return doc_ans
        # the evidence is drawn from a few more passages than a reader needs (unless told how many)
        from localrag.answering.answer import answer
        from localrag.answering.evidence import PASSAGES

        results = self.search(question, checked_k(k) or max(self.settings.top_k, PASSAGES), mode, scope=scope)
        ans = answer(question, results, lambda: self.generator, self._embed_sentences, s.max_answer_tokens,
                     s.temperature, s.min_score, on_text, history, cancel, s.min_evidence, self.verifier,
                     self._table_of)
        ans.partial = self.partial_note(mode)
        return ans

    def _table_of(self, r: Result) -> list[Result]:
        """Every passage of the table ``r`` is part of (its document's chunks under its heading),
        so a total or a list counts all its rows, not only those retrieval found."""
        return [Result(c.id, c.path, 0.0, c.text, c.heading, c.page, c.start_line, c.end_line)
                for c in self.store.chunks.under_heading(r.path, r.heading)]

    def _library(self, mode: str | None = None, cancel: threading.Event | None = None) -> Library:
        """What whole-document answers read: the index, the models, and this API's search."""
        from localrag.answering.documents import Library

        return Library(self.store, self._embed_sentences,
                       lambda text, k, scope: self.search(text, k, mode, scope=scope),
                       self._chat_generator, cancel)

    def _chat_generator(self) -> Generator | RemoteGenerator | None:
        """The language model if it is a chat model (one that can write a summary), else None,
        without loading a base model only to learn that it is one."""
        s = self.settings
        gen = self._generator
        if gen is None and s.llm == "local":
            from localrag.models.generator import has_chat_template

            if not has_chat_template(resolve_llm_path(s.llm_model, self.paths.models_dir, self.model_progress)):
                return None
        gen = gen or self.generator
        return gen if gen.chat else None

    def summarize(self, paths: Sequence[str] = (), query: str = "", words: int | None = None,
                  types: Sequence[str] = (), cancel: threading.Event | None = None) -> Answer:
        """A summary of the files at ``paths`` (each file, or the files under a folder), or of
        what the files say about ``query``: the MCP server's and `localrag summarize`'s call."""
        from localrag.answering.documents import answer_documents
        from localrag.answering.kinds import SUMMARY, Asked

        if not self.folders():
            raise LocalragError("nothing is indexed yet: add a folder with `localrag add PATH`")
        if not paths and not query.strip():
            raise LocalragError("name the files to summarize, or a topic")
        scope = self.scope(paths, types)
        question = f"Summarize {', '.join(paths) if paths else query}"
        ans = answer_documents(self._library(None, cancel), question, Asked(SUMMARY, topic=query.strip()), scope,
                               checked_words(words, self.settings))
        assert ans is not None  # only a weak reading of a question gives None
        ans.partial = self.partial_note()
        return ans

    def partial_note(self, mode: str | None = None) -> str | None:
        """While vectors are still being made, say that search by meaning saw part of the index."""
        return None if (mode or self.settings.search_mode) == "keyword" else self.store.vectors.partial_note()

    # ---- conversations ----------------------------------------------------------------------------
    def history(self, conversation_id: int | None) -> list[tuple[str, str]]:
        """Earlier (question, answer) pairs, for follow-up questions."""
        return [(q, a) for q, a, _ in self.store.history.messages(conversation_id)] if conversation_id else []

    def ask_in_conversation(self, conversation_id: int | None, question: str,
                            on_text: Callable[[str], None] | None = None, cancel: threading.Event | None = None,
                            k: int | None = None, mode: str | None = None, scope: Scope | None = None,
                            origin: str = "tui", words: int | None = None) -> tuple[int, Answer]:
        """Ask with the conversation so far, and keep the exchange (a new conversation if None)."""
        if conversation_id is not None and self.store.history.conversation(conversation_id) is None:
            raise LocalragError(f"no conversation {conversation_id}: `localrag conversations` lists them")
        history = self.history(conversation_id)
        ans = self.ask(question, k, on_text=on_text, history=history, cancel=cancel, mode=mode, scope=scope,
                       words=words)
        if conversation_id is None:
            conversation_id = self.store.history.new_conversation(question, origin)
        saved = [dict(q.to_json(), text=q.text, heading=q.result.heading, cited=True) for q in ans.evidence]
        details = {"answer_kind": ans.kind, "question_kind": ans.question_kind, "documents": ans.documents,
                   "supported": ans.supported, "unsupported": ans.unsupported,
                   "scope": scope.to_json() if scope else None}
        self.store.history.add_message(conversation_id, question, ans.text,
                                       json.dumps(saved or [r.to_json() for r in ans.nearest]), json.dumps(details))
        return conversation_id, ans

    def latest_conversation(self, origin: str | None = None) -> int | None:
        """The most recently used conversation (of ``origin`` only, if given), for ``--continue``."""
        rows = self.store.history.conversations(1, origin)
        return rows[0][0] if rows else None

    def conversation(self, conversation_id: int | None = None) -> dict:
        """A whole conversation with its answers, quotes and sources, for export (None: the latest)."""
        cid = conversation_id if conversation_id is not None else self.latest_conversation()
        if cid is None:
            raise LocalragError("no conversations yet: ask a question first")
        head = self.store.history.conversation(cid)
        if head is None:
            raise LocalragError(f"no conversation {cid}: `localrag conversations` lists them")
        title, created, updated, origin = head
        messages = []
        for q, a, sources, details, at in self.store.history.message_rows(cid):
            messages.append({"question": q, "answer": a, "asked_at": at, **_loads(details, {}),
                             "sources": _loads(sources, [])})
        return {"id": cid, "title": title, "created_at": created, "updated_at": updated, "origin": origin,
                "messages": messages}

    def export_conversation(self, conversation_id: int | None, path: str | None = None,
                            fmt: str | None = None) -> tuple[str, str | None]:
        """A conversation as Markdown or JSON text, written to ``path`` if given (whole or not at
        all); returns (text, absolute path written or None)."""
        from localrag.answering.export import format_for, render, write_atomic

        text = render(self.conversation(conversation_id), fmt or format_for(path))
        return text, write_atomic(path, text) if path else None

    def index_stats(self) -> dict:
        """Folders, files, chunks and failed files (each with when it is tried again), without
        the model and GPU report of status()."""
        from localrag.indexing.indexer import retry_when

        st = self.store.health.stats()
        for f in st["failed"]:
            f["retry"] = retry_when(f["retry_at"])
        return st

    def summary(self) -> dict:
        """Folders with their files, chunks and failures, the chunk total and the share searchable
        by meaning: cheap enough to ask after every change the watcher makes."""
        return self.store.health.summary()

    def exchanges(self, conversation_id: int) -> list[tuple[str, str, list[tuple[int, Result]], bool]]:
        """A conversation's (question, answer, numbered sources, whether they are verbatim quotes),
        oldest first, from the stored citations (an answer's quotes, or the nearest passages)."""
        out = []
        for q, a, cits in self.store.history.messages(conversation_id):
            saved = [c for c in _loads(cits, []) if isinstance(c, dict) and "path" in c]
            shown = [c for c in saved if c.get("cited")] or saved
            sources = [(int(c.get("n", 0)), Result(c.get("chunk_id", 0), c["path"], 0.0, c.get("text", ""),
                                                   c.get("heading", ""), c.get("page"), c.get("start_line"),
                                                   c.get("end_line"))) for c in shown]
            out.append((q, a, sources, any("quote" in c for c in shown)))
        return out

    def reembed_estimate(self) -> tuple[int, int, float]:
        """(chunks, files, minutes) that re-embedding everything would take, at the speed the last
        index run measured on this machine (a cautious default before any run)."""
        st = self.store.health.summary()
        files = sum(f["files"] for f in st["folders"])
        rate = self.store.vectors.embed_rate() or DEFAULT_EMBED_RATE
        return st["chunks"], files, st["chunks"] / rate / 60

    def apply_settings(self, new: Settings, save: bool = True) -> bool:
        """Save and use ``new`` (an embedding model change goes through reindex instead). True
        when the language model must be loaded again for it."""
        old = self.settings
        new.validate()
        if save:
            new.save(self.paths)
        self.settings = new
        reload = _generator_fields(new) != _generator_fields(old)
        if reload:
            self.reload_generator()
        return reload

    def adopt_saved_settings(self, reindexing: bool = False) -> None:
        """For a long-lived process: settings saved meanwhile (`localrag config set`) are used from
        the next command on; a new embedding model only by the reindex that re-embeds with it."""
        with self._settings_lock:
            now = Settings.load(self.paths)
            if now == self.settings:
                return
            if now.embed_model != self.settings.embed_model:
                if reindexing:
                    return
                raise LocalragError("the embedding model setting changed: run `localrag reindex` to "
                                    "re-embed everything with it")
            self.apply_settings(now, save=False)

    def conversations(self, limit: int = 200) -> list[tuple[int, str, float]]:
        return self.store.history.conversations(limit)

    def revert_tuning(self) -> int:
        """Back to the baseline embedding (instant); the number of adapters switched off."""
        return self.store.history.deactivate_adapters()

    def record_feedback(self, query: str, r: Result, helpful: bool) -> None:
        """A person's verdict on a source, for `tune` to learn from."""
        self.store.history.add_feedback(query, r.path, r.chunk_id or None, helpful)

    def passage_context(self, r: Result, around: int | None = None) -> PassageContext:
        """A cited passage with the lines around it, read as its format's parser reads it."""
        from localrag.answering.preview import CONTEXT_LINES, passage_context

        return passage_context(r, CONTEXT_LINES if around is None else around)

    def passage(self, chunk_id: int, start_line: int | None = None, end_line: int | None = None) -> Result:
        """An indexed passage by its id (narrowed to some of its lines, as a quote is). Only what
        is in the index can be read this way, never an arbitrary file."""
        row = self.store.chunks.chunks_by_ids([chunk_id]).get(chunk_id)
        if row is None:
            raise LocalragError(f"no passage {chunk_id} in the index (it may have changed since: search again)")
        lo, hi = row.start_line, row.end_line
        if start_line is not None and lo is not None and hi is not None:
            end = end_line if end_line is not None else start_line
            if not lo <= start_line <= end <= hi:
                raise LocalragError(f"lines {start_line}-{end} are not in passage {chunk_id} (lines {lo}-{hi})")
            lo, hi = start_line, end
        return Result(row.id, row.path, 0.0, row.text, row.heading, row.page, lo, hi)

    # ---- measuring ------------------------------------------------------------------------------
    @classmethod
    @contextmanager
    def collection(cls, write_docs: Callable[[Path], object], settings: Settings, paths: Paths,
                   index_dir: str | None = None, progress: ProgressFn | None = None,
                   model_progress: ByteProgress | None = None) -> Iterator[Localrag]:
        """A collection's documents (written by ``write_docs`` into a folder) in an index of their
        own, deleted afterwards, also on Ctrl-C; kept and re-used in ``index_dir`` when given
        (embedding a collection takes minutes)."""
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
                write_docs(partial)
                partial.rename(docs)
            app = cls(Paths(root / "home", root / "home", models_override=paths.models_dir), settings,
                      model_progress=model_progress)
            try:
                if not app.folders():
                    app.add([str(docs)])
                app.index(progress)
                yield app
            finally:
                app.close()
        finally:
            if tmp is not None:
                tmp.cleanup()

    @classmethod
    @contextmanager
    def trec_collection(cls, directory: str, settings: Settings, paths: Paths, index_dir: str | None = None,
                        progress: ProgressFn | None = None,
                        model_progress: ByteProgress | None = None) -> Iterator[tuple[Localrag, list[Query]]]:
        """A TREC collection in its own index (one file per doc id), with its topics as queries."""
        from localrag.evaluation.trec import find_trec, write_trec_docs

        col = find_trec(directory)
        queries = col.queries()
        with cls.collection(lambda folder: write_trec_docs(col, folder), settings, paths, index_dir, progress,
                            model_progress) as app:
            yield app, queries

    @classmethod
    @contextmanager
    def squad_collection(cls, path: str, settings: Settings, paths: Paths, index_dir: str | None = None,
                         progress: ProgressFn | None = None,
                         model_progress: ByteProgress | None = None) -> Iterator[tuple[Localrag, SquadSet]]:
        """A SQuAD file's articles in an index of their own (one file an article)."""
        from localrag.evaluation.squad import load_squad

        data = load_squad(path)
        with cls.collection(data.write, settings, paths, index_dir, progress, model_progress) as app:
            yield app, data

    @classmethod
    @contextmanager
    def answer_set_collection(cls, path: str, settings: Settings, paths: Paths, index_dir: str | None = None,
                              progress: ProgressFn | None = None,
                              model_progress: ByteProgress | None = None) -> Iterator[tuple[Localrag, AnswerSet]]:
        """An answer set's documents (``questions.toml`` beside ``docs/``) in an index of their own."""
        from localrag.evaluation.answerset import load_answer_set

        data = load_answer_set(path)
        with cls.collection(data.write, settings, paths, index_dir, progress, model_progress) as app:
            yield app, data

    def evaluate(self, queries: Sequence[Query], answers: bool = False, k: int | None = None,
                 on_query: Callable[[str, int, int], None] | None = None) -> Report:
        """Score retrieval (and answers) on labelled queries; never writes to the index."""
        from localrag.evaluation.evaluate import run_eval

        return run_eval(self, queries, answers, k, on_query)

    def make_queries(self, n: int, out: str, seed: int = 0, on_query: Callable[[str, int, int], None] | None = None) -> int:
        """A starter QUERIES file written by the local model (one question a sampled chunk)."""
        from localrag.evaluation.evaluate import make_queries

        return make_queries(self, n, out, seed, on_query)

    def evaluate_summaries(self, data: SquadSet, words: int | None = None,
                           on_article: Callable[[str, int, int], None] | None = None) -> SummaryMetrics:
        """Summarise each article of a SQuAD collection (its index: ``squad_collection``) and
        measure the summaries by the share of its questions they answer, against its opening."""
        from localrag.evaluation.summaries import evaluate_summaries

        self.keep_vectors_in_memory()
        return evaluate_summaries(self, data, self.folders()[0], checked_words(words, self.settings), on_article)

    def evaluate_answers(self, questions: list[QA], k: int | None = None,
                         on_query: Callable[[str, int, int], None] | None = None) -> AnswerMetrics:
        """Ask each SQuAD question and score the answers against the gold ones."""
        from localrag.evaluation.squad import run_squad

        return run_squad(self, questions, k, on_query)

    def tune(self, labeled: Sequence[Query] = (), seed: int = 0, held_out: float = 0.3, ict: int | None = None,
             on_step: Callable[[str, int, int], None] | None = None) -> TuneReport:
        """Try the retrieval levers and a query adapter; adopt one only on a held-out gain."""
        from localrag.evaluation.tune import run_tune

        return run_tune(self, labeled, seed, held_out, ict, on_step)

    def tune_status(self) -> dict:
        """What `tune` adopted, if anything, and on what figures."""
        from localrag.evaluation.tune import tune_status

        return tune_status(self)

    # ---- answer models ----------------------------------------------------------------------------
    def models(self, probe: bool = True) -> dict:
        """The answer model in use, the GGUFs on disk, the catalog, and (``probe``) the model
        servers running on this machine."""
        from localrag.models.catalog import installed_files, load_catalog, probe_servers
        from localrag.models.catalog import to_json as catalog_json

        s = self.settings
        catalog = load_catalog(self.paths.config_dir)
        by_file = {m.file: m.name for m in catalog.values()}
        in_use = (f"{s.llm_remote_model or 'server model'} at {s.llm_url}" if s.llm == "openai" else
                  "default" if s.llm_model in ("", "default") else s.llm_model)
        installed = [{"name": "default", "path": None, "title": "Gemma 3 270M base, Q4_K_M (bundled)", "size_mb": 253,
                      "in_use": s.llm == "local" and s.llm_model in ("", "default")}]
        for p in installed_files(self.paths.models_dir):
            installed.append({"name": by_file.get(p.name, p.name), "path": str(p), "title": p.name,
                              "size_mb": round(p.stat().st_size / 1e6), "in_use": s.llm == "local" and s.llm_model == str(p)})
        if s.llm == "local" and not any(i["in_use"] for i in installed):
            installed.append({"name": s.llm_model, "path": s.llm_model, "title": Path(s.llm_model).name, "size_mb": None,
                              "in_use": True})
        have = {i["name"] for i in installed}
        servers = probe_servers(s.model_servers) if probe else []
        return {"in_use": in_use, "installed": installed,
                "catalog": [dict(catalog_json(m), installed=m.name in have) for m in catalog.values()],
                "servers": [vars(v) | {"in_use": s.llm == "openai" and s.llm_url == v.url and s.llm_remote_model == v.model}
                            for v in servers]}

    def pull_model(self, name: str, progress: ByteProgress | None = None) -> Path:
        """Download a catalog model (resuming an earlier try), checked by sha256."""
        from localrag.models.catalog import load_catalog, pull

        catalog = load_catalog(self.paths.config_dir)
        if name not in catalog:
            raise LocalragError(f"no model {name!r} in the catalog: `localrag models` lists them")
        return pull(catalog[name], self.paths.models_dir, progress)

    def use_model(self, name: str) -> str:
        """Make ``name`` the answer model, saved in the settings: ``default``, a pulled catalog
        model, a GGUF path, or a server model ``models`` lists (``ollama/NAME``, ``server/NAME``)."""
        from localrag.models.catalog import load_catalog, model_path, probe_servers

        s = self.settings
        if name == "default":
            s.llm, s.llm_model, label = "local", "default", "the bundled Gemma 3 270M"
        elif name.startswith(("ollama/", "server/")):
            found = {v.name: v for v in probe_servers(s.model_servers)}
            if name not in found:
                running = ", ".join(found) or "none answered"
                raise LocalragError(f"no server model {name!r} is running (found: {running})")
            v = found[name]
            s.llm, s.llm_url, s.llm_remote_model, s.llm_api, label = "openai", v.url, v.model, "chat", f"{v.model} at {v.url}"
        else:
            catalog = load_catalog(self.paths.config_dir)
            if name in catalog:
                path = model_path(self.paths.models_dir, catalog[name])
                if not path.exists():
                    raise LocalragError(f"{name} is not downloaded yet: run `localrag models pull {name}`")
            elif os.path.exists(os.path.expanduser(name)):
                path = resolve_llm_path(name, self.paths.models_dir)  # a GGUF file: checked, or one line why not
            else:
                raise LocalragError(f"no model {name!r}: not in the catalog, not a file, not a running server's "
                                    "(`localrag models` lists them)")
            s.llm, s.llm_model, label = "local", str(path), name
        s.save(self.paths)
        self.reload_generator()
        return label

    def status(self) -> dict:
        st = self.index_stats()
        rec = self.store.vectors.model_record()
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


def checked_k(k: int | None) -> int | None:
    """A number of passages asked for (``-k``, an MCP call): bounded, as the settings' top_k is."""
    if k is not None and not (isinstance(k, int) and 1 <= k <= MAX_K):
        raise LocalragError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
    return k


def checked_words(words: int | None, settings: Settings) -> int:
    """A summary's word budget (``--words``, an MCP call), bounded as the setting is."""
    if words is None:
        return settings.summary_words
    lo, hi = BOUNDS["summary_words"]
    if not (isinstance(words, int) and not isinstance(words, bool) and lo <= words <= hi):
        raise LocalragError(f"words must be a whole number from {int(lo)} to {int(hi)}, not {words!r}")
    return words


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


def _loads(text: str, default: object) -> Any:
    """Stored JSON, or ``default`` if a row was hand-edited into something else."""
    try:
        return json.loads(text)
    except ValueError:
        return default


def _no_vector(_: str) -> np.ndarray:  # keyword mode never embeds the query
    raise AssertionError("keyword search asked for a vector")


def _generator_fields(s: Settings) -> tuple:
    """The settings a loaded language model was made from: a change to one loads it again."""
    return (s.llm, s.llm_model, s.llm_url, s.llm_remote_model, s.n_ctx, s.n_gpu_layers, s.main_gpu, s.llm_threads)
