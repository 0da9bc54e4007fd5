"""One command's terminal: where its output goes, how wide it is, whether it may ask a question.

A command run in its own process writes to that process's stdout and stderr; a command the
service runs for a client writes to that client's socket. Each gets its own ``Io`` (and its own
rich consoles, made on ``file=``), passed down explicitly: nothing swaps the process-wide
``sys.stdout``, so two clients' outputs, or a progress bar's refresh thread, never cross.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # rich is imported on first use: plain lines and --json never load it
    from rich.console import Console


class NeedsAnswer(Exception):
    """A served command would ask the person a question; the client asks it on its own terminal
    and sends the command again with ``flag`` if the answer is yes."""

    def __init__(self, question: str, flag: str):
        super().__init__(question)
        self.question = question
        self.flag = flag


class Io:
    """The streams of one command. ``out``/``err`` None: this process's ``sys.stdout`` and
    ``sys.stderr`` as they are when written (so a progress bar's redirect in a one-shot process
    still applies)."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None, *, columns: int | None = None,
                 stdin_tty: bool | None = None, interactive: bool = True, cwd: str | None = None):
        self._out = out
        self._err = err
        self.columns = columns
        self._stdin_tty = stdin_tty
        self.interactive = interactive  # may read an answer from stdin (never in the service)
        self.cwd = cwd
        self._consoles: dict[bool, Console] = {}

    @property
    def out(self) -> TextIO:
        return self._out if self._out is not None else sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err if self._err is not None else sys.stderr

    @property
    def own_process(self) -> bool:
        """The process's own streams: a progress bar may redirect them while it draws."""
        return self._out is None

    @property
    def stdin_tty(self) -> bool:
        """Whether a person sits at the command's standard input (the client's, when served)."""
        if self._stdin_tty is not None:
            return self._stdin_tty
        try:
            return sys.stdin is not None and sys.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    def console(self, stderr: bool = False) -> Console:
        """A rich Console on this command's stream, as wide as its terminal."""
        console = self._consoles.get(stderr)
        if console is None:
            from rich.console import Console

            stream = self._err if stderr else self._out
            console = self._consoles[stderr] = Console(file=stream, stderr=stderr, highlight=False, soft_wrap=True,
                                                       width=self.columns)
        return console

    def write(self, text: str, stderr: bool = False) -> None:
        stream = self.err if stderr else self.out
        stream.write(text)
        stream.flush()

    def echo(self, text: str = "", stderr: bool = False) -> None:
        """One plain line: never wrapped or styled, so scripts can read it."""
        self.write(text + "\n", stderr)

    def confirm(self, question: str, flag: str) -> bool:
        """Ask a yes/no question on the person's terminal. Served, the question goes back to the
        client (``NeedsAnswer``); ``flag`` is what answers yes without asking."""
        if not self.interactive:
            raise NeedsAnswer(question, flag)
        return ask_yes_no(question)


def ask_yes_no(question: str) -> bool:
    """The question on this process's terminal; yes only for "y" or "yes" (end of input: no).
    The one way both a command in its own process and the thin client ask."""
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


class SinkStream:
    """A text stream whose writes go to ``send`` (a client's socket): what a served command's
    ``Io`` writes to, and what its rich consoles are made on."""

    def __init__(self, send: Callable[[str], None], tty: bool):
        self._send = send
        self._tty = tty
        self.encoding = "utf-8"
        self.errors = "replace"

    def write(self, text: str) -> int:
        if text:
            self._send(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self._tty

    def fileno(self) -> int:
        raise OSError("a client's stream has no file descriptor")

    def writable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return False
