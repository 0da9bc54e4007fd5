"""Parsing a command line for the process or the client it was typed in: help, usage and errors
go to that client's streams, laid out for its terminal."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from typing import Any

from localrag.config import MAX_K
from localrag.service.streams import Io

parsing = threading.local()  # the Io a command line is being parsed for (its help, usage and errors go there)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str], io: Io) -> argparse.Namespace | int:
    """The parsed command line, or the exit code once help, the version or a usage error was
    written to ``io``."""
    parsing.io = io
    try:
        args = parser.parse_args(list(argv))
        if getattr(args, "k", None) is not None and not 1 <= args.k <= MAX_K:
            parser.error(f"-k must be between 1 and {MAX_K}")
        return args
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    finally:
        parsing.io = None


def scope_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--in", dest="scope_in", action="append", metavar="PATH",
                   help="only this folder, subfolder, file or glob (repeatable; '*.md' matches names anywhere)")
    p.add_argument("--type", dest="types", action="append", metavar="EXT,...",
                   help="only these file types, e.g. pdf,md (extensions or kinds such as code)")


class Formatter(argparse.HelpFormatter):
    """Help and usage as wide as the terminal they go to: in the service, the client's."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        io: Io | None = getattr(parsing, "io", None)
        if width is None and io is not None and io.columns:
            width = io.columns - 2  # as argparse takes the terminal's width
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser (and, by its type, each subcommand's) laid out by ``Formatter``, whose
    help, usage and errors go to the Io it parses for (in the service, the client's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        io: Io | None = getattr(parsing, "io", None)
        if io is None:
            super()._print_message(message, file)
        elif message:
            io.write(message, stderr=file is not sys.stdout)

