"""The core as a library: ``Localrag`` hands out parts with one job each and returns typed results."""

from __future__ import annotations

import json
from pathlib import Path

from localrag.core import Localrag
from localrag.core.conversations import Conversation, Exchange
from localrag.core.health import Status
from localrag.core.index import Overview
from localrag.core.models import ModelList

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
