"""The real command in a subprocess: JSON shapes, summaries, and one-line errors."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import cli_json, run_cli, run_inprocess


def test_add_search_status_json_shapes(home: Path, docs: Path) -> None:
    summary = cli_json("add", str(docs), home=home)
    assert summary["added"] == 3 and summary["chunks_embedded"] > 0
    tea = next(c for c in summary["changes"] if c["path"] == str(docs / "tea.txt"))  # records, not display strings
    assert tea == {"kind": "added", "change": "+", "path": str(docs / "tea.txt"), "old_path": None, "chunks": 1,
                   "reason": None}
    (docs / "tea.txt").rename(docs / "green-tea.txt")
    moved = cli_json("index", home=home)["changes"]
    assert moved == [{"kind": "moved", "change": ">", "path": str(docs / "green-tea.txt"), "old_path": str(docs / "tea.txt"),
                      "chunks": None, "reason": None}]
    assert run_cli("index", home=home).stdout.startswith("Index up to date")
    (docs / "green-tea.txt").rename(docs / "tea.txt")
    run_cli("index", home=home)
    res = cli_json("search", "water temperature for tea", "-k", "2", home=home)
    assert res["query"] == "water temperature for tea" and len(res["results"]) == 2
    r0 = res["results"][0]
    assert set(r0) >= {"path", "score", "text", "page", "start_line", "end_line"}
    assert r0["path"] == str(docs / "tea.txt") and Path(r0["path"]).is_absolute()
    assert isinstance(r0["score"], float) and r0["start_line"] == 1
    st = cli_json("status", home=home)
    assert st["files"] == 3 and st["folders"][0]["path"] == str(docs) and st["db_bytes"] > 0
    assert st["embed_model"]["indexed_with"].startswith("all-MiniLM-L6-v2") and st["failed"] == []


def test_second_index_says_nothing_to_embed(home: Path, docs: Path) -> None:
    run_cli("add", str(docs), home=home)
    p = run_cli("index", home=home)
    assert "Index up to date" in p.stdout and "nothing to embed" in p.stdout
    assert p.stderr == "", repr(p.stderr)  # piped: no bar, and no blank line where one would have been
    (docs / "tea.txt").write_text("Black tea wants boiling water.\n")
    p = run_cli("index", home=home)
    assert "1 changed" in p.stdout and "1 chunks embedded" in p.stdout and "~ " in p.stdout


@pytest.mark.parametrize("args, message", [
    (["add", "/definitely/not/here"], "no such file or folder: /definitely/not/here"),
    (["index"], "no folders registered yet"),
    (["remove", "/nope"], "is not a registered folder"),
    (["search", "x", "--mode", "keyword", "-k", "0"], "-k must be between 1 and 1000"),
    (["config", "set", "top_k", "many"], "top_k must be a whole number, not 'many'"),
    (["config", "set", "search_mode", "fast"], "search_mode must be 'hybrid', 'vector' or 'keyword', not 'fast'"),
    (["config", "set", "ocr", "flase"], "ocr must be true or false, not 'flase'"),
    (["config", "set", "colour", "red"], "unknown setting 'colour'"),
    (["config", "set", "verifier", "maybe"], "verifier must be true or false, not 'maybe'"),
    (["forget", "/not/indexed/anywhere"], "is not in the index"),
])
def test_user_errors_are_one_line_without_traceback(home: Path, args: list[str], message: str) -> None:
    p = run_cli(*args, home=home, check=False)
    assert p.returncode != 0
    assert message in p.stderr and "Traceback" not in p.stderr + p.stdout


def test_wrong_model_file_and_model_switch_are_refused_clearly(home: Path, docs: Path, tmp_path: Path) -> None:
    run_cli("add", str(docs), home=home)
    notgguf = tmp_path / "model.gguf"
    notgguf.write_bytes(b"not a model at all")
    p = run_cli("ask", "hi", "--model", str(notgguf), home=home, check=False)
    assert p.returncode == 1 and f"{notgguf} is not a GGUF model file" in p.stderr and "Traceback" not in p.stderr
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 64)  # right magic, truncated body
    # a model is loaded only when there is evidence to answer from: ask what the files answer
    p = run_cli("ask", "How hot should the water be for green tea?", "--model", str(broken), home=home, check=False)
    assert p.returncode == 1 and f"cannot load model {broken}" in p.stderr and "Traceback" not in p.stderr
    p = run_cli("ask", "hi", "--model", str(tmp_path / "absent.gguf"), home=home, check=False)
    assert p.returncode == 1 and "model file not found" in p.stderr
    run_cli("config", "set", "embed_model", "BAAI/bge-small-en-v1.5", home=home)
    p = run_cli("search", "tea", home=home, check=False)
    assert p.returncode == 1 and "localrag reindex" in p.stderr and "all-MiniLM-L6-v2" in p.stderr
    assert "Traceback" not in p.stderr


def test_corrupt_database_is_a_clear_error(home: Path) -> None:
    (home / "index.db").write_bytes(b"this is not sqlite" * 100)
    p = run_cli("status", home=home, check=False)
    assert p.returncode == 1 and "not a localrag database" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.slow
def test_ask_prints_the_checked_answer_then_its_quotes(samples_home: Path) -> None:
    home = samples_home
    p = run_cli("ask", "How long does the descaling program run?", home=home)
    assert "Evidence (verbatim from your files):" in p.stdout
    assert re.search(r"espresso-machine-manual\.pdf:page 2, lines \d+-\d+\n    \u201c.*twenty minutes", p.stdout)
    js = cli_json("ask", "How long does the descaling program run?", "-k", "3", home=home)
    assert set(js) >= {"question", "answer", "citations", "evidence", "supported", "answer_kind"} and js["answer"]
    c = js["citations"][0]
    assert set(c) >= {"n", "path", "page", "start_line", "end_line", "text"} and c["n"] == 1
    e = js["evidence"][0]
    assert set(e) == {"n", "path", "page", "start_line", "end_line", "quote", "chunk_id"} and e["n"] == 1
    assert e["page"] == 2 and e["start_line"] <= e["end_line"] and "twenty minutes" in e["quote"]
    assert js["answer_kind"] in ("generated", "quote") and js["supported"] == (js["answer_kind"] == "generated")


def test_ask_with_nothing_indexed_says_so_at_once(tmp_path: Path) -> None:
    home = tmp_path / "fresh"  # no models assembled here: the answer must not need them
    home.mkdir()
    p = run_cli("ask", "How long does the descaling program run?", home=home, check=False)
    assert p.returncode == 1 and "nothing is indexed yet" in p.stderr and "localrag add" in p.stderr
    assert "Traceback" not in p.stderr and not any((home / "models").glob("*.gguf"))


def test_bad_config_types_and_k_bounds_are_one_line(home: Path) -> None:
    (home / "config.toml").write_text('top_k = "5"\n')
    p = run_cli("status", home=home, check=False)
    assert p.returncode == 1 and "top_k" in p.stderr and "whole number" in p.stderr and "Traceback" not in p.stderr
    (home / "config.toml").write_text("min_score = 0\n")  # an int where a float is wanted is fine
    run_cli("status", home=home)
    p = run_cli("search", "tea", "-k", "100000", home=home, check=False)
    assert p.returncode == 2 and "-k must be between 1 and 1000" in p.stderr and "Traceback" not in p.stderr
    # numbers with no sensible meaning, or unbounded work, are refused where settings are read
    for line, key in (("max_file_mb = nan", "max_file_mb"), ("max_file_mb = inf", "max_file_mb"),
                      ("top_k = 100000000", "top_k"), ("n_ctx = -5", "n_ctx"), ("temperature = -1.0", "temperature"),
                      ("embed_threads = -3", "embed_threads")):
        (home / "config.toml").write_text(line + "\n")
        p = run_cli("status", home=home, check=False)
        assert p.returncode == 1 and f"{key} must be between" in p.stderr and "Traceback" not in p.stderr, line
    (home / "config.toml").unlink()
    for key, value in (("max_file_mb", "inf"), ("top_k", "5000"), ("n_ctx", "nan")):
        p = run_cli("config", "set", key, value, home=home, check=False)
        assert p.returncode == 1 and (f"{key} must be between" in p.stderr or f"{key} must be a whole number" in p.stderr), (key, p.stderr)
        assert "Traceback" not in p.stderr


def test_os_errors_are_one_line(home: Path, tmp_path: Path) -> None:
    squad = tmp_path / "mini.json"
    squad.write_text('{"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": '
                     '[{"id": "1", "question": "q?", "is_impossible": true, "answers": []}]}]}]}')
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    where = blocker / "index"  # a folder inside a file: the OS says no
    p = run_cli("eval", "--squad", str(squad), "--index-dir", str(where), home=home, check=False)
    assert p.returncode == 1 and "Not a directory" in p.stderr and str(where) in p.stderr
    assert "Traceback" not in p.stderr and "--debug" in p.stderr


def test_human_readable_output_of_search_status_and_lists(home: Path, docs: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """What a person reads: the lines each command prints without --json (in-process)."""
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    run_inprocess("add", str(docs), home=home, capsys=capsys)
    out = run_inprocess("search", "water temperature for green tea", "-k", "2", home=home, capsys=capsys).stdout
    lines = out.splitlines()
    assert re.match(rf"1\. {re.escape(str(docs / 'tea.txt'))}:1-1  score \d\.\d{{4}}$", lines[0])
    assert lines[1].startswith("   Green tea wants water at 80 degrees")
    st = run_inprocess("status", home=home, capsys=capsys).stdout
    assert f"  {docs}: 3 files, " in st and "1 failed" in st
    assert re.search(rf"failed files \(1\):\n  {re.escape(str(docs / 'broken.pdf'))}: corrupt PDF", st)
    assert "embedding model: all-MiniLM-L6-v2" in st
    assert run_inprocess("conversations", home=home, capsys=capsys).stdout == "no conversations yet\n"
    models = run_inprocess("models", home=home, capsys=capsys).stdout
    assert models.startswith("answer model in use: default\ninstalled:\n  * default")
    assert "\n    llama-3.2-1b-instruct" in models


def test_mcp_without_the_mcp_extra_is_one_line(home: Path, tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "mcp.py").write_text("raise ModuleNotFoundError(\"No module named 'mcp'\", name='mcp')\n")
    p = subprocess.run([sys.executable, "-m", "localrag", "mcp"], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, LOCALRAG_HOME=str(home), PYTHONPATH=str(hidden)), stdin=subprocess.DEVNULL)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.strip() == "localrag: localrag mcp needs the mcp extra: pipx install 'localrag[mcp]' (or pip install 'localrag[mcp]')"
