"""The thin client: a one-shot command sent to the running service, its output written as it
comes. Standard library only (imported before anything heavy, by ``localrag.launch``)."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable, Sequence

from localrag.service import FORWARDED, LOCAL_FLAGS, MAX_REQUEST, READ_ONLY, command_of, reindex_question, socket_path

CONNECT_TIMEOUT = 0.5


VALUE_OPTIONS = frozenset({"-k", "--mode", "--type", "--words", "--about", "--conversation", "--in"})


def absolute_path(a: str) -> str:
    """A path as the service (in another folder) must get it; a bare glob ("*.md") stays one."""
    return a if "*" in a and "/" not in a else os.path.abspath(os.path.expanduser(a))


def _absolute(argv: Sequence[str], command: str) -> list[str]:
    """Paths made absolute here: the service runs in another folder. ``--in`` values, and the
    paths of add, remove, forget and summarize (not the values of other options)."""
    out: list[str] = []
    value_of: str | None = None
    seen_command = False
    for a in argv:
        if value_of is not None:
            out.append(absolute_path(a) if value_of == "--in" else a)
            value_of = None
            continue
        if a in VALUE_OPTIONS:
            value_of = a
        elif a.startswith("--in="):
            a = "--in=" + absolute_path(a[5:])
        elif seen_command and not a.startswith("-") and command in ("add", "remove", "forget", "summarize"):
            a = os.path.abspath(os.path.expanduser(a))
        elif a == command:
            seen_command = True
        out.append(a)
    return out


def connect(data_dir: str | os.PathLike[str]) -> socket.socket | None:
    path = socket_path(data_dir)
    if not os.path.exists(path):
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(CONNECT_TIMEOUT)
    try:
        s.connect(path)
    except OSError:  # a socket left by a service that is gone, or not ours to open
        s.close()
        return None
    s.settimeout(None)
    return s


def request(data_dir: str | os.PathLike[str], req: dict) -> dict | None:
    """One request with one reply (``status``); None when no service answers."""
    s = connect(data_dir)
    if s is None:
        return None
    with s:
        s.sendall(json.dumps(req).encode() + b"\n")
        line = s.makefile("rb").readline(MAX_REQUEST * 16)
    try:
        reply = json.loads(line)
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None


def _exchange(s: socket.socket, req: dict, on_frame: Callable[[bool, str], None]) -> int | None:
    """Send one request and pass each frame of output on (``True`` for stdout); the exit code,
    or None when the stream ends without one (the service went away)."""
    s.sendall(json.dumps(req).encode() + b"\n")
    for line in s.makefile("rb"):
        frame = json.loads(line)
        if "exit" in frame:
            return int(frame["exit"])
        on_frame(frame.get("s") == "o", frame.get("t", ""))
    return None


def run_captured(argv: Sequence[str], data_dir: str | os.PathLike[str]) -> tuple[int, str, str] | None:
    """Run ``argv`` (absolute paths only) in the service and return (exit code, stdout,
    stderr), for callers that must not write to this process's stdout (the MCP server's is
    its protocol); None when no service answers, or it went away mid-way."""
    s = connect(data_dir)
    if s is None:
        return None
    out: list[str] = []
    err: list[str] = []
    with s:
        try:
            code = _exchange(s, {"op": "run", "argv": list(argv), "tty": [False, False], "columns": 100},
                             lambda to_out, text: (out if to_out else err).append(text))
        except (OSError, ValueError):
            code = None
    return None if code is None else (code, "".join(out), "".join(err))


def forward(argv: Sequence[str], data_dir: str | os.PathLike[str]) -> int | None:
    """Run ``argv`` in the service and return its exit code; None to run it here instead (no
    service, a command or flag it does not take, ``--local``, or a read-only command the
    service dropped mid-way)."""
    command = command_of(argv)
    if command not in FORWARDED or "--local" in argv or any(a.split("=")[0] in LOCAL_FLAGS for a in argv):
        return None
    if any(a in ("-h", "--help") for a in argv):
        return None
    s = connect(data_dir)
    if s is None:
        return None
    argv = list(argv)
    if command == "reindex" and not {"--yes", "-y"} & set(argv) and sys.stdin.isatty():
        s.close()
        try:
            confirmed = _confirm_reindex(data_dir)
        except KeyboardInterrupt:
            print("\nlocalrag: interrupted", file=sys.stderr)
            return 130
        if not confirmed:
            print("nothing changed")
            return 1
        s = connect(data_dir)
        if s is None:
            return None
        argv.append("--yes")
    req = {"op": "run", "argv": _absolute(argv, command), "tty": [sys.stdout.isatty(), sys.stderr.isatty()],
           "columns": _columns()}
    wrote = False

    def write(to_out: bool, text: str) -> None:
        nonlocal wrote
        stream = sys.stdout if to_out else sys.stderr
        stream.write(text)
        stream.flush()
        wrote = wrote or to_out

    with s:
        try:
            code = _exchange(s, req, write)
        except KeyboardInterrupt:
            print("localrag: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # our own stdout closed (| head): done, as in-process
            return 0
        except (OSError, ValueError):
            code = None
    if code is not None:
        return code
    print("localrag: the service stopped during the request" + (
        "; running it here instead" if command in READ_ONLY else ""), file=sys.stderr, flush=True)
    if command in READ_ONLY:
        if wrote:
            print("", flush=True)
        return None
    return 1


def _confirm_reindex(data_dir: str | os.PathLike[str]) -> bool:
    """The question `reindex` asks on a terminal, asked here: the service has no terminal."""
    got = run_captured(["status", "--json"], data_dir)
    try:
        st = json.loads(got[1]) if got and got[0] == 0 else {}
        question = reindex_question(st["chunks"], st["files"], st["embed_model"]["setting"])
    except (ValueError, KeyError, TypeError):
        question = "Re-embed everything? [y/N] "
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _columns() -> int:
    """This terminal's width as argparse and rich would take it here ($COLUMNS, the terminal, 80):
    shutil.get_terminal_size's rule, without importing shutil (a few ms of every command)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80
