"""Scoped questions (--in, --type) on a real index: the scope is applied inside retrieval, so a
scoped query gets its k best passages from the scope, in the vector and the keyword half alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from localrag.core import Localrag
from localrag.errors import LocalragError
from localrag.store.scope import make_scope, parse_types

from .conftest import cli_json, run_cli


def _many(d: Path) -> Path:
    """A folder where the global top 20 for "water temperature" all sit outside ``garden/``."""
    for i in range(30):
        (d / f"brew-{i:02}.md").write_text(f"# Water temperature {i}\n\nThe water temperature: water at {80 + i % 15} "
                                           f"degrees is the right water temperature for recipe {i}.\n", encoding="utf-8")
    sub = d / "garden"
    (sub / "watering.txt").write_text("Water the tomatoes in the morning, at the foot of each plant and never on the "
                                      "leaves, with rain from the barrel: a cold temperature shocks the roots.\n",
                                      encoding="utf-8")
    return d


@pytest.mark.parametrize("mode", ["vector", "keyword", "hybrid"])
@pytest.mark.parametrize("cached", [False, True])
def test_a_scope_gets_its_best_passages_not_the_global_top_filtered(
        make_app: Callable[..., Localrag], docs: Path, mode: str, cached: bool) -> None:
    app = make_app()
    app.index.add([str(_many(docs))])
    app.index.update()
    if cached:
        app.resident.keep_vectors_in_memory()
    everywhere = app.library.search("water temperature", k=20, mode=mode)
    garden = str(docs / "garden")
    assert not any(r.path.startswith(garden) for r in everywhere)  # filtering the global top 20 would give nothing
    scoped = app.library.search("water temperature", k=2, mode=mode, scope=app.library.scope([garden]))
    assert [Path(r.path).name for r in scoped] == ["watering.txt", "tomatoes.rst"][:len(scoped)]
    assert scoped[0].path == str(docs / "garden" / "watering.txt")
    only_txt = app.library.search("water temperature", k=5, mode=mode, scope=app.library.scope(types=["txt"]))
    assert {Path(r.path).name for r in only_txt} == {"watering.txt", "tea.txt"}


def test_scope_forms_files_globs_and_types(make_app: Callable[..., Localrag], docs: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()

    def names(*paths: str, types: tuple[str, ...] = ()) -> set[str]:
        return {Path(r.path).name for r in app.library.search("water tomatoes beans", k=50, mode="keyword",
                                                       scope=app.library.scope(paths, types))}

    assert names(str(docs / "tea.txt")) == {"tea.txt"}
    assert names("*.md") == {"coffee.md"}
    assert names(str(docs) + "/*/*.rst") == {"tomatoes.rst"}
    assert names(types=("markdown",)) == {"coffee.md"}  # a parser kind works as well as an extension
    assert names(str(docs / "garden"), str(docs / "tea.txt")) == {"tomatoes.rst", "tea.txt"}  # repeatable: any of
    monkeypatch.chdir(docs)
    assert names("garden") == {"tomatoes.rst"}  # relative to where the user stands
    assert names(str(docs), types=("txt", "rst")) == {"tea.txt", "tomatoes.rst"}
    with pytest.raises(LocalragError, match="not in a registered folder"):
        app.library.scope(["/somewhere/else"])
    with pytest.raises(LocalragError, match="nothing indexed matches"):
        app.library.scope(types=["pdf"])
    with pytest.raises(LocalragError, match="file extensions"):
        parse_types(["p;df"])


def test_a_similar_name_outside_the_folder_is_not_in_scope() -> None:
    sc = make_scope(["/data/notes"], [], ["/data/notes", "/data/notes-old"])
    assert sc.params[:3] == ("/data/notes", len("/data/notes/"), "/data/notes/")  # prefix ends at a separator


def test_cli_search_and_ask_take_the_scope(home: Path, docs: Path) -> None:
    run_cli("add", str(docs), home=home)
    out = cli_json("search", "water temperature", "--in", str(docs / "garden"), "-k", "3", home=home)
    assert out["scope"]["in"] == [str(docs / "garden")]
    assert [Path(r["path"]).name for r in out["results"]] == ["tomatoes.rst"]
    out = cli_json("search", "water", "--type", "txt,rst", home=home)
    assert {Path(r["path"]).name for r in out["results"]} == {"tea.txt", "tomatoes.rst"}
    bad = run_cli("search", "water", "--in", "/nowhere", home=home, check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("localrag: --in /nowhere: not in a registered folder")
    assert "Traceback" not in bad.stderr


@pytest.mark.slow
def test_ask_keeps_a_conversation_continues_it_and_exports_it(home: Path, docs: Path, tmp_path: Path) -> None:
    run_cli("add", str(docs), home=home)
    first = cli_json("ask", "What temperature should the water be for green tea?", "--type", "txt", home=home)
    assert first["evidence"] and all(e["path"].endswith("tea.txt") for e in first["evidence"])
    cid = first["conversation_id"]
    follow = cli_json("ask", "How long does it steep?", "--continue", home=home)
    assert follow["conversation_id"] == cid
    fresh = cli_json("ask", "When are tomatoes planted?", home=home)
    assert fresh["conversation_id"] != cid
    listed = cli_json("conversations", home=home)
    assert [c["id"] for c in listed] == [fresh["conversation_id"], cid]

    md = run_cli("export", str(cid), home=home).stdout
    assert md.startswith("# What temperature should the water be for green tea?")
    assert "## How long does it steep?" in md
    assert f"`{docs / 'tea.txt'}, line 1`" in md and "> Green tea wants water at 80 degrees" in md
    assert "*Asked in: *.txt*" in md
    target = tmp_path / "chat.json"
    run_cli("export", str(cid), "-o", str(target), home=home)
    conv = json.loads(target.read_text(encoding="utf-8"))
    assert [m["question"] for m in conv["messages"]] == ["What temperature should the water be for green tea?",
                                                         "How long does it steep?"]
    assert conv["messages"][0]["sources"][0]["quote"].startswith("Green tea wants water")
    assert conv["messages"][0]["answer_kind"] in ("generated", "quote")
    assert json.loads(run_cli("export", str(cid), "--json", home=home).stdout)["id"] == cid
    latest = run_cli("export", home=home).stdout  # no ID: the latest conversation
    assert latest.startswith("# When are tomatoes planted?")
    for args, msg in ((["export", "999"], "no conversation 999"),
                      (["ask", "x", "--conversation", "999"], "no conversation 999"),
                      (["export", "-o", str(tmp_path / "missing" / "c.md")], "no such folder")):
        p = run_cli(*args, home=home, check=False)
        assert p.returncode == 1 and msg in p.stderr and "Traceback" not in p.stderr
