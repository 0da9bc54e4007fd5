"""The command line, a module per group of commands: each command parses, calls one core
method and prints. A ``LocalragError`` becomes one line on stderr and exit code 1; progress goes
to stderr so ``--json`` output stays clean."""

from localrag.cli.parser import build_parser, main
from localrag.cli.serving import prepare_served

__all__ = ["build_parser", "main", "prepare_served"]
