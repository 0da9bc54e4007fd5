"""Where localrag keeps its files, and the user's settings (a TOML file beside the data).

``LOCALRAG_HOME`` puts everything (config, database, models) under one folder, so tests and
benchmarks never touch the user's real directories.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from localrag.errors import LocalragError
from localrag.home import home_dirs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_EMBED_MODEL = "default"  # the bundled all-MiniLM-L6-v2 int8
DEFAULT_LLM_MODEL = "default"  # the bundled Gemma 3 270M Q4_K_M
# The best evidence sentence's score under which an answer abstains. Calibrated on the shared
# SQuAD 2.0 articles (250 answerable, 250 unanswerable questions): it abstains on 11% of the
# unanswerable and 0.4% of the answerable ones; 0.64 gives 22% and 1.6%, 0.70 gives 33% and 5%.
# Refusing a question the files answer is the worse error, so the threshold is the low one.
MIN_EVIDENCE = 0.55
# where `localrag models` looks for running model servers: Ollama's port, llama.cpp's server, llama-cpp-python's
MAX_K = 1000  # passages a search returns at the most (settings and -k alike)
DEFAULT_SERVERS = ("http://127.0.0.1:11434", "http://127.0.0.1:8080/v1", "http://127.0.0.1:8000/v1")


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    models_override: Path | None = None  # a temp index (eval --trec) re-uses the user's models

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def db_file(self) -> Path:
        return self.data_dir / "index.db"

    @property
    def models_dir(self) -> Path:
        return self.models_override or self.data_dir / "models"

    def ensure(self) -> None:
        """Create the folders readable by the user only: they hold private text."""
        for d in (self.config_dir, self.data_dir, self.models_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)


def get_paths() -> Paths:
    config_dir, data_dir = home_dirs()
    return Paths(config_dir=Path(config_dir), data_dir=Path(data_dir))


# Every number a user sets, with what makes sense: outside these, work is unbounded (a top_k of
# a billion, a nan file limit) or the model cannot run (a context of 10 tokens).
BOUNDS: dict[str, tuple[float, float]] = {
    "top_k": (1, MAX_K), "n_ctx": (256, 1 << 20), "max_answer_tokens": (1, 32_768),
    "temperature": (0.0, 5.0), "min_score": (-1.0, 1.0), "min_evidence": (-10.0, 10.0),
    "max_file_mb": (0.001, 1e6), "embed_threads": (0, 1024), "llm_threads": (0, 1024), "main_gpu": (0, 64), "n_gpu_layers": (-1, 100_000),
    "summary_words": (30, 2000), "warm_sentences": (0, 100_000_000),
}

_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list of texts"}


@dataclass
class Settings:
    """Everything a user may change; unknown keys in the file are refused with a message."""

    embed_model: str = DEFAULT_EMBED_MODEL
    llm_model: str = DEFAULT_LLM_MODEL
    llm: str = "local"  # "local" (a GGUF through llama-cpp-python) or "openai" (a chat-completions server)
    llm_url: str = ""  # for llm = "openai", e.g. http://127.0.0.1:8080/v1
    llm_api: str = "chat"  # "chat" for instruction-tuned server models, "completions" for base models
    llm_remote_model: str = ""  # the model name to ask the server for, if it serves several
    llm_api_key_env: str = ""  # the environment variable holding the server's API key, if any
    main_gpu: int = 0
    embed_gpu: bool = False  # fastembed's CUDA provider (needs fastembed-gpu)
    n_ctx: int = 4096
    n_gpu_layers: int = -1  # all layers when the build has a GPU; ignored on CPU builds
    max_answer_tokens: int = 384
    temperature: float = 0.2
    top_k: int = 5
    search_mode: str = "hybrid"
    min_score: float = 0.25  # below this cosine similarity and without keyword hits, "nothing relevant"
    min_evidence: float = MIN_EVIDENCE  # best sentence's score below this: the files do not seem to answer
    max_file_mb: float = 50.0
    summary_words: int = 150  # a summary's quotes, all together: what reads in one glance
    model_servers: list[str] = field(default_factory=lambda: list(DEFAULT_SERVERS))  # loopback only: `models` lists them
    verifier: bool = False  # the trained answerability verifier also decides which quotes can support an answer (opt-in: README)
    ocr: bool = True  # read PDF pages without a text layer by OCR, when the `ocr` extra is installed
    ignore: list[str] = field(default_factory=list)  # gitignore-style patterns on top of the built-in rules
    embed_threads: int = 0  # 0: onnxruntime decides
    llm_threads: int = 0  # 0: one per physical core
    warm_sentences: int = 100_000  # sentence vectors the service embeds ahead while idle (~1.6 KB each); 0: none
    embed_url: str = ""  # an OpenAI-compatible embeddings server (http://gpu-box:8080/v1) that embeds what indexing needs
    embed_url_model: str = ""  # the model name to ask it for: the same model as embed_model (checked by a probe)
    embed_api_key_env: str = ""  # the environment variable holding its API key, if any

    @classmethod
    def load(cls, paths: Paths) -> Settings:
        f = paths.config_file
        if not f.exists():
            return cls()
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise LocalragError(f"cannot read settings file {f}: {e}") from None
        known = {fl.name: fl for fl in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise LocalragError(f"unknown setting(s) {', '.join(unknown)} in {f}")
        defaults = cls()
        for key, value in data.items():  # each value must have its setting's type, named if not
            want = type(getattr(defaults, key))
            ok = isinstance(value, want) and not (want is not bool and isinstance(value, bool))
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                data[key], ok = float(value), True
            if want is list and ok and not all(isinstance(v, str) for v in value):
                ok = False
            if not ok:
                raise LocalragError(f"{key} in {f} must be {_TYPE_NAMES[want]}, not {value!r}")
        s = cls(**data)
        s.validate(f)
        return s

    def validate(self, where: Path | str = "settings") -> None:
        if self.llm not in ("local", "openai"):
            raise LocalragError(f"llm must be local or openai (in {where})")
        if self.llm == "openai" and not self.llm_url:
            raise LocalragError(f"llm = openai needs llm_url, e.g. http://127.0.0.1:8080/v1 (in {where})")
        if self.search_mode not in ("hybrid", "vector", "keyword"):
            raise LocalragError(f"search_mode must be hybrid, vector or keyword (in {where})")
        for key, (lo, hi) in BOUNDS.items():
            value = getattr(self, key)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
                raise LocalragError(f"{key} must be between {lo:g} and {hi:g}, not {value!r} (in {where})")

    def save(self, paths: Paths) -> None:
        """Written whole under a name of its own, then moved into place: two writers at once
        (the TUI's settings and `config set`) never mix their files."""
        paths.ensure()
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=paths.config_file.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                tomli_w.dump(asdict(self), fh)
            os.replace(tmp, paths.config_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def set(self, key: str, value: str) -> None:
        """Set one key from its text form (the CLI's `config set`), with the field's type."""
        known = {fl.name: fl for fl in fields(self)}
        if key not in known:
            raise LocalragError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
        current: Any = getattr(self, key)
        try:
            if isinstance(current, bool):  # a typo ("ture") is refused, not read as false
                words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
                if value.lower() not in words:
                    raise LocalragError(f"{key} must be true or false, not {value!r}")
                new: Any = words[value.lower()]
            elif isinstance(current, int):
                new = int(value)
            elif isinstance(current, float):
                new = float(value)
            elif isinstance(current, list):
                new = [v.strip() for v in value.split(",") if v.strip()]
            else:
                new = value
        except ValueError:
            raise LocalragError(f"{key} needs a {type(current).__name__}, not {value!r}") from None
        setattr(self, key, new)
        self.validate()
