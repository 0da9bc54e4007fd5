"""Modal screens: a cited passage in its file, a folder picker, settings, and a yes/no question."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Footer, Input, Label, Static

from localrag.answering.preview import PassageContext
from localrag.config import Settings
from localrag.errors import LocalragError
from localrag.indexing.parse.base import clean
from localrag.search.retrieve import Result, page_word


def passage_in_context(ctx: PassageContext) -> tuple[Text, int]:
    """The cited lines with some lines around them, numbered, the cited ones highlighted.
    Returns the text and the line (0-based, in the text) to scroll to."""
    out = Text(f"({ctx.error})\n\n") if ctx.error else Text()
    width = len(str(max((n for n, _ in ctx.rows), default=1)))
    first_cited = None
    for i, (n, line) in enumerate(ctx.rows):
        cited = ctx.start <= n <= ctx.end
        if cited and first_cited is None:
            first_cited = i
        out.append(f"{n:>{width}} ", style="bold" if cited else "dim")
        out.append(clean(line) + "\n", style="reverse" if cited else "")
    return out, max(0, (first_cited or 0) - 3)


class PreviewScreen(ModalScreen[None]):
    """A cited passage in its file's context."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("e", "edit", "Open in $EDITOR"),
        Binding("plus,equals_sign", "feedback(True)", "Helpful"),
        Binding("minus", "feedback(False)", "Not helpful"),
    ]
    DEFAULT_CSS = """
    PreviewScreen { align: center middle; }
    PreviewScreen > Vertical { width: 95%; height: 90%; border: thick $accent; background: $surface; }
    PreviewScreen .where { padding: 0 1; text-style: bold; background: $boost; }
    PreviewScreen VerticalScroll { padding: 0 1; }
    """

    def __init__(self, result: Result, context: PassageContext, query: str = "", on_feedback: object | None = None):
        super().__init__()
        self.result = result
        self.context = context
        self.query_text = query
        self.on_feedback = on_feedback

    def compose(self) -> ComposeResult:
        r = self.result
        where = Text(clean(r.path))
        lines = f"lines {r.start_line}-{r.end_line}" if r.start_line is not None else ""
        where.append(f"  {page_word(r.path)} {r.page}" + (f", {lines}" if lines else "") if r.page is not None else
                     (f"  {lines}" if lines else ""), style="bold")
        if r.heading:
            where.append(f"  ·  {clean(r.heading)}", style="dim")
        body, self._scroll_line = passage_in_context(self.context)
        with Vertical():
            yield Static(where, classes="where")
            with VerticalScroll():
                yield Static(body, id="passage")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).scroll_to(y=self._scroll_line, animate=False)

    def action_edit(self) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify("Set $EDITOR to open files from here", severity="warning")
            return
        line = self.result.start_line or 1
        cmd = shlex.split(editor) + ([f"+{line}"] if self.result.page is None else []) + [self.result.path]
        try:
            with self.app.suspend():
                subprocess.run(cmd, check=False)
        except OSError as e:
            self.notify(f"cannot run {editor}: {e.strerror}", severity="error")

    def action_feedback(self, helpful: bool) -> None:
        if callable(self.on_feedback):
            self.on_feedback(self.result, helpful)
        self.notify("Thanks: recorded as " + ("helpful" if helpful else "not helpful"))


class AddFolderScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    AddFolderScreen { align: center middle; }
    AddFolderScreen > Vertical { width: 90%; height: 85%; border: thick $accent; background: $surface; padding: 0 1; }
    AddFolderScreen DirectoryTree { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Add a folder or file to index: type a path, or pick one below and press Enter")
            yield Input(value=str(Path.home()), id="path")
            yield DirectoryTree(str(Path.home()))
            yield Footer()

    @on(DirectoryTree.DirectorySelected)
    @on(DirectoryTree.FileSelected)
    def picked(self, event: DirectoryTree.DirectorySelected | DirectoryTree.FileSelected) -> None:
        self.query_one("#path", Input).value = str(event.path)
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    def submit(self, event: Input.Submitted) -> None:
        path = os.path.expanduser(event.value.strip())
        if not os.path.exists(path):
            self.notify(f"no such file or folder: {path}", severity="error")
            return
        self.dismiss(path)


class ExportScreen(ModalScreen[str | None]):
    """Where to write a conversation: a path, Markdown unless it ends in .json."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 80%; height: auto; border: thick $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, default: str):
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export this conversation with its quotes and sources to (.md, or .json):")
            yield Input(value=self.default, id="export-path")
            yield Footer()

    @on(Input.Submitted, "#export-path")
    def submit(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if path:
            self.dismiss(path)


EDITABLE = ("embed_model", "llm_model", "n_gpu_layers", "n_ctx", "top_k", "max_answer_tokens", "search_mode",
            "min_score", "ignore")


class SettingsScreen(ModalScreen[Settings | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen > Vertical { width: 90%; height: auto; max-height: 95%; border: thick $accent; background: $surface; padding: 0 1; }
    SettingsScreen Grid { grid-size: 2; grid-columns: 20 1fr; height: auto; grid-rows: 3; }
    SettingsScreen Label { padding: 1 0 0 0; }
    SettingsScreen Horizontal { height: auto; align-horizontal: right; }
    """

    def __init__(self, settings: Settings):
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("Settings (saved to config.toml)", style="bold"))
            with Grid():
                for name in EDITABLE:
                    value = getattr(self.settings, name)
                    yield Label(name)
                    yield Input(",".join(value) if isinstance(value, list) else str(value), id=f"set-{name}")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def save(self) -> None:
        new = self.settings.model_copy(deep=True)
        try:
            for name in EDITABLE:
                new.set(name, self.query_one(f"#set-{name}", Input).value.strip())
        except LocalragError as e:
            self.notify(str(e), severity="error")
            return
        self.dismiss(new)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape,n", "dismiss(False)", "No"), Binding("y", "dismiss(True)", "Yes")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 70; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    """

    def __init__(self, message: str):
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.message))
            with Horizontal():
                yield Button("No", id="no")
                yield Button("Yes", id="yes", variant="warning")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
