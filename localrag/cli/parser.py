"""The command tree and ``main``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from localrag import __version__
from localrag.cli.answers import cmd_ask, cmd_conversations, cmd_export, cmd_search, cmd_summarize
from localrag.cli.boundary import execute
from localrag.cli.evaluation import cmd_eval, cmd_tune
from localrag.cli.folders import cmd_add, cmd_doctor, cmd_forget, cmd_index, cmd_reindex, cmd_remove, cmd_status, cmd_watch
from localrag.cli.models import cmd_models
from localrag.cli.parsing import Parser, scope_args
from localrag.cli.serving import cmd_mcp, cmd_serve, cmd_service
from localrag.cli.settings import cmd_config
from localrag.config import MAX_K
from localrag.service import FORWARDED
from localrag.service.streams import Io


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="localrag", description="Private, offline question answering over your files.")
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
    scope_args(s)
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
    scope_args(q)
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
    return execute(args)

