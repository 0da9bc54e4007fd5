"""Tests run on the real parts: real SQLite files, the real bundled embedding model and GGUF.

Every test gets its own ``LOCALRAG_HOME``; the assembled model files are shared between them
(a symlinked ``models`` folder) so each test does not copy 280 MB again.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from localrag.config import Paths, Settings
from localrag.core import Localrag
from localrag.models.embed import Embedder

# Tests stop `localrag watch` and `serve` with SIGINT, as Ctrl-C does. A runner started as a
# shell's background job has SIGINT ignored, and every process it starts would inherit that and
# never stop; a handler of our own is reset to the default in each child instead.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "assets" / "sample-docs"


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def embedder(models_dir: Path) -> Embedder:
    return Embedder("default", models_dir)


@pytest.fixture()
def home(tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    (h / "models").symlink_to(models_dir, target_is_directory=True)
    monkeypatch.setenv("LOCALRAG_HOME", str(h))
    return h


@pytest.fixture(scope="session")
def samples_index(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Path:
    """The sample documents indexed once by `localrag add`, for every test that needs them indexed
    but tests something else (adding is tested where it is the subject)."""
    h = tmp_path_factory.mktemp("samples-home")
    (h / "models").symlink_to(models_dir, target_is_directory=True)
    run_cli("add", str(SAMPLES), home=h)
    assert not (h / "index.db-wal").exists()  # all of it in the one file a test copies
    return h / "index.db"


@pytest.fixture()
def samples_home(home: Path, samples_index: Path) -> Path:
    """``home`` holding its own copy of the samples' index: what `localrag add SAMPLES` leaves."""
    shutil.copy2(samples_index, home / "index.db")
    return home


@pytest.fixture()
def make_app(home: Path, embedder: Embedder) -> Iterator[Callable[..., Localrag]]:
    """Builds exactly what the CLI builds, re-using the loaded embedding model."""
    apps: list[Localrag] = []

    def make(**settings: object) -> Localrag:
        s = Settings(**settings)  # type: ignore[arg-type]
        app = Localrag(Paths(home, home), s, embedder=embedder if s.embed_model == "default" else None)
        apps.append(app)
        return app

    yield make
    for a in apps:
        a.close()


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    (d / "coffee.md").write_text(
        "# Coffee\n\n## Grinding\n\nGrind the beans fine, like table salt.\n\n"
        "## Brewing\n\nThe water should be at 93 degrees Celsius.\nExtract 36 grams in 28 seconds.\n",
        encoding="utf-8")
    (d / "tea.txt").write_text("Green tea wants water at 80 degrees and steeps for two minutes.\n", encoding="utf-8")
    sub = d / "garden"
    sub.mkdir()
    (sub / "tomatoes.rst").write_text(
        "Tomatoes\n========\n\nPlant tomatoes after the last frost, sixty centimetres apart.\n", encoding="utf-8")
    return d


# root without the powers that let it read any file: how a test that needs "permission denied"
# runs where CI runs, as root (a normal user is bound by permissions already)
AS_A_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []


def run_cli(*args: str, home: Path, check: bool = True, timeout: float = 300,
            as_user: bool = False) -> subprocess.CompletedProcess[str]:
    """The installed command, in a subprocess, as a user runs it (``as_user``: bound by file
    permissions even when the tests run as root)."""
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    prefix = AS_A_USER if as_user else []
    p = subprocess.run([*prefix, sys.executable, "-m", "localrag", *args], capture_output=True, text=True, env=env,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise AssertionError(f"localrag {' '.join(args)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def run_inprocess(*args: str, home: Path, capsys: pytest.CaptureFixture[str],
                  check: bool = True) -> subprocess.CompletedProcess[str]:
    """The CLI's ``main`` in this process, for tests where a subprocess adds nothing but start-up
    time: the same parsing, core calls and one-line errors, the same result shape as run_cli."""
    from localrag.cli import main

    capsys.readouterr()
    old = os.environ.get("LOCALRAG_HOME")
    os.environ["LOCALRAG_HOME"] = str(home)
    try:
        code = main(list(args))
    except SystemExit as e:  # argparse's usage errors
        code = int(e.code or 0)
    finally:
        if old is None:
            os.environ.pop("LOCALRAG_HOME", None)
        else:
            os.environ["LOCALRAG_HOME"] = old
    out, err = capsys.readouterr()
    if check and code != 0:
        raise AssertionError(f"localrag {' '.join(args)} exited {code}\n{out}\n{err}")
    return subprocess.CompletedProcess(["localrag", *args], code, out, err)


def cli_json(*args: str, home: Path) -> dict:
    return json.loads(run_cli(*args, "--json", home=home).stdout)


def clean_index_of(folder: Path, home: Path, where: Path) -> Path:
    """A second home at ``where`` holding a fresh index of ``folder`` (models shared with
    ``home``): the state every incremental path must end in."""
    where.mkdir()
    (where / "models").symlink_to(home / "models")
    run_cli("add", str(folder), home=where)
    return where
