"""The command line: parse, call one core function, print. A ``LocalragError`` becomes one line
on stderr and exit code 1; progress goes to stderr so ``--json`` output stays clean."""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import apsw

from localrag import __version__
from localrag.answering.export import when
from localrag.config import MAX_K, Settings, get_paths
from localrag.core import WAITING_FOR_WRITER, Localrag
from localrag.errors import LocalragError
from localrag.service import FORWARDED, READ_ONLY
from localrag.service.server import Prepared
from localrag.service.streams import Io

if TYPE_CHECKING:  # rich and the indexer: imported where used, so `search` starts fast
    from rich.progress import Progress, TaskID

    from localrag.answering.answer import Answer
    from localrag.indexing.indexer import IndexStats
    from localrag.indexing.indexer import Progress as IndexProgress



_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_parsing = threading.local()  # the Io a command line is being parsed for (its help, usage and errors go there)


def safe(text: str) -> str:
    """Untrusted text (file names, document text, model output) made inert for a terminal."""
    return _UNSAFE.sub("\ufffd", text.encode("utf-8", "replace").decode("utf-8"))


def _echo(io: Io, text: str = "", *, err: bool = False) -> None:
    """One plain line: never wrapped or styled, so scripts can read it."""
    io.echo(safe(text), stderr=err)


def _bar_options(io: Io) -> dict[str, Any]:
    """A progress bar on the command's own stderr console. Only a process's own streams are
    redirected while it draws (so a line printed meanwhile goes above it); a served command's
    streams are its client's, and the process-wide ones are never swapped."""
    return {"console": io.console(stderr=True), "redirect_stdout": io.own_process, "redirect_stderr": io.own_process}


def _on_terminal(io: Io) -> bool:
    """Whether the command's stderr is a terminal. A bar that vanishes when done is drawn only
    there: elsewhere (a pipe, a log) rich would leave a blank line behind it."""
    return io.console(stderr=True).is_terminal


class ModelBar:
    """Progress for putting the bundled models together on first use."""

    def __init__(self, io: Io, verb: str = "preparing") -> None:
        self.io = io
        self.verb = verb
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.bar is None:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

            self.bar = Progress(TextColumn(self.verb + " {task.description}"), BarColumn(), DownloadColumn(), transient=False,
                                **_bar_options(self.io))
            self.bar.start()
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[label], completed=done)
        if all(t.finished for t in self.bar.tasks):
            self.bar.stop()
            self.bar = None
            self.tasks.clear()


SERVED: Localrag | None = None  # inside `localrag serve`: the one warm core every command uses


def _app(args: argparse.Namespace) -> Localrag:
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


class IndexBar:
    def __init__(self, enabled: bool, io: Io):
        self.enabled = enabled and _on_terminal(io)
        self.io = io
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> IndexBar:
        if self.enabled:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

            self.bar = Progress(BarColumn(), TaskProgressColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                transient=True, **_bar_options(self.io))
            self.bar.start()
            self.task = self.bar.add_task("keywords", total=None)
        return self

    def __call__(self, p: IndexProgress) -> None:
        """Keywords first (files read: searchable by words), then meaning (texts embedded)."""
        if self.bar is not None and self.task is not None:
            from localrag.indexing.indexer import describe

            done, total = p.done_total
            self.bar.update(self.task, completed=done, total=total or None, description=describe(p))

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _run_index(app: Localrag, args: argparse.Namespace, only: Sequence[str] | None = None,
               reindex: bool = False) -> int:
    io: Io = args.io
    # In the service, a reindex after `config set embed_model` brings the settings it was made with.
    new = Settings.load(app.paths) if reindex and SERVED is not None else None
    with IndexBar(not args.json, io) as bar:
        stats = (app.reindex(bar, on_wait=functools.partial(_waiting, io), new_settings=new) if reindex
                 else app.index(bar, only, on_wait=functools.partial(_waiting, io)))
    if args.json:
        io.echo(json.dumps(stats.to_dict(), indent=2))
    else:
        _print_index(io, stats)
    if stats.stopped:
        _echo(io, f"localrag: {stats.stopped}", err=True)
    return 130 if stats.interrupted else 1 if stats.stopped else 0


def _print_index(io: Io, s: IndexStats) -> None:
    for c in s.changes[:50]:
        _echo(io, str(c))
    if len(s.changes) + s.more_changes > 50:
        _echo(io, f"... and {len(s.changes) + s.more_changes - 50} more changes")
    for f in s.missing_folders:
        _echo(io, f"! folder not found (unmounted or deleted?), its index is kept: {f}", err=True)
    for u in s.unreadable[:20]:
        _echo(io, f"! skipped {u}", err=True)
    if s.stale:
        _echo(io, f"! kept {s.stale} indexed files from folders that could not be read (marked stale until they read again)", err=True)
    if s.interrupted:
        _echo(io, "Interrupted: finished files are saved; run `localrag index` to continue.", err=True)
        return
    if s.chunks_embedded == 0 and not (s.added or s.updated or s.removed or s.moved):
        _echo(io, f"Index up to date: {s.scanned} files checked, nothing to embed.")
        return
    rate = f", {s.chunks_embedded / s.embed_seconds:.1f} chunks/s" if s.embed_seconds else ""
    _echo(io, f"Indexed in {s.seconds:.1f}s: {s.added} added, {s.updated} changed, {s.moved} moved, {s.removed} removed, "
          f"{s.unchanged} unchanged, {s.failed} failed; {s.chunks_embedded} chunks embedded, "
          f"{s.chunks_reused} reused{rate}.")


def cmd_add(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    added = app.add(args.paths)
    for p in added:
        _echo(io, f"registered {p}", err=True)
    if args.no_index:
        return 0
    return _run_index(app, args, only=added)


def _waiting(io: Io) -> None:
    _echo(io, f"localrag: {WAITING_FOR_WRITER}...", err=True)


def cmd_remove(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    r = app.remove(args.path, on_wait=functools.partial(_waiting, io))
    _echo(io, f"removed {r.path} ({r.files} files dropped from the index)")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    return _run_index(_app(args), args)


def cmd_watch(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.indexing.watch import Watcher

    app = _app(args)
    if not app.folders():
        raise LocalragError("no folders registered yet: add one with `localrag add PATH`")

    def on_stats(s: IndexStats) -> None:
        for c in s.changes:
            _echo(io, str(c))

    w = Watcher(app, on_stats, lambda m: _echo(io, f"localrag: {m}", err=True), debounce=args.debounce)
    w.start()
    w.ready.wait()
    if w.state.running:
        _echo(io, f"watching {w.state.folders} folder(s); Ctrl-C to stop", err=True)
    try:
        w.wait()
    except KeyboardInterrupt:
        pass
    finally:
        w.stop()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    global SERVED
    io: Io = args.io
    from localrag.service.server import Service

    if args.idle <= 0:
        raise LocalragError("--idle must be a number of minutes above 0")
    app = _app(args)
    app.model_progress = ModelBar(Io(sys.stdout, sys.stderr))  # the service's own log: never redirects the process's streams
    svc = Service(app, prepare_served, idle_seconds=args.idle * 60, log=lambda m: _echo(io, m, err=True),
                  watch=not args.no_watch)
    svc.claim()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # systemd's SIGTERM, and Ctrl-C even when started in the background

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        SERVED = app
        svc.start()
        _echo(io, f"localrag serve: pid {os.getpid()}, socket {svc.sock_path}; Ctrl-C to stop", err=True)
        svc.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        svc.stop()
        SERVED = None
    return 0


@functools.cache
def _served_parser() -> argparse.ArgumentParser:
    """Built once in the service (building it is most of a warm search's time there); its help
    and usage lines are laid out when shown, for the client's terminal."""
    return build_parser()


LOCAL_ONLY = ("model", "llm", "llm_url", "llm_model", "llm_key_env", "llm_api")  # flags that load another model


def prepare_served(argv: Sequence[str], cwd: str, io: Io) -> Prepared:
    """A client's command line in the service: parsed by the CLI's own parser (its help, usage
    and errors written to the client's ``io``), its paths resolved against the client's folder;
    or "run it here", for what only the client's own process runs (never done here)."""
    parsed = _parse(_served_parser(), argv, io)
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
    _resolve_paths(args, cwd)
    args.io = io
    return Prepared(command=command, retry_safe=command in READ_ONLY, answers=command in ("ask", "summarize"),
                    run=functools.partial(_execute, args))


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str], io: Io) -> argparse.Namespace | int:
    """The parsed command line, or the exit code once help, the version or a usage error was
    written to ``io``."""
    _parsing.io = io
    try:
        args = parser.parse_args(list(argv))
        if getattr(args, "k", None) is not None and not 1 <= args.k <= MAX_K:
            parser.error(f"-k must be between 1 and {MAX_K}")
        return args
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    finally:
        _parsing.io = None


def _resolve_paths(args: argparse.Namespace, cwd: str) -> None:
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
            _echo(io, f"not running{f' (pid {pid} holds the lock but does not answer)' if pid else ''}; "
                  + (f"installed as {unit}" if unit.exists() else "`localrag service install` starts it at login"))
            return 1
        _echo(io, f"running since {when(st['since'])} (pid {st['pid']}, {st['rss_mb']:.0f} MB): {st['doing']}; "
              f"{st['requests']} requests; models loaded: embeddings {st['embed_model'] or 'no'}, "
              f"answers {st['llm_model'] or 'no (loads on the first question)'}")
        if st.get("retrying"):
            _echo(io, f"watcher: {st['retrying']}")
        return 0
    if args.action == "install":
        exe = shutil.which("localrag") or sys.argv[0]
        home = os.environ.get("LOCALRAG_HOME")
        text = launch_agent_text(exe, home) if sys.platform == "darwin" else unit_text(exe, home)
        unit.parent.mkdir(parents=True, exist_ok=True)
        unit.write_text(text, encoding="utf-8")
        _echo(io, f"wrote {unit}")
        if sys.platform == "darwin":
            _echo(io, f"start it now with: launchctl load {unit}")
        elif shutil.which("systemctl") and not args.no_start:
            r = subprocess.run(["systemctl", "--user", "enable", "--now", unit.name], capture_output=True, text=True)
            _echo(io, "enabled and started: it runs at every login" if r.returncode == 0 else
                  f"could not start it with systemctl --user ({(r.stderr or r.stdout).strip()[:160]}); "
                  f"run: systemctl --user enable --now {unit.name}")
        return 0
    if not unit.exists():
        _echo(io, f"not installed ({unit} does not exist)")
        return 0
    if sys.platform != "darwin" and shutil.which("systemctl") and not args.no_start:
        subprocess.run(["systemctl", "--user", "disable", "--now", unit.name], capture_output=True, text=True)
    unit.unlink()
    _echo(io, f"removed {unit}")
    return 0


def reindex_question(chunks: object, files: object, model: object) -> str:
    return f"Re-embed all {chunks} chunks of {files} files with '{model}'? [y/N] "


def cmd_reindex(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    if not args.yes and io.stdin_tty:  # a person at the terminal: asked there (served: by the client)
        st = app.status()
        model = Settings.load(app.paths).embed_model  # as saved: a service still embeds with the old one
        if not io.confirm(reindex_question(st["chunks"], st["files"], model), "--yes"):
            _echo(io, "nothing changed")
            return 1
    return _run_index(app, args, reindex=True)


def cmd_search(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    scope = app.scope(args.scope_in or (), args.types or ())
    t = time.perf_counter()
    results = app.search(args.query, args.k, args.mode, scope=scope)
    ms = (time.perf_counter() - t) * 1000
    partial = app.partial_note(args.mode)
    if args.json:
        io.echo(json.dumps({"query": args.query, "mode": args.mode or app.settings.search_mode,
                          "scope": scope.to_json() if scope else None, "partial": partial,
                          "results": [r.to_json() for r in results]}, indent=2))
        return 0
    if partial:
        _echo(io, f"note: {partial}", err=True)
    if not results:
        _echo(io, "no matching passages" + (f" in {scope.describe()}" if scope else ""))
        return 0
    for i, r in enumerate(results, 1):
        io.console().print(f"[bold]{i}.[/bold] ", end="")
        io.console().print(safe(r.location()), markup=False, style="cyan", end="")
        io.console().print(f"  score {r.score:.4f}" + (f"  - {safe(r.heading)}" if r.heading else ""), markup=False, style="dim")
        _echo(io, "   " + safe(_snippet(r.text)))
    _echo(io, f"({len(results)} results in {ms:.0f} ms)", err=True)
    return 0


def _snippet(text: str, n: int = 240) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "\u2026"


def cmd_ask(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    stream: Callable[[str], None] | None = None
    if not args.json:
        def stream(piece: str) -> None:
            io.write(safe(piece))
    scope = app.scope(args.scope_in or (), args.types or ())
    conversation = args.conversation
    if args.cont and conversation is None:
        conversation = app.latest_conversation(origin="cli")  # none yet: this question starts one
    if args.no_conversation:  # the MCP server's questions, sent on by it: not the user's conversations
        cid, ans = None, app.ask(args.question, args.k, on_text=stream, mode=args.mode, scope=scope, words=args.words)
    else:
        cid, ans = app.ask_in_conversation(conversation, args.question, on_text=stream, k=args.k, mode=args.mode,
                                           scope=scope, origin="cli", words=args.words)
    for note in [*app.notes, ans.partial, ans.warning, ans.error]:
        if note:
            _echo(io, f"localrag: {note}", err=True)
    if args.json:
        io.echo(json.dumps(ans.to_json() if cid is None else dict(ans.to_json(), conversation_id=cid), indent=2))
        return 1 if ans.error else 0
    io.write("\n")
    if ans.question_kind != "fact":
        _print_sources(io, ans)
        if cid is not None:
            _echo(io, f"(conversation {cid}: `localrag export` saves it)", err=True)
        return 1 if ans.error else 0
    if not ans.found:
        if ans.nearest:
            _echo(io, "\nNearest passages (not relevant enough to answer from):")
            for r in ans.nearest:
                _echo(io, f"  - {r.location()}: {_snippet(r.text, 160)}")
        return 0
    _echo(io, "\nEvidence (verbatim from your files):")
    for q in ans.evidence:
        _echo(io, f"[{q.n}] {q.location()}")
        _echo(io, "    \u201c" + _snippet(q.text, 600) + "\u201d")
    if cid is not None:
        _echo(io, f"(conversation {cid}: `localrag ask --continue` follows up, `localrag export` saves it)", err=True)
    return 1 if ans.error else 0


def _print_sources(io: Io, ans: Answer) -> None:
    """Where each quote of a whole-document answer is (its text is in the answer above)."""
    if ans.unsupported:
        _echo(io, "\nNot backed by the quotes, so not shown: " + safe("; ".join(ans.unsupported)))
    if ans.evidence:
        _echo(io, "\nSources (verbatim quotes above):")
        for q in ans.evidence:
            _echo(io, f"[{q.n}] {safe(q.location())}")


def cmd_summarize(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    ans = app.summarize(args.paths, args.about or "", args.words, types=args.types or ())
    for note in [*app.notes, ans.partial, ans.warning, ans.error]:
        if note:
            _echo(io, f"localrag: {note}", err=True)
    if args.json:
        io.echo(json.dumps(ans.to_json(), indent=2))
        return 1 if ans.error else 0
    _echo(io, safe(ans.text))
    _print_sources(io, ans)
    return 1 if ans.error else 0


def cmd_models(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    if args.action in ("pull", "use") and not args.name:
        raise LocalragError(f"usage: localrag models {args.action} NAME")
    if args.action == "pull":
        bar = ModelBar(io, "downloading")
        try:
            path = app.pull_model(args.name, bar if not args.json else None)
        except KeyboardInterrupt:
            if bar.bar is not None:
                bar.bar.stop()
            raise LocalragError(f"interrupted: what came is kept; `localrag models pull {args.name}` resumes") from None
        if args.json:
            io.echo(json.dumps({"name": args.name, "path": str(path)}, indent=2))
        else:
            _echo(io, f"{args.name}: {path} (sha256 checked); `localrag models use {args.name}` answers with it")
        return 0
    if args.action == "use":
        label = app.use_model(args.name)
        if args.json:
            io.echo(json.dumps({"in_use": label}, indent=2))
        else:
            _echo(io, f"answers now come from {label} (saved in {app.paths.config_file})")
        return 0
    m = app.models()
    if args.json:
        io.echo(json.dumps(m, indent=2))
        return 0
    _echo(io, f"answer model in use: {m['in_use']}")
    _echo(io, "installed:")
    for i in m["installed"]:
        size = f"{i['size_mb']} MB" if i["size_mb"] else ""
        _echo(io, f"  {'*' if i['in_use'] else ' '} {i['name']:<24} {size:>8}  {i['title']}")
    _echo(io, "catalog (`localrag models pull NAME`):")
    for c in m["catalog"]:
        mark = "installed" if c["installed"] else f"{c['size_mb']:.0f} MB"
        _echo(io, f"    {c['name']:<24} {mark:>9}  {c['title']}, {c['licence']}, {c['context'] // 1024}k context: {c['good_for']}")
    if m["servers"]:
        _echo(io, "running on this machine (`localrag models use NAME`):")
        for v in m["servers"]:
            _echo(io, f"  {'*' if v['in_use'] else ' '} {v['name']:<24} {v['url']}")
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    try:
        from localrag.mcp_server import serve
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] not in ("mcp", "mcp_types"):
            raise
        raise LocalragError("localrag mcp needs the mcp extra: pipx install 'localrag[mcp]' "
                            "(or pip install 'localrag[mcp]')") from None

    app = _app(args)
    app.model_progress = None  # no progress bars: the client shows our stderr as a log, if at all
    serve(app)
    return 0


def cmd_conversations(args: argparse.Namespace) -> int:
    io: Io = args.io
    rows = _app(args).conversations(args.limit)
    if args.json:
        io.echo(json.dumps([{"id": i, "title": t, "updated_at": u} for i, t, u in rows], indent=2))
        return 0
    if not rows:
        _echo(io, "no conversations yet")
    for i, t, u in rows:
        _echo(io, f"{i:>5}  {when(u)}  {t}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    to_file = args.output not in (None, "-")
    fmt = "json" if args.json else args.format
    text, written = app.export_conversation(args.id, args.output if to_file else None, fmt)
    if not to_file:
        io.write(text)
        return 0
    _echo(io, f"wrote {written}", err=True)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    io: Io = args.io
    st = _app(args).status()
    if args.json:
        io.echo(json.dumps(st, indent=2))
        return 0
    _echo(io, f"database: {st['db_path']} ({st['db_bytes'] / 1e6:.1f} MB)")
    em = st["embed_model"]
    _echo(io, f"embedding model: {em['indexed_with'] or em['setting']}" + (f" ({em['dim']} dims)" if em["dim"] else ""))
    _echo(io, f"language model: {st['llm_model']}")
    g = st["gpu"]
    _echo(io, f"GPU: llama.cpp build {'with' if g['llm_gpu_build'] else 'without'} GPU offload"
          f" (n_gpu_layers={g['llm_layers_setting']}); embedding providers: {', '.join(g['embed_providers'])}")
    ahead = f", {st['sentence_vectors']} sentences embedded ahead" if st["sentence_vectors"] else ""
    _echo(io, f"{st['files']} files, {st['chunks']} chunks, {st['vectors']} vectors{ahead}")
    cov = st["coverage"]
    if cov["chunks_without_vectors"]:
        from localrag.indexing.indexer import time_left

        left = time_left(cov["seconds_left"])
        _echo(io, f"searchable: keywords 100%, meaning {cov['meaning']:.0%}" + (f", {left}" if left else "")
              + " (`localrag index` embeds the rest)")
    if not st["folders"]:
        _echo(io, "no folders yet: add one with `localrag add PATH`")
    for f in st["folders"]:
        _echo(io, f"  {f['path']}: {f['files']} files, {f['chunks']} chunks" + (f", {f['failed']} failed" if f["failed"] else ""))
    if st["notes"]:
        _echo(io, f"indexed with a note ({len(st['notes'])}):")
        for f in st["notes"]:
            _echo(io, f"  {f['path']}: {f['note']}")
    if st["failed"]:
        _echo(io, f"failed files ({len(st['failed'])}):")
        for f in st["failed"]:
            _echo(io, f"  {f['path']}: {f['reason']} (tried {f['attempts']}x; again {f['retry']})")
    if st["stale"]:
        _echo(io, f"kept from folders that could not be read ({len(st['stale'])}; may be out of date):")
        for f in st["stale"][:20]:
            _echo(io, f"  {f['path']}")
    return 0


class QueryBar:
    """Progress of an evaluation: one bar per mode."""

    def __init__(self, enabled: bool, io: Io):
        from rich.progress import BarColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            transient=True, **_bar_options(io)) if enabled and _on_terminal(io) else None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> QueryBar:
        if self.bar:
            self.bar.start()
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.bar:
            return
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(label, total=total or None)
        self.bar.update(self.tasks[label], completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()


def cmd_eval(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.evaluation.evaluate import load_queries

    interactive = not args.json
    if args.squad or args.answer_set:
        return _eval_answers(args)
    if args.make_queries:
        app = _app(args)
        with QueryBar(interactive, io) as bar:
            n = app.make_queries(args.make_queries, args.out, args.seed, bar)
        _echo(io, f"wrote {n} synthetic queries to {args.out}; review them: the local model wrote them")
        return 0
    if args.trec:
        paths = get_paths()
        with IndexBar(interactive, io) as ibar, QueryBar(interactive, io) as qbar, \
                Localrag.trec_collection(args.trec, Settings.load(paths), paths, args.index_dir, ibar,
                                         ModelBar(io)) as (trec, topics):
            rep = trec.evaluate(topics, args.answers, on_query=qbar)
    else:
        if not args.queries:
            raise LocalragError("name a QUERIES file (JSONL), or use --trec DIR or --make-queries N")
        queries = load_queries(args.queries)
        app = _app(args)
        with QueryBar(interactive, io) as bar:
            rep = app.evaluate(queries, args.answers, args.k, bar)
    if args.json:
        io.echo(json.dumps(rep.to_json(), indent=2))
        return 0
    _echo(io, f"{rep.evaluated} of {rep.queries} queries evaluated")
    _echo(io, f"{'mode':<10}{'nDCG@10':>9}{'R@10':>8}{'R@100':>8}{'MRR@10':>8}{'p50 ms':>9}{'p95 ms':>9}")
    for f in rep.figures:
        _echo(io, f"{f.mode:<10}{f.ndcg10:>9.3f}{f.recall10:>8.3f}{f.recall100:>8.3f}{f.mrr10:>8.3f}"
              f"{f.p50_ms:>9.1f}{f.p95_ms:>9.1f}")
    if rep.no_judgments:
        _echo(io, f"queries with no judged relevant document (not scored): {', '.join(rep.no_judgments[:20])}")
    if rep.missing:
        _echo(io, f"queries whose relevant documents are not in the index: {len(rep.missing)}")
        for qid, keys in list(rep.missing.items())[:10]:
            _echo(io, f"  {qid}: {', '.join(keys[:5])}")
    if rep.answers:
        a = rep.answers
        _echo(io, f"answers: {a.correct} right of {a.asked}; {a.retrieval_misses} retrieval misses, "
              f"{a.generation_misses} generation misses")
        _print_answer_figures(io, a.metrics)
        for ex in a.examples[:3]:
            _echo(io, f"  [{ex['miss']} miss] {ex['query']!r}: expected {ex['expected']!r}, got {_snippet(ex['answer'], 120)!r}")
    _echo(io, "")
    for i, r in enumerate(rep.recommendations, 1):
        _echo(io, f"{i}. {r}")
    return 0


ANSWER_FIGURES = (  # key, label, what it means
    ("passage_hit", "passage hit", "a retrieved passage holds a gold answer"),
    ("evidence_hit", "evidence hit", "a quote holds a gold answer"),
    ("answer_hit", "answer hit", "a gold answer inside the answer"),
    ("answer_f1", "short answer F1", "token F1 of the short answer against the gold answers"),
    ("citation_hit", "citation hit", "a cited passage holds a gold answer"),
    ("citation_precision", "citation precision", "cited passages holding a gold answer"),
    ("supported_rate", "supported", "answers shown as backed by their quotes"),
    ("supported_precision", "supported precision", "supported answers that are right"),
    ("supported_but_wrong", "supported but wrong", "supported yet no gold answer, or on an unanswerable"),
    ("supported_but_absent_from_quotes", "supported, words not in quotes", "must be 0"),
    ("abstained_on_unanswerable", "abstained, unanswerable", "said the files do not answer"),
    ("abstained_on_answerable", "abstained, answerable", "wrongly said so"),
    ("p50_seconds", "seconds per question (p50)", ""),
)


def _print_answer_figures(io: Io, m: dict) -> None:
    for key, label, means in ANSWER_FIGURES:
        if key in m:
            _echo(io, f"  {label:<32}{m[key]:>8}" + (f"   {means}" if means else ""))


def _eval_answers(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.evaluation.squad import sample

    paths = get_paths()
    settings = Settings.load(paths)
    if args.model:
        if not Path(args.model).expanduser().is_file():  # said now, not after the collection is indexed
            raise LocalragError(f"model file not found: {args.model}")
        settings.llm_model = args.model
    if args.verifier:
        settings.verifier = args.verifier == "on"
    with IndexBar(not args.json, io) as ibar, QueryBar(not args.json, io) as qbar:
        if args.squad and args.summaries:
            with Localrag.squad_collection(args.squad, settings, paths, args.index_dir, ibar, ModelBar(io)) as (app, squad):
                sm = app.evaluate_summaries(squad, args.words, qbar).to_json()
            if args.json:
                io.echo(json.dumps(sm, indent=2))
                return 0
            _print_summary_figures(io, sm)
            return 0
        if args.squad:
            with Localrag.squad_collection(args.squad, settings, paths, args.index_dir, ibar, ModelBar(io)) as (app, squad):
                m = app.evaluate_answers(sample(squad.questions, args.limit, args.seed, args.balanced), args.k, qbar)
            source = f"{len(squad.articles)} articles"
        else:
            with Localrag.answer_set_collection(args.answer_set, settings, paths, args.index_dir, ibar,
                                                ModelBar(io)) as (app, answer_set):
                m = app.evaluate_answers(sample(answer_set.questions, args.limit, args.seed, args.balanced), args.k,
                                         qbar)
            source = str(args.answer_set)
    figures = m.figures()
    if args.json:
        io.echo(json.dumps({"figures": figures, "questions": m.rows}, indent=2))
        return 0
    _echo(io, f"{figures['questions']} questions ({figures['answerable']} answerable, {figures['unanswerable']} not) "
          f"from {source}")
    _print_answer_figures(io, figures)
    return 0


def _print_summary_figures(io: Io, m: dict) -> None:
    if not m.get("summaries"):
        _echo(io, "no article had answerable questions to measure a summary by")
        return
    _echo(io, f"{m['summaries']} summaries of {m['words_budget']} words at most (each article by name and in scope)")
    for key, label, means in (
            ("coverage", "question coverage", "questions whose gold answer the summary holds"),
            ("opening_coverage", "opening's coverage", "the same, for the article's first words"),
            ("coverage_ratio", "ratio", "at least 1: better than the opening"),
            ("articles_at_or_above_opening", "at or above the opening", "share of summaries"),
            ("all_quotes_verbatim", "all quotes verbatim", "every quote is text of its file"),
            ("most_words", "most words", "in one summary's quotes"),
            ("p50_seconds", "seconds per summary (p50)", "")):
        _echo(io, f"  {label:<28}{m[key]!s:>8}" + (f"   {means}" if means else ""))


def cmd_tune(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.evaluation.evaluate import load_queries

    if args.status or args.revert:
        app = _app(args)
        if args.revert:
            n = app.revert_tuning()
            _echo(io, "back to the baseline retrieval (no adapter, default fusion)" if n else
                  "nothing tuned was active; nothing changed")
            return 0
        st = app.tune_status()
        if args.json:
            io.echo(json.dumps(st, indent=2))
        elif not st.get("report"):
            _echo(io, "nothing tuned is active: search uses the baseline embedding and default fusion")
        else:
            r = st["report"]
            trained = when(st["trained_at"])
            _echo(io, f"tuning {st['id']} {'active' if st['active'] else 'DISABLED'} ({st['uses']}), made {trained} from "
                  + ", ".join(f"{v} {k}" for k, v in r["sources"].items() if v))
            _echo(io, f"held-out ({r['held_out_queries']} {r['held_out_kind']}, seed {r['seed']}, {r['mode']}): "
                  + ", ".join(f"{k} {r['baseline'][k]:.3f} -> {r['adapted'][k]:.3f}" for k in r["baseline"]))
            if st.get("note"):
                _echo(io, st["note"], err=True)
        return 0
    with QueryBar(not args.json, io) as bar:
        if args.trec:
            paths = get_paths()
            with IndexBar(not args.json, io) as ibar, Localrag.trec_collection(args.trec, Settings.load(paths), paths,
                                                                           args.index_dir, ibar, ModelBar(io)) as (app, queries):
                rep = app.tune(queries, args.seed, args.held_out, args.ict if args.ict is not None else 0, bar)
        else:
            labeled = load_queries(args.pairs) if args.pairs else []
            rep = _app(args).tune(labeled, args.seed, args.held_out, args.ict, bar)
    if args.json:
        io.echo(json.dumps(rep.to_json(), indent=2))
        return 0
    _echo(io, "training data: " + ", ".join(f"{v} {k}" for k, v in rep.sources.items() if v)
          + f" ({rep.train_pairs} positive pairs)")
    _echo(io, f"split by query (seed {rep.seed}): {rep.train_queries} train, {rep.held_out_queries} held out "
          f"({rep.held_out_kind})")
    _echo(io, f"{rep.mode} search, each lever: nDCG@10 on the training queries; nDCG@10, recall@10 and MRR@10 on the "
          "held-out ones; milliseconds it adds")
    _echo(io, f"  {'lever':<64}{'train':>7}{'nDCG':>7}{'R@10':>7}{'MRR':>7}{'+ms':>7}")
    for row in rep.levers:
        mark = "*" if row["lever"] == rep.candidate else " "
        _echo(io, f"{mark} {row['lever'][:63]:<64}{row['train_ndcg@10']:>7.3f}{row['held_ndcg@10']:>7.3f}"
              f"{row['held_recall@10']:>7.3f}{row['held_mrr@10']:>7.3f}{row['added_ms']:>7.1f}")
    _echo(io, f"held-out, {rep.mode} search:   baseline  {rep.candidate[:40]}")
    for k in rep.baseline:
        _echo(io, f"  {k:<12}{rep.baseline[k]:>20.3f}{rep.adapted[k]:>9.3f}")
    _echo(io, rep.reason)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = _app(args)
    rep = app.doctor(args.repair)
    if args.json:
        io.echo(json.dumps(rep.to_json(), indent=2))
    else:
        for p in rep.problems:
            _echo(io, f"problem: {p.message}")
        for f in rep.repaired:
            _echo(io, f"repaired: {f}")
        if not rep.problems:
            _echo(io, f"the index is healthy ({app.paths.db_file})")
        elif not args.repair:
            _echo(io, "run `localrag doctor --repair` to fix these (intact vectors are kept)")
    return 1 if rep.serious and not args.repair else 0


def cmd_forget(args: argparse.Namespace) -> int:
    io: Io = args.io
    n, wal_clean = _app(args).forget(args.path)
    _echo(io, f"forgot {n} file(s) under {args.path}: their text, vectors and cached answers are gone from the index "
          "and from disk; `localrag add` the path again to index it again")
    if not wal_clean:
        _echo(io, "note: another localrag process is reading the index, so the forgotten text stays in index.db-wal "
              "until it closes; run `localrag forget` again then to empty it")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    io: Io = args.io
    paths = get_paths()
    settings = Settings.load(paths)
    if args.action == "set":
        if not args.key or args.value is None:
            raise LocalragError("usage: localrag config set KEY VALUE")
        settings.set(args.key, args.value)
        settings.save(paths)
        _echo(io, f"{args.key} = {getattr(settings, args.key)!r}")
        return 0
    if args.action == "path":
        _echo(io, str(paths.config_file))
        return 0
    for k, v in settings.model_dump().items():
        _echo(io, f"{k} = {v!r}")
    return 0


def _scope_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--in", dest="scope_in", action="append", metavar="PATH",
                   help="only this folder, subfolder, file or glob (repeatable; '*.md' matches names anywhere)")
    p.add_argument("--type", dest="types", action="append", metavar="EXT,...",
                   help="only these file types, e.g. pdf,md (extensions or kinds such as code)")




class _Formatter(argparse.HelpFormatter):
    """Help and usage as wide as the terminal they go to: in the service, the client's."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        io: Io | None = getattr(_parsing, "io", None)
        if width is None and io is not None and io.columns:
            width = io.columns - 2  # as argparse takes the terminal's width
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser (and, by its type, each subcommand's) laid out by ``_Formatter``, whose
    help, usage and errors go to the Io it parses for (in the service, the client's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        io: Io | None = getattr(_parsing, "io", None)
        if io is None:
            super()._print_message(message, file)
        elif message:
            io.write(message, stderr=file is not sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="localrag", description="Private, offline question answering over your files.")
    p.add_argument("--version", action="version", version=f"localrag {__version__}")
    p.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("add", help="register folders or files and index them")
    a.add_argument("paths", nargs="+", metavar="PATH")
    a.add_argument("--no-index", action="store_true", help="register only; index later")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_add)

    r = sub.add_parser("remove", help="unregister a folder and drop its chunks")
    r.add_argument("path", metavar="PATH")
    r.set_defaults(func=cmd_remove)

    i = sub.add_parser("index", help="bring the index in step with every registered folder")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_index)

    w = sub.add_parser("watch", help="keep the index in step with every change on disk, until Ctrl-C")
    w.add_argument("--debounce", type=float, default=0.3, help="seconds of quiet before a batch is indexed")
    w.set_defaults(func=cmd_watch)

    ri = sub.add_parser("reindex", help="re-embed everything with the configured embedding model")
    ri.add_argument("--yes", "-y", action="store_true", help="do not ask")
    ri.add_argument("--json", action="store_true")
    ri.set_defaults(func=cmd_reindex)

    s = sub.add_parser("search", help="ranked passages for a query, without the language model")
    s.add_argument("query")
    s.add_argument("-k", type=int, default=None, help="number of results")
    s.add_argument("--mode", choices=["hybrid", "vector", "keyword"], default=None)
    _scope_args(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)

    q = sub.add_parser("ask", help="answer a question from your files, with sources")
    q.add_argument("question")
    q.add_argument("-k", type=int, default=None, help="passages to draw the evidence from (default: top_k, at least 8)")
    q.add_argument("--mode", choices=["hybrid", "vector", "keyword"], default=None)
    q.add_argument("--model", metavar="PATH", help="a GGUF file to answer with")
    q.add_argument("--llm", choices=["local", "openai"], help="answer with the local GGUF or a chat-completions server")
    q.add_argument("--llm-url", metavar="URL", help="an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    q.add_argument("--llm-model", metavar="NAME", help="the model name to ask the server for")
    q.add_argument("--llm-key-env", metavar="VAR", help="the environment variable holding the server's API key")
    q.add_argument("--llm-api", choices=["chat", "completions"],
                   help="chat (instruction-tuned models, the default) or completions (base models, raw prompt)")
    _scope_args(q)
    q.add_argument("--continue", dest="cont", action="store_true", help="follow up on the latest `ask` conversation")
    q.add_argument("--conversation", type=int, metavar="ID", help="follow up on this conversation")
    q.add_argument("--words", type=int, metavar="N", help="a summary's length in words (default: summary_words, 150)")
    q.add_argument("--no-conversation", action="store_true", help=argparse.SUPPRESS)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_ask)

    sv = sub.add_parser("serve", help="one warm localrag: watch every folder, keep the models loaded, "
                                      "answer the CLI's commands (until Ctrl-C)")
    sv.add_argument("--idle", type=float, default=10.0, metavar="MINUTES",
                    help="unload the language model after this long without a command (default 10)")
    sv.add_argument("--no-watch", action="store_true", help="do not watch the folders")
    sv.set_defaults(func=cmd_serve)

    se = sub.add_parser("service", help="start `localrag serve` at login (a systemd user unit or a LaunchAgent)")
    se.add_argument("action", choices=["status", "install", "uninstall"])
    se.add_argument("--no-start", action="store_true", help="install: only write the unit; do not start it")
    se.add_argument("--json", action="store_true")
    se.set_defaults(func=cmd_service)

    sm = sub.add_parser("summarize", help="a summary of files, made of their own sentences with their lines")
    sm.add_argument("paths", nargs="*", metavar="PATH", help="indexed files or folders (none: give --about)")
    sm.add_argument("--about", metavar="TOPIC", help="what the files say about this topic")
    sm.add_argument("--type", dest="types", action="append", metavar="EXT", help="only these file types, e.g. pdf,md")
    sm.add_argument("--words", type=int, metavar="N", help="length in words (default: summary_words, 150)")
    sm.add_argument("--json", action="store_true")
    sm.set_defaults(func=cmd_summarize)

    md = sub.add_parser("models", help="answer models: installed, a catalog to pull from, servers running here")
    md.add_argument("action", nargs="?", choices=["list", "pull", "use"], default="list")
    md.add_argument("name", nargs="?", metavar="NAME", help="a catalog name, default, a GGUF path, or a listed server model")
    md.add_argument("--json", action="store_true")
    md.set_defaults(func=cmd_models)

    mc = sub.add_parser("mcp", help="serve the index to other assistants over MCP (stdio), read-only")
    mc.set_defaults(func=cmd_mcp)

    cv = sub.add_parser("conversations", help="list conversations (the TUI's and `ask`'s), newest first")
    cv.add_argument("--limit", type=int, default=50)
    cv.add_argument("--json", action="store_true")
    cv.set_defaults(func=cmd_conversations)

    ex = sub.add_parser("export", help="write a conversation with its answers, quotes and sources")
    ex.add_argument("id", nargs="?", type=int, metavar="ID", help="a conversation (default: the latest)")
    ex.add_argument("--format", choices=["md", "json"], help="default: md, or json for a .json file")
    ex.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    ex.add_argument("--json", action="store_true", help="the same as --format json")
    ex.set_defaults(func=cmd_export)

    st = sub.add_parser("status", help="folders, files, chunks, failures, models")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_status)

    e = sub.add_parser("eval", help="score retrieval on labeled queries and say what to fix first")
    e.add_argument("queries", nargs="?", metavar="QUERIES", help="JSONL: {query, relevant: {path|path#chunk|doc-id: grade}}")
    e.add_argument("-k", type=int, default=None, help="passages given to the model with --answers")
    e.add_argument("--answers", action="store_true", help="also ask the model and classify misses")
    e.add_argument("--trec", metavar="DIR", help="a TREC collection (documents, topics, qrels) in a temporary index")
    e.add_argument("--index-dir", metavar="DIR", help="with --trec: keep and re-use the collection's index here")
    e.add_argument("--squad", metavar="FILE", help="measure answers on a SQuAD 2.0 JSON file, in a temporary index")
    e.add_argument("--model", metavar="PATH", help="with --squad or --answer-set: a GGUF file to answer with")
    e.add_argument("--answer-set", metavar="DIR", help="measure answers on a folder of docs/ and questions.toml")
    e.add_argument("--limit", type=int, metavar="N", help="with --squad or --answer-set: a seeded sample of N questions")
    e.add_argument("--balanced", action="store_true",
                   help="with --limit: half of the sample unanswerable questions, to measure declining")
    e.add_argument("--verifier", choices=("on", "off"),
                   help="with --squad or --answer-set: answer with the answerability verifier or without it (default: the settings')")
    e.add_argument("--summaries", action="store_true",
                   help="with --squad: measure summaries by the share of each article's questions they answer")
    e.add_argument("--words", type=int, metavar="N", help="with --summaries: the summaries' length (default 150)")
    e.add_argument("--make-queries", type=int, metavar="N", help="write N synthetic queries from your index")
    e.add_argument("--out", default="localrag-queries.jsonl", help="with --make-queries: the file to write")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval)

    t = sub.add_parser("tune", help="adapt retrieval to your documents; adopted only if held-out queries improve")
    t.add_argument("--pairs", metavar="FILE", help="labeled queries (the `eval` QUERIES format)")
    t.add_argument("--ict", type=int, default=None, metavar="N",
                   help="self-supervised pairs from your text (default: 200 when there are few labeled queries)")
    t.add_argument("--held-out", type=float, default=0.3, help="share of queries held out for the decision")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--trec", metavar="DIR", help="tune and judge on a TREC collection in its own index")
    t.add_argument("--index-dir", metavar="DIR", help="with --trec: keep and re-use the collection's index here")
    t.add_argument("--status", action="store_true", help="which adapter is active, on what data, its figures")
    t.add_argument("--revert", action="store_true", help="go back to the baseline embedding (instant)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_tune)

    dr = sub.add_parser("doctor", help="check that documents, chunks, keywords and vectors agree")
    dr.add_argument("--repair", action="store_true", help="fix what is found, keeping intact vectors")
    dr.add_argument("--json", action="store_true")
    dr.set_defaults(func=cmd_doctor)

    fg = sub.add_parser("forget", help="remove a file's text from the index and the disk for good")
    fg.add_argument("path", metavar="PATH")
    fg.set_defaults(func=cmd_forget)

    for name in sorted(FORWARDED):  # every command the service runs can be told to run here instead
        sub.choices[name].add_argument("--local", action="store_true",
                                       help="run in this process even while `localrag serve` runs")

    c = sub.add_parser("config", help="show or change settings")
    c.add_argument("action", nargs="?", choices=["show", "set", "path"], default="show")
    c.add_argument("key", nargs="?")
    c.add_argument("value", nargs="?")
    c.set_defaults(func=cmd_config)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """A command in this process, on its own stdout and stderr."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "k", None) is not None and not 1 <= args.k <= MAX_K:
        parser.error(f"-k must be between 1 and {MAX_K}")
    args.io = Io()
    return _execute(args)


def _execute(args: argparse.Namespace) -> int:
    """Run a parsed command inside the error boundary every command shares: what a user can cause
    is one line on the command's stderr."""
    io: Io = args.io
    try:
        if args.command is None:  # the TUI, inside the same error boundary as every command
            from localrag.tui.app import run

            return run()
        return int(args.func(args) or 0)
    except LocalragError as e:
        _echo(io, f"localrag: {e}", err=True)
        return 1
    except KeyboardInterrupt:
        _echo(io, "localrag: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except (apsw.Error, OSError) as e:  # the disk, the database or a file said no: one line, nothing lost
        if args.debug:
            raise
        _echo(io, f"localrag: {_os_or_db_message(e)} (run with --debug for details)", err=True)
        return 1


def _os_or_db_message(e: BaseException) -> str:
    if isinstance(e, OSError):
        where = f": {e.filename}" if e.filename else ""
        return f"{e.strerror or e}{where}"
    kind = {"BusyError": "the index is busy (another localrag is writing); try again",
            "FullError": "the disk is full", "CorruptError": "the index database is damaged; run `localrag doctor`",
            "ReadOnlyError": "the index database is read-only"}.get(type(e).__name__, "database error")
    return f"{kind} ({str(e).splitlines()[0][:160]})"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
