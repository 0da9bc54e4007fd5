"""Opening URLs: a server on this machine is reached directly, never through ``http_proxy``
(a company proxy cannot reach the user's loopback, and must not see what is sent there)."""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK or host.startswith("127.")


def urlopen(req: urllib.request.Request | str, timeout: float) -> Any:
    """``urllib.request.urlopen``, but direct for a loopback address."""
    url = req if isinstance(req, str) else req.full_url
    if is_loopback(url):
        return _DIRECT.open(req, timeout=timeout)
    return urllib.request.urlopen(req, timeout=timeout)
