"""Indexing on real files with the real embedding model and a real SQLite file."""

import os
import stat
import time
from pathlib import Path

import pytest

from localrag.errors import LocalragError, ModelMismatchError
from localrag.indexing import indexer as ingest
from localrag.store import MIGRATIONS, Store

from .conftest import cli_json, run_cli
from .test_parsers import make_pdf
from .waiting import wait_for


def chunk_paths(app) -> list[str]:
    return sorted(r[0] for r in app.store.db.execute("SELECT d.path FROM chunks c JOIN documents d ON d.id=c.doc_id"))


def test_add_index_then_nothing_to_embed(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    s1 = app.index.update()
    assert (s1.added, s1.failed, s1.scanned) == (3, 0, 3)
    assert s1.chunks_embedded == app.health.status().chunks > 0
    s2 = app.index.update()
    assert (s2.chunks_embedded, s2.added, s2.updated, s2.unchanged) == (0, 0, 0, 3)


def test_edit_reembeds_only_changed_text_and_delete_drops(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    before = app.health.status().chunks
    f = docs / "coffee.md"
    f.write_text(f.read_text().replace("93 degrees", "94 degrees"), encoding="utf-8")
    s = app.index.update()
    assert (s.updated, s.chunks_embedded, s.chunks_reused) == (1, 1, 1)  # the Grinding chunk kept its vector
    assert app.library.search("94 degrees", mode="keyword")[0].path == str(f)
    assert not app.library.search("93", mode="keyword")
    # touching without changing the content reads the file but embeds nothing
    os.utime(f, (time.time() + 5, time.time() + 5))
    assert app.index.update().chunks_embedded == 0
    f.unlink()
    s = app.index.update()
    assert s.removed == 1 and str(f) not in chunk_paths(app)
    assert app.health.status().chunks == before - 2
    n_vec = app.store.db.execute("SELECT count(*) FROM vec_bits").fetchone()[0]
    assert n_vec == app.health.status().vectors == app.health.status().chunks  # no orphan vectors


def test_keywords_first_then_meaning_resumes_after_a_stop(make_app, docs: Path, home: Path, capsys) -> None:
    """Files are searchable by keywords before their vectors exist; a run stopped while
    embedding keeps every file, says how far meaning got, and the next run embeds only the rest."""
    from .conftest import run_inprocess

    for i in range(12):
        (docs / f"note{i:02}.md").write_text(f"# Note {i}\n\nKingfisher sighting number {i} near the old mill.\n")
    app = make_app()
    app.index.add([str(docs)])
    phases: list[str] = []

    def stop_while_embedding(p: ingest.Progress) -> None:
        phases.append(p.phase)
        if p.phase == "meaning" and p.chunks_embedded > 8:  # in the second window: the first is committed
            raise KeyboardInterrupt

    orig = ingest.WINDOW_TEXTS
    ingest.WINDOW_TEXTS = 8
    try:
        s = app.index.update(stop_while_embedding)
    finally:
        ingest.WINDOW_TEXTS = orig
    assert s.interrupted and s.added == 15 and phases[0] == "keywords" and "meaning" in phases
    assert s.chunks_embedded == 8
    cov = app.health.status().coverage
    total = cov["chunks"]
    assert total >= 15 and 0 < cov["chunks_without_vectors"] < total and 0 < cov["meaning"] < 1
    # every file is found by its words, and an answer says it rests on part of the index
    assert {Path(r.path).name for r in app.library.search("kingfisher mill", k=20, mode="keyword")} == {
        f"note{i:02}.md" for i in range(12)}
    assert "covers" in (app.library.partial_note() or "") and app.library.partial_note("keyword") is None
    out = run_inprocess("status", home=home, capsys=capsys).stdout
    assert "searchable: keywords 100%, meaning" in out
    assert run_inprocess("search", "kingfisher", "--json", home=home, capsys=capsys).stdout.count('"partial": "indexing') == 1
    found = app.health.doctor().checks  # waiting texts are not damage
    assert found["chunks_without_vectors"] > 0 and not [
        k for k, v in found.items() if v and k not in ("integrity", "keyword_index_ok", "chunks_without_vectors")]
    rest = app.index.update()  # nothing re-read: the stored chunks are embedded
    assert (rest.added, rest.updated, rest.unchanged) == (0, 0, 15)
    assert rest.chunks_embedded == total - 8 - s.chunks_reused
    assert app.health.status().coverage["meaning"] == 1.0 and app.library.partial_note() is None
    assert app.library.search("a kingfisher was seen by the mill", k=1, mode="vector")[0].path.endswith(".md")


def test_move_keeps_vectors(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    (docs / "archive").mkdir()
    (docs / "tea.txt").rename(docs / "archive" / "green-tea.txt")
    s = app.index.update()
    assert (s.moved, s.removed, s.added, s.chunks_embedded) == (1, 0, 0, 0)
    assert app.library.search("green tea steeping", k=1)[0].path == str(docs / "archive" / "green-tea.txt")


def test_ignore_rules(make_app, docs: Path) -> None:
    (docs / ".hidden.md").write_text("hidden secret")
    (docs / "node_modules").mkdir()
    (docs / "node_modules" / "x.md").write_text("module secret")
    (docs / "venvx").mkdir()
    (docs / "venvx" / "pyvenv.cfg").write_text("home = /usr")
    (docs / "venvx" / "lib.py").write_text("venv secret")
    (docs / ".gitignore").write_text("build/\n*.log\n")
    (docs / "build").mkdir()
    (docs / "build" / "out.md").write_text("build secret")
    (docs / "debug.log").write_text("log secret")
    (docs / "notes.md~").write_text("backup secret")
    (docs / "drafts").mkdir()
    (docs / "drafts" / "d.md").write_text("draft secret")
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 100)
    app = make_app(ignore=["drafts/"])
    app.index.add([str(docs)])
    s = app.index.update()
    assert (s.added, s.failed) == (3, 0)
    assert not app.library.search("secret", mode="keyword")


def test_failed_files_are_recorded_and_do_not_stop_the_run(make_app, docs: Path) -> None:
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02" * 500)
    (docs / "empty.md").write_text("")
    make_pdf(docs / "manual.pdf", ["Page one is about setup.", "Descaling runs for twenty minutes."])
    app = make_app()
    app.index.add([str(docs)])
    s = app.index.update()
    reasons = {Path(f["path"]).name: f["reason"] for f in app.health.status().failed}
    assert "PDF" in reasons["broken.pdf"] and "binary" in reasons["binary.txt"] and "no text" in reasons["empty.md"]
    assert s.added == 4 and s.failed == 3
    top = app.library.search("how long does descaling run", k=1)[0]
    assert top.path.endswith("manual.pdf") and top.page == 2
    # failures of the file's own content are not retried on every run, and status says when they are
    assert app.index.update().failed == 0
    assert {f["retry"] for f in app.health.status().failed} == {"in 24 h"}


def test_a_passing_failure_is_tried_again_and_an_unreadable_folder_loses_nothing(home: Path, docs: Path) -> None:
    """Permission denied, then fixed with chmod (which changes no mtime): the next run reads the
    file. A subfolder that cannot be listed keeps its indexed files, marked stale, till it reads."""
    locked = docs / "locked.md"
    locked.write_text("The vault code is kept in the blue binder.\n")
    locked.chmod(0)
    run_cli("add", str(docs), home=home, as_user=True)
    st = cli_json("status", home=home)
    failed = {Path(f["path"]).name: f for f in st["failed"]}
    assert "permission denied" in failed["locked.md"]["reason"] and failed["locked.md"]["retry"] == "at the next index run"
    assert "again at the next index run" in run_cli("status", home=home).stdout
    locked.chmod(0o644)
    out = run_cli("index", home=home, as_user=True).stdout
    assert f"~ {locked}" in out
    hits = cli_json("search", "vault binder", "--mode", "keyword", home=home)["results"]
    assert hits and hits[0]["path"] == str(locked) and not cli_json("status", home=home)["failed"]
    # a subfolder that cannot be listed (a network drive's hiccup, permissions): nothing dropped
    garden = docs / "garden"
    garden.chmod(0)
    try:
        p = run_cli("index", home=home, as_user=True)
        assert "kept 1 indexed files from folders that could not be read" in p.stderr and "- " not in p.stdout
        st = cli_json("status", home=home)
        assert [Path(f["path"]).name for f in st["stale"]] == ["tomatoes.rst"] and st["files"] == 4
        hits = cli_json("search", "tomatoes frost", "--mode", "keyword", home=home)["results"]
        assert hits and hits[0]["path"] == str(garden / "tomatoes.rst")
    finally:
        garden.chmod(0o755)
    run_cli("index", home=home, as_user=True)
    st = cli_json("status", home=home)
    assert st["stale"] == [] and st["files"] == 4 and "healthy" in run_cli("doctor", home=home).stdout


def test_retry_back_off() -> None:
    from localrag.indexing.indexer import retry_delay, retry_when

    assert [retry_delay("permission denied", n) for n in (1, 2, 3, 4)] == [0.0, 0.0, 600.0, 1200.0]
    assert retry_delay("PDF parsing took longer than 60s; skipped", 30) == 86_400.0  # at most a day
    assert retry_delay("corrupt PDF: EOF marker not found", 1) == 86_400.0
    assert retry_delay("corrupt PDF: EOF marker not found", 9) == 30 * 86_400.0
    assert retry_delay("too large (80 MB; the limit is max_file_mb=50)", 1) is None
    assert retry_when(None) == "when it changes" and retry_when(100.0, now=200.0) == "at the next index run"
    assert retry_when(1000.0 + 600, now=1000.0) == "in 10 min"


def test_interrupted_index_resumes_without_redoing_finished_files(make_app, tmp_path: Path, monkeypatch) -> None:
    d = tmp_path / "many"
    d.mkdir()
    for i in range(12):
        (d / f"f{i:02}.txt").write_text(f"File number {i} talks about topic {i * 7} and nothing else.\n")
    monkeypatch.setattr(ingest, "WINDOW_ITEMS", 4)
    app = make_app()
    app.index.add([str(d)])
    calls = {"n": 0}

    def boom(p: ingest.Progress) -> None:
        if p.files_done >= 4:
            calls["n"] += 1
            raise KeyboardInterrupt

    s1 = app.index.update(progress=boom)
    assert s1.interrupted and calls["n"] == 1
    done = app.health.status().files
    assert 4 <= done < 12
    assert app.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    s2 = app.index.update()
    assert s2.added == 12 - done and s2.unchanged == done
    assert app.health.status().files == 12


def test_remove_folder_drops_everything(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    r = app.index.remove(str(docs))
    assert r.files == 3
    st = app.health.status()
    assert (st.files, st.chunks, st.vectors, st.folders) == (0, 0, 0, [])
    assert app.store.db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0] == 0
    with pytest.raises(LocalragError, match="not a registered folder"):
        app.index.remove(str(docs))


def test_add_refuses_bad_paths(make_app, tmp_path: Path) -> None:
    app = make_app()
    with pytest.raises(LocalragError, match="no such file or folder"):
        app.index.add([str(tmp_path / "nope")])
    assert app.index.folders() == []


def test_database_files_are_private_and_versioned(make_app, docs: Path, home: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    assert stat.S_IMODE(os.stat(home / "index.db").st_mode) == 0o600
    assert app.store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert app.store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_other_model_is_refused_with_both_names(make_app, docs: Path, home: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    app.close()
    st = Store(home / "index.db")
    with pytest.raises(ModelMismatchError) as e:
        st.vectors.bind_model("BAAI/bge-small-en-v1.5", 384, "fastembed:BAAI/bge-small-en-v1.5")
    msg = str(e.value)
    assert "all-MiniLM-L6-v2" in msg and "bge-small" in msg and "localrag reindex" in msg


def test_reindex_re_embeds_everything(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    first = app.index.update()
    before = app.health.status()
    s = app.index.reindex()
    after = app.health.status()
    assert s.chunks_embedded == first.chunks_embedded and s.updated == 3
    assert (after.files, after.chunks, after.vectors) == (before.files, before.chunks, before.vectors)
    assert app.library.search("tomatoes frost", k=1)[0].path.endswith("tomatoes.rst")


@pytest.mark.slow
def test_remove_during_index_waits_and_leaves_a_healthy_index(home: Path, tmp_path: Path) -> None:
    """Real processes: `remove` while `add` is indexing the same folder."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(80):
        (folder / f"note{i}.md").write_text(f"# Note {i}\n\n" + f"Paragraph {i} about subject {i * 7}. " * 40)
    env = dict(os.environ, LOCALRAG_HOME=str(home))
    adder = subprocess.Popen([sys.executable, "-m", "localrag", "add", str(folder), "--json"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    assert "registered" in adder.stderr.readline()  # the folder is in; its indexing starts

    def indexing() -> bool:  # the adder holds the writer lock
        import fcntl

        fd = os.open(home / "index.db.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    wait_for(indexing, 120, "the indexer holding the writer lock", every=0.05, alive=lambda: adder.poll() is None)
    remover = run_cli("remove", str(folder), home=home, check=False)
    out, err = adder.communicate(timeout=600)
    assert "Traceback" not in err + remover.stderr and "Traceback" not in out
    assert remover.returncode == 0 and "removed" in remover.stdout
    assert "waiting for another localrag process" in remover.stderr  # it waited its turn, and said so
    assert adder.returncode == 0  # the indexer finished its run untouched
    st = cli_json("status", home=home)
    assert st["folders"] == [] and st["files"] == 0 and st["chunks"] == 0
    assert "healthy" in run_cli("doctor", home=home).stdout


@pytest.mark.parametrize("version", list(range(1, len(MIGRATIONS))))
def test_an_older_schema_is_upgraded_in_place_keeping_its_data(tmp_path: Path, version: int) -> None:
    """A database made by an earlier localrag (schema ``version``) opens, migrates, keeps its rows."""
    import apsw

    from localrag.store import MIGRATIONS, apply_migration

    path = tmp_path / "index.db"
    db = apsw.Connection(str(path))
    for m in MIGRATIONS[:version]:
        apply_migration(db, m)
    db.execute(f"PRAGMA user_version={version}")
    db.execute("INSERT INTO folders(path, added_at) VALUES ('/old/notes', 1.0)")
    db.execute("INSERT INTO documents(folder_id, path, size, mtime_ns, status, error, indexed_at)"
               " VALUES (1, '/old/notes/locked.md', 5, 1, 'failed', 'permission denied', 1.0)")
    for name in ("prices.PDF", "notes.md", "sales.xlsx"):
        db.execute("INSERT INTO documents(folder_id, path, size, mtime_ns, content_hash, status, indexed_at)"
                   " VALUES (1, ?, 5, 1, 'abc', 'ok', 1.0)", (f"/old/notes/{name}",))
    if version >= 2:
        db.execute("INSERT INTO conversations(title, created_at, updated_at) VALUES ('old chat', 1.0, 1.0)")
    if version >= 3:  # an adapter an older `tune` adopted stays active, with the default fusion
        db.execute("INSERT INTO adapters(created_at, fingerprint, dim, rank, u, v, report, active)"
                   " VALUES (1.0, 'fp', 2, 1, x'0000000000000000', x'0000000000000000', '{}', 1)")
    db.close()
    st = Store(path)
    assert st.scalar("PRAGMA user_version") == len(MIGRATIONS)
    assert [p for _, p in st.documents.folders()] == ["/old/notes"]
    assert [t for _, t, _ in st.history.conversations()] == (["old chat"] if version >= 2 else [])
    assert [t for _, t, _ in st.history.conversations(origin="tui")] == (["old chat"] if version >= 2 else [])  # held in the TUI
    old_failure = st.documents.document("/old/notes/locked.md")
    assert old_failure is not None
    if version < 10:  # a failure from before retries were kept is tried again next run
        assert (old_failure.attempts, old_failure.retry_at) == (1, 0)
    pdf, md = st.documents.document("/old/notes/prices.PDF"), st.documents.document("/old/notes/notes.md")
    assert pdf is not None and md is not None
    if version < 12:  # a file that may hold a table is read again
        assert (pdf.content_hash, pdf.mtime_ns, md.content_hash) == (None, 0, "abc")
    else:
        assert (pdf.content_hash, md.content_hash) == ("abc", "abc")
    sheet = st.documents.document("/old/notes/sales.xlsx")
    assert sheet is not None and (sheet.content_hash, sheet.mtime_ns) == (None, 0)  # its numbers, as the sheet shows them
    st.documents.forget("/old/notes/secret.md")  # the newer tables work
    assert st.sentences.count() == 0 and not st.sentences.lookup(["a sentence"])
    if version >= 3:
        row = st.history.active_adapter()
        assert row is not None and row.rank == 1 and row.levers is None  # no retrieval settings: the defaults
    st.close()


def test_float_vectors_of_schema_5_move_beside_their_rows(tmp_path: Path) -> None:
    """Schema 5 kept float vectors in sqlite-vec; 6 moves them into their rows and codes them,
    so an upgraded index searches as before without re-embedding."""
    import apsw
    import numpy as np
    import sqlite_vec

    from localrag.store import MIGRATIONS

    path = tmp_path / "index.db"
    db = apsw.Connection(str(path))
    db.enable_load_extension(True)
    db.load_extension(sqlite_vec.loadable_path())
    for sql in MIGRATIONS[:5]:
        db.execute(sql)
    db.execute("PRAGMA user_version=5")
    for k, v in (("embed_model", "m"), ("embed_dim", "16"), ("embed_fingerprint", "fp")):
        db.execute("INSERT INTO meta VALUES (?, ?)", (k, v))
    db.execute("CREATE VIRTUAL TABLE vec USING vec0(embedding float[16] distance_metric=cosine)")
    db.execute("INSERT INTO folders(path, added_at) VALUES ('/f', 1.0)")
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((30, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    for i, v in enumerate(vecs):
        db.execute("INSERT INTO documents(folder_id, path, size, mtime_ns, status, n_chunks, indexed_at)"
                   " VALUES (1, ?, 1, 1, 'ok', 1, 1.0)", (f"/f/{i}.md",))
        db.execute("INSERT INTO chunks(doc_id, seq, text, hash) VALUES (?, 0, ?, ?)", (i + 1, f"text {i}", f"h{i}"))
        db.execute("INSERT INTO embeddings(id, hash) VALUES (?, ?)", (i + 1, f"h{i}"))
        db.execute("INSERT INTO vec(rowid, embedding) VALUES (?, ?)", (i + 1, v.tobytes()))
    db.close()
    st = Store(path)
    assert st.scalar("PRAGMA user_version") == len(MIGRATIONS)
    assert st.db.execute("SELECT 1 FROM sqlite_master WHERE name='vec'").fetchone() is None
    assert st.scalar("SELECT count(*) FROM vec_bits") == 30
    for i in (0, 17, 29):
        (cid, sim), *_ = st.vectors.vector_search(vecs[i], 3)
        assert cid == i + 1 and sim == pytest.approx(1.0, abs=1e-5)
    assert {k: v for k, v in st.health.check().items() if k not in ("integrity", "keyword_index_ok") and v} == {}
    st.close()


def test_a_newer_schema_is_refused_in_one_line(tmp_path: Path, home: Path) -> None:
    import apsw

    from localrag.store import MIGRATIONS, apply_migration

    db = apsw.Connection(str(home / "index.db"))
    for m in MIGRATIONS:
        apply_migration(db, m)
    db.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(LocalragError, match="newer localrag"):
        Store(home / "index.db")
    p = run_cli("status", home=home, check=False)
    assert p.returncode == 1 and "newer localrag" in p.stderr and "Traceback" not in p.stderr
    after = apsw.Connection(str(home / "index.db"))
    assert after.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) + 1  # left as it was
    after.close()
