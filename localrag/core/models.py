"""``rag.models``: the embedding and language models, loaded on first use (a command that needs
none never pays for one), and the answer models a person can list, pull and choose."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from localrag.core.runtime import Runtime
from localrag.errors import LocalragError
from localrag.models.bundled import ByteProgress, resolve_llm_path
from localrag.models.embed import Embedder, expected_identity

if TYPE_CHECKING:
    from localrag.models.generator import Generator
    from localrag.models.remote import RemoteGenerator
    from localrag.models.verifier import Verifier


@dataclass
class ModelList:
    """What `localrag models` shows: the answer model in use, the GGUFs on disk, the catalog and
    the model servers running here."""
    in_use: str
    installed: list[dict[str, Any]] = field(default_factory=list)
    catalog: list[dict[str, Any]] = field(default_factory=list)
    servers: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"in_use": self.in_use, "installed": self.installed, "catalog": self.catalog, "servers": self.servers}


class Models:
    def __init__(self, rt: Runtime, embedder: Embedder | None = None):
        """``embedder``: an embedding model already loaded (tests share one; it is checked
        against the index as one loaded here would be)."""
        self._rt = rt
        self._embedder: Embedder | None = None
        if embedder is not None:
            rt.store.vectors.check_model(embedder.info.fingerprint, embedder.info.name)
            self._embedder = embedder
        self._generator: Generator | RemoteGenerator | None = None
        self._ahead: threading.Thread | None = None
        # one lock a model: a search never waits for the language model to load
        self._embed_lock = threading.Lock()
        self._gen_lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is not None:
            return self._embedder
        with self._embed_lock:
            if self._embedder is None:
                rt = self._rt
                name, fingerprint = expected_identity(rt.settings.embed_model)
                rt.store.vectors.check_model(fingerprint, name)  # refuse before loading (or downloading) anything
                emb = self.load_embedder(rt.settings.embed_model, rt.settings.embed_threads)
                rt.store.vectors.check_model(emb.info.fingerprint, emb.info.name)
                self._embedder = emb
            return self._embedder

    def load_embedder(self, name: str, threads: int) -> Embedder:
        """A new embedding model, not yet the one in use (reindex adopts it once loaded)."""
        return Embedder(name, self._rt.paths.models_dir, threads, self._rt.model_progress, cuda=self._embed_cuda())

    def adopt_embedder(self, emb: Embedder) -> None:
        self._embedder = emb

    @property
    def generator(self) -> Generator | RemoteGenerator:
        with self._gen_lock:
            if self._generator is None:
                s = self._rt.settings
                if s.llm == "openai":
                    from localrag.models.remote import RemoteGenerator

                    self._generator = RemoteGenerator(s.llm_url, s.llm_remote_model, s.llm_api_key_env, s.n_ctx,
                                                      api=s.llm_api)
                else:
                    from localrag.models.generator import Generator

                    path = resolve_llm_path(s.llm_model, self._rt.paths.models_dir, self._rt.model_progress)
                    self._generator = Generator(path, s.n_ctx, s.n_gpu_layers, main_gpu=s.main_gpu, threads=s.llm_threads)
                    if s.n_gpu_layers > 0 and not self._generator.gpu:
                        self._rt.notes.append("n_gpu_layers is set, but this llama-cpp-python build has no GPU "
                                              "support: running on the CPU (reinstall it with "
                                              "CMAKE_ARGS=\"-DGGML_CUDA=on\")")
            return self._generator

    def load_generator_ahead(self) -> None:
        """Start loading the local answer model on a thread of its own while a question's passages
        are found: a first question waits for the two models' loads at once, not one after the
        other. A failure is left to the answer's own load, which meets it again and says it."""
        if self._rt.settings.llm != "local" or self._generator is not None or (
                self._ahead is not None and self._ahead.is_alive()):
            return

        def load() -> None:
            try:
                _ = self.generator
            except Exception:  # noqa: BLE001 - said by the answer's own load, or by none if nothing is answered
                pass

        self._ahead = threading.Thread(target=load, name="localrag-load-llm")
        self._ahead.start()

    def chat_generator(self) -> Generator | RemoteGenerator | None:
        """The language model if it is a chat model (one that can write a summary), else None,
        without loading a base model only to learn that it is one."""
        s = self._rt.settings
        gen = self._generator
        if gen is None and s.llm == "local":
            from localrag.models.generator import has_chat_template

            if not has_chat_template(resolve_llm_path(s.llm_model, self._rt.paths.models_dir, self._rt.model_progress)):
                return None
        gen = gen or self.generator
        return gen if gen.chat else None

    @property
    def verifier(self) -> Verifier | None:
        """The answerability verifier when the settings use it (``verifier = true``); loaded once
        per process, shared by every Localrag in it."""
        if not self._rt.settings.verifier:
            return None
        from localrag.models.verifier import bundled_verifier

        return bundled_verifier()

    def _embed_cuda(self) -> bool:
        if not self._rt.settings.embed_gpu:
            return False
        import onnxruntime

        if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            return True
        self._rt.notes.append("embed_gpu is set, but onnxruntime has no CUDA provider (install fastembed-gpu): "
                              "embedding on the CPU")
        return False

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence vectors for ranking: recent ones, those embedded ahead, then the rest."""
        return self.embedder.embed_recent(texts, self._rt.store.sentences.lookup)

    def loaded(self) -> tuple[str | None, str | None]:
        """(embedding model, language model) labels of what is loaded now; None: not yet."""
        emb, gen = self._embedder, self._generator
        llm = None
        if gen is not None:
            llm = (gen.model_path.name if isinstance(gen.model_path, Path) else str(gen.model_path)) + (
                " (GPU)" if gen.gpu else "")
        return (emb.info.name.split(" (")[0] if emb else None), llm

    def reload(self) -> None:
        """Drop the loaded language model; the next answer loads the one the settings name."""
        with self._gen_lock:
            self._generator = None

    def check_answer_model(self) -> None:
        """A wrong model file is said even if nothing answers."""
        s = self._rt.settings
        if s.llm == "local" and s.llm_model not in ("", "default"):
            resolve_llm_path(s.llm_model, self._rt.paths.models_dir)

    def available(self, probe: bool = True) -> ModelList:
        """The answer model in use, the GGUFs on disk, the catalog, and (``probe``) the model
        servers running on this machine."""
        from localrag.models.catalog import installed_files, load_catalog, probe_servers
        from localrag.models.catalog import to_json as catalog_json

        s, paths = self._rt.settings, self._rt.paths
        catalog = load_catalog(paths.config_dir)
        by_file = {m.file: m.name for m in catalog.values()}
        in_use = (f"{s.llm_remote_model or 'server model'} at {s.llm_url}" if s.llm == "openai" else
                  "default" if s.llm_model in ("", "default") else s.llm_model)
        installed: list[dict[str, Any]] = [
            {"name": "default", "path": None, "title": "Gemma 3 270M base, Q4_K_M (bundled)", "size_mb": 253,
             "in_use": s.llm == "local" and s.llm_model in ("", "default")}]
        for p in installed_files(paths.models_dir):
            installed.append({"name": by_file.get(p.name, p.name), "path": str(p), "title": p.name,
                              "size_mb": round(p.stat().st_size / 1e6), "in_use": s.llm == "local" and s.llm_model == str(p)})
        if s.llm == "local" and not any(i["in_use"] for i in installed):
            installed.append({"name": s.llm_model, "path": s.llm_model, "title": Path(s.llm_model).name, "size_mb": None,
                              "in_use": True})
        have = {i["name"] for i in installed}
        servers = probe_servers(s.model_servers) if probe else []
        return ModelList(in_use, installed,
                         [dict(catalog_json(m), installed=m.name in have) for m in catalog.values()],
                         [vars(v) | {"in_use": s.llm == "openai" and s.llm_url == v.url and s.llm_remote_model == v.model}
                          for v in servers])

    def pull(self, name: str, progress: ByteProgress | None = None) -> Path:
        """Download a catalog model (resuming an earlier try), checked by sha256."""
        from localrag.models.catalog import load_catalog, pull

        catalog = load_catalog(self._rt.paths.config_dir)
        if name not in catalog:
            raise LocalragError(f"no model {name!r} in the catalog: `localrag models` lists them")
        return pull(catalog[name], self._rt.paths.models_dir, progress)

    def use(self, name: str) -> str:
        """Make ``name`` the answer model, saved in the settings: ``default``, a pulled catalog
        model, a GGUF path, or a server model ``available`` shows (``ollama/NAME``, ``server/NAME``)."""
        from localrag.models.catalog import load_catalog, model_path, probe_servers

        s, paths = self._rt.settings, self._rt.paths
        if name == "default":
            s.llm, s.llm_model, label = "local", "default", "the bundled Gemma 3 270M"
        elif name.startswith(("ollama/", "server/")):
            found = {v.name: v for v in probe_servers(s.model_servers)}
            if name not in found:
                running = ", ".join(found) or "none answered"
                raise LocalragError(f"no server model {name!r} is running (found: {running})")
            v = found[name]
            s.llm, s.llm_url, s.llm_remote_model, s.llm_api, label = "openai", v.url, v.model, "chat", f"{v.model} at {v.url}"
        else:
            catalog = load_catalog(paths.config_dir)
            if name in catalog:
                path = model_path(paths.models_dir, catalog[name])
                if not path.exists():
                    raise LocalragError(f"{name} is not downloaded yet: run `localrag models pull {name}`")
            elif os.path.exists(os.path.expanduser(name)):
                path = resolve_llm_path(name, paths.models_dir)  # a GGUF file: checked, or one line why not
            else:
                raise LocalragError(f"no model {name!r}: not in the catalog, not a file, not a running server's "
                                    "(`localrag models` lists them)")
            s.llm, s.llm_model, label = "local", str(path), name
        s.save(paths)
        self.reload()
        return label
