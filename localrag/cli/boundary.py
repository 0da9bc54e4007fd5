"""The error boundary every command runs in: what a user can cause is one line on the command's
stderr and an exit code, never a traceback."""

from __future__ import annotations

import argparse

import apsw

from localrag.cli.output import echo
from localrag.errors import LocalragError
from localrag.service.streams import Io


def execute(args: argparse.Namespace) -> int:
    """Run a parsed command inside the error boundary every command shares: what a user can cause
    is one line on the command's stderr."""
    io: Io = args.io
    try:
        if args.command is None:  # the TUI, inside the same error boundary as every command
            from localrag.tui.app import run

            return run()
        return int(args.func(args) or 0)
    except LocalragError as e:
        echo(io, f"localrag: {e}", err=True)
        return 1
    except KeyboardInterrupt:
        echo(io, "localrag: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except (apsw.Error, OSError) as e:  # the disk, the database or a file said no: one line, nothing lost
        if args.debug:
            raise
        echo(io, f"localrag: {os_or_db_message(e)} (run with --debug for details)", err=True)
        return 1


def os_or_db_message(e: BaseException) -> str:
    if isinstance(e, OSError):
        where = f": {e.filename}" if e.filename else ""
        return f"{e.strerror or e}{where}"
    kind = {"BusyError": "the index is busy (another localrag is writing); try again",
            "FullError": "the disk is full", "CorruptError": "the index database is damaged; run `localrag doctor`",
            "ReadOnlyError": "the index database is read-only"}.get(type(e).__name__, "database error")
    return f"{kind} ({str(e).splitlines()[0][:160]})"

