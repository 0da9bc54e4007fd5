"""`localrag config`: show, set and locate the settings."""

from __future__ import annotations

import argparse

from localrag.cli.output import echo
from localrag.config import Settings, get_paths
from localrag.errors import LocalragError
from localrag.service.streams import Io


def cmd_config(args: argparse.Namespace) -> int:
    io: Io = args.io
    paths = get_paths()
    settings = Settings.load(paths)
    if args.action == "set":
        if not args.key or args.value is None:
            raise LocalragError("usage: localrag config set KEY VALUE")
        settings.set(args.key, args.value)
        settings.save(paths)
        echo(io, f"{args.key} = {getattr(settings, args.key)!r}")
        return 0
    if args.action == "path":
        echo(io, str(paths.config_file))
        return 0
    for k, v in settings.model_dump().items():
        echo(io, f"{k} = {v!r}")
    return 0

