"""Commands about folders and the index: add, remove, index, watch, reindex, status, doctor, forget."""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from localrag.config import Settings
from localrag.core import WAITING_FOR_WRITER, Localrag
from localrag.errors import LocalragError
from localrag.service.streams import Io

if TYPE_CHECKING:  # rich and the indexer: imported where used, so `search` starts fast

    from localrag.indexing.indexer import IndexStats
from localrag.cli import factory
from localrag.cli.factory import make_app
from localrag.cli.output import IndexBar, echo, print_index


def run_index(app: Localrag, args: argparse.Namespace, only: Sequence[str] | None = None,
               reindex: bool = False) -> int:
    io: Io = args.io
    # In the service, a reindex after `config set embed_model` brings the settings it was made with.
    new = Settings.load(app.paths) if reindex and factory.SERVED is not None else None
    with IndexBar(not args.json, io) as bar:
        stats = (app.index.reindex(bar, on_wait=functools.partial(waiting, io), new_settings=new) if reindex
                 else app.index.update(bar, only, on_wait=functools.partial(waiting, io)))
    if args.json:
        io.echo(json.dumps(stats.to_dict(), indent=2))
    else:
        print_index(io, stats)
    if stats.stopped:
        echo(io, f"localrag: {stats.stopped}", err=True)
    return 130 if stats.interrupted else 1 if stats.stopped else 0


def cmd_add(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    added = app.index.add(args.paths)
    for p in added:
        echo(io, f"registered {p}", err=True)
    if args.no_index:
        return 0
    return run_index(app, args, only=added)


def waiting(io: Io) -> None:
    echo(io, f"localrag: {WAITING_FOR_WRITER}...", err=True)


def cmd_remove(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    r = app.index.remove(args.path, on_wait=functools.partial(waiting, io))
    echo(io, f"removed {r.path} ({r.files} files dropped from the index)")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    return run_index(make_app(args), args)


def cmd_watch(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.indexing.watch import Watcher

    app = make_app(args)
    if not app.index.folders():
        raise LocalragError("no folders registered yet: add one with `localrag add PATH`")

    def on_stats(s: IndexStats) -> None:
        for c in s.changes:
            echo(io, str(c))

    w = Watcher(app.index, on_stats, lambda m: echo(io, f"localrag: {m}", err=True), debounce=args.debounce)
    w.start()
    w.ready.wait()
    if w.state.running:
        echo(io, f"watching {w.state.folders} folder(s); Ctrl-C to stop", err=True)
    try:
        w.wait()
    except KeyboardInterrupt:
        pass
    finally:
        w.stop()
    return 0


def reindex_question(chunks: object, files: object, model: object) -> str:
    return f"Re-embed all {chunks} chunks of {files} files with '{model}'? [y/N] "


def cmd_reindex(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    if not args.yes and io.stdin_tty:  # a person at the terminal: asked there (served: by the client)
        st = app.health.status()
        model = Settings.load(app.paths).embed_model  # as saved: a service still embeds with the old one
        if not io.confirm(reindex_question(st.chunks, st.files, model), "--yes"):
            echo(io, "nothing changed")
            return 1
    return run_index(app, args, reindex=True)


def cmd_status(args: argparse.Namespace) -> int:
    io: Io = args.io
    st = make_app(args).health.status()
    if args.json:
        io.echo(json.dumps(st.to_json(), indent=2))
        return 0
    echo(io, f"database: {st.db_path} ({st.db_bytes / 1e6:.1f} MB)")
    em = st.embed_model
    echo(io, f"embedding model: {em['indexed_with'] or em['setting']}" + (f" ({em['dim']} dims)" if em["dim"] else ""))
    echo(io, f"language model: {st.llm_model}")
    g = st.gpu
    echo(io, f"GPU: llama.cpp build {'with' if g['llm_gpu_build'] else 'without'} GPU offload"
          f" (n_gpu_layers={g['llm_layers_setting']}); embedding providers: {', '.join(g['embed_providers'])}")
    ahead = f", {st.sentence_vectors} sentences embedded ahead" if st.sentence_vectors else ""
    echo(io, f"{st.files} files, {st.chunks} chunks, {st.vectors} vectors{ahead}")
    cov = st.coverage
    if cov["chunks_without_vectors"]:
        from localrag.indexing.indexer import time_left

        left = time_left(cov["seconds_left"])
        echo(io, f"searchable: keywords 100%, meaning {cov['meaning']:.0%}" + (f", {left}" if left else "")
              + " (`localrag index` embeds the rest)")
    if not st.folders:
        echo(io, "no folders yet: add one with `localrag add PATH`")
    for f in st.folders:
        echo(io, f"  {f['path']}: {f['files']} files, {f['chunks']} chunks" + (f", {f['failed']} failed" if f["failed"] else ""))
    if st.notes:
        echo(io, f"indexed with a note ({len(st.notes)}):")
        for f in st.notes:
            echo(io, f"  {f['path']}: {f['note']}")
    if st.failed:
        echo(io, f"failed files ({len(st.failed)}):")
        for f in st.failed:
            echo(io, f"  {f['path']}: {f['reason']} (tried {f['attempts']}x; again {f['retry']})")
    if st.stale:
        echo(io, f"kept from folders that could not be read ({len(st.stale)}; may be out of date):")
        for f in st.stale[:20]:
            echo(io, f"  {f['path']}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    rep = app.health.doctor(args.repair)
    if args.json:
        io.echo(json.dumps(rep.to_json(), indent=2))
    else:
        for p in rep.problems:
            echo(io, f"problem: {p.message}")
        for f in rep.repaired:
            echo(io, f"repaired: {f}")
        if not rep.problems:
            echo(io, f"the index is healthy ({app.paths.db_file})")
        elif not args.repair:
            echo(io, "run `localrag doctor --repair` to fix these (intact vectors are kept)")
    return 1 if rep.serious and not args.repair else 0


def cmd_forget(args: argparse.Namespace) -> int:
    io: Io = args.io
    n, wal_clean = make_app(args).index.forget(args.path)
    echo(io, f"forgot {n} file(s) under {args.path}: their text, vectors and cached answers are gone from the index "
          "and from disk; `localrag add` the path again to index it again")
    if not wal_clean:
        echo(io, "note: another localrag process is reading the index, so the forgotten text stays in index.db-wal "
              "until it closes; run `localrag forget` again then to empty it")
    return 0

