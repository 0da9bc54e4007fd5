"""The service's commands (serve, service, mcp) and how a client's command line is prepared to run
in the service."""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence

from localrag.answering.export import when
from localrag.cli import factory
from localrag.cli.boundary import execute
from localrag.cli.factory import make_app
from localrag.cli.output import ModelBar, echo
from localrag.cli.parsing import parse
from localrag.config import get_paths
from localrag.errors import LocalragError
from localrag.service import FORWARDED, READ_ONLY
from localrag.service.server import Prepared
from localrag.service.streams import Io


def cmd_serve(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.service.server import Service

    if args.idle <= 0:
        raise LocalragError("--idle must be a number of minutes above 0")
    app = make_app(args)
    app.model_progress = ModelBar(Io(sys.stdout, sys.stderr))  # the service's own log: never redirects the process's streams
    svc = Service(app, prepare_served, idle_seconds=args.idle * 60, log=lambda m: echo(io, m, err=True),
                  watch=not args.no_watch)
    svc.claim()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # systemd's SIGTERM, and Ctrl-C even when started in the background

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        factory.SERVED = app
        svc.start()
        echo(io, f"localrag serve: pid {os.getpid()}, socket {svc.sock_path}; Ctrl-C to stop", err=True)
        svc.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        svc.stop()
        factory.SERVED = None
    return 0


@functools.cache
def served_parser() -> argparse.ArgumentParser:
    """Built once in the service (building it is most of a warm search's time there); its help
    and usage lines are laid out when shown, for the client's terminal."""
    from localrag.cli.parser import build_parser  # the parser names this module's commands

    return build_parser()


LOCAL_ONLY = ("model", "llm", "llm_url", "llm_model", "llm_key_env", "llm_api")  # flags that load another model


def prepare_served(argv: Sequence[str], cwd: str, io: Io) -> Prepared:
    """A client's command line in the service: parsed by the CLI's own parser (its help, usage
    and errors written to the client's ``io``), its paths resolved against the client's folder;
    or "run it here", for what only the client's own process runs (never done here)."""
    parsed = parse(served_parser(), argv, io)
    if isinstance(parsed, int):
        return Prepared(code=parsed)
    args = parsed
    command = args.command or ""
    if command not in FORWARDED:
        return Prepared(command=command, run_here=f"the service does not run {command or 'the app'}")
    if args.local or args.debug:
        return Prepared(command=command, run_here="--local" if args.local else "--debug")
    if any(getattr(args, flag, None) for flag in LOCAL_ONLY):
        return Prepared(command=command, run_here="a model of the command line's own")
    resolve_paths(args, cwd)
    args.io = io
    return Prepared(command=command, retry_safe=command in READ_ONLY, answers=command in ("ask", "summarize"),
                    run=functools.partial(execute, args))


def resolve_paths(args: argparse.Namespace, cwd: str) -> None:
    """The command's paths made absolute against the folder it was typed in (the service runs in
    another); a bare glob ("*.md") stays one. Other options' values are not paths."""
    from localrag.service.client import absolute_path

    for name in ("paths", "scope_in"):
        if getattr(args, name, None):
            setattr(args, name, [absolute_path(p, cwd) for p in getattr(args, name)])
    if getattr(args, "command", None) in ("remove", "forget") and getattr(args, "path", None):
        args.path = absolute_path(args.path, cwd)


def cmd_service(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.service import pid_of_running
    from localrag.service.client import request
    from localrag.service.server import launch_agent_text, unit_path, unit_text

    paths = get_paths()
    unit = unit_path()
    if args.action == "status":
        st = request(paths.data_dir, {"op": "status"})
        if args.json:
            io.echo(json.dumps({"running": st is not None, "unit": str(unit) if unit.exists() else None, **(st or {})},
                             indent=2))
            return 0 if st else 1
        if st is None:
            pid = pid_of_running(paths.data_dir)
            echo(io, f"not running{f' (pid {pid} holds the lock but does not answer)' if pid else ''}; "
                  + (f"installed as {unit}" if unit.exists() else "`localrag service install` starts it at login"))
            return 1
        echo(io, f"running since {when(st['since'])} (pid {st['pid']}, {st['rss_mb']:.0f} MB): {st['doing']}; "
              f"{st['requests']} requests; models loaded: embeddings {st['embed_model'] or 'no'}, "
              f"answers {st['llm_model'] or 'no (loads on the first question)'}")
        if st.get("retrying"):
            echo(io, f"watcher: {st['retrying']}")
        return 0
    if args.action == "install":
        exe = shutil.which("localrag") or sys.argv[0]
        home = os.environ.get("LOCALRAG_HOME")
        text = launch_agent_text(exe, home) if sys.platform == "darwin" else unit_text(exe, home)
        unit.parent.mkdir(parents=True, exist_ok=True)
        unit.write_text(text, encoding="utf-8")
        echo(io, f"wrote {unit}")
        if sys.platform == "darwin":
            echo(io, f"start it now with: launchctl load {unit}")
        elif shutil.which("systemctl") and not args.no_start:
            r = subprocess.run(["systemctl", "--user", "enable", "--now", unit.name], capture_output=True, text=True)
            echo(io, "enabled and started: it runs at every login" if r.returncode == 0 else
                  f"could not start it with systemctl --user ({(r.stderr or r.stdout).strip()[:160]}); "
                  f"run: systemctl --user enable --now {unit.name}")
        return 0
    if not unit.exists():
        echo(io, f"not installed ({unit} does not exist)")
        return 0
    if sys.platform != "darwin" and shutil.which("systemctl") and not args.no_start:
        subprocess.run(["systemctl", "--user", "disable", "--now", unit.name], capture_output=True, text=True)
    unit.unlink()
    echo(io, f"removed {unit}")
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    try:
        from localrag.mcp_server import serve
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] not in ("mcp", "mcp_types"):
            raise
        raise LocalragError("localrag mcp needs the mcp extra: pipx install 'localrag[mcp]' "
                            "(or pip install 'localrag[mcp]')") from None

    app = make_app(args)
    app.model_progress = None  # no progress bars: the client shows our stderr as a log, if at all
    serve(app)
    return 0

