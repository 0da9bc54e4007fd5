"""Answer metrics on SQuAD 2.0 files: the official normalisation and F1, then a real run of
`localrag eval --squad` on a small file written here (the real models, a real temporary index)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localrag.answering.lexical import squad_normalize
from localrag.evaluation.squad import contains, f1, load_squad

from .conftest import run_cli


def test_official_normalisation_and_f1() -> None:
    assert squad_normalize("The  Eiffel-Tower, in Paris!") == "eiffeltower in paris"
    assert f1("the Eiffel Tower", "Eiffel Tower") == 1.0
    assert f1("in Paris, France", "Paris") == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))
    assert f1("London", "Paris") == 0.0
    assert contains("It opened in 1889 [1]", ["1889"]) and not contains("It opened in 18890", ["1889"])
    assert not contains("anything", [])
    assert contains("Energy class: A [1]", ["A"]) and not contains("Energy class: B [1]", ["A"])  # an answer that is all article


SQUAD = {"version": "v2.0", "data": [
    {"title": "Espresso_machine", "paragraphs": [
        {"context": "The descaling program runs for twenty minutes and stops on its own. Descale the machine "
                    "every two months. The warranty lasts two years from the date of purchase.",
         "qas": [
             {"id": "q1", "question": "How long does the descaling program run?", "is_impossible": False,
              "answers": [{"text": "twenty minutes", "answer_start": 31}]},
             {"id": "q2", "question": "How long does the warranty last?", "is_impossible": False,
              "answers": [{"text": "two years", "answer_start": 120}]},
             {"id": "q3", "question": "Who designed the descaling program?", "is_impossible": True,
              "answers": []}]}]},
    {"title": "Tomatoes", "paragraphs": [
        {"context": "Plant tomatoes after the last frost, sixty centimetres apart. They need full sun.",
         "qas": [{"id": "q4", "question": "How far apart should tomatoes be planted?", "is_impossible": False,
                  "answers": [{"text": "sixty centimetres", "answer_start": 37}]}]}]}]}


def test_bad_squad_files_are_one_line_errors(tmp_path: Path, home: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": [{"title": "x"}]}')
    p = run_cli("eval", "--squad", str(bad), home=home, check=False)
    assert p.returncode == 1 and "not SQuAD 2.0 JSON" in p.stderr and "Traceback" not in p.stderr
    p = run_cli("eval", "--squad", str(tmp_path / "absent.json"), home=home, check=False)
    assert p.returncode == 1 and "no such SQuAD file" in p.stderr


@pytest.mark.slow
def test_eval_squad_measures_answers(tmp_path: Path, home: Path) -> None:
    f = tmp_path / "mini.json"
    f.write_text(json.dumps(SQUAD))
    assert len(load_squad(f).questions) == 4
    out = json.loads(run_cli("eval", "--squad", str(f), "--json", home=home).stdout)
    fig = out["figures"]
    assert fig["questions"] == 4 and fig["answerable"] == 3 and fig["unanswerable"] == 1
    assert fig["passage_hit"] == 1.0 and fig["evidence_hit"] == 1.0  # the right sentence is always quoted
    assert fig["supported_but_absent_from_quotes"] == 0
    rows = {r["id"]: r for r in out["questions"]}
    assert "twenty minutes" in rows["q1"]["quotes"][0] and rows["q1"]["kind"] in ("generated", "quote")
    text = run_cli("eval", "--squad", str(f), "--limit", "2", home=home).stdout
    assert text.startswith("2 questions") and "evidence hit" in text and "answer F1" in text
