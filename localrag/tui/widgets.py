"""The TUI's building blocks. Every piece of document or model text is shown as plain text
(``rich.text.Text``) or escaped Markdown: a document cannot style, link or run actions."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, ListItem, ListView, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from localrag.indexing.parse.base import clean
from localrag.search.retrieve import Result, page_word

_NOT_CITATION = re.compile(r"\[(?!\d+(?:,\s*\d+)*\])")


def plain(text: str) -> Text:
    """Untrusted text, inert: no markup, no escapes."""
    return Text(clean(text))


def safe_markdown(text: str) -> str:
    """Model output as Markdown with links, images and raw HTML neutralised; our [n] stays."""
    text = clean(text).replace("<", "&lt;")
    return _NOT_CITATION.sub(r"\\[", text)


def short_location(r: Result, lines_on_page: bool = False) -> str:
    name = Path(r.path).name
    if r.page is not None:
        lines = f", lines {r.start_line}-{r.end_line}" if lines_on_page and r.start_line is not None else ""
        return f"{name}, {page_word(r.path)} {r.page}{lines}"
    if r.start_line is not None:
        return f"{name}:{r.start_line}-{r.end_line}"
    return name


class FolderItem(ListItem):
    def __init__(self, path: str, files: int, chunks: int, failed: list[dict], in_scope: bool = False):
        super().__init__()
        self.path = path
        self.failed = failed
        self.files = files
        self.chunks = chunks
        self.in_scope = in_scope
        if failed:
            self.tooltip = Text("\n".join(f"{Path(f['path']).name}: {f['reason']}" for f in failed[:20]))

    def line(self) -> Text:
        name = Path(self.path).name or self.path
        line = Text("● " if self.in_scope else "", style="bold green")
        line.append(name, style="bold")
        line.append(f"\n{self.files} files · {self.chunks} chunks", style="dim")
        if self.failed:
            line.append(f"  ⚠ {len(self.failed)} failed", style="bold yellow")
        return line

    def compose(self) -> ComposeResult:
        yield Label(self.line())

    def set_scope(self, on: bool) -> None:
        self.in_scope = on
        self.query_one(Label).update(self.line())


class FolderList(ListView):
    """The registered folders; Space marks folders to ask in (none marked: all of them)."""

    BINDINGS = [Binding("space", "toggle_scope", "Ask only here")]

    class ScopeChanged(Message):
        def __init__(self, path: str, on: bool) -> None:
            super().__init__()
            self.path = path
            self.on = on

    def action_toggle_scope(self) -> None:
        item = self.highlighted_child
        if isinstance(item, FolderItem):
            item.set_scope(not item.in_scope)
            self.post_message(self.ScopeChanged(item.path, item.in_scope))


class ConversationItem(ListItem):
    def __init__(self, conversation_id: int, title: str):
        super().__init__()
        self.conversation_id = conversation_id
        self.title = title

    def compose(self) -> ComposeResult:
        yield Label(plain(self.title[:60]))


class Exchange(Vertical):
    """One question, its answer, and its numbered quotes (or, for no answer, the nearest passages)."""

    DEFAULT_CSS = """
    Exchange { height: auto; margin: 0 0 1 0; }
    Exchange .question { color: $text-accent; text-style: bold; padding: 0 1; }
    Exchange Markdown { margin: 0; padding: 0 1; }
    Exchange .sources { height: auto; max-height: 14; border: none; margin: 0 1; }
    Exchange .note { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, question: str, text: str = "", sources: list[tuple[int, Result]] | None = None,
                 quotes: bool = False):
        """A reopened exchange is given its text and sources here and composed whole: nothing is
        looked up in it after it mounts (the app may be closing by then)."""
        super().__init__()
        self.question = question
        self.text = text
        self.results: list[Result] = [r for _, r in sources or []]
        self.numbers: list[int] = [n for n, _ in sources or []]
        self.quotes = quotes  # the sources are verbatim quotes (answers), not whole passages

    def compose(self) -> ComposeResult:
        yield Static(plain("› " + self.question), classes="question")
        yield Markdown(safe_markdown(self.text), open_links=False)
        ol = OptionList(*source_options(list(zip(self.numbers, self.results)), self.quotes), classes="sources")
        ol.display = bool(self.results)
        yield ol

    def add_text(self, piece: str) -> AwaitComplete:
        """Returns the update to await: un-awaited, an idle app would not repaint."""
        self.text += piece
        return self.query_one(Markdown).update(safe_markdown(self.text) or "…")

    def set_text(self, text: str) -> AwaitComplete:
        self.text = text
        return self.query_one(Markdown).update(safe_markdown(text))

    def set_sources(self, pairs: list[tuple[int, Result]], note: str = "", quotes: bool = False,
                    shown_above: bool = False) -> None:
        """Numbered sources; with ``quotes`` each is a verbatim quote, shown in full under its place
        unless the answer above shows them already (``shown_above``: a summary's outline)."""
        self.results = [r for _, r in pairs]
        self.numbers = [n for n, _ in pairs]
        self.quotes = quotes
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options(source_options(pairs, quotes, shown_above))
        ol.display = bool(pairs)
        if note:
            self.mount(Static(plain(note), classes="note"), before=ol)


def source_options(pairs: list[tuple[int, Result]], quotes: bool, shown_above: bool = False) -> list[Option]:
    """An answer's sources as the lines of its list: ``[n] place`` and, for a quote, its words."""
    options = []
    for n, r in pairs:
        label = Text(f"[{n}] " if n else "· ", style="bold")
        label.append(short_location(r, lines_on_page=quotes))
        if r.heading and not quotes:
            label.append(f"  {clean(r.heading)[:60]}", style="dim")
        if quotes and not shown_above:
            label.append("\n    \u201c" + " ".join(clean(r.text).split()) + "\u201d", style="italic")
        options.append(Option(label))
    return options


class SearchResults(OptionList):
    def __init__(self) -> None:
        super().__init__(id="search-results")
        self.results: list[Result] = []
        self.shown_for = ""  # the query the shown results answer

    def show(self, results: list[Result], query: str = "") -> None:
        self.results = results
        self.shown_for = query
        self.clear_options()
        for i, r in enumerate(results, 1):
            t = Text(f"{i}. ", style="bold")
            t.append(short_location(r), style="bold")
            if r.heading:
                t.append(f"  {clean(r.heading)[:60]}", style="dim")
            t.append("\n   " + " ".join(clean(r.text).split())[:220])
            self.add_option(Option(t))


class Welcome(VerticalScroll):
    DEFAULT_CSS = """
    Welcome { padding: 1 2; }
    Welcome Markdown { max-width: 80; }
    """
    TEXT = """\
# Welcome to localrag

Ask questions about your own files. Everything stays on this computer.

1. Press **Ctrl+O** to add a folder (notes, manuals, papers, code).
2. localrag indexes it in the background and keeps it in step with every change.
3. Type a question below and press **Enter**. Answers cite the exact file, page and lines;
   select a source to see the passage.

**Ctrl+T** switches to search mode, **Ctrl+P** lists every action, **Ctrl+Q** quits.
"""

    def compose(self) -> ComposeResult:
        yield Markdown(self.TEXT, open_links=False)
