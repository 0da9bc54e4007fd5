"""The thin client: a one-shot command sent to the running service, its output written as it
comes. Standard library only (imported before anything heavy, by ``localrag.launch``).

The client does not read the command line: it sends it whole with its folder, and the service
parses it with the CLI's own parser. The service answers "run it here" for what only this process
can do (a command it does not serve, ``--local``, ``--model``...). A command that never started
in the service runs here; one that may have started is never run twice: a read-only one that
printed nothing yet runs here again, anything else is reported in one line.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable, Sequence

from localrag.service import MAX_REQUEST, socket_path
from localrag.service.streams import ask_yes_no

CONNECT_TIMEOUT = 0.5


def absolute_path(a: str, cwd: str | None = None) -> str:
    """A path as the service (in another folder) must get it, resolved against ``cwd`` (default:
    this process's folder); a bare glob ("*.md") stays one."""
    if "*" in a and "/" not in a:
        return a
    return os.path.normpath(os.path.join(cwd or os.getcwd(), os.path.expanduser(a)))


def connect(data_dir: str | os.PathLike[str]) -> socket.socket | None:
    """A connection to the running service; None when none answers (no socket, one left by a
    service that is gone, or a service too busy to take one more)."""
    path = socket_path(data_dir)
    if not os.path.exists(path):
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(CONNECT_TIMEOUT)
    try:
        s.connect(path)
    except OSError:
        s.close()
        return None
    s.settimeout(None)
    return s


def request(data_dir: str | os.PathLike[str], req: dict) -> dict | None:
    """One request with one reply (``status``, a typed ``call``); None when no service answers,
    or it went away before replying (a restart)."""
    s = connect(data_dir)
    if s is None:
        return None
    try:
        with s:
            s.sendall(json.dumps(req).encode() + b"\n")
            line = s.makefile("rb").readline(MAX_REQUEST * 256)
        reply = json.loads(line)
    except (OSError, ValueError):
        return None
    return reply if isinstance(reply, dict) else None


class _OwnPipeClosed(Exception):
    """This process's own stdout was closed by its reader."""


class _Stopped(Exception):
    """The service's stream ended before the command's exit code (it went away)."""


def _exchange(s: socket.socket, req: dict, on_output: Callable[[bool, str], None],
              on_started: Callable[[dict], None]) -> dict:
    """Send one request, pass its output on (``True`` for stdout); the last frame (``exit`` or
    ``run_here``)."""
    s.sendall(json.dumps(req).encode() + b"\n")
    for line in s.makefile("rb"):
        frame = json.loads(line)
        if not isinstance(frame, dict):
            raise ValueError("not a frame")
        if "exit" in frame or "run_here" in frame:
            return frame
        if "started" in frame:
            on_started(frame["started"])
        else:
            on_output(frame.get("s") == "o", str(frame.get("t", "")))
    raise _Stopped


def forward(argv: Sequence[str], data_dir: str | os.PathLike[str]) -> int | None:
    """Run ``argv`` in the service and return its exit code; None to run it here instead (no
    service, one that says so, or one that went away before or while running a read-only
    command)."""
    try:
        cwd = os.getcwd()
    except OSError:  # this folder was deleted: let this process say so
        return None
    argv = list(argv)
    while True:
        s = connect(data_dir)
        if s is None:
            return None
        req = {"op": "run", "argv": argv, "cwd": cwd, "tty": [_isatty(sys.stdout), _isatty(sys.stderr)],
               "stdin_tty": _isatty(sys.stdin), "columns": _columns()}
        started: dict = {}
        wrote = False

        def write(to_out: bool, text: str) -> None:
            nonlocal wrote
            stream = sys.stdout if to_out else sys.stderr
            try:
                stream.write(text)
                stream.flush()
            except BrokenPipeError:
                raise _OwnPipeClosed from None
            wrote = True

        with s:
            try:
                last = _exchange(s, req, write, started.update)
            except KeyboardInterrupt:
                print("\nlocalrag: interrupted", file=sys.stderr)
                return 130
            except _OwnPipeClosed:  # our own stdout closed (| head): done, as in-process
                return 0
            except (OSError, ValueError, _Stopped):  # refused, reset, cut off: the service went away
                last = None
        if last is None:
            return _stopped(started, wrote)
        if "run_here" in last:
            return None
        if "confirm" in last:  # the command would ask: asked here, on this terminal
            try:
                yes = ask_yes_no(str(last["confirm"]))
            except KeyboardInterrupt:
                print("\nlocalrag: interrupted", file=sys.stderr)
                return 130
            if not yes:
                print("nothing changed")
                return 1
            argv.append(str(last.get("flag", "--yes")))
            continue
        return int(last["exit"])


def _stopped(started: dict, wrote: bool) -> int | None:
    """The service went away: before the command started it runs here; a read-only one that
    had printed nothing yet runs here again; anything else is said in one line, never printed
    twice or done twice (a write may have been partly done)."""
    if not started:
        return None
    command = started.get("command") or "the command"
    if started.get("retry_safe") and not wrote:
        print("localrag: the service stopped during the request; running it here instead", file=sys.stderr, flush=True)
        return None
    if started.get("retry_safe"):
        print(f"localrag: the service stopped during `{command}`; what it printed may be incomplete: run it again",
              file=sys.stderr, flush=True)
    else:
        print(f"localrag: the service stopped during `{command}`, which may be partly done: run it again "
              "(it continues where it stopped)", file=sys.stderr, flush=True)
    return 1


def _isatty(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


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
