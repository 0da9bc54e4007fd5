"""Answers: pure-logic units, then the real GGUF through llama.cpp."""

import re

import pytest

from localrag.answer import NOTHING_FOUND, CitationFilter, answer, attribute, build_prompt
from localrag.retrieve import Result

from .conftest import SAMPLES


def R(i: int, text: str, page: int | None = None) -> Result:
    return Result(i, f"/d/f{i}.md", 1.0, text, "", page, 1 if page is None else None, 2 if page is None else None)


def test_citation_filter_drops_numbers_never_given() -> None:
    f = CitationFilter(2)
    out = "".join(f.feed(p) for p in ["It is hot [", "1] and cold [7", "] and [2, 9]", " end [3"]) + f.flush()
    assert out == "It is hot [1] and cold  and [2] end [3"
    assert f.cited == {1, 2}


def test_prompt_drops_weakest_whole_passages() -> None:
    results = [R(1, "alpha " * 50), R(2, "beta " * 400), R(3, "gamma " * 20)]
    count = lambda s: len(s.split())  # noqa: E731 - a fake token counter is fine for pure logic
    prompt, kept = build_prompt("q?", results, count, budget=250)
    assert [r.chunk_id for r in kept] == [1, 3]  # beta does not fit: dropped whole, gamma still fits
    assert "beta" not in prompt and prompt.count("gamma") == 20
    assert "[1] f1.md" in prompt and "[2] f3.md" in prompt


def test_attribute_finds_supporting_source() -> None:
    srcs = [R(1, "The warranty lasts two years."), R(2, "Descaling runs for twenty minutes.")]
    assert attribute("It runs for twenty minutes.", srcs) == [2]
    assert attribute("Bananas are yellow.", srcs) == []


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory, models_dir, embedder):
    from localrag.config import Paths, Settings
    from localrag.core import Localrag

    h = tmp_path_factory.mktemp("answers")
    (h / "models").symlink_to(models_dir, target_is_directory=True)
    app = Localrag(Paths(h, h), Settings())
    app._embedder = embedder
    app.add([str(SAMPLES)])
    app.index()
    yield app
    app.close()


@pytest.mark.slow
def test_real_model_answers_from_the_pdf_page(sample_app) -> None:
    streamed: list[str] = []
    ans = sample_app.ask("How long does the descaling program run?", on_text=streamed.append)
    assert ans.found
    assert "".join(streamed).strip() == ans.text
    assert re.search(r"20|twenty", ans.text, re.I)
    cited = [c for c in ans.citations if c.cited]
    assert cited and cited[0].result.path.endswith("espresso-machine-manual.pdf") and cited[0].result.page == 2
    for n in re.findall(r"\[(\d+)\]", ans.text):
        assert 1 <= int(n) <= len(ans.citations)


@pytest.mark.slow
def test_real_model_says_when_nothing_is_relevant(sample_app) -> None:
    ans = sample_app.ask("Who won the 1998 football world cup final?")
    assert not ans.found and ans.text == NOTHING_FOUND
    assert ans.nearest and not ans.citations


@pytest.mark.slow
def test_context_window_is_respected(sample_app) -> None:
    sample_app.settings.top_k = 40  # far more passages than a 1k window holds
    gen = sample_app.generator
    prompt, kept = build_prompt("What is a decorator?", sample_app.search("What is a decorator?", k=40), gen.count,
                                budget=1024 - sample_app.settings.max_answer_tokens)
    assert 0 < len(kept) < 40
    assert gen.count(prompt) <= 1024 - sample_app.settings.max_answer_tokens


class FakeGen:
    """Pure-logic stand-in for the streaming loop; the real model is tested above."""

    n_ctx = 2048

    def __init__(self, pieces: list[str]):
        self.pieces = pieces

    def count(self, text: str) -> int:
        return len(text.split())

    def stream(self, *a, **k):
        yield from self.pieces


@pytest.mark.parametrize("pieces, expected", [
    (["It", " runs for twenty minutes.\n", "\n[2] junk.pdf"], "It runs for twenty minutes."),
    (["\n\n", "Twenty", " minutes", ".\n\nQuestion: more"], "Twenty minutes."),
    (["Runs twenty minutes [1", "] and [9] more"], "Runs twenty minutes [1] and  more"),
])
def test_answer_stops_at_the_paragraph_and_checks_citations(pieces: list[str], expected: str) -> None:
    srcs = [R(1, "The descaling program runs for twenty minutes.")]
    ans = answer("q?", srcs, FakeGen(pieces), 100, 0.0, 0.25)
    assert ans.text.startswith(expected)
    assert "[9]" not in ans.text and ans.citations[0].cited


def test_relevance_uses_meaning_and_shared_words() -> None:
    from localrag.answer import relevant_enough

    page = R(1, "Troubleshooting. If the coffee runs too fast, grind finer. The warranty lasts two years.")
    page.similarity = 0.18
    assert relevant_enough("How long is the warranty?", [page], 0.25)
    assert not relevant_enough("What is the capital of Mongolia?", [page], 0.25)
    page.similarity = 0.05
    assert not relevant_enough("How long is the warranty?", [page], 0.25)
    page.similarity = 0.3
    assert relevant_enough("anything at all", [page], 0.25)
