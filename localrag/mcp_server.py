"""``localrag mcp``: the index served to other assistants over the Model Context Protocol (stdio,
the official SDK). Read-only: it searches and answers from the same index the TUI and the
watcher write, as one more reader (SQLite WAL: it never blocks their writes, nor they its reads).

Tool results are structured (paths, pages, line ranges, quotes), so a client can cite them.
While `localrag serve` runs, search, ask and summarize go to it as typed calls (never command
lines): a desktop assistant shares its warm models instead of loading its own, and gets the same
result either way (``localrag.service.calls`` answers in both).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from localrag import __version__
from localrag.core import Localrag
from localrag.errors import LocalragError
from localrag.service import calls, pid_of_running
from localrag.service.background import Background
from localrag.service.client import absolute_path, request

INSTRUCTIONS = (
    "localrag searches and answers from the user's own files, indexed on this machine. Use `search` for ranked "
    "passages, `ask` for a short answer checked against verbatim quotes (each with its file, page and lines), "
    "`summarize` for a summary of files made of their own sentences (or ask \"summarize X\", \"compare A and B\", "
    "\"which files mention Y\", \"list every Z\" through `ask`), "
    "`get_passage` to read a result's surrounding lines, `status` for what is indexed. Scope any question to "
    "folders, files or globs with `in_paths` and to file types with `types`. Cite the path and lines you were given."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
T = TypeVar("T")

Paths = Annotated[list[str], Field(description="only these registered folders, subfolders, files or globs ('*.md')")]
Types = Annotated[list[str], Field(description="only these file types: extensions such as pdf, md, or kinds such as code")]


IDLE_UNLOAD = 600.0  # seconds without a call before the language model is dropped, as `localrag serve` does


def build_server(core: Localrag, background: Background | None = None) -> MCPServer:
    """The server over one ``Localrag``; tools run one at a time (the core's models and its
    connection are shared), in the SDK's worker threads. ``background``: the long-lived
    process's own work, held back while a call runs."""
    core.resident.keep_vectors_in_memory()  # a long-lived reader: search an in-memory copy of the vectors
    lock = threading.Lock()
    server = MCPServer("localrag", instructions=INSTRUCTIONS, version=__version__)
    idle = background or Background(core, watch=False)  # never started: only counts the calls

    def call(fn: Callable[[], T]) -> T:
        with lock, idle.working("a tool call"), idle.answering:
            try:
                return fn()
            except LocalragError as e:  # what the user (or the client) can fix: one line, as in the CLI
                raise ToolError(str(e)) from None

    def answer(method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The call answered by `localrag serve` when one runs (its warm models, its one writer),
        else here, by the same function."""
        via = request(core.paths.data_dir, {"op": "call", "method": method, "params": params})
        if via is not None and ("result" in via or "error" in via):
            if "error" in via:
                raise ToolError(str(via["error"]))
            return dict(via["result"])
        return call(lambda: calls.CALLS[method](core, params))

    def absolute(paths: list[str] | None) -> list[str]:
        return [absolute_path(p) for p in paths or ()]

    @server.tool(annotations=READ_ONLY)
    def search(query: str, k: Annotated[int, Field(ge=1, le=100)] = 8, mode: str = "hybrid",
               in_paths: Paths | None = None, types: Types | None = None) -> dict[str, Any]:
        """Ranked passages of the user's files for a query (hybrid: meaning and keywords), without a language
        model. Each result has its path, page, start_line/end_line, heading, text and chunk_id."""
        return answer("search", {"query": query, "k": k, "mode": mode, "in_paths": absolute(in_paths),
                                 "types": types or []})

    @server.tool(annotations=READ_ONLY)
    def ask(question: str, in_paths: Paths | None = None, types: Types | None = None) -> dict[str, Any]:
        """A short answer from the user's files, checked word for word against verbatim quotes. `evidence` lists
        the quotes (path, page, start_line, end_line, quote); `supported` says the answer passed the check;
        answer_kind is generated, quote (the files' own words) or not_found (then `nearest` passages). Questions about
        whole documents (summarize X, compare A and B, which files mention Y, list every Z) say so in `question_kind`
        and answer with quotes chosen across the files (`documents`, `files`, `pairs`)."""
        return answer("ask", {"question": question, "in_paths": absolute(in_paths), "types": types or []})

    @server.tool(annotations=READ_ONLY)
    def summarize(paths: Annotated[list[str] | None, Field(description="indexed files or folders to summarize")] = None,
                  query: Annotated[str, Field(description="or: a topic, to summarize what the files say about it")] = "",
                  words: Annotated[int, Field(ge=30, le=2000)] = 150, types: Types | None = None) -> dict[str, Any]:
        """A summary made of the files' own central sentences, spread across each file and in its order, each a
        verbatim quote in `evidence` (path, page, start_line, end_line, quote), within `words` words. `answer` is
        the summary as an outline; `documents` the files summarized; `choices` the candidates when a name fits
        several."""
        return answer("summarize", {"paths": [os.path.abspath(os.path.expanduser(p)) for p in paths or ()],
                                    "query": query, "words": words, "types": types or []})

    @server.tool(annotations=READ_ONLY)
    def get_passage(chunk_id: int, start_line: int | None = None, end_line: int | None = None,
                    around: Annotated[int, Field(ge=0, le=200)] = 12) -> dict[str, Any]:
        """A search result or quote (by its chunk_id; start_line/end_line narrow it to a quote's lines) with
        `around` lines before and after it, read from the file as the index reads it."""
        def run() -> dict[str, Any]:
            r = core.library.passage(chunk_id, start_line, end_line)
            ctx = core.library.passage_context(r, around)
            return {"path": r.path, "page": r.page, "start_line": ctx.start, "end_line": ctx.end,
                    "lines": [{"n": n, "text": t} for n, t in ctx.rows], "error": ctx.error}
        return call(run)

    @server.tool(annotations=READ_ONLY)
    def status() -> dict[str, Any]:
        """What is indexed: folders with file and chunk counts, failed files and why, files with pages
        that have no text layer, the models in use, and `coverage` (how much is searchable by meaning
        yet: files are searchable by keywords first, their vectors fill in behind)."""
        def run() -> dict[str, Any]:
            st = core.health.status().to_json()
            st.pop("gpu", None)
            return st
        return call(run)

    return server


def serve(core: Localrag) -> None:
    """Run on stdio until the client closes the connection. With no service running, this
    long-lived process does the service's background work (embedding ahead, the idle unload),
    except watching: the folders are the service's or the TUI's to keep in step."""
    background = None if pid_of_running(core.paths.data_dir) else Background(core, watch=False, idle_unload=IDLE_UNLOAD)
    if background is not None:
        background.start()
    try:
        build_server(core, background).run("stdio")
    finally:
        if background is not None:
            background.stop()
