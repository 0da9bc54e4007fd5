"""HTTP clients for model servers: a server on this machine is reached directly, never through
``http_proxy`` (a company proxy cannot reach the user's loopback, and must not see what is sent
there); any other through the proxy the environment names."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK or host.startswith("127.")


def client(url: str, timeout: float) -> httpx.Client:
    """A client for the server at ``url``: direct for a loopback address."""
    return httpx.Client(timeout=timeout, trust_env=not is_loopback(url))


def failure(e: httpx.HTTPError) -> str:
    """Why a request failed, in a few words (a refused connection, a timeout...)."""
    if isinstance(e, httpx.TimeoutException):
        return "timed out"
    text = str(e).strip()
    return text[:160] if text else type(e).__name__
