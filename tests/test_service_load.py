"""The service under real use, in real processes: many clients at once each get their own output,
kill -9 and restarts while clients poll, a reindex with no terminal, MCP queries that look like
flags, and the bounds on what a client can make it hold."""

from __future__ import annotations

import asyncio
import json
import os
import plistlib
import pty
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import SAMPLES, clean_index_of, run_cli
from .test_service import READY, Served, status_of
from .waiting import wait_for

# the suite's share of load: every client runs until each has run this many times (a count, not a
# time: the same work on any machine); more by hand with LOCALRAG_LOAD_ROUNDS and LOCALRAG_RESTARTS
LOAD_ROUNDS = int(os.environ.get("LOCALRAG_LOAD_ROUNDS", "3"))
RESTARTS = int(os.environ.get("LOCALRAG_RESTARTS", "2"))
QUESTION = "How long does the descaling program run?"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def localrag(home: Path, *args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The installed command as a person runs it (through the thin client when a service runs)."""
    return subprocess.run([sys.executable, "-m", "localrag", *args], env=dict(os.environ, LOCALRAG_HOME=str(home)),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd)


def on_a_terminal(home: Path, *args: str, timeout: float = 300) -> tuple[int, str]:
    """The command with its stdout and stderr on a pseudo-terminal (a progress bar draws there):
    its exit code and everything the terminal showed."""
    main, term = pty.openpty()
    try:
        p = subprocess.Popen([sys.executable, "-m", "localrag", *args], env=dict(os.environ, LOCALRAG_HOME=str(home),
                             COLUMNS="100"), stdin=subprocess.DEVNULL, stdout=term, stderr=term)
        os.close(term)
        term = -1
        chunks: list[bytes] = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    data = os.read(main, 65536)
                except OSError:  # EIO: the terminal's last writer closed it
                    break
                if not data:
                    break
                chunks.append(data)
            elif p.poll() is not None:
                break
        code = p.wait(timeout=max(1.0, end - time.monotonic()))
    finally:
        os.close(main)
        if term >= 0:
            os.close(term)
    return code, b"".join(chunks).decode("utf-8", "replace")


def shown_lines(screen: str) -> list[str]:
    """What stays on a terminal once a transient progress bar is gone: each line's last
    carriage-return segment, escapes stripped, empty ones dropped."""
    lines = []
    for raw in _ANSI.sub("", screen).replace("\r\n", "\n").split("\n"):
        kept = raw.split("\r")[-1].strip()
        if kept:
            lines.append(kept)
    return lines


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """The manual and the FAQ: the glossary's many chunks would add nothing these tests look at
    but time to embed them, twice in a test that builds a clean index to compare."""
    d = tmp_path / "my-docs"
    d.mkdir()
    for name in ("espresso-machine-manual.pdf", "localrag-faq.md"):
        shutil.copy(SAMPLES / name, d / name)
    return d


@pytest.mark.slow
def test_eight_clients_at_once_each_get_exactly_their_own_output(samples_home: Path) -> None:
    home = samples_home
    faq = str(SAMPLES / "localrag-faq.md")
    jobs: dict[str, tuple[str, ...]] = {
        "ask": ("ask", QUESTION),
        "ask-json": ("ask", "Which files mention lambda?", "--json", "--no-conversation"),
        "search": ("search", "descaling program", "--json"),
        "search-text": ("search", "generator function", "-k", "3"),
        "summarize": ("summarize", faq, "--words", "60", "--json"),
        "status": ("status", "--json"),
    }
    expected = {name: localrag(home, *args, "--local") for name, args in jobs.items()}
    for name, r in expected.items():
        assert r.returncode == 0, (name, r.stderr)
    local_index = shown_lines(on_a_terminal(home, "index", "--local")[1])
    assert local_index and local_index[-1].startswith("Index up to date"), local_index

    def same(name: str, got: subprocess.CompletedProcess[str]) -> str | None:
        want = expected[name]
        if got.returncode != 0 or "Traceback" in got.stderr:
            return f"{name}: exit {got.returncode}: {got.stderr[-300:]}"
        if name == "status":
            a, b = json.loads(got.stdout), json.loads(want.stdout)
            keys = ("files", "chunks", "vectors", "folders")
            return None if {k: a[k] for k in keys} == {k: b[k] for k in keys} else f"status differs: {got.stdout[:300]}"
        if got.stdout != want.stdout:
            return f"{name}: stdout differs:\n{got.stdout[:600]}\n--- want ---\n{want.stdout[:600]}"
        if name == "search-text" and not re.fullmatch(r"\(3 results in \d+ ms\)\n", got.stderr):
            return f"{name}: stderr {got.stderr!r}"
        return None

    s = Served(home)
    problems: list[str] = []
    names = ("index-1", "index-2", *jobs)
    runs = dict.fromkeys(names, 0)

    def client(name: str) -> None:  # all eight stay busy until the slowest has run LOAD_ROUNDS times
        while min(runs.values()) < LOAD_ROUNDS and len(problems) < 5:
            if name.startswith("index"):
                code, screen = on_a_terminal(home, "index")
                lines = [ln for ln in shown_lines(screen) if "waiting for another localrag process" not in ln]
                if code != 0 or not lines or lines[-1] != local_index[-1] or "Traceback" in screen:
                    problems.append(f"{name}: exit {code}: {lines[-5:]}")
            else:
                why = same(name, localrag(home, *jobs[name]))
                if why:
                    problems.append(why)
            runs[name] += 1

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in names]
        assert len(threads) == 8
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not problems, "\n\n".join(problems)
        assert all(n >= LOAD_ROUNDS for n in runs.values()), runs
        st = status_of(home)
        assert st and st["requests"] >= sum(runs.values())  # every command went to the service
    finally:
        err = s.stop()
    assert "Traceback" not in err, err
    for leaked in ("Evidence (verbatim", '"results"', "Index up to date", "results in", "twenty minutes", "Indexed in"):
        assert leaked not in err, (leaked, err)  # a client's output never lands in the service's own stderr


@pytest.mark.slow
def test_kill_9_at_random_points_and_restarts_while_clients_poll(home: Path, folder: Path, tmp_path: Path) -> None:
    """Every client prints its answer or one line, never a traceback; a write cut off is said, not
    run twice; afterwards the index is healthy and holds what a clean index of the folder holds."""
    run_cli("add", str(folder), home=home)
    want_search = localrag(home, "search", "descaling program", "-k", "3", "--json", "--local").stdout
    rng = random.Random(34)  # the kill points, the same on every run
    outcomes: list[tuple[str, int, str, str]] = []
    stop = threading.Event()

    def client(args: tuple[str, ...]) -> None:
        while not stop.is_set():
            r = localrag(home, *args)
            outcomes.append((" ".join(args), r.returncode, r.stdout, r.stderr))

    def writer() -> None:  # new notes while the service comes and goes, and `index` after each
        for i in range(1000):
            if stop.is_set():
                return
            (folder / f"note-{i:03d}.md").write_text(f"# Note {i}\n\nThe marker m{i:03d}q is written here.\n",
                                                     encoding="utf-8")
            r = localrag(home, "index")
            outcomes.append(("index", r.returncode, r.stdout, r.stderr))

    s = Served(home)
    threads = [threading.Thread(target=client, args=(a,)) for a in
               (("status",), ("search", "descaling program", "-k", "3", "--json"), ("ask", QUESTION))]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    try:
        for _ in range(RESTARTS):
            time.sleep(rng.uniform(0.3, 3.0))  # somewhere inside the clients' requests
            s.proc.kill()
            s.proc.wait(timeout=30)
            time.sleep(rng.uniform(0.0, 1.0))  # a stale socket meanwhile: clients run their commands themselves
            s = Served(home)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=300)
        err = s.stop()
    assert "Traceback" not in err, err
    assert len(outcomes) >= 12, len(outcomes)
    for what, code, out, errs in outcomes:
        assert "Traceback" not in out + errs, (what, out, errs)
        if code != 0:  # one line says why
            assert code == 1 and len(errs.strip().splitlines()) == 1 and errs.startswith("localrag: "), (what, code, errs)
        elif what.startswith("search"):  # the same passages (a note being embedded may add a "partial" note)
            assert json.loads(out)["results"] == json.loads(want_search)["results"], (what, out[:300])
        elif what.startswith("ask"):
            assert "twenty minutes" in out, (what, out)
    assert localrag(home, "index").returncode == 0  # what a cut-off write left is finished
    doctor = localrag(home, "doctor")
    assert "healthy" in doctor.stdout, doctor.stdout
    clean = clean_index_of(folder, home, tmp_path / "clean")
    here, there = (json.loads(localrag(h, "status", "--json").stdout) for h in (home, clean))
    assert {k: here[k] for k in ("files", "chunks", "vectors")} == {k: there[k] for k in ("files", "chunks", "vectors")}
    last = max(int(p.stem[5:]) for p in folder.glob("note-*.md"))
    hits = json.loads(localrag(home, "search", f"m{last:03d}q", "--mode", "keyword", "--json").stdout)["results"]
    assert hits and Path(hits[0]["path"]).name == f"note-{last:03d}.md"


@pytest.mark.slow
def test_reindex_from_a_client_without_a_terminal_never_prompts_the_services_terminal(samples_home: Path) -> None:
    home = samples_home
    main, term = pty.openpty()  # the service's own terminal: it must never be asked anything on it
    proc = subprocess.Popen([sys.executable, "-m", "localrag", "serve"], env=dict(os.environ, LOCALRAG_HOME=str(home)),
                            stdin=term, stdout=term, stderr=term)
    seen: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:
                return
            if not data:
                return
            seen.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        st = wait_for(lambda: (now := status_of(home)) and now["doing"] in READY and now, 120, "the service caught up",
                      alive=lambda: proc.poll() is None)
        before = st["requests"]
        r = localrag(home, "reindex", timeout=120)  # no terminal: no question, as in its own process
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        assert [ln for ln in r.stdout.splitlines() if ln.startswith("Indexed in")], r.stdout
        assert (status_of(home) or {}).get("requests") == before + 1  # the service ran it
        hits = json.loads(localrag(home, "search", "descaling", "--json").stdout)["results"]  # and serves on
        assert hits
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        os.close(term)
        reader.join(5)
        os.close(main)
    screen = b"".join(seen).decode("utf-8", "replace")
    assert "Re-embed" not in screen and "[y/N]" not in screen and "Traceback" not in screen, screen


@pytest.mark.slow
def test_mcp_queries_that_look_like_flags_with_and_without_the_service(home: Path, folder: Path) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    (folder / "flags.md").write_text("# Flags\n\nUse --force to overwrite, and -k to choose how many results.\n",
                                     encoding="utf-8")
    run_cli("add", str(folder), home=home)
    params = StdioServerParameters(command=sys.executable, args=["-m", "localrag", "mcp"],
                                   env={"LOCALRAG_HOME": str(home), "PATH": os.environ.get("PATH", "")})

    def results() -> dict[str, list]:
        got: dict[str, list] = {}

        async def body(client: Client) -> None:
            for q in ("--force", "-k", "--in"):
                res = await client.call_tool("search", {"query": q, "k": 3, "mode": "keyword"})
                assert not res.is_error, res.content
                got[q] = [(h["path"], h["start_line"], h["text"]) for h in res.structured_content["results"]]
            res = await client.call_tool("search", {"query": "x", "in_paths": ["/no/such/folder"]})
            got["error"] = [res.is_error, res.content[0].text]

        async def run() -> None:
            async with Client(params) as client:
                await asyncio.wait_for(body(client), 240)

        asyncio.run(run())
        return got

    alone = results()
    assert alone["--force"] and Path(alone["--force"][0][0]).name == "flags.md"
    s = Served(home)
    try:
        before = (status_of(home) or {})["requests"]
        served = results()
        assert (status_of(home) or {})["requests"] == before + 4  # every call went to the service, typed
    finally:
        assert "Traceback" not in s.stop()
    assert served == alone


@pytest.mark.slow
def test_idle_connections_beyond_the_cap_are_turned_away_and_the_service_serves_on(samples_home: Path) -> None:
    from localrag.service.server import MAX_CLIENTS

    home = samples_home
    s = Served(home)
    held: list[socket.socket] = []
    try:
        for _ in range(MAX_CLIENTS):  # clients that connect and say nothing
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(str(home / "service" / "sock"))
            held.append(c)
        time.sleep(0.5)
        extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        extra.connect(str(home / "service" / "sock"))
        extra.settimeout(5)
        try:
            extra.sendall(b'{"op": "status"}\n')
            assert extra.recv(100) == b""  # closed unanswered: one more is not taken
        except (BrokenPipeError, ConnectionResetError):
            pass
        extra.close()
        r = localrag(home, "search", "descaling", "--json")  # meanwhile the thin client runs it itself
        assert r.returncode == 0 and json.loads(r.stdout)["results"]
    finally:
        for c in held:
            c.close()
    wait_for(lambda: status_of(home) is not None, 30, "the service answering again", every=0.2)  # the held ones gone
    assert "Traceback" not in s.stop()


def test_the_login_units_keep_an_odd_home_whole(tmp_path: Path) -> None:
    from localrag.service.server import launch_agent_text, unit_text

    home = '/home/a user/50% "notes" & <more>'
    unit = unit_text("/opt/my apps/localrag", home)
    assert 'ExecStart="/opt/my apps/localrag" serve' in unit
    assert 'Environment="LOCALRAG_HOME=/home/a user/50%% \\"notes\\" & <more>"' in unit
    if shutil.which("systemd-analyze"):
        path = tmp_path / "localrag.service"
        path.write_text(unit.replace("/opt/my apps/localrag", sys.executable), encoding="utf-8")
        v = subprocess.run(["systemd-analyze", "verify", "--user", str(path)], capture_output=True, text=True)
        assert not [ln for ln in (v.stdout + v.stderr).splitlines() if "localrag.service" in ln], v.stderr
    agent = plistlib.loads(launch_agent_text("/opt/my apps/localrag", home).encode())
    assert agent["ProgramArguments"] == ["/opt/my apps/localrag", "serve"]
    assert agent["EnvironmentVariables"] == {"LOCALRAG_HOME": home}


def test_settings_saved_from_two_threads_at_once_stay_whole(home: Path) -> None:
    from localrag.config import Paths, Settings

    paths = Paths(home, home)
    errors: list[BaseException] = []

    def save(k: int) -> None:
        try:
            for i in range(40):
                Settings(top_k=k + i % 3).save(paths)
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=save, args=(k,)) for k in (4, 10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Settings.load(paths).top_k in (4, 5, 6, 10, 11, 12)
    assert [p.name for p in home.iterdir() if p.name.endswith(".tmp")] == []


def test_forget_goes_on_past_a_damaged_cached_answer(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    db = app.store.conn.db
    with app.store.conn.transaction(changes_search=False):
        db.execute("INSERT INTO conversations(title, created_at, updated_at) VALUES ('t', 0, 0)")
        cid = db.last_insert_rowid()
        for cits in ("{not json", f'[{{"path": "{docs / "tea.txt"}"}}]', '"a text"', "[]"):
            db.execute("INSERT INTO messages(conversation_id, question, answer, citations, created_at) "
                       "VALUES (?, 'q', 'a', ?, 0)", (cid, cits))
    n, _ = app.index.forget(str(docs / "tea.txt"))
    assert n == 1
    left = [r[0] for r in db.execute("SELECT citations FROM messages")]
    assert sorted(left) == sorted(["{not json", '"a text"', "[]"])


def test_the_preview_reads_a_text_file_only_as_far_as_it_shows(tmp_path: Path) -> None:
    from localrag.answering import preview

    log = tmp_path / "big.log"
    with log.open("w", encoding="utf-8") as f:
        for i in range(1, 200_001):
            f.write(f"line {i}\n")
    head = preview.head(log, 40)
    assert head.count(b"\n") == 40 and head.endswith(b"line 40\n")
    rows = preview.document_rows(log, None, 40)
    assert rows[0] == (1, "line 1") and rows[-1] == (40, "line 40") and len(rows) == 40
    assert preview.document_rows(log, None)[:40] == rows
