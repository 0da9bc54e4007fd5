"""Commands that search and answer: search, ask, summarize, conversations, export."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from localrag.answering.export import when
from localrag.cli.factory import make_app
from localrag.cli.output import echo, print_sources, safe, snippet
from localrag.service.streams import Io


def cmd_search(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    scope = app.library.scope(args.scope_in or (), args.types or ())
    t = time.perf_counter()
    results = app.library.search(args.query, args.k, args.mode, scope=scope)
    ms = (time.perf_counter() - t) * 1000
    partial = app.library.partial_note(args.mode)
    if args.json:
        io.echo(json.dumps({"query": args.query, "mode": args.mode or app.settings.search_mode,
                          "scope": scope.to_json() if scope else None, "partial": partial,
                          "results": [r.to_json() for r in results]}, indent=2))
        return 0
    if partial:
        echo(io, f"note: {partial}", err=True)
    if not results:
        echo(io, "no matching passages" + (f" in {scope.describe()}" if scope else ""))
        return 0
    for i, r in enumerate(results, 1):
        io.console().print(f"[bold]{i}.[/bold] ", end="")
        io.console().print(safe(r.location()), markup=False, style="cyan", end="")
        io.console().print(f"  score {r.score:.4f}" + (f"  - {safe(r.heading)}" if r.heading else ""), markup=False, style="dim")
        echo(io, "   " + safe(snippet(r.text)))
    echo(io, f"({len(results)} results in {ms:.0f} ms)", err=True)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    stream: Callable[[str], None] | None = None
    if not args.json:
        def stream(piece: str) -> None:
            io.write(safe(piece))
    scope = app.library.scope(args.scope_in or (), args.types or ())
    conversation = args.conversation
    if args.cont and conversation is None:
        conversation = app.conversations.latest(origin="cli")  # none yet: this question starts one
    if args.no_conversation:  # the MCP server's questions, sent on by it: not the user's conversations
        cid, ans = None, app.library.ask(args.question, args.k, on_text=stream, mode=args.mode, scope=scope, words=args.words)
    else:
        cid, ans = app.conversations.ask(conversation, args.question, on_text=stream, k=args.k, mode=args.mode,
                                           scope=scope, origin="cli", words=args.words)
    for note in [*app.notes, ans.partial, ans.warning, ans.error]:
        if note:
            echo(io, f"localrag: {note}", err=True)
    if args.json:
        io.echo(json.dumps(ans.to_json() if cid is None else dict(ans.to_json(), conversation_id=cid), indent=2))
        return 1 if ans.error else 0
    io.write("\n")
    if ans.question_kind != "fact":
        print_sources(io, ans)
        if cid is not None:
            echo(io, f"(conversation {cid}: `localrag export` saves it)", err=True)
        return 1 if ans.error else 0
    if not ans.found:
        if ans.nearest:
            echo(io, "\nNearest passages (not relevant enough to answer from):")
            for r in ans.nearest:
                echo(io, f"  - {r.location()}: {snippet(r.text, 160)}")
        return 0
    echo(io, "\nEvidence (verbatim from your files):")
    for q in ans.evidence:
        echo(io, f"[{q.n}] {q.location()}")
        echo(io, "    \u201c" + snippet(q.text, 600) + "\u201d")
    if cid is not None:
        echo(io, f"(conversation {cid}: `localrag ask --continue` follows up, `localrag export` saves it)", err=True)
    return 1 if ans.error else 0


def cmd_summarize(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    ans = app.library.summarize(args.paths, args.about or "", args.words, types=args.types or ())
    for note in [*app.notes, ans.partial, ans.warning, ans.error]:
        if note:
            echo(io, f"localrag: {note}", err=True)
    if args.json:
        io.echo(json.dumps(ans.to_json(), indent=2))
        return 1 if ans.error else 0
    echo(io, safe(ans.text))
    print_sources(io, ans)
    return 1 if ans.error else 0


def cmd_conversations(args: argparse.Namespace) -> int:
    io: Io = args.io
    rows = make_app(args).conversations.recent(args.limit)
    if args.json:
        io.echo(json.dumps([{"id": i, "title": t, "updated_at": u} for i, t, u in rows], indent=2))
        return 0
    if not rows:
        echo(io, "no conversations yet")
    for i, t, u in rows:
        echo(io, f"{i:>5}  {when(u)}  {t}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    io: Io = args.io
    app = make_app(args)
    to_file = args.output not in (None, "-")
    fmt = "json" if args.json else args.format
    text, written = app.conversations.export(args.id, args.output if to_file else None, fmt)
    if not to_file:
        io.write(text)
        return 0
    echo(io, f"wrote {written}", err=True)
    return 0

