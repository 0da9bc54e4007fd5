"""The project's own multi-domain answer set (tests/answerset: a manual PDF with tables and
error codes, code, German and French notes in legacy encodings, a handbook, meeting notes, a
CSV), answered by the real bundled model through the real CLI, as a user runs `eval`."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import cli_json

ANSWER_SET = Path(__file__).parent / "answerset"


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> dict:
    home = tmp_path_factory.mktemp("answerset-home")
    (home / "models").symlink_to(models_dir, target_is_directory=True)
    return cli_json("eval", "--answer-set", str(ANSWER_SET), home=home)


def _row(measured: dict, question: str) -> dict:
    return next(r for r in measured["questions"] if r["question"] == question)


@pytest.mark.slow
def test_the_answer_set_is_answered_right_or_declined(measured: dict) -> None:
    f = measured["figures"]
    assert f["questions"] == 54 and f["unanswerable"] == 13
    # floors a little under the figures measured with the bundled Gemma 270M: a change to ranking
    # or checking that loses answers here fails, whatever it gains on Wikipedia
    assert f["evidence_hit"] >= 0.9
    assert f["answer_hit"] >= 0.8
    assert f["supported_but_wrong"] <= 0.05
    assert f["supported_but_absent_from_quotes"] == 0
    assert f["abstained_on_unanswerable"] >= 0.75
    assert f["abstained_on_answerable"] <= 0.1


@pytest.mark.slow
def test_a_date_elsewhere_is_no_answer_and_the_named_code_is_quoted(measured: dict) -> None:
    cafe = _row(measured, "When does Café Müller open on weekdays?")
    assert "October" not in cafe["answer"] and any("7:30" in q for q in cafe["quotes"])
    e24 = _row(measured, "What does error code E24 mean on the dishwasher?")
    assert e24["quotes"][0].startswith("E24:")
    missing = _row(measured, "What is the price of part DW-9999?")
    assert not missing["supported"]
