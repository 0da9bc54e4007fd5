"""A generator on an OpenAI-compatible chat-completions server (llama.cpp's server, vLLM,
Ollama...). Retrieval and the index stay local; only the prompt goes to the server the user
named. Streaming is read as server-sent events with the standard library."""

from __future__ import annotations

import http.client
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence

from localrag.errors import LocalragError
from localrag.models.urls import urlopen

CHARS_PER_TOKEN = 3.0  # no tokenizer for a remote model: count conservatively


class RemoteGenerator:
    gpu = False

    def __init__(self, url: str, model: str = "", api_key_env: str = "", n_ctx: int = 4096, timeout: float = 120,
                 api: str = "chat"):
        """``api``: "chat" (/chat/completions, for instruction-tuned models: the server applies
        the chat template) or "completions" (/completions, the raw prompt, for base models)."""
        if api not in ("chat", "completions"):
            raise LocalragError(f"llm_api must be chat or completions, not {api!r}")
        self.api = api
        if not url.startswith(("http://", "https://")):
            raise LocalragError(f"llm_url must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self.model = model
        self.model_path = f"{model or 'server model'} at {self.url}"
        self.n_ctx = n_ctx
        self.timeout = timeout
        self.api_key = os.environ.get(api_key_env, "") if api_key_env else ""
        if api_key_env and not self.api_key:
            raise LocalragError(f"the environment variable {api_key_env} (the LLM server's API key) is not set")

    def count(self, text: str) -> int:
        return int(len(text) / CHARS_PER_TOKEN) + 1

    @property
    def chat(self) -> bool:
        """The server applies the model's chat template: answers take the chat form."""
        return self.api == "chat"

    def stream(self, prompt: str, max_tokens: int, temperature: float, stop: Sequence[str],
               cancel: threading.Event | None = None) -> Iterator[str]:
        body: dict = {"max_tokens": max_tokens, "temperature": temperature, "stream": True, "stop": list(stop)[:4]}
        if self.api == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        return self._stream(body, cancel)

    def stream_chat(self, messages: list[dict], max_tokens: int, temperature: float,
                    cancel: threading.Event | None = None) -> Iterator[str]:
        return self._stream({"max_tokens": max_tokens, "temperature": temperature, "stream": True,
                             "messages": messages}, cancel, endpoint="chat/completions")

    def _stream(self, body: dict, cancel: threading.Event | None, endpoint: str = "") -> Iterator[str]:
        if self.model:
            body["model"] = self.model
        endpoint = endpoint or ("chat/completions" if self.api == "chat" else "completions")
        req = urllib.request.Request(f"{self.url}/{endpoint}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Accept": "text/event-stream",
                                              **({"Authorization": f"Bearer {self.api_key}"} if self.api_key else {})})
        try:
            resp = urlopen(req, self.timeout)
        except urllib.error.HTTPError as e:
            detail = e.read(300).decode("utf-8", "replace").strip()
            raise LocalragError(f"the LLM server at {self.url} refused the request ({e.code}: {detail[:160]})") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise LocalragError(f"cannot reach the LLM server at {self.url} ({reason})") from None
        got_any = False
        try:
            with resp:
                for raw in resp:
                    if cancel is not None and cancel.is_set():
                        return
                    line = raw.decode("utf-8", "replace").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        choice = json.loads(data)["choices"][0]
                    except (ValueError, KeyError, IndexError, TypeError):
                        continue
                    piece = (choice.get("delta") or {}).get("content") or choice.get("text") or ""
                    if piece:
                        got_any = True
                        yield piece
                    if choice.get("finish_reason"):
                        return
            why = "the stream ended without finishing"  # a server that dies may just close the connection
        except (OSError, http.client.HTTPException) as e:
            why = type(e).__name__
        where = "mid-answer" if got_any else "before answering"
        raise LocalragError(f"the LLM server at {self.url} went away {where} ({why}); "
                            "what was written so far is kept")

