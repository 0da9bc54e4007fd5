"""The real TUI through Textual's Pilot: real index, real embedding model, real GGUF."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from textual.widgets import Input, ListView, OptionList, Static

from localrag.config import Paths, Settings
from localrag.tui.app import LocalragApp, build_app
from localrag.tui.screens import AddFolderScreen, ConfirmScreen, ExportScreen, PreviewScreen, SettingsScreen, passage_in_context
from localrag.tui.widgets import Exchange, FolderItem, SearchResults, Welcome, safe_markdown

from .conftest import SAMPLES
from .waiting import wait_until


def make(home: Path, embedder, **settings) -> LocalragApp:
    return build_app(Paths(home, home), Settings(**settings), watch=False, blink=False, preload=False, embedder=embedder)


def indexed(home: Path, embedder, folder: Path, **settings) -> LocalragApp:
    app = make(home, embedder, **settings)
    app.core.index.add([str(folder)])
    app.core.index.update()
    return app


def test_first_run_shows_the_start_screen(home: Path, embedder) -> None:
    async def run() -> None:
        app = make(home, embedder)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.query(Welcome) and app.focused is app.query_one("#ask-input")
            status = str(app.query_one("#statusbar", Static).render())
            assert "0 chunks" in status and "watcher off" in status

    asyncio.run(run())


@pytest.mark.slow
def test_ask_shows_the_checked_answer_cites_and_opens_the_passage(samples_home: Path, embedder) -> None:
    home = samples_home

    async def run() -> None:
        app = make(home, embedder)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert not app.query(Welcome)
            await pilot.click("#ask-input")
            await pilot.press(*"How long does the descaling program run?", "enter")
            # the sources list is mounted just after the results are set: wait for both
            await wait_until(pilot, lambda: app.query(Exchange) and app.query_one(Exchange).results
                             and app.query_one(Exchange).query(".sources"))
            ex = app.query_one(Exchange)
            assert "20" in ex.text or "twenty" in ex.text.lower()
            quote = ex.results[0]
            assert ex.numbers == list(range(1, len(ex.numbers) + 1)) and ex.quotes
            assert quote.page == 2 and quote.path.endswith(".pdf") and "runs for twenty minutes" in quote.text
            shown = str(ex.query_one(".sources", OptionList).get_option_at_index(0).prompt)
            assert f"page 2, lines {quote.start_line}-{quote.end_line}" in shown
            assert " ".join(quote.text.split()) in shown  # the quote itself, under the answer
            await pilot.press("ctrl+y")  # the answer with its quotes, as the CLI prints them
            assert app.clipboard.startswith(ex.text)
            assert f"[1] {quote.path}:page 2, lines {quote.start_line}-{quote.end_line}" in app.clipboard
            await pilot.press("ctrl+l", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen) and app.screen.query("#passage"))
            rendered = str(app.screen.query_one("#passage", Static).render())
            assert "descaling program runs for twenty minutes" in rendered
            body, _ = passage_in_context(app.core.library.passage_context(quote))  # what the preview shows, lit
            assert rendered.strip() == body.plain.strip()
            lit = "".join(body.plain[s.start:s.end] for s in body.spans if "reverse" in str(s.style))
            assert " ".join(quote.text.split()) in " ".join(lit.split())  # the quote's lines are lit...
            assert lit.count("\n") == quote.end_line - quote.start_line + 1  # ...and only they
            await pilot.press("plus")
            await pilot.press("escape")
            assert not isinstance(app.screen, PreviewScreen)
            def rows():  # recorded by a worker
                return app.core.store.db.execute("SELECT query, helpful FROM feedback").fetchall()

            await wait_until(pilot, rows)
            assert rows() == [("How long does the descaling program run?", 1)]
            # the conversation is kept and can be reopened
            await pilot.press("ctrl+n")
            assert not app.query(Exchange)
            convs = app.query_one("#conversations", ListView)
            await wait_until(pilot, lambda: len(convs.children) == 1)  # the sidebar is refilled by a worker
            convs.index = 0
            convs.action_select_cursor()
            await wait_until(pilot, lambda: app.query(Exchange))
            assert "20" in app.query_one(Exchange).text or "twenty" in app.query_one(Exchange).text.lower()
            await pilot.press("ctrl+s")  # export the reopened conversation, quotes and sources included
            assert isinstance(app.screen, ExportScreen)
            target = home / "chat.md"
            app.screen.query_one("#export-path", Input).value = str(target)
            await pilot.press("enter")
            await wait_until(pilot, target.exists)
            md = target.read_text(encoding="utf-8")
            assert md.startswith("# How long does the descaling program run?")
            assert f"`{quote.path}, page 2, lines {quote.start_line}-{quote.end_line}`" in md

    asyncio.run(run())


def test_a_reopened_conversation_shows_each_answer_with_its_sources_and_may_be_left_at_once(
        samples_home: Path, embedder) -> None:
    """A conversation reopened from the sidebar shows every exchange whole; quitting while it is
    being shown is no error (the exchanges were looked up after mounting, in a closing app)."""
    conv = None
    words = ["descaling", "lambda", "decorators", "generator", "iterator", "water", "module", "vectors"]
    questions = [f"Which files mention {w}?" for w in words]  # many: a person may leave while they are shown
    conversations = make(samples_home, embedder).core.conversations
    for q in questions:  # answers from the index alone: no language model needed
        conv, _ = conversations.ask(conv, q)

    async def reopen(leave_at_once: bool) -> None:
        app = make(samples_home, embedder)
        async with app.run_test(size=(110, 34)) as pilot:
            convs = app.query_one("#conversations", ListView)
            await wait_until(pilot, lambda: len(convs.children) == 1, 30, "the conversation in the sidebar")
            convs.index = 0
            convs.action_select_cursor()
            await wait_until(pilot, lambda: app.query(Exchange), 30, "the first exchange")
            if leave_at_once:
                return

            def shown() -> list[OptionList]:
                return [ol for ex in app.query(Exchange) for ol in ex.query(OptionList) if ol.option_count]

            await wait_until(pilot, lambda: len(shown()) == len(questions), 30, "every exchange with its sources")
            exs = list(app.query(Exchange))
            assert [ex.question for ex in exs] == questions
            assert all(" mention" in ex.text.split(":")[0] and ex.results for ex in exs), [ex.text[:60] for ex in exs]
            assert all(ol.display and ol.option_count == len(ex.results) for ol, ex in zip(shown(), exs))

    asyncio.run(reopen(leave_at_once=True))  # an error in the app would be raised here
    asyncio.run(reopen(leave_at_once=False))


@pytest.mark.slow
def test_escape_stops_the_answer(samples_home: Path, embedder) -> None:
    app = make(samples_home, embedder)
    gen = app.core.models.generator
    real_stream = gen.stream
    generating = threading.Event()

    def stream(prompt, max_tokens, temperature, stop, cancel=None):
        generating.set()  # the real model runs once Esc has landed, so the stop lands during generation
        assert cancel is not None and cancel.wait(10)
        yield from real_stream(prompt, max_tokens, temperature, stop, cancel)

    gen.stream = stream

    async def run() -> None:
        async with app.run_test() as pilot:
            await pilot.click("#ask-input")
            await pilot.press(*"How long does the descaling program run?", "enter")
            await wait_until(pilot, generating.is_set)
            await pilot.press("escape")
            await wait_until(pilot, lambda: not app.answering and app.query_one(Exchange).results)
            await wait_until(pilot, lambda: any(m == "Stopped" for _, _, m in app.told))
            ex = app.query_one(Exchange)  # stopped before the model said anything checked: the quote
            assert ex.text.startswith("Your files say:") and "twenty minutes" in ex.text

    asyncio.run(run())


def test_add_and_remove_a_folder(home: Path, embedder, docs: Path) -> None:
    async def run() -> None:
        app = make(home, embedder)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("ctrl+o")
            assert isinstance(app.screen, AddFolderScreen)
            app.screen.query_one("#path", Input).value = str(docs)
            app.screen.query_one("#path", Input).focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: len(app.query(FolderItem)) == 1 and app.query_one(FolderItem).files == 3)
            assert not app.query(Welcome)
            folders = app.query_one("#folders", ListView)
            folders.focus()
            folders.index = 0
            await pilot.press("delete")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await wait_until(pilot, lambda: not app.query(FolderItem))
            assert app.core.health.status().chunks == 0

    asyncio.run(run())


def test_search_mode_and_untrusted_text_is_inert(home: Path, embedder, docs: Path) -> None:
    (docs / "evil.md").write_text("Quokka notes [bold red]EVIL[/] [@click=app.quit]click me[/] [link=http://x]l[/]\n")

    async def run() -> None:
        app = indexed(home, embedder, docs)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("ctrl+t")
            assert app.focused is app.query_one("#search-input")
            await pilot.press(*"quokka notes", "enter")
            results = app.query_one(SearchResults)
            await wait_until(pilot, lambda: results.results)
            prompt = results.get_option_at_index(0).prompt
            assert "[bold red]EVIL[/]" in str(prompt) and "[@click=app.quit]" in str(prompt)
            assert not any(span.style and "bold" in str(span.style) and "red" in str(span.style)
                           for span in prompt.spans)
            results.focus()
            results.highlighted = 0
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen))
            await pilot.click("#passage")  # a click on "click me" must not quit the app
            assert app.is_running

    asyncio.run(run())


def test_folders_marked_in_the_sidebar_scope_the_search(home: Path, embedder, docs: Path) -> None:
    async def run() -> None:
        app = indexed(home, embedder, docs)
        app.core.index.add([str(SAMPLES)])
        app.core.index.update()
        async with app.run_test(size=(100, 30)) as pilot:
            folders = app.query_one("#folders", ListView)
            await wait_until(pilot, lambda: len(app.query(FolderItem)) == 2)  # filled by a worker after the first paint
            paths = [item.path for item in app.query(FolderItem)]
            folders.focus()
            folders.index = paths.index(str(SAMPLES))
            await pilot.press("space")
            assert app.scoped == {str(SAMPLES)} and "only in: sample-docs" in str(app.query_one("#statusbar").render())
            await pilot.press("ctrl+t", *"water temperature", "enter")
            results = app.query_one(SearchResults)
            await wait_until(pilot, lambda: results.results)
            assert all(r.path.startswith(str(SAMPLES)) for r in results.results)  # coffee.md and tea.txt left out
            folders.focus()
            await pilot.press("space")  # unmarked: everywhere again
            assert not app.scoped
            app.query_one("#search-input", Input).focus()
            results.results = []
            await pilot.press("enter")
            await wait_until(pilot, lambda: results.results)
            assert any(r.path.startswith(str(docs)) for r in results.results)

    asyncio.run(run())


def test_a_new_embedding_model_that_cannot_load_changes_nothing(home: Path, embedder, docs: Path) -> None:
    """F2 with a model that cannot be had (no network here): the index and the saved settings
    keep the model the vectors were made with, and search goes on working."""
    async def run() -> None:
        app = indexed(home, embedder, docs)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("f2")
            assert isinstance(app.screen, SettingsScreen)
            app.screen.query_one("#set-embed_model", Input).value = "nobody/no-such-model"
            app.screen.query_one("#set-top_k", Input).focus()
            await pilot.press("enter")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await wait_until(pilot, lambda: any(sev == "error" for sev, _, _ in app.told))
            assert app.core.settings.embed_model == "default"
            cfg = home / "config.toml"
            assert not cfg.exists() or "no-such-model" not in cfg.read_text()
            assert app.core.library.search("water temperature", mode="vector")  # the old vectors are intact

    asyncio.run(run())


def test_a_folder_embedded_part_way_says_so_and_ctrl_r_finishes_it(home: Path, embedder, docs: Path) -> None:
    """Stopped in the meaning phase: the status bar says how much is searchable by meaning, the
    progress shows the meaning phase, and Ctrl+R embeds the rest."""
    from localrag.indexing import indexer as ingest

    for i in range(10):
        (docs / f"owl{i}.md").write_text(f"# Owl {i}\n\nA barn owl hunted over field {i} at dusk.\n")

    def stop(p: ingest.Progress) -> None:
        if p.phase == "meaning":
            raise KeyboardInterrupt

    async def run() -> None:
        app = make(home, embedder)
        app.core.index.add([str(docs)])
        assert app.core.index.update(stop).interrupted
        seen: list[str] = []
        shown = app.show_progress

        def spy(p: ingest.Progress) -> None:
            seen.append(ingest.describe(p))
            shown(p)

        app.show_progress = spy  # type: ignore[method-assign]
        async with app.run_test(size=(120, 30)) as pilot:
            bar = app.query_one("#statusbar", Static)
            # the counts are read in a worker after the first paint
            await wait_until(pilot, lambda: "(meaning 0%: Ctrl+R embeds the rest)" in str(bar.render()))
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: app.core.index.stats()["coverage"]["meaning"] == 1.0
                             and "meaning" not in str(bar.render()))
            assert any(t.startswith("meaning ") and " texts" in t for t in seen)

    asyncio.run(run())


def test_answer_markdown_is_neutralised() -> None:
    md = safe_markdown("See [the docs](http://evil.example) ![img](x.png) <script>x</script> [2] \x1b[31mred")
    assert "\\[the docs]" in md and "\\[img]" in md and "&lt;script>" in md and "[2]" in md and "\x1b" not in md


def test_errors_become_notifications(home: Path, embedder, docs: Path) -> None:
    async def run() -> None:
        app = indexed(home, embedder, docs, llm_model=str(home / "missing.gguf"))
        async with app.run_test() as pilot:
            await pilot.click("#ask-input")
            await pilot.press(*"what temperature for tea", "enter")
            await wait_until(pilot, lambda: any("model file not found" in m for _, _, m in app.told))
            assert app.is_running and not app.answering

    asyncio.run(run())


def test_snapshot_start_screen(snap_compare, home: Path, embedder) -> None:
    assert snap_compare(make(home, embedder), terminal_size=(80, 24))


def test_snapshot_search_screen(snap_compare, home: Path, embedder, docs: Path) -> None:
    app = indexed(home, embedder, docs)

    async def run_before(pilot) -> None:
        await pilot.press("ctrl+t", *"tomato planting", "enter")
        await wait_until(pilot, lambda: app.query_one(SearchResults).results)
        await wait_until(pilot, lambda: not any(w.is_running for w in app.workers))  # the sidebar's counts too
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.slow
def test_snapshot_answer_with_quotes(snap_compare, samples_home: Path, embedder) -> None:
    app = make(samples_home, embedder, temperature=0.0)

    async def run_before(pilot) -> None:
        box = app.query_one("#ask-input", Input)
        box.value = "How long does the descaling program run?"
        await box.action_submit()
        await wait_until(pilot, lambda: app.query(Exchange) and app.query_one(Exchange).results)
        await wait_until(pilot, lambda: not app.answering and not any(w.is_running for w in app.workers))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_any_worker_error_is_a_notification_and_the_app_lives(home: Path, embedder, docs: Path) -> None:
    app = indexed(home, embedder, docs)

    def broken(*a, **k):  # stands for any bug or OS error deep in a worker
        raise OSError(28, "No space left on device")

    app.core.library.search = broken  # type: ignore[method-assign]

    async def run() -> None:
        async with app.run_test() as pilot:
            await pilot.press("ctrl+t", *"tea", "enter")
            await wait_until(pilot, lambda: any("No space left" in m for _, _, m in app.told))
            assert app.is_running and any("unexpected OSError" in m for _, _, m in app.told)

    asyncio.run(run())


def test_the_watcher_runs_in_the_app_and_keeps_the_index_in_step(home: Path, embedder, docs: Path) -> None:
    app = build_app(Paths(home, home), Settings(), watch=True, blink=False, preload=False, embedder=embedder)
    app.core.index.add([str(docs)])
    app.core.index.update()

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: "watching" in str(app.query_one("#statusbar", Static).render()))
            assert app.watcher is not None and app.watcher.state.running
            (docs / "owls.md").write_text("Barn owls hunt by sound in total darkness.\n")
            await wait_until(pilot, lambda: any(r.path.endswith("owls.md")
                                                for r in app.core.library.search("barn owls hunt", k=3)))
            await wait_until(pilot, lambda: app.query_one(FolderItem).files == 4)  # the sidebar follows
            await wait_until(pilot, lambda: any("owls.md" in m for _, _, m in app.told))
        assert not app.watcher.state.running  # stopped with the app

    asyncio.run(run())
