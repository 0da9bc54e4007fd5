"""Text to vectors through fastembed, plus the token counts the chunker needs.

Embedding is the cost everything else hides behind, so texts are embedded in batches of
similar length: padding a short text to its batch's longest is pure waste.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

from localrag.errors import LocalragError
from localrag.models.bundled import (
    EMBED_DIM,
    EMBED_MAX_TOKENS,
    EMBED_MODEL_ID,
    EMBED_NAME,
    EMBED_ONNX_SHA256,
    ByteProgress,
    ensure_default_embed_model,
)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    dim: int
    fingerprint: str
    max_tokens: int


def expected_identity(setting: str) -> tuple[str, str]:
    """(name, fingerprint) a setting will produce, known before loading anything."""
    if setting in ("", "default"):
        return EMBED_NAME, EMBED_ONNX_SHA256
    return setting, f"fastembed:{setting}"


class _Arena:
    """onnxruntime's memory arena keeps the peak of the largest batch it ever ran for the process's
    life (a long-lived service held hundreds of MB it had needed once). A run told to shrink the
    arena gives that back at its end. Shrinking after every batch slows a long embedding (each
    batch grows the arena again), so a call of one batch shrinks as it runs and a longer call
    shrinks once, with a tiny run after its last batch (bench/embed_memory.py)."""

    def __init__(self, model: object):
        import onnxruntime as ort

        self.model = model
        self.shrink = False
        session = getattr(getattr(model, "model", None), "model", None)  # fastembed's ONNX session
        if not isinstance(session, ort.InferenceSession):
            self.options = None
            return
        self.options = ort.RunOptions()
        self.options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        run = session.run

        def run_then_maybe_shrink(output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
            return run(output_names, input_feed, run_options or (self.options if self.shrink else None))

        session.run = run_then_maybe_shrink  # type: ignore[method-assign]

    def give_back(self) -> None:
        """A one-word run that shrinks the arena: what the last batches grew goes back."""
        if self.options is None:
            return
        self.shrink = True
        try:
            list(self.model.embed(["."]))  # type: ignore[attr-defined]
        finally:
            self.shrink = False


RECENT = 4096  # vectors of sentences and questions kept for the next question: about 7 MB


class Embedder:
    """One loaded embedding model. Vectors are L2-normalised float32 rows."""

    def __init__(self, setting: str, models_dir: Path, threads: int = 0, progress: ByteProgress | None = None,
                 cuda: bool = False):
        # Imported here: fastembed pulls in onnxruntime, which costs a second at start-up.
        from fastembed import TextEmbedding
        from fastembed.common.model_description import ModelSource, PoolingType

        if setting in ("", "default"):
            files = ensure_default_embed_model(models_dir, progress)
            if not any(m["model"] == EMBED_MODEL_ID for m in TextEmbedding.list_supported_models()):
                TextEmbedding.add_custom_model(
                    model=EMBED_MODEL_ID,
                    pooling=PoolingType.MEAN,
                    normalization=True,
                    sources=ModelSource(hf="sentence-transformers/all-MiniLM-L6-v2"),
                    dim=EMBED_DIM,
                    model_file="model.onnx",
                )
            self.model = TextEmbedding(
                EMBED_MODEL_ID, specific_model_path=str(files.path), threads=threads or None, local_files_only=True,
                cuda=cuda,
            )
            self.info = ModelInfo(files.name, EMBED_DIM, files.fingerprint, EMBED_MAX_TOKENS)
        else:
            supported = {m["model"].lower(): m for m in TextEmbedding.list_supported_models()}
            desc = supported.get(setting.lower())
            if desc is None:
                raise LocalragError(f"unknown embedding model {setting!r}: name a fastembed model or 'default'")
            cache = models_dir / "fastembed"
            try:
                self.model = TextEmbedding(setting, cache_dir=str(cache), threads=threads or None, cuda=cuda)
            except Exception as e:  # fastembed raises bare exceptions for download failures
                raise LocalragError(f"cannot load embedding model {setting}: {str(e).splitlines()[0][:200]}") from None
            self.info = ModelInfo(setting, int(desc["dim"]), expected_identity(setting)[1], self._max_tokens())
        self.batch_size = 8 if cuda else 1
        self._arena = _Arena(self.model)
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()
        # A private copy of the exact tokenizer the model sees, without truncation or padding,
        # so counts are true lengths.
        from tokenizers import Tokenizer

        self._counter = Tokenizer.from_str(self._tokenizer().to_str())
        self._counter.no_truncation()
        self._counter.no_padding()

    def _tokenizer(self) -> Tokenizer:
        """The tokenizer fastembed runs (it may load it lazily)."""
        inner = self.model.model
        if getattr(inner, "tokenizer", None) is None and hasattr(inner, "_ensure_tokenizer"):
            inner._ensure_tokenizer()
        return inner.tokenizer  # type: ignore[attr-defined]  # fastembed's ONNX models all have one

    def _max_tokens(self) -> int:
        t = self._tokenizer().truncation
        return int(t["max_length"]) if t else 512

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token counts including the model's special tokens."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str], batch_size: int | None = None,
              on_row: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed texts in length-sorted batches; rows come back in the input order.

        On a CPU one text a run: batching saves nothing there once texts are sorted by length,
        and attention memory grows with the batch (bench/ingest.py measured batch 1 against 8
        faster, with half the peak memory and none of its growth with the folder; batch 8 had
        beaten 32 the same way). A GPU keeps batches of 8, where they pay.
        ``on_row(n)`` is told how many rows are done, for progress bars."""
        if not texts:
            return np.zeros((0, self.info.dim), dtype=np.float32)
        batch_size = batch_size or self.batch_size
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.info.dim), dtype=np.float32)
        sorted_texts = [texts[i] for i in order]
        one_batch = len(texts) <= batch_size
        self._arena.shrink = one_batch
        try:
            for pos, vec in enumerate(self.model.embed(sorted_texts, batch_size=batch_size)):
                out[order[pos]] = vec
                if on_row and (pos + 1) % batch_size == 0:
                    on_row(pos + 1)
        finally:
            self._arena.shrink = False
        if not one_batch:
            self._arena.give_back()
        if on_row:
            on_row(len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def embed_recent(self, texts: Sequence[str],
                     stored: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None) -> np.ndarray:
        """``embed``, reusing the vectors of texts a recent call embedded: a follow-up question
        about the same passages ranks the same sentences again, and a question's own vector was
        made by its search. ``stored`` gives vectors embedded ahead (by this model) of texts not
        recent. A text's vector does not depend on the batch it was embedded in, so the rows are
        the ones ``embed`` would give."""
        if not texts:
            return np.zeros((0, self.info.dim), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        with self._recent_lock:
            known = {t: self._recent[t] for t in unique if t in self._recent}
        missing = [t for t in unique if t not in known]
        if missing and stored is not None:
            known.update(stored(missing))
            missing = [t for t in missing if t not in known]
        if missing:
            known.update((t, v.copy()) for t, v in zip(missing, self.embed(missing)))  # rows, not views pinning the batch
        with self._recent_lock:
            for t in unique:
                self._recent[t] = known[t]
                self._recent.move_to_end(t)
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def forget_recent(self) -> None:
        """Drop the recent vectors: the next call embeds as a fresh process would (a measure of
        a question asked first about its passages)."""
        with self._recent_lock:
            self._recent.clear()

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_recent([text])[0]

