"""Bring the index in step with the registered folders: new, changed, moved and deleted files.

Two phases, so a big folder is searchable long before its vectors exist. Keywords: a reader
thread reads, hashes, parses and chunks files while the calling thread writes their chunks
(and so their keyword index) in windows of whole files. Meaning: the texts that have no vector
yet are embedded and their vectors written, a window at a time. Ctrl-C or a crash loses at
most the window in flight; the next run resumes where this one stopped, because a file whose
size and mtime match the index is never read again and a stored vector is never recomputed.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from localrag.errors import LocalragError
from localrag.indexing.chunking import Chunk, chunk_blocks, embed_text
from localrag.indexing.parse.base import Block, ParseError
from localrag.indexing.parse.ocr import available as ocr_available
from localrag.indexing.parse.pdf import NO_TEXT
from localrag.indexing.parse.registry import MISSING_OFFICE, file_kind, office_installed, parse, sandboxed
from localrag.indexing.parse.sandbox import ParserWorker
from localrag.indexing.walk import FileStat, Rules, walk, walk_under
from localrag.models.embed import Embedder
from localrag.models.embed_server import EmbeddingServer, ServerError
from localrag.store import DocRow, Store
from localrag.store.scope import within

UNREAD = "(scans?)"  # in a note: pages left unread, to be read once OCR is there
WINDOW_TEXTS = 64  # texts embedded (length-sorted) and committed together: seconds of work a crash can lose
WINDOW_ITEMS = 200  # files committed together in the keyword phase
WINDOW_CHUNKS = 2000  # ... or chunks: a window is a fraction of a second of SQLite work


# reasons a read can fail that say nothing about the file's content: tried again at the next run
PASSING = ("vanished", "permission denied", "cannot read", "took longer than", "the parser crashed",
           "the parser is gone", "too large to parse in memory", "needs too much memory")
TOO_LARGE = "too large ("  # how a file over max_file_mb's reason starts: read again once the limit allows it
MAX_CHANGES = 1000  # changes a run keeps as records (the rest are counted): memory stays flat


def retry_delay(reason: str, attempts: int) -> float | None:
    """Seconds after a failure at which a file is read again though it did not change: at once
    for a passing cause (the next two runs), then backing off to a day; a day and more for a
    file its parser refused (a newer localrag may read it); None for one over the size limit,
    read again when it or the limit changes, and for one that needs the office extra, read again
    once it is installed."""
    if reason.startswith(TOO_LARGE) or MISSING_OFFICE in reason:  # read again when the limit or the install allows
        return None
    if any(p in reason for p in PASSING):
        return 0.0 if attempts <= 2 else float(min(600 * 2 ** (attempts - 3), 86_400))
    return float(min(86_400 * 2 ** (attempts - 1), 30 * 86_400))


def retry_when(doc_retry_at: float | None, now: float | None = None) -> str:
    """When a failed file is tried again, in words, for `status`."""
    if doc_retry_at is None:
        return "when it changes"
    left = doc_retry_at - (time.time() if now is None else now)
    if left <= 0:
        return "at the next index run"
    return "in " + (f"{left / 60:.0f} min" if left < 5400 else f"{left / 3600:.0f} h" if left < 172_800 else
                    f"{left / 86_400:.0f} days")


SIGNS = {"added": "+", "changed": "~", "removed": "-", "moved": ">", "failed": "!"}


@dataclass
class Change:
    """One file the run changed in the index, as a record (front ends choose how to show it)."""

    kind: str  # added, changed, removed, moved, failed
    path: str  # the file now (for a move: its new path)
    old_path: str | None = None  # a move's old path
    chunks: int | None = None  # an added file's chunks
    reason: str | None = None  # why a file failed

    @property
    def sign(self) -> str:
        return SIGNS[self.kind]

    def __str__(self) -> str:
        """``+ path (3 chunks)``, ``> old -> new``, ``! path: reason``: the CLI's lines."""
        what = {"moved": f"{self.old_path} -> {self.path}", "failed": f"{self.path}: {self.reason}",
                "added": f"{self.path} ({self.chunks} chunks)"}.get(self.kind, self.path)
        return f"{self.sign} {what}"


@dataclass
class IndexStats:
    scanned: int = 0
    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    interrupted: bool = False
    stopped: str | None = None  # why the meaning phase stopped early (an embedding server gone); files are kept
    stale: int = 0  # files kept from folders that could not be read this time
    missing_folders: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # directories or names the walk could not use
    changes: list[Change] = field(default_factory=list)  # the first MAX_CHANGES; more_changes counts the rest
    more_changes: int = 0

    def record(self, change: Change) -> None:
        if len(self.changes) < MAX_CHANGES:
            self.changes.append(change)
        else:
            self.more_changes += 1

    def to_dict(self) -> dict:
        d = asdict(self)
        d["changes"] = [dict(asdict(c), change=c.sign) for c in self.changes]
        return d


@dataclass
class Progress:
    files_done: int
    files_total: int
    chunks_embedded: int
    chunks_per_s: float
    path: str = ""
    phase: str = "keywords"  # "keywords": files read and searchable by words; "meaning": texts embedded
    chunks_to_embed: int = 0  # the meaning phase's total

    @property
    def done_total(self) -> tuple[int, int]:
        """The current phase's (done, total): files, then texts to embed."""
        return (self.files_done, self.files_total) if self.phase == "keywords" else (self.chunks_embedded, self.chunks_to_embed)

    @property
    def seconds_left(self) -> float | None:
        if self.phase != "meaning" or not self.chunks_per_s:
            return None
        return (self.chunks_to_embed - self.chunks_embedded) / self.chunks_per_s


ProgressFn = Callable[[Progress], None]


def time_left(seconds: float | None) -> str:
    """"about 2 h left": a rough figure, as the embedding rate varies with text length."""
    if seconds is None:
        return ""
    if seconds < 90:
        return "about a minute left" if seconds > 30 else "less than a minute left"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min left"
    return f"about {seconds / 3600:.0f} h left"


def describe(p: Progress) -> str:
    """One line for a progress display: "keywords 120/10000 files" or "meaning 340/5000 texts, 26/s, about 3 min left"."""
    done, total = p.done_total
    if p.phase == "keywords":
        return f"keywords {done}/{total} files"
    rate = f", {p.chunks_per_s:.1f}/s" if p.chunks_per_s else ""
    left = time_left(p.seconds_left)
    return f"meaning {done}/{total} texts{rate}" + (f", {left}" if left else "")


@dataclass
class Plan:
    """What a run has to do, found by walking the folders."""

    todo: list[tuple[FileStat, int, DocRow | None]] = field(default_factory=list)  # files to read
    gone: list[DocRow] = field(default_factory=list)  # documents no longer on disk
    stale_ids: list[int] = field(default_factory=list)  # under a folder that could not be read: kept
    fresh_ids: list[int] = field(default_factory=list)  # stale before, read again now


@dataclass
class _Item:
    """What the reader thread found out about one file."""

    kind: str  # "doc", "touch", "move", "fail"
    fs: FileStat
    folder_id: int
    old: DocRow | None = None
    content_hash: str | None = None
    file_kind: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    error: str | None = None
    note: str | None = None  # something a user should know about an indexed file (pages without text)


class Indexer:
    def __init__(self, store: Store, embedder: Embedder, rules: Rules, max_file_bytes: int, ocr: bool = True,
                 server: EmbeddingServer | None = None, parser: ParserWorker | None = None):
        """``server``: embed the meaning phase there (``embed_url``); queries stay with ``embedder``.
        ``parser``: a sandbox kept by a long-lived process across runs (the watcher's runs then
        pay no child start-up); without one, each run starts its own and ends it."""
        self.store = store
        self.embedder = embedder
        self.server = server
        self.rules = rules
        self.max_file_bytes = max_file_bytes
        self.ocr = ocr
        self.own_parser = parser is None
        self.parser = parser or ParserWorker()

    def _ocr_now(self, old: DocRow) -> bool:
        """A PDF whose scanned pages were left unread for want of OCR is read again once it is there."""
        unread = UNREAD in (old.note or "") or NO_TEXT in (old.error or "")
        return unread and self.ocr and ocr_available()

    # ---- planning -------------------------------------------------------------------------------
    def _retry_now(self, old: DocRow, fs: FileStat, now: float) -> bool:
        """A failed file is read again though unchanged: its back-off has passed, or it was over
        a size limit that has since been raised."""
        if old.status != "failed":
            return False
        if old.retry_at is not None and now >= old.retry_at:
            return True
        if MISSING_OFFICE in (old.error or ""):
            return office_installed()
        return (old.error or "").startswith(TOO_LARGE) and fs.size <= self.max_file_bytes

    def plan(self, folders: list[tuple[int, str]], stats: IndexStats,
             scope: dict[int, list[str]] | None = None) -> Plan:
        """Files to read (new, or size/mtime changed, or failed and due again) and documents no
        longer on disk. A document under a folder that could not be listed is not gone: it is
        kept and marked stale, and unmarked once its folder reads again.

        ``scope`` limits a folder to some paths under it (the watcher's changed paths)."""
        plan = Plan()
        todo, gone = plan.todo, plan.gone
        now = time.time()
        forgotten = self.store.documents.forgotten()
        prefixes_forgotten = tuple(f.rstrip(os.sep) + os.sep for f in forgotten)
        forgotten_set = set(forgotten)
        for fid, root in folders:
            if not os.path.exists(root):
                stats.missing_folders.append(root)  # unmounted or deleted: keep its index, say so
                continue
            subs = scope.get(fid) if scope is not None else None
            if scope is not None and not subs:
                continue
            # the watcher's few paths read only their own documents, not the whole folder's
            known = self.store.documents.in_folder(fid) if subs is None else self.store.documents.under(fid, subs)
            seen: set[str] = set()
            blind: list[str] = []
            files = walk(root, self.rules, stats.unreadable, blind) if subs is None else (
                fs for sub in subs for fs in walk_under(root, sub, self.rules, stats.unreadable, blind))
            for fs in files:
                if fs.path in seen or file_kind(Path(fs.path)) is None:
                    continue
                if fs.path in forgotten_set or (prefixes_forgotten and fs.path.startswith(prefixes_forgotten)):
                    continue
                stats.scanned += 1
                seen.add(fs.path)
                old = known.get(fs.path)
                if old and old.stale_since is not None:
                    plan.fresh_ids.append(old.id)
                if (old and old.size == fs.size and old.mtime_ns == fs.mtime_ns and not self._ocr_now(old)
                        and not self._retry_now(old, fs, now)):
                    stats.unchanged += 1
                    continue
                todo.append((fs, fid, old))
            if subs is None:
                missing = [d for p, d in known.items() if p not in seen]
            else:
                prefixes = [s.rstrip(os.sep) + os.sep for s in subs]
                missing = [d for p, d in known.items() if p not in seen
                           and (p in subs or any(p.startswith(x) for x in prefixes))]
            for d in missing:
                if any(within(d.path, b) for b in blind):
                    plan.stale_ids.append(d.id)  # unknown, not gone: its folder could not be read
                else:
                    gone.append(d)
        stats.stale = len(plan.stale_ids)
        return plan

    # ---- the reader thread --------------------------------------------------------------------
    def _read(self, fs: FileStat, folder_id: int, old: DocRow | None, gone_by_hash: dict[str, DocRow]) -> _Item:
        kind = file_kind(Path(fs.path))
        if fs.size > self.max_file_bytes:
            mb = fs.size / 1e6
            return _Item("fail", fs, folder_id, old, None, kind,
                         error=f"{TOO_LARGE}{mb:.0f} MB; the limit is max_file_mb={self.max_file_bytes / 1e6:.0f})")
        try:
            with open(fs.path, "rb") as fh:
                data = fh.read(self.max_file_bytes + 1)
        except FileNotFoundError:
            return _Item("fail", fs, folder_id, old, error="vanished before it could be read")
        except PermissionError:
            return _Item("fail", fs, folder_id, old, error="permission denied")
        except OSError as e:
            return _Item("fail", fs, folder_id, old, error=f"cannot read: {e.strerror}")
        digest = hashlib.sha256(data).hexdigest()
        if old is not None and old.content_hash == digest and old.status == "ok" and not self._ocr_now(old):
            return _Item("touch", fs, folder_id, old, digest)
        if old is None and digest in gone_by_hash:
            return _Item("move", fs, folder_id, gone_by_hash.pop(digest), digest)
        note = None
        try:
            if kind == "pdf":
                blocks, note = self._read_pdf(data)
            elif sandboxed(kind):  # a third-party parser: in the sandboxed child
                blocks = self.parser.parse(data, kind).blocks
            else:
                blocks = parse(Path(fs.path), kind or "text", data)
            chunks = chunk_blocks(blocks, self.embedder.count_tokens, self.embedder.info.max_tokens)
        except ParseError as e:
            return _Item("fail", fs, folder_id, old, digest, kind, error=str(e))
        except MemoryError:
            return _Item("fail", fs, folder_id, old, digest, kind, error="too large to parse in memory")
        except Exception as e:  # a parser bug must not stop the run; record it as the file's reason
            return _Item("fail", fs, folder_id, old, digest, kind, error=f"could not parse ({type(e).__name__}: {e})"[:300])
        if not chunks:
            return _Item("fail", fs, folder_id, old, digest, kind, error="no text found")
        return _Item("doc", fs, folder_id, old, digest, kind, chunks, note=note)

    def _read_pdf(self, data: bytes) -> tuple[list[Block], str | None]:
        """The text layer, plus OCR of the pages that have none (with the ``ocr`` extra); the
        note says how many pages had no text and what became of them, never silently empty."""
        got = self.parser.parse(data)
        blocks = got.blocks
        if not got.textless:
            return blocks, None
        n = len(got.textless)
        use_ocr = self.ocr and ocr_available()
        if not use_ocr:
            hint = "install localrag[ocr] to read them" if self.ocr else "OCR is off (ocr = false)"
            if not blocks:
                raise ParseError(f"{NO_TEXT}; {hint}")
            return blocks, f"{n} of {got.pages} pages have no text layer {UNREAD}; {hint}"
        empty: list[int] = []
        failed: list[str] = []
        for page in got.textless:
            try:
                found = self.parser.ocr(page)
            except ParseError as e:
                failed.append(f"page {page}: {e}")
                continue
            if not found:
                empty.append(page)
            blocks.extend(found)
        blocks.sort(key=lambda b: (b.page or 0, b.start_line or 0))
        note = f"{n} of {got.pages} pages have no text layer: read by OCR"
        if empty:
            note += f"; OCR found no text on {_pages(empty)}"
        if failed:
            note += f"; OCR failed on {len(failed)} ({failed[0]})"
        if not blocks:
            raise ParseError(f"{NO_TEXT}; {note}")
        return blocks, note

    # ---- the whole run --------------------------------------------------------------------------
    def run(self, folders: list[tuple[int, str]], progress: ProgressFn | None = None,
            scope: dict[int, list[str]] | None = None) -> IndexStats:
        stats = IndexStats()
        self._moved: list[DocRow] = []
        t0 = time.perf_counter()
        plan = self.plan(folders, stats, scope)
        todo, gone = plan.todo, plan.gone
        if plan.stale_ids or plan.fresh_ids:
            with self.store.transaction(changes_search=False):
                self.store.documents.mark_stale(plan.stale_ids, True)
                self.store.documents.mark_stale(plan.fresh_ids, False)
        gone_by_hash = {d.content_hash: d for d in gone if d.content_hash}
        q: queue.Queue[_Item | None] = queue.Queue(maxsize=64)
        stop = threading.Event()

        def reader() -> None:
            try:
                for fs, fid, old in todo:
                    if stop.is_set():
                        return
                    item = self._read(fs, fid, old, gone_by_hash)
                    while not stop.is_set():
                        try:
                            q.put(item, timeout=0.2)
                            break
                        except queue.Full:
                            continue
            finally:
                if not stop.is_set():
                    q.put(None)

        thread = threading.Thread(target=reader, name="localrag-reader", daemon=True)
        thread.start()
        done = 0
        pending: list[_Item] = []
        new_hashes: set[str] = set()

        def report(path: str = "") -> None:
            if progress:
                progress(Progress(done, len(todo), 0, 0.0, path))

        try:
            report()
            n_chunks = 0
            fresh = 0  # texts of this window that need a vector
            for item in _drain(q):
                if item.kind == "doc":
                    hashes = [c.hash for c in item.chunks]
                    known = self.store.vectors.known_hashes(hashes)
                    for h in hashes:
                        if h in known or h in new_hashes:
                            stats.chunks_reused += 1
                        else:
                            new_hashes.add(h)
                            fresh += 1
                    n_chunks += len(item.chunks)
                pending.append(item)
                if n_chunks >= WINDOW_CHUNKS or len(pending) >= WINDOW_ITEMS:
                    done += self._commit(pending, stats, fresh)
                    n_chunks = fresh = 0
                    report(item.fs.path)
            done += self._commit(pending, stats, fresh)
            moved = {d.id for d in self._moved}
            with self.store.transaction():
                for d in gone:
                    if d.id not in moved:
                        self.store.documents.delete_document(d.id)
                        stats.removed += 1
                        stats.record(Change("removed", d.path))
                self.store.vectors.gc_embeddings()
            report()
            self._embed_pending(stats, progress)
        except KeyboardInterrupt:
            stats.interrupted = True
        finally:
            stop.set()
            thread.join(timeout=5)
            if self.own_parser:
                self.parser.close()
        stats.seconds = time.perf_counter() - t0
        return stats

    def _commit(self, items: list[_Item], stats: IndexStats, fresh: int) -> int:
        """Write a window of files (chunks and keywords; vectors come later) in one transaction."""
        if not items:
            return 0
        with self.store.transaction():
            for it in items:
                self._apply(it, stats)
            self.store.vectors.add_pending(fresh)
        n = len(items)
        items.clear()
        return n

    def _embed_pending(self, stats: IndexStats, progress: ProgressFn | None) -> None:
        """The meaning phase: embed every text without a vector (this run's, or one an earlier
        run left when it was stopped), a window at a time, each committed on its own."""
        total = self.store.vectors.count_unembedded()
        self.store.conn.set_meta("texts_pending", str(total))  # exact again, whatever happened since
        if not total:
            return
        t = time.perf_counter()
        base = stats.embed_seconds

        def report(n: int) -> None:
            stats.embed_seconds = base + time.perf_counter() - t
            if progress:
                rate = n / stats.embed_seconds if stats.embed_seconds else 0.0
                progress(Progress(0, 0, n, rate, phase="meaning", chunks_to_embed=total))

        embed = self.embedder.embed
        done = 0
        try:
            if self.server is not None:
                self.server.check(self.embedder)
                embed = self.server.embed
            report(0)
            after = 0
            while rows := self.store.vectors.unembedded(after, WINDOW_TEXTS):
                after = rows[-1][0]
                texts = {h: embed_text(text, heading) for _, h, text, heading in rows}
                hashes = list(texts)
                start = done
                vectors = embed([texts[h] for h in hashes], on_row=lambda n: report(start + n))  # noqa: B023
                with self.store.transaction():
                    self.store.vectors.add_vectors(hashes, vectors)
                    self.store.vectors.add_pending(-len(hashes))
                done += len(hashes)
                stats.chunks_embedded += len(hashes)
                report(done)
        except ServerError as e:  # the server went away or serves another model: keep what is done
            stats.stopped = (f"{e}; {done} texts embedded and kept, every file is searchable by keywords; "
                             "run `localrag index` to embed the rest")
        self.store.vectors.set_embed_rate(done / stats.embed_seconds if done and stats.embed_seconds else 0.0)

    def _apply(self, it: _Item, stats: IndexStats) -> None:
        st = self.store
        fs = it.fs
        if it.kind == "touch" and it.old:
            st.documents.touch_document(it.old.id, fs.size, fs.mtime_ns)
            stats.unchanged += 1
        elif it.kind == "move" and it.old:
            st.documents.move_document(it.old.id, fs.path, it.folder_id, fs.size, fs.mtime_ns)
            self._moved.append(it.old)
            stats.moved += 1
            stats.record(Change("moved", fs.path, old_path=it.old.path))
        elif it.kind == "fail":
            again = it.old if it.old and it.old.status == "failed" and (it.old.size, it.old.mtime_ns) == (fs.size, fs.mtime_ns) else None
            attempts = (again.attempts if again else 0) + 1  # failures of this very file in a row
            delay = retry_delay(it.error or "", attempts)
            st.documents.upsert_document(it.folder_id, fs.path, fs.size, fs.mtime_ns, it.content_hash, it.file_kind, "failed",
                                         it.error, attempts=attempts, retry_at=None if delay is None else time.time() + delay)
            stats.failed += 1
            stats.record(Change("failed", fs.path, reason=it.error))
        else:
            doc_id = st.documents.upsert_document(it.folder_id, fs.path, fs.size, fs.mtime_ns, it.content_hash, it.file_kind,
                                                  "ok", None, it.note)
            st.documents.add_chunks(doc_id, [(c.text, c.heading, c.page, c.start_line, c.end_line, c.hash) for c in it.chunks])
            if it.old is None:
                stats.added += 1
                stats.record(Change("added", fs.path, chunks=len(it.chunks)))
            else:
                stats.updated += 1
                stats.record(Change("changed", fs.path))


def _drain(q: queue.Queue[_Item | None]) -> Iterator[_Item]:
    while True:
        item = q.get()
        if item is None:
            return
        yield item


def check_folder_path(path: str) -> str:
    p = Path(path).expanduser()
    if not p.exists():
        raise LocalragError(f"no such file or folder: {path}")
    if not (p.is_dir() or p.is_file()):
        raise LocalragError(f"not a regular file or folder: {path}")
    if not os.access(p, os.R_OK):
        raise LocalragError(f"permission denied: {path}")
    return str(p.resolve())


def _pages(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:8]) + (", ..." if len(pages) > 8 else "")
    return f"page{'s' if len(pages) > 1 else ''} {shown}"
