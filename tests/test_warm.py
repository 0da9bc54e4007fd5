"""Sentences embedded ahead (``rag.resident.warm_sentences``): the same answers, with only the question
embedded; the vectors follow their chunks and their model; the work stops when told."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from localrag.answering.sentences import embed_texts, split
from localrag.core import Localrag
from localrag.search.retrieve import Result

QUESTIONS = ["How long does the descaling program run?", "What is a Python generator?",
             "How long does the boiler take to warm up?", "Which folders are skipped when indexing?"]


def sentence_texts(app: Localrag) -> set[str]:
    """Every text an answer may embed for ranking, by evidence's own rules."""
    out: set[str] = set()
    for cid, text, heading in app.store.db.execute("SELECT id, text, heading FROM chunks"):
        out.update(embed_texts(split([Result(cid, "", 0.0, text, heading, None, None, None)])))
    return out


def never() -> bool:
    return False


@pytest.fixture()
def counted(embedder, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many texts each call of the shared embedding model embeds."""
    calls: list[int] = []
    real = embedder.embed

    def embed(texts: Sequence[str], *a: object, **k: object) -> np.ndarray:
        calls.append(len(texts))
        return real(texts, *a, **k)

    monkeypatch.setattr(embedder, "embed", embed)
    return calls


@pytest.mark.slow
def test_answers_are_the_same_and_only_the_question_is_embedded(samples_home: Path, make_app: Callable[..., Localrag],
                                                                embedder, counted: list[int]) -> None:
    app = make_app()

    def answers() -> list[tuple[str, list[tuple[str, str]]]]:
        out = []
        for q in QUESTIONS:
            embedder.forget_recent()  # nothing recent: each question as the first about its passages
            a = app.library.ask(q)
            out.append((a.text, [(e.text, e.location()) for e in a.evidence]))
        return out

    counted.clear()
    before = answers()
    embedded_before = sum(counted)
    stored, done = app.resident.warm_sentences(never)
    assert done and stored == app.store.sentences.count() == len(sentence_texts(app))
    assert app.resident.warm_sentences(never) == (0, True)  # all done: nothing embedded twice
    assert app.health.status().sentence_vectors == stored  # what status shows
    counted.clear()
    after = answers()
    assert after == before
    assert all(a[1] for a in after)  # each answer has its quotes
    assert sum(counted) == len(QUESTIONS), counted  # each question, and no sentence
    assert embedded_before > 10 * len(QUESTIONS)  # without them, dozens of sentences a question


def test_the_work_stops_when_told_and_at_its_limit(make_app: Callable[..., Localrag], docs: Path) -> None:
    app = make_app(warm_sentences=1)
    app.index.add([str(docs)])
    app.index.update()
    assert app.resident.warm_sentences(lambda: True) == (0, False)
    stored, done = app.resident.warm_sentences(never)
    assert done and 1 <= stored < len(sentence_texts(app)), stored  # stops at the step past its limit
    assert app.resident.warm_sentences(never) == (0, True)
    assert make_app(warm_sentences=0).resident.warm_sentences(never) == (0, True)  # 0: none at all
    stored2, done = make_app().resident.warm_sentences(never)
    assert done and stored + stored2 == len(sentence_texts(app))


def test_sentence_vectors_follow_their_chunks_and_their_model(make_app: Callable[..., Localrag], docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    app.resident.warm_sentences(never)
    texts = sentence_texts(app)
    assert set(app.store.sentences.lookup(sorted(texts))) == texts
    old = "Green tea wants water at 80 degrees and steeps for two minutes."
    assert app.store.sentences.lookup([old])
    (docs / "tea.txt").write_text("Black tea wants boiling water and steeps for four minutes.\n", encoding="utf-8")
    app.index.update()
    assert not app.store.sentences.lookup([old])  # the edited text's vector went with its chunk
    assert app.store.sentences.cold_chunks(1 << 62, 10)  # the new text waits for its own
    assert app.resident.warm_sentences(never)[0] >= 1
    assert app.store.sentences.lookup(["Black tea wants boiling water and steeps for four minutes."])
    v = np.zeros((1, app.models.embedder.info.dim), dtype=np.float32)
    assert not app.store.sentences.add(["x"], ["a text"], ["x"], v, "another model's fingerprint")
    assert not app.store.sentences.lookup(["a text"])  # never stored beside another model's vectors
    app.store.vectors.reset_vectors()  # what reindex does first
    assert app.store.sentences.count() == 0
    assert app.store.scalar("SELECT count(*) FROM warm_chunks") == 0


def test_a_removed_folder_takes_its_sentence_vectors(make_app: Callable[..., Localrag], docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    app.resident.warm_sentences(never)
    assert app.store.sentences.count() > 0
    app.index.remove(str(docs))
    assert app.store.sentences.count() == 0
    assert app.store.scalar("SELECT count(*) FROM warm_chunks") == 0


@pytest.mark.slow
def test_the_tui_embeds_sentences_ahead_while_no_one_waits(home: Path, embedder, docs: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """With its own watcher, the app embeds the sentences ahead once the folder is read, answers
    from them, and does so again for a file edited while it runs."""
    import asyncio

    from textual.widgets import Input

    from localrag.config import Paths, Settings
    from localrag.core import resident
    from localrag.tui.app import build_app
    from localrag.tui.widgets import Exchange

    from .waiting import wait_until

    monkeypatch.setattr(resident, "QUIET_SECONDS", 0.5)  # the same wait for quiet, shorter: twice here

    async def run() -> None:
        app = build_app(Paths(home, home), Settings(), watch=True, blink=False, preload=False, embedder=embedder)
        app.core.index.add([str(docs)])
        async with app.run_test(size=(110, 34)) as pilot:
            core = app.core

            def all_warm() -> bool:
                return core.store.sentences.count() > 0 and not core.store.sentences.cold_chunks(1 << 62, 1)

            await wait_until(pilot, all_warm, 120, "the sentences embedded ahead")
            app.query_one("#ask-input", Input).focus()
            await pilot.press(*"How hot should the water be for coffee?", "enter")
            await wait_until(pilot, lambda: bool(app.query(Exchange)) and "93" in app.query(Exchange)[-1].text,
                             120, "the answer")
            (docs / "tea.txt").write_text("Oolong tea steeps for three minutes at 90 degrees.\n", encoding="utf-8")
            await wait_until(pilot, lambda: bool(core.store.sentences.lookup(
                ["Oolong tea steeps for three minutes at 90 degrees."])), 60, "the edited file's sentence")
            assert not [m for sev, _, m in app.told if sev == "error"]

    asyncio.run(run())


def test_the_stored_vectors_are_read_ahead_step_by_step(make_app: Callable[..., Localrag], docs: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import localrag.store.vectors as vectors_module

    app = make_app()
    assert app.store.vectors.read_ahead(0) == 0 and app.resident.read_vectors_ahead(never)  # nothing stored yet
    app.index.add([str(docs)])
    app.index.update()
    ids = [i for (i,) in app.store.db.execute("SELECT id FROM embeddings ORDER BY id")]
    monkeypatch.setattr(vectors_module, "READ_AHEAD_ROWS", 2)
    steps = [app.store.vectors.read_ahead(0)]
    while steps[-1]:
        steps.append(app.store.vectors.read_ahead(steps[-1]))
    assert steps == ids[1::2] + ([ids[-1]] if len(ids) % 2 else []) + [0]  # every row, two at a time
    assert not app.resident.read_vectors_ahead(lambda: True) and app.resident.read_vectors_ahead(never)
