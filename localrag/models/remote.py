"""A generator on an OpenAI-compatible chat-completions server (llama.cpp's server, vLLM,
Ollama...). Retrieval and the index stay local; only the prompt goes to the server the user
named. The answer streams back as server-sent events (httpx, httpx-sse)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence

import httpx
from httpx_sse import SSEError, connect_sse

from localrag.errors import LocalragError
from localrag.models.urls import client, failure

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
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        got_any = False
        try:
            with client(self.url, self.timeout) as http, \
                    connect_sse(http, "POST", f"{self.url}/{endpoint}", json=body, headers=headers) as source:
                if source.response.is_error:
                    detail = source.response.read()[:300].decode("utf-8", "replace").strip()
                    raise LocalragError(f"the LLM server at {self.url} refused the request "
                                        f"({source.response.status_code}: {detail[:160]})")
                for event in source.iter_sse():
                    if cancel is not None and cancel.is_set():
                        return
                    if event.data.strip() == "[DONE]":
                        return
                    try:
                        choice = json.loads(event.data)["choices"][0]
                    except (ValueError, KeyError, IndexError, TypeError):
                        continue
                    piece = (choice.get("delta") or {}).get("content") or choice.get("text") or ""
                    if piece:
                        got_any = True
                        yield piece
                    if choice.get("finish_reason"):
                        return
            why = "the stream ended without finishing"  # a server that dies may just close the connection
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as e:
            raise LocalragError(f"cannot reach the LLM server at {self.url} ({failure(e)})") from None
        except SSEError:
            raise LocalragError(f"the LLM server at {self.url} did not answer with a stream of events "
                                "(is llm_url an OpenAI-compatible /v1 address?)") from None
        except httpx.HTTPError as e:
            why = type(e).__name__
        where = "mid-answer" if got_any else "before answering"
        raise LocalragError(f"the LLM server at {self.url} went away {where} ({why}); "
                            "what was written so far is kept")
