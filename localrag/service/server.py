"""The service process: one warm ``Localrag`` and its watcher, serving thin clients on a Unix
socket that only its owner can open.

Each connection is one request, one JSON line: ``{"op": "run", "argv": [...], "tty": [out, err],
"columns": N}`` runs a CLI command here (the caller passes the CLI's own ``main``) and streams
what it writes as ``{"s": "o"|"e", "t": text}`` lines, then ``{"exit": code}``; ``{"op":
"status"}`` replies with what the service is doing. Answers (ask, summarize) run one at a time
on a thread of their own, every other command one at a time on another, so a search never waits
for an answer; the watcher indexes meanwhile, as in the TUI. A client that goes away stops its
command at its next write (an answer at its next token). When nothing has been asked for a
moment, the service embeds ahead the sentences answers rank, so a new question embeds only itself.
"""

from __future__ import annotations

import fcntl
import gc
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from localrag.errors import LocalragError
from localrag.service import FORWARDED, MAX_REQUEST, command_of, pid_of_running, service_dir, socket_path

if TYPE_CHECKING:
    from localrag.core import Localrag
    from localrag.indexing.indexer import IndexStats, Progress
    from localrag.indexing.watch import Watcher

RunCommand = Callable[[Sequence[str], int], int]  # (argv, the client's terminal width) -> exit code
ANSWERS = frozenset({"ask", "summarize"})  # they may generate for seconds: a lane of their own
WARM_JOIN = 10.0  # seconds to wait, when stopping, for the step of embedding sentences ahead in hand
SOCKET_PATH_MAX = 100  # AF_UNIX paths are limited to 108 bytes on Linux, 104 on macOS


class Refused(Exception):
    """A request the service does not take; its message goes back to the client."""


class _Sink:
    """Where one request's output goes: the client's socket, as JSON lines."""

    def __init__(self, conn: socket.socket, tty: Sequence[bool]):
        self.conn = conn
        self.tty = (bool(tty[0]), bool(tty[1])) if len(tty) == 2 else (False, False)
        self.gone = False

    def send(self, stream: str, text: str) -> None:
        if self.gone:
            raise BrokenPipeError("the client went away")
        try:
            self.conn.sendall(json.dumps({"s": stream, "t": text}).encode() + b"\n")
        except OSError:
            self.gone = True
            raise BrokenPipeError("the client went away") from None


_local = threading.local()


class _Stream:
    """sys.stdout or sys.stderr: the current request's sink on its thread, else the real one."""

    def __init__(self, real: IO[str], kind: str):
        self.real = real
        self.kind = kind

    def write(self, text: str) -> int:
        sink: _Sink | None = getattr(_local, "sink", None)
        if sink is None:
            return self.real.write(text)
        sink.send(self.kind, text)
        return len(text)

    def flush(self) -> None:
        if getattr(_local, "sink", None) is None:
            self.real.flush()

    def isatty(self) -> bool:
        sink: _Sink | None = getattr(_local, "sink", None)
        return sink.tty[0 if self.kind == "o" else 1] if sink is not None else self.real.isatty()

    def fileno(self) -> int:
        if getattr(_local, "sink", None) is not None:
            raise OSError("a client's stream has no file descriptor")
        return self.real.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


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
    if not isinstance(req, dict) or req.get("op") not in ("run", "status"):
        raise Refused("malformed request: op must be run or status")
    if req["op"] == "run":
        argv = req.get("argv")
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) and len(a) < 8192 for a in argv):
            raise Refused("malformed request: argv must be a list of texts")
        command = command_of(argv)
        if command not in FORWARDED:
            raise Refused(f"the service does not run {command!r}; run it with --local")
        tty = req.get("tty", [False, False])
        if not (isinstance(tty, list) and all(isinstance(t, bool) for t in tty)):
            raise Refused("malformed request: tty must be two true/false values")
        columns = req.get("columns", 100)
        if not isinstance(columns, int) or not 10 <= columns <= 1000:
            req["columns"] = 100
    return req


class Service:
    def __init__(self, core: Localrag, run: RunCommand, idle_seconds: float = 600.0,
                 log: Callable[[str], None] | None = None, watch: bool = True):
        self.core = core
        self.run_command = run
        self.idle_seconds = idle_seconds
        self.log = log or (lambda m: None)
        self.watch = watch
        self.dir = Path(service_dir(core.paths.data_dir))
        self.sock_path = Path(socket_path(core.paths.data_dir))
        self.started = time.time()
        self._starting = "starting"
        self._running: dict[str, str] = {}  # lane -> the command it runs now
        self._indexing = ("", 0.0)
        self.requests = 0
        self.last_command = 0.0
        # Commands run on two long-lived threads, each taking its commands one at a time:
        # answers (which may generate for seconds) on one, everything else on the other, so a
        # search never waits behind an answer. Each thread's connection, page cache and heap
        # arena serve all its requests; a thread per request had to open the index again for
        # each, and left what it had used behind.
        self._lanes: dict[str, queue.SimpleQueue[tuple[socket.socket, dict, threading.Event]]] = {
            "answers": queue.SimpleQueue(), "commands": queue.SimpleQueue()}
        self._answering = threading.Lock()  # held while an answer runs: the idle unload waits for it
        self._warm_wanted = threading.Event()  # chunks may wait for their sentence vectors (set by indexing)
        self._warm_wanted.set()
        self._count_lock = threading.Lock()
        self._stop = threading.Event()
        self._lock_fd: int | None = None
        self._server: socket.socket | None = None
        self.watcher: Watcher | None = None
        self._warm_thread: threading.Thread | None = None

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
        srv.listen(16)
        srv.settimeout(0.5)
        self._server = srv

    def start(self) -> None:
        """Load the embedding model and start the watcher (its catch-up scan, then events)."""
        self.core.keep_vectors_in_memory()
        self._starting = "loading the embedding model"
        _ = self.core.embedder
        if self.watch and self.core.folders():
            from localrag.indexing.watch import Watcher

            self.watcher = Watcher(self.core, self._indexed, lambda m: self.log(f"watcher: {m}"),
                                   progress=self._progress)
            self.watcher.start()
        self._starting = ""
        threading.Thread(target=self._unload_when_idle, name="localrag-idle", daemon=True).start()
        self._warm_thread = threading.Thread(
            target=self.core.warm_when_idle, name="localrag-warm", daemon=True,
            args=(lambda: bool(self._busy_with()), lambda: self.last_command, self._warm_wanted, self._stop, self.log))
        self._warm_thread.start()

    def _run_jobs(self, lane: str) -> None:
        jobs = self._lanes[lane]
        while True:
            conn, req, done = jobs.get()
            try:
                if lane == "answers":
                    with self._answering:
                        self._run(conn, req, lane)
                else:
                    self._run(conn, req, lane)
            finally:
                done.set()

    def _indexed(self, stats: IndexStats) -> None:
        self._indexing = ("", 0.0)
        self._warm_wanted.set()
        for c in stats.changes:
            self.log(str(c))

    def _progress(self, p: Progress) -> None:
        done, total = p.done_total
        self._indexing = (f"{'reading files' if p.phase == 'keywords' else 'embedding'} {done} of {total}",
                          time.monotonic())

    @property
    def doing(self) -> str:
        """What the service does now: a command, the catch-up scan, indexing, reading the index
        or embedding sentences ahead, or nothing."""
        return self._busy_with() or self.core.warming or ("embedding sentences ahead" if self._warm_wanted.is_set()
                                                          else "idle")

    def _busy_with(self) -> str:
        """The work that must not wait for embedding sentences ahead; "" when there is none."""
        running = [c for c in self._running.values() if c]
        if running:
            return "running " + " and ".join(running)
        if self._starting:
            return self._starting
        if self.watcher is not None and not self.watcher.ready.is_set():
            return "catching up with the folders"
        text, at = self._indexing
        if text and time.monotonic() - at < 2.0:  # progress comes often while the watcher indexes
            return text
        return ""

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
            threading.Thread(target=self._handle, args=(conn,), name="localrag-client", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self._warm_thread is not None:  # ended before the process is: a thread inside onnxruntime at exit aborts it
            self._warm_wanted.set()
            self._warm_thread.join(WARM_JOIN)
        if self.watcher is not None:
            self.watcher.stop()
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
        with conn:
            try:
                if peer_uid(conn) != os.getuid():
                    raise Refused("refused: this service serves only its owner")
                conn.settimeout(10)
                line = conn.makefile("rb").readline(MAX_REQUEST + 1)
                conn.settimeout(None)
                req = validate(line)
                if req["op"] == "status":
                    conn.sendall(json.dumps(self.status()).encode() + b"\n")
                    return
                done = threading.Event()
                self._lanes["answers" if command_of(req["argv"]) in ANSWERS else "commands"].put((conn, req, done))
                done.wait()
            except Refused as e:
                self._reply_error(conn, str(e))
            except (OSError, ValueError):
                return  # the client went away, or sent nothing in time

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

    def _run(self, conn: socket.socket, req: dict, lane: str) -> None:
        sink = _Sink(conn, req.get("tty", [False, False]))
        with self._count_lock:
            self.requests += 1
        self._running[lane] = command_of(req["argv"]) or "?"
        _local.sink = sink
        try:
            code = self.run_command(req["argv"], int(req.get("columns", 100)))
        except SystemExit as e:  # argparse's usage errors: said to the client, as in its own process
            code = e.code if isinstance(e.code, int) else 2
        except BrokenPipeError:
            code = 0
        except Exception as e:  # the command's own boundary missed it: one line, the service stays up
            self.log(f"request {req['argv'][:2]} failed: {type(e).__name__}: {e}")
            try:
                sink.send("e", f"localrag: unexpected error in the service ({type(e).__name__}: {e})\n")
            except BrokenPipeError:
                pass
            code = 1
        finally:
            _local.sink = None
            self.last_command = time.monotonic()
            self._running[lane] = ""
        if not sink.gone:
            try:
                conn.sendall(json.dumps({"exit": int(code)}).encode() + b"\n")
            except OSError:
                pass
        _give_memory_back()  # what an answer freed goes back to the system, not kept for the next

    def status(self) -> dict:
        emb, llm = self.core.loaded_models()
        return {"pid": os.getpid(), "since": self.started, "doing": self.doing, "requests": self.requests,
                "rss_mb": round(_rss_mb(), 1), "embed_model": emb, "llm_model": llm,
                "idle_unload_seconds": self.idle_seconds, "data_dir": str(self.core.paths.data_dir),
                "watching": bool(self.watcher and self.watcher.ready.is_set())}

    def _unload_when_idle(self) -> None:
        """The language model goes after ``idle_seconds`` without a command, so a laptop gets its
        memory back; the next answer loads it again."""
        while not self._stop.wait(min(30.0, max(0.5, self.idle_seconds / 4))):
            if self.core.loaded_models()[1] is None:
                continue
            if time.monotonic() - self.last_command >= self.idle_seconds and self._answering.acquire(blocking=False):
                try:
                    self.core.reload_generator()
                    gc.collect()
                    _give_memory_back()
                    self.log("language model unloaded after the idle time")
                finally:
                    self._answering.release()


def _give_memory_back() -> None:
    """Freed heap goes back to the system (glibc keeps it otherwise): the unload is felt."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the allocator returns memory its own way


def _rss_mb() -> float:
    """Resident memory now (Linux /proc), else the peak."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def install_streams() -> None:
    """Route this process's stdout and stderr through per-request sinks (once, at start)."""
    if not isinstance(sys.stdout, _Stream):
        sys.stdout = _Stream(sys.stdout, "o")  # type: ignore[assignment]
        sys.stderr = _Stream(sys.stderr, "e")  # type: ignore[assignment]


def unit_text(executable: str, data_home: str | None) -> str:
    """The systemd user unit that starts the service at login and restarts it on failure."""
    env = f"Environment=LOCALRAG_HOME={data_home}\n" if data_home else ""
    return ("[Unit]\nDescription=localrag: keeps your folders indexed and the models warm\n\n"
            f"[Service]\nType=simple\nExecStart={executable} serve\n{env}Restart=on-failure\nRestartSec=5\n\n"
            "[Install]\nWantedBy=default.target\n")


def launch_agent_text(executable: str, data_home: str | None) -> str:
    """The macOS LaunchAgent doing the same."""
    env = (f"<key>EnvironmentVariables</key><dict><key>LOCALRAG_HOME</key><string>{data_home}</string></dict>"
           if data_home else "")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
            '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0"><dict>'
            "<key>Label</key><string>org.localrag.serve</string>"
            f"<key>ProgramArguments</key><array><string>{executable}</string><string>serve</string></array>{env}"
            "<key>RunAtLoad</key><true/><key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>"
            "</dict></plist>\n")


def unit_path() -> Path:
    if sys.platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / "org.localrag.serve.plist"
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "systemd" / "user" / "localrag.service"
