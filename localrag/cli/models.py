"""`localrag models`: the answer models installed, in the catalog and on local servers."""

from __future__ import annotations

import argparse
import json

from localrag.cli.factory import make_app
from localrag.cli.output import ModelBar, echo
from localrag.errors import LocalragError
from localrag.service.streams import Io


def cmd_models(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    if args.action in ("pull", "use") and not args.name:
        raise LocalragError(f"usage: localrag models {args.action} NAME")
    if args.action == "pull":
        bar = ModelBar(io, "downloading")
        try:
            path = app.models.pull(args.name, bar if not args.json else None)
        except KeyboardInterrupt:
            if bar.bar is not None:
                bar.bar.stop()
            raise LocalragError(f"interrupted: what came is kept; `localrag models pull {args.name}` resumes") from None
        if args.json:
            io.echo(json.dumps({"name": args.name, "path": str(path)}, indent=2))
        else:
            echo(io, f"{args.name}: {path} (sha256 checked); `localrag models use {args.name}` answers with it")
        return 0
    if args.action == "use":
        label = app.models.use(args.name)
        if args.json:
            io.echo(json.dumps({"in_use": label}, indent=2))
        else:
            echo(io, f"answers now come from {label} (saved in {app.paths.config_file})")
        return 0
    m = app.models.available()
    if args.json:
        io.echo(json.dumps(m.to_json(), indent=2))
        return 0
    echo(io, f"answer model in use: {m.in_use}")
    echo(io, "installed:")
    for i in m.installed:
        size = f"{i['size_mb']} MB" if i["size_mb"] else ""
        echo(io, f"  {'*' if i['in_use'] else ' '} {i['name']:<24} {size:>8}  {i['title']}")
    echo(io, "catalog (`localrag models pull NAME`):")
    for c in m.catalog:
        mark = "installed" if c["installed"] else f"{c['size_mb']:.0f} MB"
        echo(io, f"    {c['name']:<24} {mark:>9}  {c['title']}, {c['licence']}, {c['context'] // 1024}k context: {c['good_for']}")
    if m.servers:
        echo(io, "running on this machine (`localrag models use NAME`):")
        for v in m.servers:
            echo(io, f"  {'*' if v['in_use'] else ' '} {v['name']:<24} {v['url']}")
    return 0

