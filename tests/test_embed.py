"""What the loaded models keep and use between questions: recent sentence vectors, and the
cores the language model generates on."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import localrag.models.embed as embed_module
from localrag.models.embed import Embedder
from localrag.models.generator import physical_cores


def _spy(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """What reaches the model: each call's texts."""
    seen: list[list[str]] = []
    real = embedder.embed

    def embed(texts: Sequence[str], **kw: object) -> np.ndarray:
        seen.append(list(texts))
        return real(texts, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(embedder, "embed", embed)
    return seen


def test_recent_vectors_are_the_ones_embed_gives_and_only_new_texts_are_embedded(
        embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    tag = uuid.uuid4().hex[:8]  # the embedder is shared by the session's tests: texts of our own
    texts = [f"The descaling program runs for 20 minutes ({tag}).", f"Grind the beans fine ({tag}).",
             f"Water at 93 degrees ({tag})."]
    fresh = embedder.embed(texts)
    seen = _spy(embedder, monkeypatch)
    first = embedder.embed_recent(texts[:2])
    again = embedder.embed_recent([texts[2], texts[0], texts[2]])
    assert seen == [texts[:2], texts[2:]]  # the repeated text once, the known ones not at all
    assert np.allclose(first, fresh[:2], atol=1e-6)
    assert np.allclose(again, fresh[[2, 0, 2]], atol=1e-6)
    query = embedder.embed_query(texts[1])  # a question searched, then ranked against: embedded once
    assert len(seen) == 2 and np.allclose(query, fresh[1], atol=1e-6)
    query[:] = 0  # a caller's array is its own: the kept vector is untouched
    assert np.allclose(embedder.embed_recent([texts[1]]), fresh[1:2], atol=1e-6)


def test_recent_vectors_are_bounded_oldest_first(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed_module, "RECENT", 3)
    tag = uuid.uuid4().hex[:8]
    texts = [f"sentence {i} ({tag})" for i in range(5)]
    embedder.embed_recent(texts)
    seen = _spy(embedder, monkeypatch)
    embedder.embed_recent(texts[-3:])
    assert seen == []
    embedder.embed_recent(texts[:1])
    assert seen == [texts[:1]]


def test_the_language_model_generates_on_every_core_unless_told(make_app) -> None:
    cores = physical_cores()
    assert 1 <= cores <= len(os.sched_getaffinity(0))
    # counted another way: the distinct (package, core) pairs /proc/cpuinfo gives the allowed CPUs
    allowed, cpu, pairs = os.sched_getaffinity(0), -1, set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = (part.strip() for part in line.partition(":"))
        if key == "processor":
            cpu, package = int(value), ""
        elif key == "physical id":
            package = value
        elif key == "core id" and cpu in allowed:
            pairs.add((package, value))
    assert cores == len(pairs)
    assert make_app().models.generator.llm.n_threads == cores  # type: ignore[union-attr]
    assert make_app(llm_threads=1).models.generator.llm.n_threads == 1  # type: ignore[union-attr]


def test_what_another_thread_prints_while_a_model_loads_is_kept(models_dir: Path,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    """A first question loads the model on a thread of its own while the main thread may print an
    answer (a quote, a table's cell): nothing printed meanwhile may be lost, on stdout or stderr."""
    import threading

    from localrag.models.bundled import ensure_default_llm
    from localrag.models.generator import Generator

    gguf = ensure_default_llm(models_dir)
    capfd.readouterr()
    loader = threading.Thread(target=Generator, args=(gguf, 2048))
    loader.start()
    written = 0
    while loader.is_alive() or written < 50:
        os.write(1, b"o")
        os.write(2, b"e")
        written += 1
    loader.join()
    out, err = capfd.readouterr()
    assert (out.count("o"), err.count("e")) == (written, written)


def test_a_reused_prompt_prefix_gives_what_a_fresh_model_gives(make_app) -> None:
    """The sliding-window layers keep only their window (``swa_full=False``: less memory), so a
    prompt sharing a prefix with the one before cannot always reuse its cache: llama.cpp says so
    and the prompt is read again. Either way the tokens must be the ones a fresh model makes."""
    from localrag.models.generator import Generator

    gen = make_app().models.generator
    assert gen.llm.context_params.swa_full is False  # type: ignore[union-attr]
    passage = " ".join(f"Line {i}: the descaling program of machine {i} runs for {i + 10} minutes." for i in range(60))
    first = passage + "\nQuestion: how long does machine 3 descale?\nAnswer:"
    second = passage + "\nQuestion: how long does machine 41 descale?\nAnswer:"
    assert gen.count(first) > 1024  # longer than the bundled model's window (512)
    said = ["".join(gen.stream(p, 8, 0.0, ["\n"])) for p in (first, first, second)]  # type: ignore[union-attr]
    alone = ["".join(Generator(gen.model_path, gen.n_ctx).stream(p, 8, 0.0, ["\n"]))  # type: ignore[union-attr, arg-type]
             for p in (first, second)]  # each prompt on a model that has read nothing before
    assert said == [alone[0], alone[0], alone[1]]
    assert alone[0] != alone[1]
