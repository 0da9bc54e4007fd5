"""``localrag serve``: one warm localrag per data folder, on a Unix socket only its owner can open.

The service runs the watcher (the index stays in step with no TUI open), keeps the embedding
model loaded and the language model loaded after first use (unloaded after an idle time), and
runs CLI commands for thin clients (``client``): the same parser and code path, so the same
output, JSON and exit codes as in-process, streamed back as they are written. Nothing here
imports numpy, onnxruntime, llama_cpp or rich: a one-shot command that the service answers never loads them.
"""

from __future__ import annotations

import os

MAX_REQUEST = 64 * 1024  # bytes of one request line: argv and a few flags, never more
FORWARDED = frozenset({"ask", "search", "status", "index", "reindex", "add", "remove", "forget", "summarize"})
READ_ONLY = frozenset({"ask", "search", "status", "summarize"})  # run here again if the service dies mid-way


def service_dir(data_dir: str | os.PathLike[str]) -> str:
    """Where the socket, the lock and the pid live: inside the data folder, 0700. Paths are
    texts here: the thin client does without pathlib."""
    return os.path.join(data_dir, "service")


def socket_path(data_dir: str | os.PathLike[str]) -> str:
    return os.path.join(service_dir(data_dir), "sock")


def pid_of_running(data_dir: str | os.PathLike[str]) -> int | None:
    """The pid the running service wrote, if its process is alive."""
    try:
        with open(os.path.join(service_dir(data_dir), "pid"), encoding="ascii") as f:
            pid = int(f.read().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None
