"""The retrieval levers `tune` tries: pure pieces by hand, then on a real index through the
same `rag.library.search` the CLI, TUI and MCP server call."""

import json
from pathlib import Path

import pytest

from localrag.errors import LocalragError
from localrag.search.levers import Levers, combine, expansion_terms, grid


def test_expansion_terms_weigh_frequency_rank_and_rarity() -> None:
    stems = [["moon", "graviti", "ocean", "the", "moon"], ["ocean", "salt", "the"]]
    df = {"moon": 2, "graviti": 3, "ocean": 5, "the": 99, "salt": 2}
    terms = expansion_terms(stems, {"tide"}, df, 100, 3, stop=frozenset({"the"}))
    assert terms[0] == "moon"  # twice in the best passage, and rare
    assert "the" not in terms and "the" in expansion_terms(stems, {"tide"}, df, 100, 9)  # stopwords go
    assert expansion_terms(stems, {"moon"}, df, 100, 5)[0] != "moon"  # the question's own words never
    assert expansion_terms([["1932", "1932"]], set(), {}, 100, 5) == []  # numbers are no feedback


def test_levers_round_trip_and_refuse_what_they_cannot_read() -> None:
    lv = Levers(vector_weight=2.0, rrf_k=20, expand_passages=5)
    assert Levers.from_json(lv.to_json()) == lv and Levers.from_json(None).is_default()
    assert "vector weight 2" in lv.describe() and "keyword feedback" in lv.describe()
    with pytest.raises(LocalragError, match="tune --revert"):
        Levers.from_json(json.dumps({"warp_factor": 9}))
    names = [g.describe() for g in grid()]
    assert len(names) == len(set(names)) and Levers().describe() in names  # one name each, the default among them
    both = combine(Levers(vector_weight=1.5), Levers(rocchio_passages=3))
    assert both.vector_weight == 1.5 and both.rocchio_passages == 3


@pytest.fixture()
def tides(make_app, tmp_path: Path):
    d = tmp_path / "kb"
    d.mkdir()
    (d / "tides.md").write_text("# Tides\n\nTides come from the pull of the moon's gravity on the oceans.\n")
    (d / "moon.md").write_text("# Sea level\n\nThe moon's gravity raises the oceans twice a day.\n")
    (d / "other.md").write_text("# Bread\n\nKnead the dough and let it rise overnight.\n")
    app = make_app()
    app.index.add([str(d)])
    app.index.update()
    return app


def test_keyword_feedback_finds_what_shares_no_word_with_the_question(tides) -> None:
    plain = tides.library.search("tides", 5, "keyword", levers=False)
    assert [Path(r.path).name for r in plain] == ["tides.md"]  # only the file with the word
    fed = tides.library.search("tides", 5, "keyword", levers=Levers(expand_passages=1, expand_terms=10))
    assert [Path(r.path).name for r in fed][:2] == ["tides.md", "moon.md"]  # the best passage's words found it
    assert "other.md" not in {Path(r.path).name for r in fed}


def test_vector_feedback_and_fusion_settings_change_the_ranking_only_as_asked(tides) -> None:
    base = tides.library.search("why does the sea rise", 3, "hybrid", levers=False)
    same = tides.library.search("why does the sea rise", 3, "hybrid", levers=Levers())
    assert [r.chunk_id for r in base] == [r.chunk_id for r in same]
    fed = tides.library.search("why does the sea rise", 3, "vector", levers=Levers(rocchio_passages=2, rocchio_beta=1.0))
    assert {Path(r.path).name for r in fed[:2]} == {"tides.md", "moon.md"}
    assert all(r.similarity is not None for r in fed)


def test_adopted_settings_are_used_by_search_and_eval_until_reverted(tides, home: Path, tmp_path: Path) -> None:
    from localrag.models.embed import expected_identity

    lv = Levers(expand_passages=1, expand_terms=10)
    tides.store.history.save_adapter(expected_identity("default")[1], b"", b"", 0, 0, json.dumps({"sources": {}}), True,
                             lv.to_json())
    assert tides.tuning.adapter() is None and tides.tuning.levers() == lv  # settings alone, no adapter
    assert [Path(r.path).name for r in tides.library.search("tides", 5, "keyword")][:2] == ["tides.md", "moon.md"]
    from localrag.evaluation.evaluate import run_eval
    from localrag.evaluation.queries import Query

    rep = run_eval(tides, [Query("q1", "tides", {"moon.md": 1})])
    figs = {f.mode: f for f in rep.figures}
    assert figs["keyword"].recall10 == 0 and figs["hybrid+tuned"].recall10 == 1  # baseline vs adopted, side by side
    assert figs["keyword+tuned"].recall10 == 1
    assert tides.tuning.revert() == 1 and tides.tuning.levers().is_default()
    assert [Path(r.path).name for r in tides.library.search("tides", 5, "keyword")] == ["tides.md"]
    # settings made for another embedding model are not used
    tides.store.history.save_adapter("fastembed:other-model", b"", b"", 0, 0, "{}", True, lv.to_json())
    assert tides.tuning.levers().is_default() and "another embedding model" in tides.tuning.note
