"""The ``localrag`` command: a one-shot command goes to the running service when there is one
(``localrag serve``; nothing heavy is imported for it), else runs here as it always did."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        from localrag.home import home_dirs
        from localrag.service.client import forward

        code = forward(args, home_dirs()[1])
    except Exception:  # the service is a speed-up: anything odd about it, and the command runs here
        code = None
    if code is not None:
        return code
    from localrag.cli import main as cli_main

    return cli_main(args)
