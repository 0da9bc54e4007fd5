"""The answerability verifier (issue 35): the shipped model is the one its card names, it reads the
item a question names above its sibling, it gates support where it runs, a damaged copy is one
line, and the sibling set through the real CLI loses nothing with it on."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from localrag.answering import rank, sentences
from localrag.errors import LocalragError
from localrag.models.verifier import BUNDLED, Verifier, bundled_verifier, read_card
from localrag.search.retrieve import Result

from .conftest import cli_json

SIBLINGS = Path(__file__).parent / "siblings"


def _passage(text: str, path: str = "garden.md") -> Result:
    return Result(chunk_id=1, path=path, score=1.0, text=text, heading="Garden notes", page=None, start_line=3,
                  end_line=3 + text.count("\n"))


def test_the_shipped_verifier_is_the_one_its_card_names() -> None:
    card = read_card(BUNDLED)
    for name, digest in card.sha256.items():
        assert hashlib.sha256((BUNDLED / name).read_bytes()).hexdigest() == digest, name
    assert (BUNDLED / "model.onnx").stat().st_size < 30e6
    assert 0.0 < card.threshold < 1.0


def test_it_reads_the_named_item_above_its_sibling() -> None:
    v = bundled_verifier()
    fig, quince = v.scores("When was the fig tree planted?", ["The fig tree was planted in June 2023.",
                                                              "The quince tree was planted in March 2019."])
    assert fig >= v.threshold and fig > quince + 0.3
    off_topic = v.scores("When was the fig tree planted?", ["The Lisbon hotel costs 120 euros a night."])[0]
    assert off_topic < v.threshold
    assert bundled_verifier() is v  # loaded once a process


def test_ranking_with_it_gates_support_on_its_reading(embedder) -> None:
    """The real model at a stricter threshold than the card's: a sentence it reads below the
    threshold supports nothing, though the lexical check alone passes it."""
    notes = _passage("The quince tree was planted in March 2019.\nThe fig tree was planted in June 2023.\n"
                     "The pear tree gets pruned every February.")
    strict = Verifier()
    strict.threshold = 0.6
    fig = rank.rank("When was the fig tree planted?", [notes], embedder.embed, strict)
    assert fig[0].text.startswith("The fig tree") and fig[0].answers_question and fig[0].verified
    quince = next(s for s in fig if s.text.startswith("The quince"))
    assert quince.verified is False and not quince.answers_question
    assert not quince.missing and quince.about >= sentences.MIN_ABOUT  # what the lexical check alone passes
    plain = rank.rank("When was the fig tree planted?", [notes], embedder.embed)
    assert all(s.verified is None and s.support is None for s in plain)
    assert next(s for s in plain if s.text.startswith("The quince")).answers_question


def test_a_damaged_verifier_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "verifier"
    shutil.copytree(BUNDLED, broken)
    (broken / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(LocalragError, match="cannot be loaded"):
        Verifier(broken)
    (broken / "verifier.json").write_text("{", encoding="utf-8")
    with pytest.raises(LocalragError, match="incomplete"):
        Verifier(broken)


def test_batched_scores_are_the_same_each_time_and_close_to_one_at_a_time() -> None:
    """int8 activations are scaled per batch, so a sentence's score moves a little with what it is
    batched with (measured: at most 0.05); the same question and sentences always score the same."""
    v = bundled_verifier()
    texts = [f"The fig tree was planted in June {2000 + i}." + " It grew." * (i % 7) for i in range(70)]
    many = v.scores("When was the fig tree planted?", texts)
    assert np.array_equal(many, v.scores("When was the fig tree planted?", texts))
    one = np.array([v.scores("When was the fig tree planted?", [t])[0] for t in texts[:10]])
    assert np.allclose(many[:10], one, atol=0.06)


@pytest.mark.slow
def test_the_sibling_set_through_the_cli_with_and_without_it(tmp_path: Path, models_dir: Path) -> None:
    """Through the real CLI and the bundled Gemma. The verifier must lose no item the notes hold
    and mark no more wrong answers supported than the lexical check alone. The issue's bar (18 of
    20 right, the fig tree among them) is not met yet: 16 of 22 either way (README)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(models_dir, target_is_directory=True)
    on = cli_json("eval", "--answer-set", str(SIBLINGS), "--verifier", "on", home=home)
    off = cli_json("eval", "--answer-set", str(SIBLINGS), "--verifier", "off", home=home)
    assert on["figures"]["questions"] >= 20
    def hits(run: dict) -> set[str]:
        return {r["question"] for r in run["questions"] if r["gold"] and r["hit"]}

    assert hits(on) >= hits(off) and len(hits(on)) >= 12  # of 13: the fig tree is answered "2019" either way
    assert on["figures"]["supported_but_wrong"] <= off["figures"]["supported_but_wrong"]
    assert on["figures"]["abstained_on_unanswerable"] >= off["figures"]["abstained_on_unanswerable"]
