"""The Textual app. It calls the same core API as the CLI, in thread workers that report back
through ``call_from_thread``; models load after the first paint, so the app opens at once."""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.await_remove import AwaitRemove
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, ListView, OptionList, ProgressBar, Static, TabbedContent, TabPane

from localrag.answering.compose import Answer
from localrag.config import Paths, Settings, get_paths
from localrag.core import Localrag, Scope, within
from localrag.core.index import Overview
from localrag.errors import LocalragError
from localrag.indexing.indexer import IndexStats, Progress, describe
from localrag.search.retrieve import Result
from localrag.service import pid_of_running
from localrag.service.background import Background

if TYPE_CHECKING:
    from localrag.indexing.watch import Watcher
    from localrag.models.embed import Embedder
from localrag.tui.screens import AddFolderScreen, ConfirmScreen, ExportScreen, PreviewScreen, SettingsScreen
from localrag.tui.widgets import ConversationItem, Exchange, FolderItem, FolderList, SearchResults, Welcome

F = TypeVar("F", bound=Callable[..., None])


def core_worker(**options: Any) -> Callable[[F], F]:
    """A thread worker that calls the core. Each worker runs on a new thread and the store keeps a
    connection per thread, so the worker's connection is closed as it ends: else a long session
    would keep one (two file descriptors and a page cache) for every question it asked."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(self: LocalragApp, *args: Any, **kwargs: Any) -> None:
            try:
                with self.background.working(""):  # a person waits on it: no sentences are embedded ahead meanwhile
                    fn(self, *args, **kwargs)
            finally:
                self.core.resident.release_thread()

        return work(thread=True, exit_on_error=False, **options)(run)  # type: ignore[return-value]

    return wrap


class LocalragApp(App[None]):
    TITLE = "localrag"
    SUB_TITLE = "your files, your machine"
    CSS = """
    #body { height: 1fr; }
    #sidebar { width: 26; border-right: solid $panel-lighten-2; }
    #sidebar.hidden { display: none; }
    #sidebar .section { padding: 0 1; text-style: bold; color: $text-accent; }
    #folders { height: auto; max-height: 50%; }
    #conversations { height: 1fr; }
    #main { width: 1fr; }
    #chat { height: 1fr; }
    #ask-input, #search-input { dock: bottom; margin: 0 0; }
    #search-input { dock: top; }
    #search-results { height: 1fr; }
    #progress { height: 1; display: none; padding: 0 1; }
    #progress.active { display: block; }
    #statusbar { height: 1; background: $boost; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+n", "new_conversation", "New chat"),
        Binding("ctrl+t", "toggle_mode", "Ask/Search"),
        Binding("ctrl+o", "add_folder", "Add folder"),
        Binding("ctrl+r", "reindex_folders", "Rescan", show=False),
        Binding("ctrl+l", "focus_sources", "Sources"),
        Binding("ctrl+y", "copy_answer", "Copy answer"),
        Binding("ctrl+s", "export", "Export"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", show=False),
        Binding("f2", "settings", "Settings"),
        Binding("escape", "stop", "Stop", show=False),
        Binding("delete", "remove_folder", "Remove folder", show=False),
    ]

    def __init__(self, core: Localrag, watch: bool = True, blink: bool = True, preload: bool = True):
        super().__init__()
        self.core = core
        self.watch_enabled = watch
        self.blink = blink
        self.preload = preload
        self.watcher: Watcher | None = None
        self.service_watching = False  # `localrag serve` runs for this data folder: it watches, not the app
        self.conversation_id: int | None = None
        self._cancel: threading.Event | None = None
        self._models = "loading models…" if preload else "models load on first use"
        self._index_state = ""
        self._last: Exchange | None = None
        self.scoped: set[str] = set()  # folders marked in the sidebar: questions look only there
        self._chunks = 0
        self._meaning = 1.0
        self.told: deque[tuple[str, str, str]] = deque(maxlen=200)  # (severity, title, message) of each notification
        # the watcher, embedding ahead: the service's own background work, started when the app watches
        self.background = Background(core, progress=self._watch_progress, on_stats=self._watch_stats,
                                     on_message=self._watch_message, busy_also=self._busy)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification is also kept in ``told``: what the person was told, in order."""
        self.told.append((severity, title, str(message)))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # ---- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Label("Folders", classes="section")
                yield FolderList(id="folders")
                yield Label("Conversations", classes="section")
                yield ListView(id="conversations")
            with Vertical(id="main"):
                with TabbedContent(id="tabs"):
                    with TabPane("Ask", id="ask-tab"):
                        yield VerticalScroll(id="chat")
                        yield Input(placeholder="Ask a question about your files…", id="ask-input")
                    with TabPane("Search", id="search-tab"):
                        yield Input(placeholder="Search passages, without the model…", id="search-input")
                        yield SearchResults()
        yield ProgressBar(id="progress", show_eta=False)
        yield Static(id="statusbar")
        yield Footer()

    def on_mount(self) -> None:
        for inp in self.query(Input):
            inp.cursor_blink = self.blink
        self.refresh_sidebar()
        if not self.core.index.folders():
            self.query_one("#chat").mount(Welcome())
        self.query_one("#ask-input", Input).focus()
        self.update_status()
        if self.preload:
            self.load_models()
        if self.watch_enabled:
            if pid_of_running(self.core.paths.data_dir):  # one writer: the service keeps the folders in step
                self.service_watching = True
            else:
                self.start_watcher()

    # ---- background work ------------------------------------------------------------------------
    @core_worker(group="models")
    def load_models(self) -> None:
        try:
            _ = self.core.models.embedder  # loads it
            self.call_from_thread(self.update_status)
            _ = self.core.models.verifier  # loads it where the settings use it
            _ = self.core.models.generator
        except Exception as e:  # a worker's error is a notification; the app stays up
            self._models = "models: not loaded"
            self.call_from_thread(self.notify, error_text(e), title="Model", severity="error", timeout=10)
        for note in self.core.notes:  # e.g. a GPU setting this build cannot honour
            self.call_from_thread(self.notify, note, title="Model", severity="warning", timeout=10)
        self.call_from_thread(self.update_status)

    def models_text(self) -> str:
        """What is loaded, read from the core (models also load on first use, from any worker)."""
        emb, llm = self.core.models.loaded()
        if emb is None and llm is None:
            return self._models
        parts = [f"embed: {emb}" if emb else "embed: loading…"]
        if llm is not None:
            parts.append(f"llm: {llm}")
        else:
            parts.append("llm: loading…" if self.preload else "llm: loads on first question")
        return " · ".join(parts)

    def start_watcher(self) -> None:
        """Watch the folders and embed ahead while no one waits (``Background``, as the service)."""
        self.background.start()
        self.watcher = self.background.watcher
        if self.watcher is not None:
            self.show_watcher_ready(self.watcher)

    @property
    def answering(self) -> bool:
        """A question is being answered (its worker runs, or is about to start)."""
        return self._cancel is not None

    def _busy(self) -> str:
        """A question about to start, or the app's own index run: no embedding ahead meanwhile."""
        return "answering" if self._cancel else self._index_state

    def _watch_stats(self, stats: IndexStats) -> None:
        self.call_from_thread(self._after_index, stats, "")

    def _watch_message(self, msg: str) -> None:
        self.call_from_thread(self.notify, msg, title="Watcher", severity="warning", timeout=8)

    def _watch_progress(self, p: Progress) -> None:
        self.call_from_thread(self.show_progress, p)

    @work(thread=True, exit_on_error=False, group="watcher")
    def show_watcher_ready(self, watcher: Watcher) -> None:
        """The status bar says "watching" once the catch-up scan is done and events flow."""
        while not watcher.ready.wait(0.5):
            if not self.is_running:
                return
        self.call_from_thread(self.update_status)

    @core_worker(group="index")
    def run_index(self, add: str | None = None, reindex: bool = False, new_settings: Settings | None = None) -> None:
        try:
            if add:
                added = self.core.index.add([add])
                self.call_from_thread(self.refresh_sidebar)
                stats = self.core.index.update(lambda p: self.call_from_thread(self.show_progress, p), only=added)
            elif reindex:
                stats = self.core.index.reindex(lambda p: self.call_from_thread(self.show_progress, p), new_settings=new_settings)
            else:
                stats = self.core.index.update(lambda p: self.call_from_thread(self.show_progress, p))
            self.call_from_thread(self._after_index, stats, "Indexed")
        except Exception as e:
            self.call_from_thread(self.notify, error_text(e), title="Index", severity="error", timeout=10)
            self.call_from_thread(self.hide_progress)

    @core_worker(group="index")
    def remove_folder(self, path: str) -> None:
        """In a worker: removing waits for a running indexer, which may take a while."""
        def waiting() -> None:
            self.call_from_thread(self.notify, "Waiting for the indexer to finish before removing…")

        try:
            r = self.core.index.remove(path, on_wait=waiting)
        except Exception as e:
            self.call_from_thread(self.notify, error_text(e), severity="error")
            return
        self.call_from_thread(self.notify, f"Removed {r.path} ({r.files} files)")
        self.call_from_thread(self.refresh_sidebar)

    def show_progress(self, p: Progress) -> None:
        """Keywords first (files read), then meaning (texts embedded), each with its own bar."""
        done, total = p.done_total
        if done >= total:  # a phase's start with nothing to do, or its end
            self.hide_progress()
            return
        bar = self.query_one("#progress", ProgressBar)
        bar.add_class("active")
        bar.update(total=max(total, 1), progress=done)
        self._index_state = describe(p)
        self.update_status()

    def hide_progress(self) -> None:
        self.query_one("#progress", ProgressBar).remove_class("active")
        self._index_state = ""
        self.update_status()

    def _after_index(self, stats: IndexStats, title: str) -> None:
        self.background.index_wanted()
        self.hide_progress()
        self.refresh_sidebar()
        if self.core.index.folders():
            for w in self.query(Welcome):
                w.remove()
        if stats.stopped:
            self.notify(stats.stopped, title="Index", severity="error", timeout=15)
        if title and not stats.interrupted:
            self.notify(f"{stats.added} added, {stats.updated} changed, {stats.removed} removed, {stats.failed} failed;"
                        f" {stats.chunks_embedded} chunks embedded", title=title)
        elif stats.changes and not title:
            self.notify("\n".join(f"{c.sign} {Path(c.path).name}" for c in stats.changes[:6]),
                        title="Folder changes")

    # ---- sidebar --------------------------------------------------------------------------------
    def refresh_sidebar(self) -> None:
        """Counts are read in a worker: the UI thread never waits on the database."""
        self.load_sidebar()

    @core_worker(exclusive=True, group="sidebar")
    def load_sidebar(self) -> None:
        try:
            st = self.core.index.overview()
            convs = self.core.conversations.recent()
        except Exception as e:
            self.call_from_thread(self.notify, error_text(e), severity="error")
            return
        self.call_from_thread(self.show_sidebar, st, convs)

    def show_sidebar(self, st: Overview, convs: list[tuple[int, str, float]]) -> None:
        failed_by: dict[str, list[dict]] = {}
        for f in st.failed:  # each failure under the innermost folder holding it
            holders = [folder["path"] for folder in st.folders if within(f["path"], folder["path"])]
            if holders:
                failed_by.setdefault(max(holders, key=len), []).append(f)
        folders = self.query_one("#folders", ListView)
        folders.clear()
        self.scoped &= {f["path"] for f in st.folders}  # a removed folder leaves the scope
        for f in st.folders:
            folders.append(FolderItem(f["path"], f["files"], f["chunks"], failed_by.get(f["path"], []),
                                      f["path"] in self.scoped))
        conv_list = self.query_one("#conversations", ListView)
        conv_list.clear()
        for cid, title, _ in convs:
            conv_list.append(ConversationItem(cid, title))
        self._chunks = st.chunks
        self._meaning = st.meaning
        self.update_status()

    def update_status(self) -> None:
        w = self.watcher
        if w is None:
            watch = "kept in step by localrag serve" if self.service_watching else "watcher off"
        elif w.state.polling:
            watch = "watcher: rescanning (inotify limit)"
        else:
            watch = "watching" if w.state.running else "watcher starting…"
        chunks = f"{self._chunks} chunks"
        meaning = self._meaning
        if meaning < 1 and not self._index_state:  # stopped part-way: searchable by keywords, partly by meaning
            chunks += f" (meaning {meaning:.0%}: Ctrl+R embeds the rest)"
        parts = [self.models_text(), chunks, watch]
        if self.scoped:
            parts.insert(0, "only in: " + ", ".join(sorted(Path(p).name for p in self.scoped)))
        if self._index_state:
            parts.append(self._index_state)
        self.query_one("#statusbar", Static).update(Text(" · ".join(parts)))

    @on(ListView.Selected, "#folders")
    def folder_selected(self, event: ListView.Selected) -> None:
        item = event.item
        if isinstance(item, FolderItem) and item.failed:
            self.notify("\n".join(f"{Path(f['path']).name}: {f['reason']}" for f in item.failed[:8]),
                        title=f"{len(item.failed)} files failed", severity="warning", timeout=10)

    @on(FolderList.ScopeChanged)
    def scope_changed(self, event: FolderList.ScopeChanged) -> None:
        (self.scoped.add if event.on else self.scoped.discard)(event.path)
        self.update_status()

    def current_scope(self) -> Scope | None:
        return self.core.library.scope(sorted(self.scoped)) if self.scoped else None

    @on(ListView.Selected, "#conversations")
    async def conversation_selected(self, event: ListView.Selected) -> None:
        item = event.item
        if not isinstance(item, ConversationItem):
            return
        await self.action_new_conversation()  # else a reopened exchange can be pruned with the old ones
        self.conversation_id = item.conversation_id
        shown = [Exchange(said.question, said.answer, said.sources, said.quoted)
                 for said in self.core.conversations.exchanges(item.conversation_id)]
        self._last = shown[-1] if shown else None
        self.query_one("#ask-input", Input).focus()
        await self.query_one("#chat").mount_all(shown)

    # ---- asking ---------------------------------------------------------------------------------
    @on(Input.Submitted, "#ask-input")
    def ask_submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        if self._cancel is not None:
            self.notify("Still answering: press Esc to stop it first", severity="warning")
            return
        event.input.value = ""
        for w in self.query(Welcome):
            w.remove()
        ex = Exchange(question)
        chat = self.query_one("#chat", VerticalScroll)
        chat.mount(ex)
        chat.scroll_end(animate=False)
        self._last = ex
        self._cancel = threading.Event()
        self.ask(question, ex, self._cancel)

    @core_worker(group="ask")
    def ask(self, question: str, ex: Exchange, cancel: threading.Event) -> None:
        chat = self.query_one("#chat", VerticalScroll)

        def on_text(piece: str) -> None:
            self.call_from_thread(ex.add_text, piece)
            self.call_from_thread(chat.scroll_end, animate=False)

        try:
            conv, ans = self.core.conversations.ask(self.conversation_id, question, on_text, cancel,
                                                      scope=self.current_scope())
        except Exception as e:  # a worker's error is a notification, never a traceback on screen
            self.call_from_thread(ex.set_text, error_text(e))
            self.call_from_thread(self.notify, error_text(e), severity="error", timeout=15)
            return
        finally:
            self._cancel = None
        self.call_from_thread(self._answered, ex, conv, ans)  # type: ignore[arg-type]  # an async callback

    async def _answered(self, ex: Exchange, conv: int, ans: Answer) -> None:
        new_conv = self.conversation_id is None
        self.conversation_id = conv
        await ex.set_text(ans.text)
        if not ans.found:
            ex.set_sources([(0, r) for r in ans.nearest], note="Nearest passages (not relevant enough):")
        else:
            whole = ans.question_kind != "fact"  # a summary, a list: its quotes are the answer above
            note = ("Where each quote is (Enter shows it in its file):" if whole else
                    "Evidence, verbatim from your files (Enter shows it in its file):")
            ex.set_sources([(q.n, q.result) for q in ans.evidence], note=note, quotes=True, shown_above=whole)
        if ans.warning:
            self.notify(ans.warning, title="Answer", severity="warning", timeout=10)
        if ans.partial:
            self.notify(ans.partial, title="Still indexing", severity="information", timeout=10)
        if ans.stopped:
            self.notify("Stopped")
        if ans.error:  # the server went away part-way: the text so far stays on screen
            self.notify(ans.error, title="Answer", severity="error", timeout=10)
        if new_conv:
            self.refresh_sidebar()
        self.update_status()
        self.query_one("#chat", VerticalScroll).scroll_end(animate=False)

    @on(OptionList.OptionSelected, ".sources")
    def source_selected(self, event: OptionList.OptionSelected) -> None:
        ex = next((a for a in event.option_list.ancestors if isinstance(a, Exchange)), None)
        if ex is not None and event.option_index < len(ex.results):
            self.open_preview(ex.results[event.option_index], ex.question)

    @core_worker(exclusive=True, group="preview")
    def open_preview(self, r: Result, query: str) -> None:
        """The file is read in a worker (a PDF's parse can take seconds); the screen opens after."""
        def feedback(result: Result, helpful: bool) -> None:
            self.record_feedback(query, result, helpful)

        try:
            context = self.core.library.passage_context(r)
        except Exception as e:
            self.call_from_thread(self.notify, error_text(e), title="Preview", severity="error")
            return
        self.call_from_thread(self.push_screen, PreviewScreen(r, context, query, feedback))

    @core_worker(group="feedback")
    def record_feedback(self, query: str, result: Result, helpful: bool) -> None:
        """In a worker: a write may wait for the indexer's transaction."""
        try:
            self.core.tuning.record_feedback(query, result, helpful)
        except Exception as e:
            self.call_from_thread(self.notify, error_text(e), severity="error")

    # ---- search mode ----------------------------------------------------------------------------
    @on(Input.Submitted, "#search-input")
    def search_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.search(event.value.strip())

    @core_worker(exclusive=True, group="search")
    def search(self, query: str) -> None:
        try:
            results = self.core.library.search(query, k=20, scope=self.current_scope())
        except Exception as e:
            self.call_from_thread(self.notify, error_text(e), severity="error")
            return
        self.call_from_thread(self.query_one(SearchResults).show, results, query)
        if not results:
            self.call_from_thread(self.notify, "no matching passages")

    @on(OptionList.OptionSelected, "#search-results")
    def result_selected(self, event: OptionList.OptionSelected) -> None:
        res = self.query_one(SearchResults).results
        if event.option_index < len(res):
            self.open_preview(res[event.option_index], self.query_one("#search-input", Input).value)

    # ---- actions --------------------------------------------------------------------------------
    def action_new_conversation(self) -> AwaitRemove:
        """Returns the removal of the old exchanges: a caller that mounts new ones awaits it first."""
        self.conversation_id = None
        self._last = None
        removed = self.query_one("#chat").remove_children()
        self.query_one(TabbedContent).active = "ask-tab"
        self.query_one("#ask-input", Input).focus()
        return removed

    def action_toggle_mode(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "search-tab" if tabs.active == "ask-tab" else "ask-tab"
        self.query_one("#search-input" if tabs.active == "search-tab" else "#ask-input", Input).focus()

    def action_focus_sources(self) -> None:
        """Jump to the latest answer's sources; Enter opens one."""
        if self._last is None or not self._last.results:
            self.notify("No sources to show yet", severity="warning")
            return
        ol = self._last.query_one(OptionList)
        ol.focus()
        if ol.highlighted is None:
            ol.highlighted = 0

    def action_toggle_sidebar(self) -> None:
        self.query_one("#sidebar").toggle_class("hidden")

    def action_stop(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def action_copy_answer(self) -> None:
        ex = self._last
        if ex is None or not ex.text:
            self.notify("No answer to copy yet", severity="warning")
            return
        lines = [ex.text, ""]
        for n, r in zip(ex.numbers, ex.results):
            lines.append(f"[{n}] {r.precise_location()}")
            if ex.quotes:
                lines.append("    \u201c" + " ".join(r.text.split()) + "\u201d")
        self.copy_to_clipboard("\n".join(lines).strip())
        self.notify("Answer and sources copied")

    def action_export(self) -> None:
        if self.conversation_id is None:
            self.notify("Ask a question first: there is no conversation to export", severity="warning")
            return
        cid = self.conversation_id

        def chosen(path: str | None) -> None:
            if path:
                self.export(cid, path)

        self.push_screen(ExportScreen(str(Path.cwd() / f"localrag-conversation-{cid}.md")), chosen)

    @core_worker(group="export")
    def export(self, conversation_id: int, path: str) -> None:
        try:
            _, written = self.core.conversations.export(conversation_id, path)
        except Exception as e:
            self.call_from_thread(self.notify, error_text(e), title="Export", severity="error", timeout=10)
            return
        self.call_from_thread(self.notify, f"Wrote {written}", title="Export")

    def action_add_folder(self) -> None:
        def added(path: str | None) -> None:
            if path:
                self.run_index(add=path)

        self.push_screen(AddFolderScreen(), added)

    def action_reindex_folders(self) -> None:
        self.run_index()

    def action_remove_folder(self) -> None:
        item = self.query_one("#folders", ListView).highlighted_child
        if not isinstance(item, FolderItem):
            self.notify("Select a folder in the sidebar first", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.remove_folder(item.path)

        self.push_screen(ConfirmScreen(f"Remove {item.path} and its {item.chunks} chunks from the index?\n"
                                       "Your files are not touched."), confirmed)

    def action_settings(self) -> None:
        old = self.core.settings

        def done(new: Settings | None) -> None:
            if new is None:
                return
            if new.embed_model != old.embed_model:
                chunks, files, minutes = self.core.index.reembed_estimate()
                msg = (f"Changing the embedding model to '{new.embed_model}' re-embeds all {chunks} chunks "
                       f"of {files} files (about {minutes:.0f} min on this machine). Continue?")

                def go(yes: bool | None) -> None:
                    if yes:  # saved by the core once the new model has loaded, never before
                        self.run_index(reindex=True, new_settings=new)
                    else:
                        self.notify("Nothing changed")

                self.push_screen(ConfirmScreen(msg), go)
            else:
                self._apply_settings(new)

        self.push_screen(SettingsScreen(old), done)

    def _apply_settings(self, new: Settings) -> None:
        try:
            reload = self.core.apply_settings(new)
        except OSError as e:
            self.notify(f"cannot save settings: {e.strerror}", severity="error")
            return
        except LocalragError as e:
            self.notify(str(e), severity="error")
            return
        if reload:
            self.load_models()
        self.notify("Settings saved")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("New chat", "Start a new conversation", self.action_new_conversation)
        yield SystemCommand("Ask / Search", "Switch between asking the model and searching passages",
                            self.action_toggle_mode)
        yield SystemCommand("Export conversation", "Write this conversation with its quotes and sources to a file",
                            self.action_export)
        yield SystemCommand("Add folder", "Index a folder or file and keep it in step", self.action_add_folder)
        yield SystemCommand("Remove folder", "Drop the selected folder from the index", self.action_remove_folder)
        yield SystemCommand("Rescan folders", "Bring the index in step with every folder now",
                            self.action_reindex_folders)
        yield SystemCommand("Sources", "Go to the sources of the latest answer", self.action_focus_sources)
        yield SystemCommand("Copy answer", "Copy the last answer with its sources", self.action_copy_answer)
        yield SystemCommand("Stop answer", "Stop the answer being written", self.action_stop)
        yield SystemCommand("Settings", "Models, context size, GPU layers, top-k", self.action_settings)
        yield SystemCommand("Toggle sidebar", "Show or hide folders and conversations", self.action_toggle_sidebar)

    def on_unmount(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        self.background.stop(watcher_timeout=2)


def error_text(e: BaseException) -> str:
    """What a notification says: our own errors as they are, anything else with its kind."""
    return str(e) if isinstance(e, LocalragError) else f"unexpected {type(e).__name__}: {e}"


def build_app(paths: Paths | None = None, settings: Settings | None = None, watch: bool = True,
              blink: bool = True, preload: bool = True, embedder: Embedder | None = None) -> LocalragApp:
    """The one factory: the CLI and the tests build the app the same way (tests may turn off
    the watcher, model preloading and cursor blink, for stable screens, and hand over an
    embedding model they already loaded)."""
    paths = paths or get_paths()
    settings = settings or Settings.load(paths)
    core = Localrag(paths, settings, embedder=embedder)
    core.resident.keep_vectors_in_memory()  # a long-lived process
    return LocalragApp(core, watch=watch, blink=blink, preload=preload)


def run() -> int:
    try:
        app = build_app()
    except LocalragError as e:
        print(f"localrag: {e}")
        return 1
    app.run()
    return 0
