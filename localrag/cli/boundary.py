"""The error boundary every command runs in: what a user can cause is one line on the command's
stderr and an exit code, never a traceback."""

from __future__ import annotations

import argparse

from localrag.cli.output import echo
from localrag.core import StoreError
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
    except StoreError as e:  # the index said no (busy, full, damaged), in words: one line, nothing lost
        if args.debug:
            raise
        echo(io, f"localrag: {e} (run with --debug for details)", err=True)
        return 1
    except LocalragError as e:
        echo(io, f"localrag: {e}", err=True)
        return 1
    except KeyboardInterrupt:
        echo(io, "localrag: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # the disk or a file said no: one line, nothing lost
        if args.debug:
            raise
        where = f": {e.filename}" if e.filename else ""
        echo(io, f"localrag: {e.strerror or e}{where} (run with --debug for details)", err=True)
        return 1

