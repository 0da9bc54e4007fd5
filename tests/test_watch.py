"""The watcher on a real folder: `localrag watch` in a subprocess, polled through `search --json`."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from localrag.indexing.watch import Watcher

from .conftest import clean_index_of, cli_json, run_cli
from .waiting import wait_for


def paths_for(app, word: str) -> set[str]:
    return {r.path for r in app.library.search(word, k=500, mode="keyword")}


@pytest.fixture()
def watched(make_app, docs):
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    lines: list[str] = []
    w = Watcher(app.index, lambda s: lines.extend(str(c) for c in s.changes), lines.append, debounce=0.2)
    w.start()
    assert w.ready.wait(30) and w.state.running
    yield app, w, lines
    w.stop()


def test_create_edit_rename_delete_files_and_dirs(watched, docs: Path) -> None:
    app, w, lines = watched
    (docs / "new.md").write_text("Zeppelins float on hydrogen.\n")
    wait_for(lambda: str(docs / "new.md") in paths_for(app, "zeppelins"))
    (docs / "new.md").write_text("Zeppelins float on helium nowadays.\n")
    wait_for(lambda: paths_for(app, "helium"))
    (docs / "new.md").rename(docs / "airships.md")
    wait_for(lambda: paths_for(app, "helium") == {str(docs / "airships.md")})
    wait_for(lambda: any(x.startswith("> ") for x in lines))  # told after the run that made it searchable
    (docs / "garden").rename(docs / "allotment")
    wait_for(lambda: paths_for(app, "tomatoes") == {str(docs / "allotment" / "tomatoes.rst")})
    (docs / "airships.md").unlink()
    wait_for(lambda: not paths_for(app, "helium"))
    import shutil

    shutil.rmtree(docs / "allotment")
    wait_for(lambda: not paths_for(app, "tomatoes"))
    st = app.health.status()
    assert st.files == 2 and st.vectors == st.chunks


def test_atomic_save_and_temp_files(watched, docs: Path) -> None:
    app, w, lines = watched
    target = docs / "tea.txt"
    tmp = docs / ".tea.txt.swp"
    tmp.write_text("Oolong is roasted and steeps at 90 degrees.\n")  # vim-style swap: ignored
    (docs / "tea.txt~").write_text("backup oolong\n")
    tmp2 = docs / "tea.txt.tmp"
    tmp2.write_text("Oolong is roasted and steeps at 90 degrees.\n")
    os.replace(tmp2, target)  # the editor's atomic save
    wait_for(lambda: paths_for(app, "oolong") == {str(target)})
    (docs / "sentinel.md").write_text("Sentinel penguins.\n")  # its event comes after all the above
    wait_for(lambda: paths_for(app, "penguins"))  # so every earlier event has been handled by now
    assert paths_for(app, "oolong") == {str(target)} and paths_for(app, "green") == set()
    tmp.unlink()


def test_burst_of_files_is_batched_and_consistent(watched, docs: Path) -> None:
    app, w, lines = watched
    burst = docs / "burst"
    burst.mkdir()
    for i in range(300):
        (burst / f"n{i:03}.txt").write_text(f"Burst note {i} about quasar{i % 3}.\n")
    wait_for(lambda: app.health.status().files == 303, timeout=120)
    assert len(paths_for(app, "quasar1")) == 100


def test_own_database_in_a_watched_folder_is_never_indexed(make_app, tmp_path: Path, monkeypatch) -> None:
    from localrag.config import Paths, Settings
    from localrag.core import Localrag

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text("alpha note\n")
    home = folder / "localrag-data"
    app = Localrag(Paths(home, home), Settings())
    app.index.add([str(folder)])
    app.index.update()
    (home / "db-notes.md").write_text("inside the data dir\n")
    app.index.update()
    assert {Path(p).name for p in paths_for(app, "note")} == {"a.md"}
    assert not paths_for(app, "inside")
    app.close()


def watching(make_app, folder: Path, **options):
    """An index of ``folder`` and a started watcher on it, its messages collected."""
    app = make_app()
    app.index.add([str(folder)])
    app.index.update()
    msgs: list[str] = []
    w = Watcher(app.index, None, msgs.append, **options)
    w.start()
    assert w.ready.wait(30)
    return app, w, msgs


def test_missing_folder_is_reported_and_reconciled_when_back(make_app, tmp_path: Path) -> None:
    d = tmp_path / "usb"
    d.mkdir()
    (d / "x.md").write_text("removable drive note\n")
    app, w, msgs = watching(make_app, d, debounce=0.2, check_every=0.3)
    d.rename(tmp_path / "usb-away")
    wait_for(lambda: any("folder not found" in m for m in msgs))
    assert paths_for(app, "removable")  # its index is kept while it is away
    (tmp_path / "usb-away").rename(d)
    (d / "y.md").write_text("added while away\n")
    wait_for(lambda: paths_for(app, "away"))
    assert any("folder is back" in m for m in msgs)
    w.stop()


def test_watch_cli_and_restart_reconciles_to_a_fresh_index(home: Path, docs: Path, tmp_path: Path) -> None:
    run_cli("add", str(docs), home=home)
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    p = subprocess.Popen([sys.executable, "-m", "localrag", "watch"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    said: list[str] = []  # read on a thread, so the wait below can time out
    reader = threading.Thread(target=lambda: said.extend(iter(p.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("watching" in line for line in said), timeout=60)
        (docs / "live.md").write_text("Narwhals have one long tusk.\n")

        def found() -> bool:
            res = cli_json("search", "narwhals tusk", "--mode", "keyword", home=home)["results"]
            return bool(res) and res[0]["path"] == str(docs / "live.md")

        wait_for(found, timeout=60, every=0.3)
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(timeout=30)
        reader.join(5)
        out = p.stdout.read()
    assert p.returncode == 0 and "Traceback" not in "".join(said)
    assert f"+ {docs / 'live.md'} (1 chunks)" in out
    # changes while no watcher runs: caught up on the next start (here: `index`), equal to a fresh index
    (docs / "tea.txt").unlink()
    (docs / "offline.md").write_text("Written while localrag was off.\n")
    run_cli("index", home=home)
    fresh = clean_index_of(docs, home, tmp_path / "fresh-home")

    def snapshot(h: Path) -> list:
        st = cli_json("status", home=h)
        rows = cli_json("search", "tea tusk offline coffee tomatoes", "-k", "50", "--mode", "keyword", home=h)
        return [st["files"], st["chunks"], sorted((r["path"], r["text"], r["start_line"]) for r in rows["results"])]

    assert snapshot(home) == snapshot(fresh)


def test_inotify_limit_falls_back_to_rescans(make_app, docs: Path, monkeypatch) -> None:
    import errno

    from watchdog.observers import Observer

    def no_watches(self, *a, **kw):  # the OS refusing more watches is the one part we cannot cause here
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(Observer, "schedule", no_watches)
    app, w, msgs = watching(make_app, docs, rescan_every=0.5)
    assert w.state.polling and any("max_user_watches" in m for m in msgs)
    (docs / "polled.md").write_text("Found by a periodic rescan.\n")
    wait_for(lambda: paths_for(app, "periodic"))
    w.stop()


def test_an_edit_during_the_catch_up_scan_is_not_missed(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    real_update = app.index.update
    calls: list[object] = []

    def update(*a, **k):  # the catch-up scan; a file is saved just as it finishes
        stats = real_update(*a, **k)
        if not calls:
            (docs / "late.md").write_text("Narwhals have one long tusk.\n")
        calls.append(k.get("scope"))
        return stats

    app.index.update = update  # type: ignore[method-assign]
    w = Watcher(app.index, debounce=0.2)
    w.start()
    try:
        assert w.ready.wait(30)
        wait_for(lambda: paths_for(app, "narwhals") == {str(docs / "late.md")})
        wait_for(lambda: len(calls) >= 2)  # the run that made it searchable returns just after its commit
        assert calls[0] is None and len(calls) >= 2  # the scan, then the event it did not see
    finally:
        w.stop()


def test_an_unexpected_indexing_error_does_not_stop_the_watcher(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    real_update = app.index.update
    failures: list[str] = []

    def update(*a, **k):
        if k.get("scope") is not None and not failures:
            failures.append("once")
            raise OSError(5, "Input/output error")  # a flaky disk, a bug: anything but LocalragError
        return real_update(*a, **k)

    app.index.update = update  # type: ignore[method-assign]
    messages: list[str] = []
    w = Watcher(app.index, on_message=messages.append, debounce=0.2)
    w.start()
    try:
        assert w.ready.wait(30)
        (docs / "a.md").write_text("Axolotls regrow limbs.\n")
        wait_for(lambda: failures and any("still watching" in m for m in messages))
        (docs / "b.md").write_text("Axolotls live in lakes.\n")
        # a.md's failed batch is tried again: nothing is lost
        wait_for(lambda: paths_for(app, "axolotls") == {str(docs / "a.md"), str(docs / "b.md")})
        assert w.state.running
    finally:
        w.stop()


def test_a_batch_that_meets_a_busy_index_is_retried_not_lost(make_app, docs: Path, monkeypatch) -> None:
    """A LocalragError (here a real busy index: another connection holds the write lock) keeps
    the batch, says so, and tries again with back-off until it goes through."""
    import apsw

    from localrag.store import connection

    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 300)  # a busy index is said in 0.3 s, not 30
    app, w, messages = watching(make_app, docs, debounce=0.1)
    held = apsw.Connection(str(app.paths.db_file))
    try:
        held.execute("BEGIN IMMEDIATE")  # another process writes for a while
        (docs / "kiwis.md").write_text("Kiwis are flightless birds of New Zealand.\n", encoding="utf-8")
        wait_for(w.retry_note)
        assert "to index again" in w.retry_note() and "busy" in w.retry_note()
        assert any("will index these changes again in 1s" in m for m in messages), messages
        # tried again while still busy: kept, and the next try waits longer
        wait_for(lambda: any("will index these changes again in 2s" in m for m in messages), 30, "a second, longer wait")
        assert w.retry_note()
    finally:
        held.execute("COMMIT")
        held.close()
    try:
        wait_for(lambda: paths_for(app, "flightless") == {str(docs / "kiwis.md")}, 90)
        wait_for(lambda: not w.retry_note(), 10)
    finally:
        w.stop()
