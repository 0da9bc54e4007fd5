"""Commands that measure and tune: eval, tune."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from localrag.answering.export import when
from localrag.cli.factory import make_app
from localrag.cli.output import IndexBar, ModelBar, QueryBar, echo, print_answer_figures, print_summary_figures, snippet
from localrag.config import Settings, get_paths
from localrag.core import checked_words
from localrag.errors import LocalragError
from localrag.service.streams import Io


def cmd_eval(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.evaluation.collections import trec_collection
    from localrag.evaluation.evaluate import load_queries, make_queries, run_eval

    interactive = not args.json
    if args.squad or args.answer_set:
        return _eval_answers(args)
    if args.make_queries:
        app = make_app(args)
        with QueryBar(interactive, io) as bar:
            n = make_queries(app, args.make_queries, args.out, args.seed, bar)
        echo(io, f"wrote {n} synthetic queries to {args.out}; review them: the local model wrote them")
        return 0
    if args.trec:
        paths = get_paths()
        with IndexBar(interactive, io) as ibar, QueryBar(interactive, io) as qbar, \
                trec_collection(args.trec, Settings.load(paths), paths, args.index_dir, ibar,
                                ModelBar(io)) as (trec, topics):
            rep = run_eval(trec, topics, args.answers, on_query=qbar)
    else:
        if not args.queries:
            raise LocalragError("name a QUERIES file (JSONL), or use --trec DIR or --make-queries N")
        queries = load_queries(args.queries)
        app = make_app(args)
        with QueryBar(interactive, io) as bar:
            rep = run_eval(app, queries, args.answers, args.k, bar)
    if args.json:
        io.echo(json.dumps(rep.to_json(), indent=2))
        return 0
    echo(io, f"{rep.evaluated} of {rep.queries} queries evaluated")
    echo(io, f"{'mode':<10}{'nDCG@10':>9}{'R@10':>8}{'R@100':>8}{'MRR@10':>8}{'p50 ms':>9}{'p95 ms':>9}")
    for f in rep.figures:
        echo(io, f"{f.mode:<10}{f.ndcg10:>9.3f}{f.recall10:>8.3f}{f.recall100:>8.3f}{f.mrr10:>8.3f}"
              f"{f.p50_ms:>9.1f}{f.p95_ms:>9.1f}")
    if rep.no_judgments:
        echo(io, f"queries with no judged relevant document (not scored): {', '.join(rep.no_judgments[:20])}")
    if rep.missing:
        echo(io, f"queries whose relevant documents are not in the index: {len(rep.missing)}")
        for qid, keys in list(rep.missing.items())[:10]:
            echo(io, f"  {qid}: {', '.join(keys[:5])}")
    if rep.answers:
        a = rep.answers
        echo(io, f"answers: {a.correct} right of {a.asked}; {a.retrieval_misses} retrieval misses, "
              f"{a.generation_misses} generation misses")
        print_answer_figures(io, a.metrics)
        for ex in a.examples[:3]:
            echo(io, f"  [{ex['miss']} miss] {ex['query']!r}: expected {ex['expected']!r}, got {snippet(ex['answer'], 120)!r}")
    echo(io, "")
    for i, r in enumerate(rep.recommendations, 1):
        echo(io, f"{i}. {r}")
    return 0


def _eval_answers(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.evaluation.collections import answer_set_collection, squad_collection
    from localrag.evaluation.squad import run_squad, sample
    from localrag.evaluation.summaries import evaluate_summaries

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
            words = checked_words(args.words, settings)
            with squad_collection(args.squad, settings, paths, args.index_dir, ibar, ModelBar(io)) as (app, squad):
                sm = evaluate_summaries(app, squad, words, qbar).to_json()
            if args.json:
                io.echo(json.dumps(sm, indent=2))
                return 0
            print_summary_figures(io, sm)
            return 0
        if args.squad:
            with squad_collection(args.squad, settings, paths, args.index_dir, ibar, ModelBar(io)) as (app, squad):
                m = run_squad(app, sample(squad.questions, args.limit, args.seed, args.balanced), args.k, qbar)
            source = f"{len(squad.articles)} articles"
        else:
            with answer_set_collection(args.answer_set, settings, paths, args.index_dir, ibar,
                                       ModelBar(io)) as (app, answer_set):
                m = run_squad(app, sample(answer_set.questions, args.limit, args.seed, args.balanced), args.k, qbar)
            source = str(args.answer_set)
    figures = m.figures()
    if args.json:
        io.echo(json.dumps({"figures": figures, "questions": m.rows}, indent=2))
        return 0
    echo(io, f"{figures['questions']} questions ({figures['answerable']} answerable, {figures['unanswerable']} not) "
          f"from {source}")
    print_answer_figures(io, figures)
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    io: Io = args.io
    from localrag.evaluation.collections import trec_collection
    from localrag.evaluation.evaluate import load_queries
    from localrag.evaluation.tune import run_tune, tune_status

    if args.status or args.revert:
        app = make_app(args)
        if args.revert:
            n = app.tuning.revert()
            echo(io, "back to the baseline retrieval (no adapter, default fusion)" if n else
                  "nothing tuned was active; nothing changed")
            return 0
        st = tune_status(app)
        if args.json:
            io.echo(json.dumps(st, indent=2))
        elif not st.get("report"):
            echo(io, "nothing tuned is active: search uses the baseline embedding and default fusion")
        else:
            r = st["report"]
            trained = when(st["trained_at"])
            echo(io, f"tuning {st['id']} {'active' if st['active'] else 'DISABLED'} ({st['uses']}), made {trained} from "
                  + ", ".join(f"{v} {k}" for k, v in r["sources"].items() if v))
            echo(io, f"held-out ({r['held_out_queries']} {r['held_out_kind']}, seed {r['seed']}, {r['mode']}): "
                  + ", ".join(f"{k} {r['baseline'][k]:.3f} -> {r['adapted'][k]:.3f}" for k in r["baseline"]))
            if st.get("note"):
                echo(io, st["note"], err=True)
        return 0
    with QueryBar(not args.json, io) as bar:
        if args.trec:
            paths = get_paths()
            with IndexBar(not args.json, io) as ibar, trec_collection(args.trec, Settings.load(paths), paths,
                                                                  args.index_dir, ibar, ModelBar(io)) as (app, queries):
                rep = run_tune(app, queries, args.seed, args.held_out, args.ict if args.ict is not None else 0, bar)
        else:
            labeled = load_queries(args.pairs) if args.pairs else []
            rep = run_tune(make_app(args), labeled, args.seed, args.held_out, args.ict, bar)
    if args.json:
        io.echo(json.dumps(rep.to_json(), indent=2))
        return 0
    echo(io, "training data: " + ", ".join(f"{v} {k}" for k, v in rep.sources.items() if v)
          + f" ({rep.train_pairs} positive pairs)")
    echo(io, f"split by query (seed {rep.seed}): {rep.train_queries} train, {rep.held_out_queries} held out "
          f"({rep.held_out_kind})")
    echo(io, f"{rep.mode} search, each lever: nDCG@10 on the training queries; nDCG@10, recall@10 and MRR@10 on the "
          "held-out ones; milliseconds it adds")
    echo(io, f"  {'lever':<64}{'train':>7}{'nDCG':>7}{'R@10':>7}{'MRR':>7}{'+ms':>7}")
    for row in rep.levers:
        mark = "*" if row["lever"] == rep.candidate else " "
        echo(io, f"{mark} {row['lever'][:63]:<64}{row['train_ndcg@10']:>7.3f}{row['held_ndcg@10']:>7.3f}"
              f"{row['held_recall@10']:>7.3f}{row['held_mrr@10']:>7.3f}{row['added_ms']:>7.1f}")
    echo(io, f"held-out, {rep.mode} search:   baseline  {rep.candidate[:40]}")
    for k in rep.baseline:
        echo(io, f"  {k:<12}{rep.baseline[k]:>20.3f}{rep.adapted[k]:>9.3f}")
    echo(io, rep.reason)
    return 0

