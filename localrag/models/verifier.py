"""localrag's answerability verifier: a small cross-encoder, trained in ``training/verifier/``,
that reads a question with a sentence and says whether the sentence answers it.

It ships in the wheel as int8 ONNX with its tokenizer and card (``verifier/`` beside this
package's ``catalog.toml``), and runs on onnxruntime and tokenizers: no torch at run time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from localrag.errors import LocalragError

BUNDLED = Path(__file__).resolve().parents[1] / "verifier"
BATCH = 32


@dataclass(frozen=True)
class Card:
    """What the card's ``verifier.json`` fixes: the threshold calibrated on held-out articles,
    the length the model was trained at, and the hashes of its files."""

    threshold: float
    max_length: int
    sha256: dict[str, str]


def read_card(folder: Path) -> Card:
    try:
        raw = json.loads((folder / "verifier.json").read_text(encoding="utf-8"))
        return Card(float(raw["threshold"]), int(raw["max_length"]), dict(raw["sha256"]))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise LocalragError(f"the answer verifier in {folder} is incomplete ({e}): reinstall localrag") from e


class Verifier:
    """Loaded once per process and shared: onnxruntime sessions may be run from many threads."""

    def __init__(self, folder: Path = BUNDLED):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.card = read_card(folder)
        try:
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = ort.SessionOptions()
            options.intra_op_num_threads = 2  # a check of 30 sentences: more threads only contend with the generator
            self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime and tokenizers raise their own kinds for a damaged file
            raise LocalragError(f"the answer verifier in {folder} cannot be loaded ({e}): reinstall localrag") from e
        self.tokenizer.enable_truncation(self.card.max_length)
        self.tokenizer.enable_padding()
        self.threshold = self.card.threshold
        self._inputs = {i.name for i in self.session.get_inputs()}

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """The probability that each text answers the question, in batches of similar length."""
        out = np.zeros(len(texts), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for a in range(0, len(order), BATCH):
            idx = order[a:a + BATCH]
            enc = self.tokenizer.encode_batch([(question, texts[i]) for i in idx])
            feed = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                    "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
            logits = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0][:, 0]
            out[idx] = 1.0 / (1.0 + np.exp(-logits))
        return out


_lock = threading.Lock()
_loaded: dict[Path, Verifier] = {}


def bundled_verifier(folder: Path = BUNDLED) -> Verifier:
    """The process's one copy (the service, the TUI and the MCP server keep it warm)."""
    with _lock:
        if folder not in _loaded:
            _loaded[folder] = Verifier(folder)
        return _loaded[folder]
