"""``rag.health``: whether the index agrees with itself (`doctor`), and what is indexed with
which models (`status`)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from localrag.config import Settings
from localrag.core.index import Index
from localrag.core.runtime import Runtime
from localrag.store.health import DoctorReport


@dataclass
class Status:
    """`localrag status`: the index's counts, the models, the GPU this build can use."""
    folders: list[dict[str, Any]]
    files: int
    chunks: int
    vectors: int
    sentence_vectors: int
    coverage: dict[str, Any]
    failed: list[dict[str, Any]]
    stale: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    db_path: str
    db_bytes: int
    embed_model: dict[str, Any]
    llm_model: str
    gpu: dict[str, Any]
    config_file: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Health:
    def __init__(self, rt: Runtime, index: Index):
        self._rt = rt
        self._index = index

    def doctor(self, repair: bool = False) -> DoctorReport:
        """Whether documents, chunks, keywords and vectors agree, each disagreement with its
        severity; ``repair`` mends them without re-embedding what is intact."""
        store = self._rt.store
        with store.writer_lock():
            return store.health.doctor(repair)

    def status(self) -> Status:
        rt = self._rt
        s, paths = rt.settings, rt.paths
        rec = rt.store.vectors.model_record()
        size = sum(os.path.getsize(p) for p in (paths.db_file, Path(str(paths.db_file) + "-wal")) if os.path.exists(p))
        llm = s.llm_model if s.llm == "local" else f"{s.llm_remote_model or 'server model'} at {s.llm_url}"
        return Status(**self._index.stats(), db_path=str(paths.db_file), db_bytes=size,
                      embed_model={"setting": s.embed_model, "indexed_with": rec[0] if rec else None,
                                   "dim": rec[1] if rec else None},
                      llm_model=llm, gpu=gpu_report(s), config_file=str(paths.config_file))


def gpu_report(settings: Settings) -> dict[str, Any]:
    """What GPU offload this installation can do, for `status` (imports are cheap here)."""
    out: dict[str, Any] = {"llm_layers_setting": settings.n_gpu_layers, "embed_gpu_setting": settings.embed_gpu}
    try:
        import llama_cpp

        out["llm_gpu_build"] = bool(llama_cpp.llama_supports_gpu_offload())
    except ImportError:
        out["llm_gpu_build"] = False
    try:
        import onnxruntime

        out["embed_providers"] = onnxruntime.get_available_providers()
    except ImportError:
        out["embed_providers"] = []
    return out
