"""The local generator: a GGUF model through llama-cpp-python, loaded once and kept, streaming
completions (base models) or chat completions (instruction-tuned ones, whose GGUF carries a
chat template)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from localrag.errors import LocalragError


class Generator:
    """A loaded GGUF model. Loading is the slow part, so one instance serves many questions."""

    def __init__(self, model_path: Path, n_ctx: int, n_gpu_layers: int = -1, seed: int = 0, main_gpu: int = 0,
                 threads: int = 0):
        import llama_cpp

        _quiet(llama_cpp)
        self.model_path = model_path
        self.seed = seed  # every generation starts from it: one question, one answer, in any process
        gpu = llama_cpp.llama_supports_gpu_offload()
        self.gpu = bool(gpu)
        try:
            self.llm: Any = llama_cpp.Llama(  # its stubs type the streams as unions of both kinds
                model_path=str(model_path), n_ctx=n_ctx, n_gpu_layers=n_gpu_layers if gpu else 0,
                main_gpu=main_gpu, verbose=False, seed=seed, n_threads=threads or physical_cores(),
                swa_full=False,  # a sliding-window layer keeps only its window (the bundled Gemma: 40 MB less)
            )
        except (ValueError, RuntimeError) as e:
            raise LocalragError(f"cannot load model {model_path}: {str(e).splitlines()[0][:160]}") from None
        self.n_ctx = self.llm.n_ctx()
        # An instruction-tuned GGUF carries its chat template; a base model (the bundled one) does not.
        self.chat = bool(self.llm.metadata.get("tokenizer.chat_template"))
        self._lock = threading.Lock()

    def count(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def stream(self, prompt: str, max_tokens: int, temperature: float, stop: Sequence[str],
               cancel: threading.Event | None = None) -> Iterator[str]:
        with self._lock:  # one generation at a time per loaded model
            for part in self.llm.create_completion(prompt, max_tokens=max_tokens, temperature=temperature,
                                                   top_p=0.9, repeat_penalty=1.15, stop=list(stop), stream=True,
                                                   seed=self.seed):
                if cancel is not None and cancel.is_set():
                    break
                yield part["choices"][0]["text"]

    def stream_chat(self, messages: list[dict], max_tokens: int, temperature: float,
                    cancel: threading.Event | None = None) -> Iterator[str]:
        with self._lock:
            for part in self.llm.create_chat_completion(messages, max_tokens=max_tokens, temperature=temperature,
                                                        top_p=0.9, stream=True, seed=self.seed):
                if cancel is not None and cancel.is_set():
                    break
                yield (part["choices"][0].get("delta") or {}).get("content") or ""


def physical_cores() -> int:
    """Cores of this process's CPUs, hyperthread siblings counted once. llama-cpp-python's own
    default (half the logical CPUs, guessing two threads a core) leaves a core idle on machines
    without SMT, such as most small VMs."""
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set(range(os.cpu_count() or 1))
    siblings: set[str] = set()
    for cpu in allowed:
        try:
            siblings.add(Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list").read_text().strip())
        except OSError:
            return max(len(allowed) // 2, 1)  # no topology to read (macOS): llama.cpp's own guess
    return max(len(siblings), 1)


_CHAT_TEMPLATES: dict[tuple[str, int], bool] = {}


def has_chat_template(model_path: Path) -> bool:
    """Whether a GGUF is instruction-tuned (it carries a chat template), read from its vocabulary
    and metadata alone: a fraction of a second and of the memory a full load takes."""
    import llama_cpp

    key = (str(model_path), model_path.stat().st_mtime_ns)
    if key not in _CHAT_TEMPLATES:
        _quiet(llama_cpp)
        try:
            meta = llama_cpp.Llama(model_path=str(model_path), vocab_only=True, verbose=False).metadata
        except (ValueError, RuntimeError) as e:
            raise LocalragError(f"cannot load model {model_path}: {str(e).splitlines()[0][:160]}") from None
        _CHAT_TEMPLATES[key] = bool(meta.get("tokenizer.chat_template"))
    return _CHAT_TEMPLATES[key]


def _quiet(llama_cpp: object) -> None:
    """llama.cpp writes its load log straight to stderr; a user should not see it. The log goes to
    a callback that drops it. llama-cpp-python's own way, ``verbose=False``, also points the whole
    process's stdout and stderr at /dev/null while a model loads, so whatever another thread
    printed meanwhile was lost (an answer shown while the model loaded ahead, the TUI's screen;
    abetlen/llama-cpp-python#1874): that redirection is turned off."""
    try:
        cb_type = llama_cpp.llama_log_callback  # type: ignore[attr-defined]

        @cb_type
        def _noop(level: int, text: bytes, user_data: object) -> None:
            return None

        llama_cpp.llama_log_set(_noop, None)  # type: ignore[attr-defined]
        _quiet.keep = _noop  # type: ignore[attr-defined]  # the C side holds a pointer: keep it alive
    except AttributeError:
        pass
    import llama_cpp._internals as internals
    import llama_cpp.llama as llama

    for module in (llama, internals):  # each looks the name up at every load
        if hasattr(module, "suppress_stdout_stderr"):
            module.suppress_stdout_stderr = _no_redirect  # type: ignore[attr-defined]


def _no_redirect(disable: bool = True) -> contextlib.nullcontext[None]:
    return contextlib.nullcontext()
