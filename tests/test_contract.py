"""The module boundaries, checked on the source: core never imports textual, and the CLI and
the TUI and the MCP server reach the index only through ``Localrag`` (no store, no private model fields)."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "localrag"
FRONT_ENDS = [PKG / "cli.py", PKG / "mcp_server.py", *sorted((PKG / "tui").glob("*.py"))]
PRIVATE = {"store", "_store", "_embedder", "_generator", "db"}


def imports(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.add(("." * node.level) + (node.module or ""))
    return out


def test_only_the_tui_imports_textual() -> None:
    offenders = []
    for f in sorted(PKG.rglob("*.py")):
        if "tui" in f.relative_to(PKG).parts:
            continue
        if any(m == "textual" or m.startswith("textual.") for m in imports(ast.parse(f.read_text()))):
            offenders.append(str(f.relative_to(PKG)))
    assert offenders == []


def test_front_ends_use_only_the_core_api() -> None:
    offenders = []
    for f in FRONT_ENDS:
        tree = ast.parse(f.read_text())
        for m in imports(tree):
            if m.rstrip(".").endswith("store"):
                offenders.append(f"{f.name}: imports {m}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                offenders.append(f"{f.name}:{node.lineno}: .{node.attr}")
    assert offenders == []


def test_the_contract_check_would_catch_a_breach(tmp_path: Path) -> None:
    """The checks above are not vacuous: a front end touching the store is found."""
    bad = ast.parse("from ..store import Store\nx = app.store.stats()\ny = core._generator\n")
    assert "..store" in imports(bad)
    assert {n.attr for n in ast.walk(bad) if isinstance(n, ast.Attribute)} & PRIVATE == {"store", "_generator"}
