"""`localrag serve` and its thin clients, as real processes: the same output with and without it,
one service per data folder, only its owner gets in, bad requests, an edit found with no TUI,
the idle unload, a service that dies mid-answer, the login unit."""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import SAMPLES, run_cli
from .waiting import wait_for

READY = ("idle", "embedding sentences ahead")  # caught up: the second is background work a command stops


def _socket(home: Path) -> Path:
    return home / "service" / "sock"


def status_of(home: Path) -> dict | None:
    from localrag.service.client import request

    return request(home, {"op": "status"})


class Served:
    """`localrag serve` in a subprocess, once it is caught up; its stderr read as it comes (a
    service that runs for many tests must never block on a full pipe)."""

    def __init__(self, home: Path, *args: str, folder: Path | None = None):
        env = dict(os.environ, LOCALRAG_HOME=str(home))
        self.home = home
        self.folder = folder
        self.proc = subprocess.Popen([sys.executable, "-m", "localrag", "serve", *args], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.err_lines: list[str] = []
        self.reader = threading.Thread(target=self.read_stderr, daemon=True)
        self.reader.start()
        wait_for(lambda: _socket(home).exists() and (st := status_of(home)) and st["doing"] in READY, 120,
                 "the service started", alive=lambda: self.proc.poll() is None)

    def read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err_lines.append(line)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.reader.join(10)
        return "".join(self.err_lines)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "my-docs"
    shutil.copytree(SAMPLES, d)
    return d


def _stopped_cleanly(s: Served) -> None:
    err = s.stop()
    assert "Traceback" not in err, err
    if s.proc.returncode != -signal.SIGKILL:  # stopped as systemd stops it: nothing left behind
        assert s.proc.returncode == 0 and not _socket(s.home).exists()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[Served]:
    """One service for the tests that leave it as they found it (each puts back what it changes)."""
    home = tmp_path_factory.mktemp("served-home")
    (home / "models").symlink_to(models_dir, target_is_directory=True)
    folder = tmp_path_factory.mktemp("served") / "my-docs"
    shutil.copytree(SAMPLES, folder)
    run_cli("add", str(folder), home=home)
    s = Served(home, folder=folder)
    yield s
    _stopped_cleanly(s)


@pytest.fixture()
def own_served(samples_home: Path) -> Iterator[Served]:
    """A service of the test's own, on the samples (which it leaves as they are): for a test that
    kills it, or watches it start."""
    s = Served(samples_home, folder=SAMPLES)
    yield s
    _stopped_cleanly(s)


@contextmanager
def settings_kept(home: Path) -> Iterator[None]:
    """The settings file as it was, after the block (the shared service adopts it again)."""
    config = home / "config.toml"
    before = config.read_bytes() if config.exists() else None
    try:
        yield
    finally:
        if before is None:
            config.unlink(missing_ok=True)
        else:
            config.write_bytes(before)


def cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, home=home, check=check)


@pytest.mark.slow
def test_the_cli_says_the_same_with_and_without_the_service(served: Served) -> None:
    home, folder = served.home, served.folder
    assert folder is not None
    for args in (("search", "descaling program", "--json"), ("search", "generator function", "-k", "3"),
                 ("summarize", str(folder / "localrag-faq.md"), "--json"),
                 ("summarize", str(folder / "localrag-faq.md"), "--words", "40", "--type", "md", "--json"),
                 ("summarize", "--about", "descaling", "--json"),
                 ("ask", "Which files mention lambda?", "--json")):
        via, here = cli(home, *args), cli(home, *args, "--local")
        assert via.returncode == here.returncode == 0
        if "--json" in args:
            a, b = json.loads(via.stdout), json.loads(here.stdout)
            a.pop("conversation_id", None), b.pop("conversation_id", None)
            assert a == b, args
        else:
            assert via.stdout == here.stdout, args
    js = [json.loads(cli(home, "ask", "How long does the descaling program run?", "--json", *extra).stdout)
          for extra in ((), ("--local",))]
    for j in js:
        j.pop("conversation_id")
    assert js[0] == js[1] and "twenty minutes" in js[0]["answer"]
    st = [json.loads(cli(home, "status", "--json", *extra).stdout) for extra in ((), ("--local",))]
    assert {k: st[0][k] for k in ("files", "chunks", "folders")} == {k: st[1][k] for k in ("files", "chunks", "folders")}
    bad = [cli(home, "search", "x", "--in", "/no/such/folder", *extra, check=False) for extra in ((), ("--local",))]
    assert bad[0].returncode == bad[1].returncode == 1 and bad[0].stderr == bad[1].stderr
    usage = [cli(home, "search", "x", "--mode", "nonsense", *extra, check=False) for extra in ((), ("--local",))]
    assert usage[0].returncode == usage[1].returncode == 2 and usage[0].stderr == usage[1].stderr
    laid_out = {}
    for columns in ("40", "150"):  # for each client's own terminal width, as its own process lays it out
        env = dict(os.environ, LOCALRAG_HOME=str(home), COLUMNS=columns)
        both = [subprocess.run([sys.executable, "-m", "localrag", "search", "x", "--mode", "nonsense", *extra],
                               env=env, capture_output=True, text=True, timeout=120) for extra in ((), ("--local",))]
        assert both[0].returncode == 2 and both[0].stderr == both[1].stderr, both
        laid_out[columns] = both[0].stderr
    assert laid_out["40"] != laid_out["150"]
    with settings_kept(home):
        cli(home, "config", "set", "top_k", "2")  # a setting changed while the service runs is used at once
        for extra in ((), ("--local",)):
            assert len(json.loads(cli(home, "search", "descaling", "--json", *extra).stdout)["results"]) == 2
    rel = subprocess.run([sys.executable, "-m", "localrag", "search", "descaling", "--in", "my-docs", "--json"],
                         cwd=folder.parent, env=dict(os.environ, LOCALRAG_HOME=str(home)), capture_output=True,
                         text=True, check=True)  # a relative path means the client's folder, not the service's
    assert json.loads(rel.stdout)["results"]


@pytest.mark.slow
def test_one_service_per_data_folder(served: Served) -> None:
    again = cli(served.home, "serve", check=False)
    assert again.returncode == 1 and f"localrag: a service already runs for {served.home} (pid {served.proc.pid})\n" == again.stderr
    assert "Traceback" not in again.stderr
    st = cli(served.home, "service", "status")
    assert f"pid {served.proc.pid}" in st.stdout and "running since" in st.stdout


@pytest.mark.slow
def test_a_one_shot_client_imports_nothing_heavy(served: Served) -> None:
    code = ("import sys, json; from localrag.launch import main; rc = main(['search', 'descaling', '--json']); "
            "heavy = [m for m in ('numpy', 'onnxruntime', 'llama_cpp', 'rich', 'apsw', 'fastembed') if m in sys.modules];"
            "print(json.dumps({'rc': rc, 'heavy': heavy}))")
    p = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, LOCALRAG_HOME=str(served.home)),
                       capture_output=True, text=True, check=True)
    last = json.loads(p.stdout.strip().splitlines()[-1])
    assert last == {"rc": 0, "heavy": []}, p.stdout[-500:]


@pytest.mark.slow
def test_only_its_owner_gets_in_and_bad_requests_are_refused(served: Served) -> None:
    sock = _socket(served.home)
    assert oct(sock.parent.stat().st_mode & 0o777) == "0o700" and oct(sock.stat().st_mode & 0o777) == "0o600"

    def raw(payload: bytes) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(sock))
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            return s.makefile("rb").read().decode()

    assert "malformed request" in raw(b"this is not json\n")
    assert "op must be" in raw(b'{"op": "shell", "argv": ["rm"]}\n')
    assert "cwd must be" in raw(b'{"op": "run", "argv": ["search", "x"]}\n')
    assert json.loads(raw(b'{"op": "run", "argv": ["config", "set", "llm", "x"], "cwd": "/"}\n')) == {
        "run_here": "the service does not run config"}  # nothing done there: the client runs it itself
    assert "unknown call 'shell'" in raw(b'{"op": "call", "method": "shell", "params": {}}\n')
    assert "too large" in raw(b'{"op": "run", "argv": ["' + b"a" * 70_000 + b'"]}\n')
    assert json.loads(cli(served.home, "search", "descaling", "--json").stdout)["results"]  # still up
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("another user's client needs root to run as one")
    # open the way (as a careless chmod and a link in a shared folder would) so only the service's own
    # check stands: the socket's inode linked into a folder anyone may enter, its mode opened
    shared = Path(tempfile.mkdtemp(prefix="localrag-peer-", dir="/tmp"))
    os.chmod(shared, 0o755)
    os.link(sock, shared / "sock")
    os.chmod(sock, 0o777)
    try:
        probe = ("import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); "
                 "s.sendall(b'{\"op\": \"status\"}\\n'); print(s.makefile('rb').read().decode())")
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", probe,
                            str(shared / "sock")], capture_output=True, text=True, timeout=30, cwd="/")
        assert "serves only its owner" in p.stdout and '"pid"' not in p.stdout, (p.stdout, p.stderr)
    finally:
        os.chmod(sock, 0o600)
        shutil.rmtree(shared)


@pytest.mark.slow
def test_a_saved_file_is_searchable_through_the_cli_with_no_tui(served: Served) -> None:
    folder = served.folder
    assert folder is not None
    (folder / "otters.md").write_text("# Otters\n\nSea otters hold hands while they sleep on the water.\n",
                                      encoding="utf-8")

    def otters() -> list[str]:
        hits = json.loads(cli(served.home, "search", "otters hold hands", "--mode", "keyword", "--json").stdout)["results"]
        return [Path(h["path"]).name for h in hits]

    wait_for(lambda: otters()[:1] == ["otters.md"], 30, "the service indexed the saved file", every=0.2)
    js = json.loads(cli(served.home, "ask", "Which files mention otters?", "--json").stdout)
    assert [Path(f["path"]).name for f in js["files"]] == ["otters.md"]
    (folder / "otters.md").unlink()  # the shared folder as it was
    wait_for(lambda: "otters.md" not in otters(), 30, "the service dropped the deleted file", every=0.2)


@pytest.mark.slow
def test_the_language_model_is_unloaded_after_the_idle_time(samples_home: Path) -> None:
    home = samples_home
    s = Served(home, "--idle", "0.05")  # three seconds
    try:
        assert cli(home, "ask", "How long does the descaling program run?").returncode == 0
        st = status_of(home)
        assert st and st["llm_model"], st
        st = wait_for(lambda: (now := status_of(home)) and not now["llm_model"] and now, 30,
                      "the language model unloaded", every=0.5)
        assert st["embed_model"]  # the embedding model stays: searches need it
        assert cli(home, "ask", "How often should the machine be descaled?").returncode == 0  # loads it again
    finally:
        assert "Traceback" not in s.stop()


def test_many_commands_leave_no_connection_behind(served: Served) -> None:
    """Each request runs on a thread of its own: a connection kept per finished thread ran the
    service out of file descriptors after some hundreds of commands."""
    pid = served.proc.pid

    def fds() -> int:
        return len(os.listdir(f"/proc/{pid}/fd"))

    cli(served.home, "search", "descaling")
    before = fds()
    for i in range(25):
        assert cli(served.home, "search", f"descaling {i}", "--json").returncode == 0
    assert fds() <= before + 2, (before, fds())


def test_a_model_that_fails_to_load_is_said_in_one_line_and_the_service_stays_up(served: Served,
                                                                                   tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF\0\0\0\0not a model")
    with settings_kept(served.home):
        cli(served.home, "config", "set", "llm_model", str(broken))  # made while the service runs
        r = cli(served.home, "ask", "How long does the descaling program run?", check=False)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "cannot load model" in r.stderr
        assert served.proc.poll() is None  # still up, still searching
        assert json.loads(cli(served.home, "search", "descaling", "--json").stdout)["results"]
        assert (st := status_of(served.home)) and st["llm_model"] is None


def test_reindex_goes_through_the_service_and_asks_on_the_clients_terminal(served: Served) -> None:
    home = served.home
    chunks = json.loads(cli(home, "status", "--json").stdout)["chunks"]
    env = dict(os.environ, LOCALRAG_HOME=str(home))

    def say_no(*flags: str) -> tuple[int, str, str]:
        main, term = pty.openpty()  # a person at a terminal says no: nothing is re-embedded
        try:
            p = subprocess.Popen([sys.executable, "-m", "localrag", "reindex", *flags], env=env, stdin=term,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            os.write(main, b"n\n")
            out, err = p.communicate(timeout=60)
        finally:
            os.close(main)
            os.close(term)
        return p.returncode, out, err

    code, out, err = say_no()
    assert code == 1 and f"Re-embed all {chunks} chunks" in out and "nothing changed" in out, (out, err)
    assert say_no("--local")[:2] == (code, out)  # the question its own process asks, word for word
    asked = status_of(home)
    assert asked
    r = cli(home, "reindex", "--json")  # no terminal: no question, as in its own process
    stats = json.loads(r.stdout)
    assert stats["chunks_embedded"] == chunks
    after = status_of(home)
    assert after and after["requests"] == asked["requests"] + 1  # the service ran it, not this process
    assert json.loads(cli(home, "search", "descaling", "--json").stdout)["results"]


@pytest.mark.slow
def test_a_service_killed_mid_answer_is_said_and_the_question_answered_here(own_served: Served) -> None:
    served = own_served
    env = dict(os.environ, LOCALRAG_HOME=str(served.home))
    client = subprocess.Popen([sys.executable, "-m", "localrag", "ask", "What is a Python generator?"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: (st := status_of(served.home)) and st["doing"].startswith("running"), 60, "the command ran",
             every=0.02, alive=lambda: client.poll() is None)
    served.proc.kill()
    out, err = client.communicate(timeout=120)
    assert client.returncode == 0, (out, err)
    assert "the service stopped during the request; running it here instead" in err
    assert "Evidence (verbatim from your files)" in out and "Traceback" not in err
    again = cli(served.home, "search", "generator", "--json")  # the socket it left is no obstacle
    assert json.loads(again.stdout)["results"]


@pytest.mark.slow
def test_killed_while_indexing_a_restart_resumes(home: Path, tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(150):
        (many / f"note-{i:03d}.md").write_text(f"# Note {i}\n\nThe number {i} is noted here as n{i:03d}x.\n",
                                              encoding="utf-8")
    run_cli("add", str(many), "--no-index", home=home)
    s = Served(home, "--no-watch")
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    indexing = subprocess.Popen([sys.executable, "-m", "localrag", "index"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    wait_for(lambda: (st := status_of(home)) and st["doing"] == "running index", 60, "the index ran", every=0.02)
    time.sleep(0.5)
    s.proc.kill()
    indexing.communicate(timeout=60)
    s = Served(home)  # the catch-up scan resumes what was cut off
    try:
        wait_for(lambda: json.loads(cli(home, "status", "--json").stdout)["files"] >= 150, 120,
                 "the restarted service finished the index", every=0.5)
        hits = json.loads(cli(home, "search", "n149x", "--mode", "keyword", "--json").stdout)["results"]
        assert hits and Path(hits[0]["path"]).name == "note-149.md"
    finally:
        assert "Traceback" not in s.stop()
    assert "healthy" in cli(home, "doctor").stdout


def test_the_login_unit_is_written_checked_and_removed(home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "xdg"
    env = dict(os.environ, LOCALRAG_HOME=str(home), XDG_CONFIG_HOME=str(cfg))
    run = subprocess.run([sys.executable, "-m", "localrag", "service", "install", "--no-start"], env=env,
                         capture_output=True, text=True, check=True)
    unit = cfg / "systemd" / "user" / "localrag.service"
    assert str(unit) in run.stdout and unit.exists()
    text = unit.read_text(encoding="utf-8")
    assert "serve" in text and f"LOCALRAG_HOME={home}" in text and "Restart=on-failure" in text
    if shutil.which("systemd-analyze"):
        exe = text.split("ExecStart=")[1].split('"')[1]
        if Path(exe).exists():
            v = subprocess.run(["systemd-analyze", "verify", "--user", str(unit)], capture_output=True, text=True)
            problems = [line for line in (v.stdout + v.stderr).splitlines() if "localrag.service" in line]
            assert not problems, problems
    st = subprocess.run([sys.executable, "-m", "localrag", "service", "status"], env=env, capture_output=True, text=True)
    assert st.returncode == 1 and "not running" in st.stdout and str(unit) in st.stdout
    subprocess.run([sys.executable, "-m", "localrag", "service", "uninstall", "--no-start"], env=env, check=True,
                   capture_output=True)
    assert not unit.exists()


@pytest.mark.slow
def test_the_tui_leaves_the_watching_to_a_running_service(served: Served, embedder) -> None:
    import asyncio

    from textual.widgets import Static

    from localrag.config import Paths, Settings
    from localrag.tui.app import build_app

    async def run() -> None:
        app = build_app(Paths(served.home, served.home), Settings(), watch=True, blink=False, preload=False,
                        embedder=embedder)
        async with app.run_test(size=(110, 30)) as pilot:
            await pilot.pause(0.5)
            assert app.watcher is None and app.service_watching
            assert "kept in step by localrag serve" in str(app.query_one("#statusbar", Static).render())

    asyncio.run(run())


@pytest.mark.slow
def test_the_mcp_server_sends_its_calls_to_the_service(served: Served) -> None:
    folder = served.folder
    assert folder is not None
    import asyncio

    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(command=sys.executable, args=["-m", "localrag", "mcp"],
                                   env={"LOCALRAG_HOME": str(served.home), "PATH": os.environ.get("PATH", "")})
    before = status_of(served.home)["requests"]
    conversations = cli(served.home, "conversations", "--json").stdout

    async def body(client: Client) -> None:
        res = await client.call_tool("search", {"query": "descaling program minutes", "k": 2})
        assert not res.is_error and len(res.structured_content["results"]) == 2
        res = await client.call_tool("ask", {"question": "How long does the descaling program run?"})
        assert not res.is_error and "twenty minutes" in res.structured_content["answer"]
        assert "citations" not in res.structured_content
        res = await client.call_tool("summarize", {"paths": [str(folder / "localrag-faq.md")], "words": 40})
        assert not res.is_error and res.structured_content["question_kind"] == "summary"
        res = await client.call_tool("search", {"query": "x", "in_paths": ["/no/such/folder"]})
        assert res.is_error and "not" in res.content[0].text  # the service's one line, as a tool error

    async def run() -> None:
        async with Client(params) as client:
            await asyncio.wait_for(body(client), 300)

    asyncio.run(run())
    assert status_of(served.home)["requests"] == before + 4  # every call went to the warm service
    assert cli(served.home, "conversations", "--json").stdout == conversations  # not the user's conversations


def test_the_service_resolves_paths_against_the_clients_folder_but_not_option_values(tmp_path: Path) -> None:
    """The client sends its command line whole; the CLI's own parser in the service reads it."""
    from localrag.cli import prepare_served
    from localrag.service.streams import Io

    io = Io(io_sink := _Lines(), _Lines(), interactive=False)
    p = prepare_served(["summarize", "notes.md", "--about", "refunds", "--words", "80", "--type", "md"], str(tmp_path), io)
    assert p.run is not None and p.command == "summarize" and p.answers and p.retry_safe
    args = p.run.args[0]  # type: ignore[attr-defined]
    assert args.paths == [str(tmp_path / "notes.md")] and args.about == "refunds" and args.words == 80
    args = prepare_served(["search", "-k", "3", "--in", "*.md", "--in", "sub", "--", "-k"], str(tmp_path), io).run.args[0]
    assert args.scope_in == ["*.md", str(tmp_path / "sub")] and args.query == "-k" and args.k == 3
    assert prepare_served(["forget", "../x.md"], str(tmp_path / "a"), io).run.args[0].path == str(tmp_path / "x.md")
    assert not prepare_served(["index"], str(tmp_path), io).retry_safe
    for argv in (["ask", "q", "--model", "x.gguf"], ["search", "q", "--local"], ["--debug", "search", "q"], ["config", "show"],
                 [], ["mcp"]):
        p = prepare_served(argv, str(tmp_path), io)
        assert p.run_here and p.run is None, argv
    p = prepare_served(["search", "--mode", "nonsense", "q"], str(tmp_path), io)
    assert p.code == 2 and "invalid choice" in "".join(io.err.lines) and not io_sink.lines  # type: ignore[attr-defined]


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.slow
def test_ctrl_c_in_a_terminal_stops_the_service_and_its_parser_quietly(home: Path, folder: Path) -> None:
    """Ctrl-C reaches the whole process group, the parser sandbox's child too: it must not print
    a traceback of its own while the service stops cleanly."""
    run_cli("add", str(folder), home=home)
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    proc = subprocess.Popen([sys.executable, "-m", "localrag", "serve"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(lambda: (st := status_of(home)) and st["doing"] in READY, 120, "the service caught up",
                 alive=lambda: proc.poll() is None)
        shutil.copy(folder / "espresso-machine-manual.pdf", folder / "copy.pdf")  # parsed in the sandbox's child
        wait_for(lambda: json.loads(cli(home, "search", "descaling", "--in", str(folder / "copy.pdf"), "--json",
                                        check=False).stdout or "{}").get("results"), 120, "the new PDF indexed", every=0.2)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_a_search_is_answered_while_an_answer_waits(served: Served) -> None:
    """Answers run beside the other commands: a search does not queue behind a question. The
    question is held at its last step (keeping the conversation) by another process's write
    transaction, so it cannot finish until the test lets it."""
    import apsw

    home = served.home
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    held = apsw.Connection(str(home / "index.db"))
    held.execute("BEGIN IMMEDIATE")
    try:
        asking = subprocess.Popen([sys.executable, "-m", "localrag", "ask", "How long does the descaling program run?"],
                                  env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        wait_for(lambda: "ask" in (status_of(home) or {}).get("doing", ""), 60, "the question reached the service",
                 every=0.05, alive=lambda: asking.poll() is None)
        searched = subprocess.run([sys.executable, "-m", "localrag", "search", "descaling", "--json"], env=env,
                                  capture_output=True, text=True, timeout=20)
        assert searched.returncode == 0 and json.loads(searched.stdout)["results"], searched.stderr
        assert asking.poll() is None  # still held: the search did not wait for it
        assert "running ask" in (status_of(home) or {}).get("doing", "")
    finally:
        held.execute("COMMIT")
        held.close()
    out, err = asking.communicate(timeout=60)
    assert asking.returncode == 0 and "twenty minutes" in out, (out, err)


def test_the_service_embeds_sentences_ahead_and_answers_from_them(own_served: Served) -> None:
    """Once caught up and asked nothing, the service embeds every chunk's sentences ahead (its
    status says so meanwhile); a question afterwards gets its answer from them."""
    import apsw

    home = own_served.home
    seen = set()

    def idle() -> bool:
        doing = (status_of(home) or {}).get("doing")
        seen.add(doing)
        return doing == "idle"

    wait_for(idle, 120, "the service idle")
    db = apsw.Connection(str(home / "index.db"), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        stored = db.execute("SELECT count(*) FROM sentence_vectors").fetchone()[0]
        cold = db.execute("SELECT count(*) FROM chunks c WHERE NOT EXISTS "
                          "(SELECT 1 FROM warm_chunks w WHERE w.hash = c.hash)").fetchone()[0]
    finally:
        db.close()
    assert stored > 100 and cold == 0, (stored, cold)
    assert "embedding sentences ahead" in seen, seen
    out = cli(home, "ask", "How long does the descaling program run?").stdout
    assert "twenty minutes" in out
