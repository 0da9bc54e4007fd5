"""Parse PDFs, office files, EPUBs, notebooks, tables and mail in a child process, so a file
that makes a third-party parser loop or balloon is stopped (a time limit and a memory cap)
and recorded, instead of hanging or sinking the whole run. Markdown and HTML run here too: their
parsers are too slow (or quadratic) on a hostile file to run in the indexer's process. (Plain
text, reST and code are read by our own linear code, in-process.)
OCR of pages without a text layer runs there too, one page a request, each under the same
limits (the child keeps the last PDF's bytes, so a page is not sent twice)."""

from __future__ import annotations

import io
import multiprocessing as mp
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from localrag.indexing.parse.base import Block, ParseError, paragraphs
from localrag.indexing.parse.pdf import PdfText, read_pdf
from localrag.indexing.parse.registry import parse

PARSE_SECONDS = 60.0
PARSE_MEMORY = 2 << 30  # bytes of address space for the child


def _serve(conn: Connection, memory: int) -> None:  # pragma: no cover - runs in the child
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal reaches the whole group: the parent stops it
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    data = b""
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            if request[0] == "parse":
                kind, data = request[1], request[2]
                got = read_pdf(io.BytesIO(data)) if kind == "pdf" else PdfText(parse(Path(kind), kind, data), 0, [])
                conn.send(("ok", ([_row(b) for b in got.blocks], got.pages, got.textless)))
            else:
                from localrag.indexing.parse.ocr import page_lines

                page = int(request[1])
                conn.send(("ok", [_row(b) for b in paragraphs(page_lines(data, page), 1, page=page)]))
        except ParseError as e:
            conn.send(("error", str(e)))
        except MemoryError:
            conn.send(("error", "the file needs too much memory to " + ("parse" if request[0] == "parse" else "OCR")))
        except Exception as e:  # the parser's own bug: a reason, not a crash
            what = "PDF" if request[0] == "ocr" or request[1] == "pdf" else "file"
            conn.send(("error", f"corrupt {what}: {type(e).__name__}: {str(e)[:120]}"))


def _row(b: Block) -> tuple:
    """A block as it crosses the pipe: every field, so headings, code and table rows survive the sandbox."""
    return (b.text, b.start_line, b.end_line, b.page, b.heading, b.code, b.table)


@contextmanager
def _real_stderr() -> Iterator[None]:
    """multiprocessing starts its resource tracker (at the first child) handing it
    ``sys.stderr``'s file descriptor. Inside the TUI, Textual captures output with a stand-in
    whose descriptor is -1, and the start fails ("bad value(s) in fds_to_keep"): every PDF,
    Markdown or Word file indexed from the app would fail. The real stderr stands in meanwhile."""
    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable or sys.__stderr__ is None:
        yield
        return
    with redirect_stderr(sys.__stderr__):
        yield


class ParserWorker:
    def __init__(self, seconds: float = PARSE_SECONDS, memory: int = PARSE_MEMORY):
        self.seconds = seconds
        self.memory = memory
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # one request at a time through the pipe

    def _start(self) -> None:
        ctx = mp.get_context("spawn")  # never fork a process that runs onnxruntime threads
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.memory), daemon=True, name="localrag-parser")
        with _real_stderr():
            self._proc.start()
        child.close()
        self._conn = parent

    def parse(self, data: bytes, kind: str = "pdf") -> PdfText:
        """The file's blocks; for a PDF, also the pages that have no text layer."""
        rows, pages, textless = self._ask(("parse", kind, data), "PDF parsing" if kind == "pdf" else f"{kind} parsing")
        return PdfText([Block(*r) for r in rows], pages, textless)

    def ocr(self, page: int) -> list[Block]:
        """The text OCR reads on a page of the PDF ``parse`` was last given."""
        return [Block(*r) for r in self._ask(("ocr", page), f"OCR of page {page}")]

    def _ask(self, request: tuple, what: str) -> Any:
        with self._lock:
            return self._ask_locked(request, what)

    def _ask_locked(self, request: tuple, what: str) -> Any:
        if self._proc is None or not self._proc.is_alive():
            if request[0] != "parse":
                raise ParseError(f"{what}: the parser is gone")
            self._start()
        assert self._conn is not None
        try:
            self._conn.send(request)
            if not self._conn.poll(self.seconds):
                self._kill()
                raise ParseError(f"{what} took longer than {self.seconds:.0f}s; skipped")
            status, payload = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            self._kill()
            raise ParseError("the parser crashed on this file") from None
        if status != "ok":
            raise ParseError(payload)
        return payload

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        self._proc = None
        self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None:
            self._proc.join(2)
            if self._proc.is_alive():
                self._proc.kill()
        self._proc = None
        self._conn = None
