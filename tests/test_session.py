"""A person's whole session in each front end, with the real models: several questions in a
row (each with words no earlier one used, so every word is looked up afresh, on whichever
thread the front end picks), searches, an edit on disk found while the app runs, a preview,
going back to an old conversation. A defect that only the second question meets (a state
tied to one thread's connection) fails here."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.widgets import Input, ListView, OptionList

from localrag.config import Paths, Settings
from localrag.tui.app import build_app
from localrag.tui.screens import AddFolderScreen, PreviewScreen
from localrag.tui.widgets import Exchange, SearchResults

from .conftest import SAMPLES, cli_json, run_cli
from .waiting import wait_for, wait_until

# each question's words are new to the session; each has its answer in the sample documents
QUESTIONS = [
    ("How long does the descaling program run?", "espresso-machine-manual.pdf"),
    ("What is a Python generator?", "python-glossary.rst"),
    ("Explain lambda functions", "python-glossary.rst"),
    ("Summarize the espresso machine manual", "espresso-machine-manual.pdf"),  # a whole document, then a fact again
    ("Which folders are skipped when indexing?", "localrag-faq.md"),
]
SUMMARY_AT = 3
SEARCHES = [("renamed moved vectors", "localrag-faq.md"), ("decorator wrapper function", "python-glossary.rst")]
NEW_NOTE = ("zebra-notes.md", "# Zebras\n\nZebras sleep standing up on the savanna at night.\n", "zebras savanna")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "my-docs"
    shutil.copytree(SAMPLES, d)
    return d


@pytest.mark.slow
def test_a_persons_session_in_the_tui(home: Path, embedder, folder: Path) -> None:
    async def run() -> None:
        app = build_app(Paths(home, home), Settings(), watch=True, blink=False, preload=True, embedder=embedder)
        async with app.run_test(size=(110, 34)) as pilot:
            def errors() -> list[str]:
                return [m for sev, _, m in app.told if sev == "error"]

            # add the folder as a person does: Ctrl+O, its path, Enter
            await pilot.press("ctrl+o")
            await wait_until(pilot, lambda: isinstance(app.screen, AddFolderScreen), 10, "the add-folder screen")
            box = app.screen.query_one("#path", Input)
            box.value = str(folder)
            box.focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: any("Indexed" == t for _, t, _ in app.told), 240, "indexing")
            await wait_until(pilot, lambda: app.watcher is not None and app.watcher.ready.is_set(), 60, "the watcher")
            await wait_until(pilot, lambda: app.core.models.loaded()[1] is not None, 120, "the language model")

            for n, (question, where) in enumerate(QUESTIONS, start=1):
                app.query_one("#ask-input", Input).focus()
                await pilot.press(*question, "enter")
                await wait_until(pilot, lambda n=n: len(app.query(Exchange)) == n and app.query(Exchange)[-1].results
                                 and not app.answering, 120, f"answer {n}")
                ex = app.query(Exchange)[-1]
                assert ex.question == question and ex.text and not ex.text.startswith("unexpected"), (question, ex.text)
                assert ex.quotes, (question, ex.text)  # an answer with its verbatim quotes, not "nothing found"
                assert any(Path(r.path).name == where for r in ex.results), (question, [r.path for r in ex.results])
                assert not errors(), (question, errors())

            # the summary reads as an outline of the manual's own sentences, from more than one page;
            # Enter on one of its quotes opens it in its file
            ex = app.query(Exchange)[SUMMARY_AT]
            assert ex.text.startswith("Summary of espresso-machine-manual.pdf"), ex.text
            assert len({r.page for r in ex.results}) >= 2 and all(Path(r.path).name == QUESTIONS[SUMMARY_AT][1]
                                                                   for r in ex.results), ex.results
            sources = ex.query_one(OptionList)
            sources.focus()
            sources.highlighted = 1
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), 30, "the summary quote's preview")
            await pilot.press("escape")

            # search mode: two searches with new words
            await pilot.press("ctrl+t")
            for query, where in SEARCHES:
                box = app.query_one("#search-input", Input)
                box.value = query
                box.focus()
                await pilot.press("enter")
                await wait_until(pilot, lambda q=query: app.query_one(SearchResults).results
                                 and app.query_one(SearchResults).shown_for == q, 30, f"search {query!r}")
                assert Path(app.query_one(SearchResults).results[0].path).name == where, query
            assert not errors(), errors()

            # an edit on disk, found by the running app (its watcher), by words no one used yet
            name, text, words = NEW_NOTE
            (folder / name).write_text(text, encoding="utf-8")
            box = app.query_one("#search-input", Input)

            async def found() -> bool:
                box.value = words
                box.focus()
                await pilot.press("enter")
                await pilot.pause(0.3)
                res = app.query_one(SearchResults).results
                return bool(res) and Path(res[0].path).name == name

            await wait_until(pilot, found, 60, "the new file found by the running app")
            # a result's preview opens on its lines
            results = app.query_one("#search-results", OptionList)
            results.focus()
            results.highlighted = 0
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), 30, "the preview")
            await pilot.press("escape")
            assert not isinstance(app.screen, PreviewScreen)

            # a new conversation, then back to the old one, each answer with its sources
            await pilot.press("ctrl+n")
            assert not app.query(Exchange)
            convs = app.query_one("#conversations", ListView)
            await wait_until(pilot, lambda: len(convs.children) == 1, 10, "the conversation in the sidebar")
            convs.index = 0
            convs.action_select_cursor()
            await wait_until(pilot, lambda: len([ol for e in app.query(Exchange) for ol in e.query(OptionList)
                                                 if ol.option_count]) == len(QUESTIONS), 10, "the old conversation")
            assert [e.question for e in app.query(Exchange)] == [q for q, _ in QUESTIONS]
            assert not errors(), errors()
            # every question, search, preview and sidebar load ran on a new worker thread: none of
            # them kept its connection (the watcher's, the UI thread's, the search pool's and the
            # thread embedding sentences ahead stay)
            open_now = app.core.store.conn.open_connections()
            assert open_now <= 5, open_now  # 8 when each worker kept its own

    asyncio.run(run())


@pytest.mark.slow
def test_a_persons_session_over_mcp(samples_home: Path) -> None:
    """Five calls in one session, each with new words: every one answers (the SDK runs tool
    calls on worker threads of its choosing)."""
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    home, folder = samples_home, SAMPLES
    params = StdioServerParameters(command=sys.executable, args=["-m", "localrag", "mcp"],
                                   env={"LOCALRAG_HOME": str(home), "PATH": os.environ.get("PATH", "")})

    async def body(client: Client) -> None:
        calls = [("search", {"query": "descaling program minutes"}),
                 ("ask", {"question": QUESTIONS[1][0]}),
                 ("search", {"query": SEARCHES[1][0], "mode": "keyword"}),
                 ("ask", {"question": QUESTIONS[2][0]}),
                 ("search", {"query": "hidden virtual environments gitignore"}),
                 ("summarize", {"paths": [str(folder / "localrag-faq.md")], "words": 60}),
                 ("ask", {"question": "Which files mention descaling?"})]
        for name, args in calls:
            res = await client.call_tool(name, args)
            text = res.content[0].text if res.content else ""
            assert not res.is_error, (name, args, text)
            got = res.structured_content
            assert got is not None and (got.get("results") or got.get("evidence")), (name, args, got)
            if name == "summarize":
                assert got["question_kind"] == "summary" and got["documents"] == [str(folder / "localrag-faq.md")]
                assert sum(len(q["quote"].split()) for q in got["evidence"]) <= 60, got
            if args.get("question", "").startswith("Which files"):
                assert [Path(f["path"]).name for f in got["files"]] == ["espresso-machine-manual.pdf"], got
        first = (await client.call_tool("search", {"query": "descaling program minutes", "k": 1})).structured_content
        p = await client.call_tool("get_passage", {"chunk_id": first["results"][0]["chunk_id"]})
        assert not p.is_error and "twenty minutes" in json.dumps(p.structured_content)

    async def run() -> None:
        async with Client(params) as client:
            await asyncio.wait_for(body(client), 300)

    asyncio.run(run())


@pytest.mark.slow
def test_a_persons_session_in_the_cli_with_watch_running(home: Path, folder: Path) -> None:
    """The same sequence as separate processes while `localrag watch` keeps the index in step."""
    run_cli("add", str(folder), home=home)
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    watch = subprocess.Popen([sys.executable, "-m", "localrag", "watch"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(iter(watch.stderr.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        wait_for(lambda: any("watching" in line for line in said), 60, "watch started", alive=lambda: watch.poll() is None)
        for question, where in QUESTIONS[:2]:
            js = cli_json("ask", question, home=home)
            assert js["evidence"] and any(Path(e["path"]).name == where for e in js["evidence"]), (question, js)
        for query, where in SEARCHES:
            hits = cli_json("search", query, home=home)["results"]
            assert Path(hits[0]["path"]).name == where, query
        name, text, words = NEW_NOTE
        (folder / name).write_text(text, encoding="utf-8")

        def found() -> bool:
            hits = cli_json("search", words, "--mode", "keyword", home=home)["results"]
            return bool(hits) and Path(hits[0]["path"]).name == name

        wait_for(found, 60, "the watcher indexing the new file", every=0.3, alive=lambda: watch.poll() is None)
        js = cli_json("ask", "Where do zebras sleep standing up?", home=home)
        assert any(Path(e["path"]).name == name for e in js["evidence"]), js
        js = cli_json("ask", "Which files mention zebras?", home=home)  # the whole folder, the new file too
        assert js["question_kind"] == "which_files" and [Path(f["path"]).name for f in js["files"]] == [name], js
        js = cli_json("ask", "Summarize the localrag FAQ", "--words", "50", home=home)
        assert js["answer_kind"] == "summary" and js["evidence"], js
        assert all(Path(e["path"]).name == "localrag-faq.md" for e in js["evidence"]), js
        st = cli_json("status", home=home)
        assert st["files"] == 4 and not st["failed"]
    finally:
        watch.send_signal(signal.SIGINT)
        watch.wait(timeout=30)
        reader.join(5)
        out = watch.stdout.read()  # type: ignore[union-attr]
    assert watch.returncode == 0 and "Traceback" not in "".join(said) + out
    assert "healthy" in run_cli("doctor", home=home).stdout


FRESH_TUI = """
import asyncio, sys
from pathlib import Path
from localrag.tui.app import build_app

async def main() -> None:
    app = build_app(watch=True, blink=False, preload=False)
    async with app.run_test() as pilot:
        app.run_index(add=sys.argv[1])
        for _ in range(2400):
            await pilot.pause(0.05)
            if any(t == "Indexed" for _, t, _ in app.told):
                break
        st = app.core.health.status()
        print(st.files, [f["reason"] for f in st.failed])

asyncio.run(main())
"""


@pytest.mark.slow
def test_a_fresh_tui_process_indexes_files_that_need_the_sandbox(home: Path, folder: Path) -> None:
    """In a process of its own, as a person starts it: the sandbox's first child starts while
    Textual captures output (a stderr whose descriptor is -1), and PDF and Markdown still index."""
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    p = subprocess.run([sys.executable, "-c", FRESH_TUI, str(folder)], capture_output=True, text=True, env=env,
                       timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "3 []", p.stdout
