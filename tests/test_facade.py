"""The core as a library: ``Localrag`` hands out parts with one job each, returns typed results,
and the store says its own failures in words."""

from __future__ import annotations

import json
from pathlib import Path

import apsw
import pytest

from localrag.core import Localrag
from localrag.core.conversations import Conversation, Exchange
from localrag.core.health import Status
from localrag.core.index import Overview
from localrag.core.models import ModelList
from localrag.errors import LocalragError
from localrag.store import Store
from localrag.store.errors import StoreError

PARTS = {"library", "index", "conversations", "models", "health", "tuning", "resident"}


def test_the_facade_hands_out_parts(make_app) -> None:
    app = make_app()
    own = {n for n in vars(Localrag) if not n.startswith("_")}
    assert own == {"paths", "settings", "store", "model_progress", "notes", "apply_settings", "adopt_saved_settings",
                   "close"}
    assert {n for n in vars(app) if not n.startswith("_")} == PARTS


def test_results_are_typed_and_their_json_is_what_the_cli_prints(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    st = app.health.status()
    assert isinstance(st, Status) and st.files == 3 and st.chunks > 0
    assert json.loads(json.dumps(st.to_json()))["folders"][0]["path"] == str(docs)
    ov = app.index.overview()
    assert isinstance(ov, Overview) and ov.chunks == st.chunks and ov.meaning == 1.0
    cid, ans = app.conversations.ask(None, "How hot should the water be for green tea?", origin="cli")
    conv = app.conversations.get(cid)
    assert isinstance(conv, Conversation) and conv.origin == "cli" and conv.messages[0]["answer"] == ans.text
    [said] = app.conversations.exchanges(cid)
    assert isinstance(said, Exchange) and said.question.startswith("How hot") and said.sources
    models = app.models.available(probe=False)
    assert isinstance(models, ModelList) and models.in_use == "default" and models.to_json()["installed"][0]["in_use"]


def test_the_store_says_a_busy_index_in_words(make_app, docs: Path, monkeypatch) -> None:
    """A real busy index (another connection holds the write lock): the store's part raises a
    StoreError that says so, with apsw's error kept as its cause, not apsw's own exception."""
    from localrag.store import connection

    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 200)
    app = make_app()
    path = app.paths.db_file
    app.close()
    store = Store(path)
    other = apsw.Connection(str(path))
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="the index is busy") as caught:
            store.documents.add_folder(str(docs))
        assert isinstance(caught.value, LocalragError) and isinstance(caught.value.__cause__, apsw.BusyError)
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.documents.add_folder(str(docs))  # free again: nothing was left half done
    assert [p for _, p in store.documents.folders()] == [str(docs)]
    store.close()


def test_a_damaged_index_is_said_by_the_store(make_app, docs: Path) -> None:
    app = make_app()
    app.index.add([str(docs)])
    path = app.paths.db_file
    app.close()
    store = Store(path)
    store.conn.db.execute("PRAGMA writable_schema=ON")  # the schema names a table that is not there
    store.conn.db.execute("UPDATE sqlite_master SET rootpage=99999 WHERE name='folders'")
    store.close()
    with pytest.raises(LocalragError, match="damaged"):
        Store(path).documents.folders()
