"""Bulk embedding on a bigger machine: any OpenAI-compatible ``/v1/embeddings`` server
(text-embeddings-inference, Infinity, vLLM, Ollama, llama.cpp's server) embeds what indexing
needs, while questions are still embedded here by the same model. Before any vector is kept,
the server must give a fixed probe text the vector the local model gives it: vectors of two
models never mix, whatever the server calls its model."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from localrag.errors import LocalragError
from localrag.models.embed import Embedder

PROBE = "localrag probe: the quick brown fox jumps over the lazy dog, 42 times."
SAME_MODEL = 0.99  # cosine of the probe's two vectors; runtimes differ in rounding, models differ a lot more


class ServerError(LocalragError):
    """The server cannot be used (unreachable, gone part-way, another model): the indexer keeps
    what it embedded before and stops the meaning phase."""


class EmbeddingServer:
    def __init__(self, url: str, model: str, api_key_env: str = "", timeout: float = 300):
        if not url.startswith(("http://", "https://")):
            raise LocalragError(f"embed_url must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.api_key = os.environ.get(api_key_env, "") if api_key_env else ""
        if api_key_env and not self.api_key:
            raise LocalragError(f"the environment variable {api_key_env} (the embedding server's API key) is not set")

    def check(self, local: Embedder) -> None:
        """Refuse a server whose model is not the local one (by dimension and the probe's vector)."""
        theirs = self.embed([PROBE])[0]
        ours = local.embed([PROBE])[0]
        if theirs.shape != ours.shape:
            raise ServerError(f"the embedding server at {self.url} gives {theirs.shape[0]}-dimension vectors but "
                                f"{local.info.name} gives {ours.shape[0]}: set embed_url_model to the same model")
        sim = float(theirs @ ours)
        if sim < SAME_MODEL:
            raise ServerError(f"the embedding server at {self.url} serves a different model than {local.info.name} "
                                f"(probe similarity {sim:.2f}): set embed_url_model to the same model")

    def embed(self, texts: Sequence[str], batch_size: int | None = None,
              on_row: Callable[[int], None] | None = None) -> np.ndarray:
        """L2-normalised float32 rows in the input order, like ``Embedder.embed`` (64 texts a request)."""
        batch_size = batch_size or 64
        rows: list[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            rows.extend(self._post(list(texts[start: start + batch_size])))
            if on_row:
                on_row(len(rows))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        out = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def _post(self, texts: list[str]) -> list[np.ndarray]:
        # imported here: every command that indexes imports this module, few of them use a server
        import httpx

        from localrag.models.urls import client, failure

        body = {"input": texts, **({"model": self.model} if self.model else {})}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            with client(self.url, self.timeout) as http:
                resp = http.post(f"{self.url}/embeddings", json=body, headers=headers)
            if resp.is_error:
                detail = resp.text[:300].strip()
                raise ServerError(f"the embedding server at {self.url} refused the request "
                                  f"({resp.status_code}: {detail[:160]})")
            data = resp.json()
        except (httpx.HTTPError, ValueError) as e:
            reason = failure(e) if isinstance(e, httpx.HTTPError) else "not JSON"
            raise ServerError(f"cannot reach the embedding server at {self.url} ({reason})") from None
        try:
            items = sorted(data["data"], key=lambda d: d.get("index", 0))
            vecs = [np.asarray(d["embedding"], dtype=np.float32) for d in items]
        except (KeyError, TypeError, ValueError):
            raise ServerError(f"the embedding server at {self.url} sent an answer that is not an embeddings list") from None
        if len(vecs) != len(texts) or any(v.ndim != 1 or v.shape != vecs[0].shape for v in vecs):
            raise ServerError(f"the embedding server at {self.url} sent {len(vecs)} vectors for {len(texts)} texts")
        return vecs
