"""The service process: one warm ``Localrag`` and its background work (the watcher, embedding
ahead, the idle unload: ``Background``), serving thin clients on a Unix socket that only its owner
can open.

Each connection is one request, one JSON line:
- ``{"op": "run", "argv": [...], "cwd": DIR, "tty": [out, err], "stdin_tty": B, "columns": N}``: a
  command line, parsed here by the CLI's own parser (paths resolved against ``cwd``). The reply is
  ``{"run_here": why}`` (a command or flag only the client's own process runs: nothing was done),
  or ``{"started": {"command", "retry_safe"}}``, then its output as ``{"s": "o"|"e", "t": text}``
  lines written to the command's own streams (``Io``), then ``{"exit": code}`` (with ``"confirm"``
  and ``"flag"`` when the command would ask the person a question: the client asks it).
- ``{"op": "call", "method": "search"|"ask"|"summarize", "params": {...}}``: a typed request
  (the MCP server's), answered ``{"result": {...}}`` or ``{"error": message}``.
- ``{"op": "status"}``: what the service is doing.

Answers (ask, summarize) run one at a time on a thread of their own, every other command one at a
time on another, so a search never waits for an answer. A client that goes away stops its command
at its next write (an answer at its next token).
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import resource
import socket
import stat
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from localrag.errors import LocalragError
from localrag.service import MAX_REQUEST, pid_of_running, service_dir, socket_path
from localrag.service.background import Background, give_memory_back
from localrag.service.calls import ANSWERS as ANSWER_CALLS
from localrag.service.calls import CALLS
from localrag.service.streams import Io, NeedsAnswer, SinkStream

if TYPE_CHECKING:
    from typing import TextIO

    from localrag.core import Localrag

SOCKET_PATH_MAX = 100  # AF_UNIX paths are limited to 108 bytes on Linux, 104 on macOS
MAX_CLIENTS = 32  # connections served at once; one more is closed unread (its client runs the command itself)


@dataclass
class Prepared:
    """A client's command line as the CLI's parser read it, in the service."""

    command: str = ""
    code: int | None = None  # already answered (help, a usage error): the exit code
    run_here: str = ""  # only the client's own process runs this; why
    retry_safe: bool = False  # read-only: the client may run it itself if the service dies mid-way
    answers: bool = False  # runs on the answers' lane
    run: Callable[[], int] | None = None


Prepare = Callable[[list[str], str, Io], Prepared]  # (argv, the client's folder, its Io)


class Refused(Exception):
    """A request the service does not take; its message goes back to the client."""


class _Sink:
    """Where one request's frames go: the client's socket, as JSON lines, one writer at a time
    (a command's thread and a progress bar's refresh thread both write)."""

    def __init__(self, conn: socket.socket):
        self.conn = conn
        self.gone = False
        self.owner: threading.Thread | None = None  # the thread running the command, once it runs
        self._lock = threading.Lock()

    def frame(self, obj: dict) -> None:
        data = json.dumps(obj).encode() + b"\n"
        with self._lock:
            if self.gone:
                raise BrokenPipeError("the client went away")
            try:
                self.conn.sendall(data)
            except OSError:
                self.gone = True
                raise BrokenPipeError("the client went away") from None

    def stream(self, kind: str, tty: bool) -> TextIO:
        def send(text: str) -> None:
            try:
                self.frame({"s": kind, "t": text})
            except BrokenPipeError:
                if self.owner is None or threading.current_thread() is self.owner:
                    raise  # the command stops at this write
                # another thread's write (a progress bar's refresh): the command stops at its own next one

        return cast("TextIO", SinkStream(send, tty))


def peer_uid(conn: socket.socket) -> int:
    """The connecting process's user: SO_PEERCRED on Linux, LOCAL_PEERCRED on macOS."""
    if hasattr(socket, "SO_PEERCRED"):
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                               struct.calcsize("3i")))
        return int(uid)
    local_peercred = getattr(socket, "LOCAL_PEERCRED", 0x001)
    raw = conn.getsockopt(0, local_peercred, struct.calcsize("IIh16I"))  # struct xucred: version, uid, ...
    return int(struct.unpack_from("II", raw)[1])


def validate(line: bytes) -> dict:
    """A request, checked: what it may ask for, and in what shape."""
    if len(line) > MAX_REQUEST or not line.endswith(b"\n"):
        raise Refused(f"request too large (at most {MAX_REQUEST} bytes, one line)")
    try:
        req = json.loads(line)
    except ValueError:
        raise Refused("malformed request: not JSON") from None
    if not isinstance(req, dict) or req.get("op") not in ("run", "call", "status"):
        raise Refused("malformed request: op must be run, call or status")
    if req["op"] == "run":
        argv = req.get("argv")
        if not isinstance(argv, list) or not all(isinstance(a, str) and len(a) < 8192 for a in argv):
            raise Refused("malformed request: argv must be a list of texts")
        cwd = req.get("cwd")
        if not (isinstance(cwd, str) and os.path.isabs(cwd)):
            raise Refused("malformed request: cwd must be the client's folder, an absolute path")
        tty = req.get("tty", [False, False])
        if not (isinstance(tty, list) and len(tty) == 2 and all(isinstance(t, bool) for t in tty)):
            raise Refused("malformed request: tty must be two true/false values")
        if not isinstance(req.get("stdin_tty", False), bool):
            raise Refused("malformed request: stdin_tty must be true or false")
        columns = req.get("columns", 100)
        if not isinstance(columns, int) or not 10 <= columns <= 1000:
            req["columns"] = 100
    elif req["op"] == "call":
        if req.get("method") not in CALLS:
            raise Refused(f"unknown call {req.get('method')!r}: one of {', '.join(sorted(CALLS))}")
        if not isinstance(req.get("params", {}), dict):
            raise Refused("malformed request: params must be an object")
    return req


Job = Callable[[], None]


class Service:
    def __init__(self, core: Localrag, prepare: Prepare, idle_seconds: float = 600.0,
                 log: Callable[[str], None] | None = None, watch: bool = True):
        self.core = core
        self.prepare = prepare
        self.idle_seconds = idle_seconds
        self.log = log or (lambda m: None)
        self.dir = Path(service_dir(core.paths.data_dir))
        self.sock_path = Path(socket_path(core.paths.data_dir))
        self.started = time.time()
        self.background = Background(core, watch=watch, idle_unload=idle_seconds, log=self.log)
        self.background.starting = "starting"
        self.requests = 0
        # Commands run on two long-lived threads, each taking its commands one at a time:
        # answers (which may generate for seconds) on one, everything else on the other, so a
        # search never waits behind an answer. Each thread's connection, page cache and heap
        # arena serve all its requests.
        self._lanes: dict[str, queue.SimpleQueue[tuple[str, Job, threading.Event]]] = {
            "answers": queue.SimpleQueue(), "commands": queue.SimpleQueue()}
        self._clients = threading.BoundedSemaphore(MAX_CLIENTS)
        self._count_lock = threading.Lock()
        self._stop = threading.Event()
        self._lock_fd: int | None = None
        self._server: socket.socket | None = None

    # ---- life cycle -----------------------------------------------------------------------------
    def claim(self) -> None:
        """Become this data folder's one service, or say which process already is."""
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)  # only its owner may even reach the socket
        fd = os.open(self.dir / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            pid = pid_of_running(self.core.paths.data_dir) or "?"
            raise LocalragError(f"a service already runs for {self.core.paths.data_dir} (pid {pid})") from None
        self._lock_fd = fd
        (self.dir / "pid").write_text(f"{os.getpid()} {self.started}\n", encoding="ascii")
        if len(str(self.sock_path)) > SOCKET_PATH_MAX:
            raise LocalragError(f"the data folder's path is too long for a socket ({self.sock_path}); "
                                "set LOCALRAG_HOME to a shorter one")
        if self.sock_path.exists() or self.sock_path.is_symlink():
            self.sock_path.unlink()  # left by a service that died: the lock says none runs
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is made 0600, never briefly open to others
        try:
            srv.bind(str(self.sock_path))
        finally:
            os.umask(old)
        os.chmod(self.sock_path, stat.S_IRUSR | stat.S_IWUSR)
        srv.listen(64)
        srv.settimeout(0.5)
        self._server = srv

    def start(self) -> None:
        """Load the embedding model, then the background work (the watcher's catch-up scan first)."""
        self.core.resident.keep_vectors_in_memory()
        self.background.starting = "loading the embedding model"
        _ = self.core.models.embedder
        _ = self.core.models.verifier  # where the settings use it: the first answer does not wait for it
        self.background.starting = ""
        self.background.start()

    def serve_forever(self) -> None:
        assert self._server is not None, "claim() first"
        for lane in self._lanes:
            threading.Thread(target=self._run_jobs, args=(lane,), name=f"localrag-{lane}", daemon=True).start()
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    break
                raise
            if not self._clients.acquire(blocking=False):
                conn.close()  # too many at once: the client runs its command itself
                continue
            threading.Thread(target=self._handle, args=(conn,), name="localrag-client", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.background.stop()
        if self._server is not None:
            self._server.close()
            try:
                self.sock_path.unlink()
            except OSError:
                pass
        if self._lock_fd is not None:
            try:
                (self.dir / "pid").unlink()
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None

    # ---- requests ---------------------------------------------------------------------------------
    def _handle(self, conn: socket.socket) -> None:
        try:
            with conn:
                self._serve(conn)
        finally:
            self._clients.release()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if peer_uid(conn) != os.getuid():
                raise Refused("refused: this service serves only its owner")
            conn.settimeout(10)
            line = conn.makefile("rb").readline(MAX_REQUEST + 1)
            conn.settimeout(None)
            req = validate(line)
        except Refused as e:
            self._reply_error(conn, str(e))
            return
        except (OSError, ValueError):
            return  # the client went away, or sent nothing in time
        sink = _Sink(conn)
        try:
            if req["op"] == "status":
                sink.frame(self.status())
            elif req["op"] == "call":
                self._call(sink, req["method"], req.get("params") or {})
            else:
                self._command(sink, req)
        except BrokenPipeError:
            pass  # the client went away

    def _queue(self, lane: str, label: str, job: Job) -> None:
        """Run ``job`` on ``lane``'s thread and wait for it."""
        done = threading.Event()
        self._lanes[lane].put((label, job, done))
        done.wait()

    def _run_jobs(self, lane: str) -> None:
        jobs = self._lanes[lane]
        while True:
            label, job, done = jobs.get()
            try:
                with self._count_lock:
                    self.requests += 1
                with self.background.working(label):
                    if lane == "answers":
                        with self.background.answering:
                            job()
                    else:
                        job()
            except Exception as e:  # a job's own boundary missed it: logged, the lane goes on
                self.log(f"{label} failed: {type(e).__name__}: {e}")
            finally:
                done.set()
                give_memory_back()  # what an answer freed goes back to the system, not kept for the next

    def _command(self, sink: _Sink, req: dict) -> None:
        tty = req.get("tty", [False, False])
        io = Io(sink.stream("o", tty[0]), sink.stream("e", tty[1]), columns=int(req.get("columns", 100)),
                stdin_tty=bool(req.get("stdin_tty", False)), interactive=False, cwd=req["cwd"])
        prepared = self.prepare(list(req["argv"]), req["cwd"], io)
        if prepared.code is not None:
            sink.frame({"exit": prepared.code})
            return
        if prepared.run_here or prepared.run is None:
            sink.frame({"run_here": prepared.run_here or "not served"})
            return
        sink.frame({"started": {"command": prepared.command, "retry_safe": prepared.retry_safe}})
        ending: dict[str, Any] = {}
        run = prepared.run

        def job() -> None:
            sink.owner = threading.current_thread()
            try:
                self.core.adopt_saved_settings(reindexing=prepared.command == "reindex")
                ending["exit"] = run()
            except NeedsAnswer as q:  # asked on the client's terminal, then sent again with the flag
                ending.update(exit=1, confirm=q.question, flag=q.flag)
            except BrokenPipeError:
                ending.clear()
            except LocalragError as e:
                say(f"localrag: {e}")
            except Exception as e:  # the command's own boundary missed it: one line, the service stays up
                self.log(f"request {prepared.command} failed: {type(e).__name__}: {e}")
                say(f"localrag: unexpected error in the service ({type(e).__name__}: {e})")

        def say(line: str) -> None:
            ending["exit"] = 1
            try:
                io.echo(line, stderr=True)
            except BrokenPipeError:
                ending.clear()

        self._queue("answers" if prepared.answers else "commands", prepared.command, job)
        if ending and not sink.gone:
            sink.frame(ending)

    def _call(self, sink: _Sink, method: str, params: dict) -> None:
        reply: dict[str, Any] = {}

        def job() -> None:
            try:
                self.core.adopt_saved_settings()
                reply["result"] = CALLS[method](self.core, params)
            except LocalragError as e:
                reply["error"] = str(e)
            except Exception as e:  # one line back, the service stays up
                self.log(f"call {method} failed: {type(e).__name__}: {e}")
                reply["error"] = f"unexpected error in the service ({type(e).__name__}: {e})"

        self._queue("answers" if method in ANSWER_CALLS else "commands", method, job)
        sink.frame(reply)

    @staticmethod
    def _reply_error(conn: socket.socket, message: str) -> None:
        """The error, then what the client still sends read and dropped: a close with unread
        data would reset the connection before the client reads why."""
        try:
            conn.sendall(json.dumps({"s": "e", "t": f"localrag: {message}\n"}).encode() + b"\n"
                         + json.dumps({"exit": 2, "error": message}).encode() + b"\n")
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(1.0)
            left = MAX_REQUEST * 2
            while left > 0 and (got := conn.recv(65536)):
                left -= len(got)
        except OSError:
            pass

    def status(self) -> dict:
        emb, llm = self.core.models.loaded()
        w = self.background.watcher
        return {"pid": os.getpid(), "since": self.started, "doing": self.background.doing, "requests": self.requests,
                "rss_mb": round(_rss_mb(), 1), "embed_model": emb, "llm_model": llm,
                "idle_unload_seconds": self.idle_seconds, "data_dir": str(self.core.paths.data_dir),
                "watching": bool(w and w.ready.is_set()), "retrying": self.background.retrying()}


def _rss_mb() -> float:
    """Resident memory now (Linux /proc), else the peak."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def _systemd_quoted(text: str) -> str:
    """One word of a unit file: double-quoted, its backslashes, quotes and newlines escaped, and
    ``%`` doubled (systemd's specifiers), so a path with spaces or quotes stays one word."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("%", "%%")
    return f'"{escaped}"'


def unit_text(executable: str, data_home: str | None) -> str:
    """The systemd user unit that starts the service at login and restarts it on failure."""
    env = f"Environment={_systemd_quoted('LOCALRAG_HOME=' + data_home)}\n" if data_home else ""
    return ("[Unit]\nDescription=localrag: keeps your folders indexed and the models warm\n\n"
            f"[Service]\nType=simple\nExecStart={_systemd_quoted(executable)} serve\n{env}Restart=on-failure\n"
            "RestartSec=5\n\n[Install]\nWantedBy=default.target\n")


def launch_agent_text(executable: str, data_home: str | None) -> str:
    """The macOS LaunchAgent doing the same, written by plistlib (every text escaped)."""
    import plistlib

    agent: dict[str, Any] = {"Label": "org.localrag.serve", "ProgramArguments": [executable, "serve"],
                             "RunAtLoad": True, "KeepAlive": {"SuccessfulExit": False}}
    if data_home:
        agent["EnvironmentVariables"] = {"LOCALRAG_HOME": data_home}
    return plistlib.dumps(agent).decode("utf-8")


def unit_path() -> Path:
    if sys.platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / "org.localrag.serve.plist"
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "systemd" / "user" / "localrag.service"
