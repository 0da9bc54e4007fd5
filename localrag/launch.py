"""The ``localrag`` command: a one-shot command goes to the running service when there is one
(``localrag serve``; nothing heavy is imported for it), else runs here as it always did. A command
the service may have started is never run here again, unless it only reads."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        from localrag.home import home_dirs

        data_dir = home_dirs()[1]
    except Exception:  # a home this process cannot work out: it says why itself, below
        data_dir = None
    code = None
    if data_dir is not None:
        from localrag.service.client import forward

        code = forward(args, data_dir)  # None: never started there (or read-only and safe to run again)
    if code is not None:
        return code
    from localrag.cli import main as cli_main

    return cli_main(args)
