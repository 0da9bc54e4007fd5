"""The one factory the commands build their core from: the settings file, then the command
line's flags; inside `localrag serve`, the service's one warm core."""

from __future__ import annotations

import argparse

from localrag.cli.output import ModelBar
from localrag.config import Settings, get_paths
from localrag.core import Localrag
from localrag.service.streams import Io

SERVED: Localrag | None = None  # inside `localrag serve`: the one warm core every command uses


def make_app(args: argparse.Namespace) -> Localrag:
    """The core a command runs on: the saved settings with the command line's model flags over
    them, checked once; the service's warm core when the command runs in the service."""
    if SERVED is not None:  # settings saved meanwhile were adopted before the command (Service)
        return SERVED
    io: Io = args.io
    paths = get_paths()
    settings = Settings.load(paths)
    if getattr(args, "model", None):
        settings.llm_model = args.model
    for flag, key in (("llm", "llm"), ("llm_url", "llm_url"), ("llm_model", "llm_remote_model"),
                      ("llm_key_env", "llm_api_key_env"), ("llm_api", "llm_api")):
        if getattr(args, flag, None):
            setattr(settings, key, getattr(args, flag))
    if getattr(args, "llm_url", None) and not getattr(args, "llm", None):
        settings.llm = "openai"
    settings.validate("the command line")
    return Localrag(paths, settings, model_progress=ModelBar(io))

