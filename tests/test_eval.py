"""Evaluation: metrics against hand-computed values, then real runs on a real index."""

import json
import math
import tempfile
from pathlib import Path

import pytest

from localrag.config import Paths, Settings
from localrag.errors import LocalragError
from localrag.evaluation import collections
from localrag.evaluation.collections import trec_collection
from localrag.evaluation.evaluate import AnswerFigures, ModeFigures, Report, gains_for, load_queries, recommend, run_eval
from localrag.evaluation.metrics import mrr, ndcg, recall
from localrag.evaluation.trec import find_trec
from localrag.search.retrieve import Result

from .conftest import cli_json, run_cli


def test_ndcg_by_hand() -> None:
    # ranking gains 3, 0, 2; judged relevant grades 3, 2, 1
    dcg = 3 / math.log2(2) + 0 + 2 / math.log2(4)
    idcg = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert ndcg([3, 0, 2], [3, 2, 1], 10) == pytest.approx(dcg / idcg)
    assert ndcg([3, 0, 2], [3, 2, 1], 10) == pytest.approx(4 / 4.76186, abs=1e-4)  # 3 + 2/2 over 3 + 2/1.585 + 1/2
    assert ndcg([0, 0, 1], [1], 2) == 0.0
    assert ndcg([1], [], 10) == 0.0


def test_recall_and_mrr_by_hand() -> None:
    assert recall([0, 1, 0, 1], 4, 10) == 0.5  # judged relevant but never retrieved still count
    assert recall([0, 1, 0, 1], 4, 2) == 0.25
    assert mrr([0, 0, 1, 1], 10) == pytest.approx(1 / 3)
    assert mrr([0, 0, 1], 2) == 0.0


def R(path: str, cid: int) -> Result:
    return Result(cid, path, 1.0, "", "", None, None, None)


def test_file_judgment_counts_any_chunk_once() -> None:
    units = {"/a": 1, "/b#7": 2}
    ranking = [R("/a", 1), R("/a", 2), R("/c", 3), R("/b", 6), R("/b", 7)]
    assert gains_for(ranking, units) == [1, 0, 0, 2]  # /a once, /b#6 is an unjudged /b, /b#7 judged


def test_recommendations_follow_the_order_and_cite_figures() -> None:
    figs = [ModeFigures("keyword", 0.40, 0.3, 0.8, 0.5, 1, 2), ModeFigures("vector", 0.30, 0.2, 0.7, 0.4, 1, 2),
            ModeFigures("hybrid", 0.38, 0.3, 0.85, 0.5, 1, 2)]
    rep = Report(10, 10, [], {"q1": ["/lost.pdf"]}, 20, figs, AnswerFigures(5, 1, 1, 3))
    recs = recommend(rep)
    assert recs[0].startswith("Fix ingestion") and "1 of 20" in recs[0]
    assert "ranked low" in recs[1] and "0.800" in recs[1]
    assert "localrag tune" in recs[2] and "0.300 vs 0.400" in recs[2]
    assert "Hybrid (0.380) trails keyword" in recs[3]
    assert "Generation misses dominate (3 vs 1" in recs[4]


def test_queries_file_errors_are_clear(tmp_path: Path) -> None:
    p = tmp_path / "q.jsonl"
    p.write_text('{"query": "a", "relevant": {"x": 1}}\n{not json}\n')
    with pytest.raises(LocalragError, match=r"q.jsonl:2: not valid JSON"):
        load_queries(p)
    with pytest.raises(LocalragError, match="no such queries file"):
        load_queries(tmp_path / "none.jsonl")


def write_trec(d: Path) -> None:
    d.mkdir()
    docs = {"D1": "The boiling point of water is one hundred degrees at sea level.",
            "D2": "Tomato plants need full sun and regular watering in summer.",
            "D3": "Magnetic resonance imaging uses strong magnetic fields.",
            "D4": "Ice melts at zero degrees and water boils at a hundred."}
    (d / "docs.trec").write_text("".join(f"<DOC>\n<DOCNO>{k}</DOCNO>\n{v}\n</DOC>\n" for k, v in docs.items()))
    (d / "topics.trec").write_text("<top>\n<num>1</num><title>\nBOILING WATER TEMPERATURE\n</title>\n</top>\n"
                                   "<top>\n<num>2</num><title>\ngrowing tomatoes\n</title>\n</top>\n"
                                   "<top>\n<num>3</num><title>\nunjudged topic\n</title>\n</top>\n")
    (d / "qrels").write_text("1 0 D1 1\n1 0 D4 2\n2 0 D2 1\n2 0 D9 1\n")


def test_trec_collection_parses(tmp_path: Path) -> None:
    write_trec(tmp_path / "c")
    col = find_trec(tmp_path / "c")
    assert [d for d, _ in col.docs()] == ["D1", "D2", "D3", "D4"]
    qs = col.queries()
    assert [(q.qid, q.text) for q in qs] == [("1", "boiling water temperature"), ("2", "growing tomatoes"),
                                             ("3", "unjudged topic")]
    assert qs[0].relevant == {"D1": 1, "D4": 2}
    with pytest.raises(LocalragError, match="not a TREC collection"):
        find_trec(tmp_path)


def test_eval_trec_in_a_temp_index_then_gone(tmp_path: Path, home: Path, monkeypatch) -> None:
    write_trec(tmp_path / "c")
    made: list[str] = []
    real = tempfile.TemporaryDirectory

    def spy(*a, **kw):
        t = real(*a, **kw)
        made.append(t.name)
        return t

    monkeypatch.setattr(collections.tempfile, "TemporaryDirectory", spy)
    paths = Paths(home, home)
    with trec_collection(str(tmp_path / "c"), Settings(), paths) as (app, topics):
        rep = run_eval(app, topics)
    assert rep.evaluated == 2 and rep.no_judgments == ["3"] and rep.missing == {"2": ["D9"]}
    kw = rep.figure("keyword")
    assert kw.mrr10 == 1.0 and kw.recall10 == pytest.approx((1.0 + 0.5) / 2)  # D9 is judged but absent
    assert made and not Path(made[0]).exists()
    assert not (home / "index.db").exists()  # the user's own index was never touched

    def boom(*a):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with trec_collection(str(tmp_path / "c"), Settings(), paths) as (app, topics):
            run_eval(app, topics, on_query=boom)
    assert len(made) == 2 and not Path(made[1]).exists()


def test_eval_cli_on_the_users_index(home: Path, docs: Path, tmp_path: Path) -> None:
    run_cli("add", str(docs), home=home)
    q = tmp_path / "q.jsonl"
    lines = [{"query": "water temperature for green tea", "relevant": {str(docs / "tea.txt"): 1}},
             {"query": "when to plant tomatoes", "relevant": {"garden/tomatoes.rst": 1}},
             {"query": "grinding coffee", "relevant": {"coffee": 1}},
             {"query": "nothing judged", "relevant": {}},
             {"query": "a lost file", "relevant": {"/gone/away.md": 1}}]
    q.write_text("\n".join(json.dumps(x) for x in lines))
    before = (home / "index.db").stat().st_mtime_ns
    rep = cli_json("eval", str(q), home=home)
    assert rep["evaluated"] == 4 and rep["no_judgments"] == ["4"] and rep["missing_from_index"] == {"5": ["/gone/away.md"]}
    hybrid = next(f for f in rep["figures"] if f["mode"] == "hybrid")
    assert hybrid["mrr@10"] == pytest.approx(0.75) and hybrid["recall@100"] == pytest.approx(0.75)
    assert rep["recommendations"][0].startswith("Fix ingestion")
    assert (home / "index.db").stat().st_mtime_ns == before
    text = run_cli("eval", str(q), home=home).stdout
    assert "nDCG@10" in text and "hybrid" in text and "1. Fix ingestion" in text


@pytest.mark.slow
def test_make_queries_and_answers(samples_home: Path, tmp_path: Path) -> None:
    home = samples_home
    out = tmp_path / "synthetic.jsonl"
    run_cli("eval", "--make-queries", "3", "--out", str(out), home=home)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert "synthetic" in lines[0]["_comment"] and len(lines) >= 3
    assert all(x["query"] and list(x["relevant"])[0].count("#") == 1 for x in lines[1:])
    p = run_cli("eval", "--make-queries", "3", "--out", str(out), home=home, check=False)
    assert p.returncode == 1 and "exists" in p.stderr
    q = tmp_path / "answers.jsonl"
    q.write_text(json.dumps({"query": "How long does the descaling program run?", "answer": "twenty minutes",
                             "relevant": {"espresso-machine-manual.pdf": 1}}) + "\n")
    rep = cli_json("eval", "--answers", str(q), home=home)
    a = rep["answers"]
    assert a["asked"] == 1 and a["correct"] == 1 and a["retrieval_misses"] == a["generation_misses"] == 0
    m = a["metrics"]
    assert m["evidence_hit"] == 1.0 and m["answer_hit"] == 1.0 and m["supported_but_absent_from_quotes"] == 0
    q.write_text(json.dumps({"query": "How long does the descaling program run?", "answer": "forty minutes",
                             "relevant": {"espresso-machine-manual.pdf": 1}}) + "\n")  # a wrong gold answer
    a = cli_json("eval", "--answers", str(q), home=home)["answers"]
    assert a["correct"] == 0 and a["generation_misses"] == 1 and a["metrics"]["answer_hit"] == 0.0


def test_metrics_agree_with_trec_eval() -> None:
    """An independent implementation (trec_eval's C code via pytrec_eval) on random graded runs."""
    import random

    import pytrec_eval

    rnd = random.Random(3)
    qrels, runs = {}, {}
    for q in range(40):
        docs = [f"d{i}" for i in range(150)]
        rel = {d: rnd.choice([1, 1, 2, 3]) for d in rnd.sample(docs, rnd.randint(1, 25))}
        ranking = rnd.sample(docs, rnd.randint(5, 120))
        qrels[f"q{q}"] = rel
        runs[f"q{q}"] = ranking
    ev = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.10", "recall.100"})
    ref = ev.evaluate({q: {d: 1000.0 - i for i, d in enumerate(r)} for q, r in runs.items()})
    ev_rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"})
    ref_rr = ev_rr.evaluate({q: {d: 1000.0 - i for i, d in enumerate(r[:10])} for q, r in runs.items()})
    for q, ranking in runs.items():
        gains = [float(qrels[q].get(d, 0)) for d in ranking]
        judged = [float(g) for g in qrels[q].values()]
        assert ndcg(gains, judged, 10) == pytest.approx(ref[q]["ndcg_cut_10"], abs=1e-6)
        assert recall(gains, len(judged), 10) == pytest.approx(ref[q]["recall_10"], abs=1e-6)
        assert recall(gains, len(judged), 100) == pytest.approx(ref[q]["recall_100"], abs=1e-6)
        assert mrr(gains, 10) == pytest.approx(ref_rr[q]["recip_rank"], abs=1e-6)
