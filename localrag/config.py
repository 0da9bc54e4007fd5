"""Where localrag keeps its files, and the user's settings (a TOML file beside the data).

``LOCALRAG_HOME`` puts everything (config, database, models) under one folder, so tests and
benchmarks never touch the user's real directories.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


def _within(key: str) -> Any:
    lo, hi = BOUNDS[key]
    return Field(ge=lo, le=hi, allow_inf_nan=False)


_TYPE_NAMES = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
               "list": "a list of texts"}


class Settings(BaseModel):
    """Everything a user may change, validated by pydantic: an unknown key, a value of the wrong
    type or out of its bounds is refused in one line naming the key and what it may be."""

    model_config = ConfigDict(extra="forbid", strict=True)

    embed_model: str = DEFAULT_EMBED_MODEL
    llm_model: str = DEFAULT_LLM_MODEL
    llm: Literal["local", "openai"] = "local"  # a GGUF through llama-cpp-python, or a chat-completions server
    llm_url: str = ""  # for llm = "openai", e.g. http://127.0.0.1:8080/v1
    llm_api: Literal["chat", "completions"] = "chat"  # chat: instruction-tuned server models; completions: base ones
    llm_remote_model: str = ""  # the model name to ask the server for, if it serves several
    llm_api_key_env: str = ""  # the environment variable holding the server's API key, if any
    main_gpu: Annotated[int, _within("main_gpu")] = 0
    embed_gpu: bool = False  # fastembed's CUDA provider (needs fastembed-gpu)
    n_ctx: Annotated[int, _within("n_ctx")] = 4096
    n_gpu_layers: Annotated[int, _within("n_gpu_layers")] = -1  # all layers when the build has a GPU
    max_answer_tokens: Annotated[int, _within("max_answer_tokens")] = 384
    temperature: Annotated[float, _within("temperature")] = 0.2
    top_k: Annotated[int, _within("top_k")] = 5
    search_mode: Literal["hybrid", "vector", "keyword"] = "hybrid"
    min_score: Annotated[float, _within("min_score")] = 0.25  # below this cosine and no keyword hit: "nothing relevant"
    min_evidence: Annotated[float, _within("min_evidence")] = MIN_EVIDENCE  # the best sentence under it: "do not seem to answer"
    max_file_mb: Annotated[float, _within("max_file_mb")] = 50.0
    summary_words: Annotated[int, _within("summary_words")] = 150  # a summary's quotes, all together
    model_servers: list[str] = Field(default_factory=lambda: list(DEFAULT_SERVERS))  # loopback only: `models` lists them
    verifier: bool = False  # the trained answerability verifier also decides which quotes can support an answer
    ocr: bool = True  # read PDF pages without a text layer by OCR, when the `ocr` extra is installed
    ignore: list[str] = Field(default_factory=list)  # gitignore-style patterns on top of the built-in rules
    embed_threads: Annotated[int, _within("embed_threads")] = 0  # 0: onnxruntime decides
    llm_threads: Annotated[int, _within("llm_threads")] = 0  # 0: one per physical core
    warm_sentences: Annotated[int, _within("warm_sentences")] = 100_000  # sentence vectors embedded ahead; 0: none
    embed_url: str = ""  # an OpenAI-compatible embeddings server (http://gpu-box:8080/v1) that embeds what indexing needs
    embed_url_model: str = ""  # the model name to ask it for: the same model as embed_model (checked by a probe)
    embed_api_key_env: str = ""  # the environment variable holding its API key, if any

    @model_validator(mode="after")
    def _a_server_needs_its_address(self) -> Settings:
        if self.llm == "openai" and not self.llm_url:
            raise ValueError("llm = openai needs llm_url, e.g. http://127.0.0.1:8080/v1")
        return self

    @classmethod
    def load(cls, paths: Paths) -> Settings:
        f = paths.config_file
        if not f.exists():
            return cls()
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise LocalragError(f"cannot read settings file {f}: {e}") from None
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise LocalragError(f"unknown setting(s) {', '.join(unknown)} in {f}")
        return cls.checked(data, f)

    @classmethod
    def checked(cls, data: dict[str, Any], where: Path | str | None = "settings", strict: bool = True) -> Settings:
        """Settings from ``data``, or the first thing wrong with it as one line."""
        try:
            return cls.model_validate(data, strict=strict)
        except ValidationError as e:
            raise LocalragError(_first_error(e) + (f" (in {where})" if where else "")) from None

    def validate(self, where: Path | str = "settings") -> None:  # type: ignore[override]
        """Checks values set on the object after it was made (the CLI's -k, the TUI's fields)."""
        Settings.checked(self.model_dump(), where)

    def save(self, paths: Paths) -> None:
        """Written whole under a name of its own, then moved into place: two writers at once
        (the TUI's settings and `config set`) never mix their files."""
        paths.ensure()
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=paths.config_file.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                tomli_w.dump(self.model_dump(), fh)
            os.replace(tmp, paths.config_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def set(self, key: str, value: str) -> None:
        """Set one key from its text form (the CLI's `config set`, the TUI's fields): pydantic reads
        "true"/"off"/"1" as a yes or no, "5" as a number; a list is written "a, b"."""
        if key not in Settings.model_fields:
            raise LocalragError(f"unknown setting {key!r}; known: {', '.join(sorted(Settings.model_fields))}")
        text: Any = value
        if isinstance(getattr(self, key), list):
            text = [v.strip() for v in value.split(",") if v.strip()]
        new = Settings.checked({**self.model_dump(), key: text}, None, strict=False)
        setattr(self, key, getattr(new, key))


def _first_error(e: ValidationError) -> str:
    """A pydantic error as a person reads it: the key, what it may be, what it was."""
    err = e.errors()[0]
    key = ".".join(str(x) for x in err["loc"])
    value, kind, ctx = err.get("input"), err["type"], err.get("ctx") or {}
    if not key:  # a rule over several keys
        return str(ctx.get("error", err["msg"]))
    if key in BOUNDS and kind in ("greater_than_equal", "less_than_equal", "finite_number"):
        lo, hi = BOUNDS[key]
        return f"{key} must be between {lo:g} and {hi:g}, not {value!r}"
    if kind == "literal_error":
        return f"{key} must be {ctx.get('expected', '')}, not {value!r}"
    if kind == "extra_forbidden":
        return f"unknown setting {key!r}"
    field = key.split(".")[0]
    name = type(Settings.model_fields[field].get_default(call_default_factory=True)).__name__
    return f"{field} must be {_TYPE_NAMES.get(name, name)}, not {value!r}"
