"""Downloads from a Hugging Face hub (huggingface.co, or a mirror that serves its API) through
``huggingface_hub``: it resolves the file (redirects, a person's token for gated models), reads
the sha256 the hub states for every LFS file, which ``catalog.pull`` checks the file against
before it is used, and streams it, retrying a dropped connection. What came is kept in a
``.part`` file, so the next pull resumes it (``hf_hub_download`` itself starts over)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from localrag import __version__
from localrag.errors import LocalragError
from localrag.models.bundled import ByteProgress

HUB_HOST = "huggingface.co"
_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<path>.+)$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class HubFile:
    """A file of a hub repository, as a ``.../{owner}/{repo}/resolve/{revision}/{path}`` URL names it."""

    endpoint: str  # "https://huggingface.co", or a mirror's
    repo_id: str
    revision: str
    filename: str

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).netloc


def hub_file(url: str) -> HubFile | None:
    """The hub file a URL names, or None for any other URL."""
    parts = urlsplit(url)
    m = _RESOLVE.match(parts.path)
    if parts.scheme not in ("http", "https") or not parts.netloc or m is None:
        return None
    return HubFile(f"{parts.scheme}://{parts.netloc}", unquote(m["repo"]), unquote(m["revision"]), unquote(m["path"]))


@dataclass(frozen=True)
class Stated:
    """What the hub says of a file before it is downloaded."""

    sha256: str | None  # an LFS file's sha256 (its etag), None for any other file
    size: int | None
    url: str  # where its bytes are (the hub redirects LFS files to a CDN)


def stated(f: HubFile, timeout: float) -> Stated:
    """The file's sha256 and size as the hub states them (one HEAD request)."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(f.repo_id, f.filename, revision=f.revision, endpoint=f.endpoint)
    try:
        meta = get_hf_file_metadata(url, token=_token(f), timeout=timeout, user_agent=_AGENT, endpoint=f.endpoint)
    except Exception as e:  # noqa: BLE001 - every failure of the library is said in one line below
        raise _said(e, f, "") from None
    etag = (meta.etag or "").strip('"').lower()
    return Stated(etag if _SHA.match(etag) else None, meta.size, meta.location or url)


def download(f: HubFile, says: Stated, part: Path, name: str, progress: ByteProgress | None) -> None:
    """The file's bytes into ``part``, after those an earlier try left there."""
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers
    from huggingface_hub.utils import logging as hub_logging

    hub_logging.set_verbosity_error()  # a retried connection is said by our own line if it fails, not logged
    have = part.stat().st_size if part.exists() else 0
    try:
        with part.open("ab") as out:
            http_get(says.url, out, resume_size=have, headers=build_hf_headers(token=_token(f), user_agent=_AGENT),
                     expected_size=says.size, tqdm_class=_bar(name, progress))
    except Exception as e:  # noqa: BLE001
        kept = part.stat().st_size if part.exists() else 0
        raise _said(e, f, f"; {kept / 1e6:.0f} MB kept, run the same command to resume" if kept else "") from None


def _token(f: HubFile) -> bool | None:
    """A person's hub token (for gated models) goes to the hub itself, never to another host."""
    return None if f.host == HUB_HOST else False


_AGENT = f"localrag/{__version__}"


def _said(e: Exception, f: HubFile, resume: str) -> LocalragError:
    """A failure of ``huggingface_hub`` as one line naming the host, the file and what to do."""
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"{f.repo_id}/{f.filename}"
    if isinstance(e, GatedRepoError):
        return LocalragError(f"{where} is gated on {f.host}: accept its licence there and log in (`hf auth login`)")
    if isinstance(e, (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError)):
        return LocalragError(f"{f.host} has no {where} at {f.revision}")
    if isinstance(e, HfHubHTTPError) and e.response is not None:
        return LocalragError(f"downloading {where} failed: HTTP {e.response.status_code} from {f.host}{resume}")
    if isinstance(e, (httpx.ConnectError, httpx.TimeoutException, LocalEntryNotFoundError)):
        return LocalragError(f"cannot reach {f.host} ({_first_line(e)}){resume}")
    return LocalragError(f"downloading {where} from {f.host} failed ({_first_line(e)}){resume}")


def _first_line(e: Exception) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0]


def _bar(name: str, progress: ByteProgress | None) -> Any:
    """A progress bar class for ``huggingface_hub`` that reports to ``progress`` and draws nothing."""
    from huggingface_hub.utils import tqdm

    class Bar(tqdm):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self.done = int(kwargs.get("initial") or 0)
            self.whole = int(kwargs.get("total") or 0)

        def update(self, n: float | None = 1) -> bool | None:
            self.done += int(n or 0)
            if progress is not None:
                progress(name, self.done, max(self.whole, self.done))
            return None

    return Bar
