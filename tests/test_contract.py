"""The module boundaries. The import layers are import-linter's contracts (pyproject.toml), run
here and by .ci/run; what imports cannot show (a front end reaching into the core's private
fields or its store) is read from the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "localrag"
FRONT_ENDS = [*sorted((PKG / "cli").glob("*.py")), PKG / "mcp_server.py", *sorted((PKG / "tui").glob("*.py"))]
PRIVATE = {"store", "_store", "_embedder", "_generator", "db"}


def test_the_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    p = subprocess.run([str(lint)], capture_output=True, text=True, cwd=PKG.parent, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Contracts: 4 kept, 0 broken." in p.stdout


def private_uses(tree: ast.AST) -> list[int]:
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in PRIVATE]


def test_front_ends_use_only_the_core_api() -> None:
    offenders = [f"{f.name}:{line}" for f in FRONT_ENDS for line in private_uses(ast.parse(f.read_text()))]
    assert offenders == []


def test_the_private_field_check_would_catch_a_breach() -> None:
    assert sorted(private_uses(ast.parse("x = app.store.health.stats()\ny = core._generator\nz = 1\n"))) == [1, 2]


def private_reads(tree: ast.AST) -> list[int]:
    """Lines that read or patch a private attribute (``x._name``, ``setattr(x, "_name", ...)``)."""
    lines = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute)
             and n.attr.startswith("_") and not n.attr.startswith("__")]
    lines += [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and len(n.args) >= 2
              and isinstance(n.args[1], ast.Constant) and isinstance(n.args[1].value, str)
              and n.args[1].value.startswith("_") and not n.args[1].value.startswith("__")
              and getattr(n.func, "attr", getattr(n.func, "id", "")) == "setattr"]
    return lines


def test_no_test_reads_a_private_attribute() -> None:
    """Tests use what the code offers; a private field they need is a public method missing."""
    tests = Path(__file__).resolve().parent
    offenders = [f"{f.name}:{line}" for f in sorted(tests.glob("*.py")) for line in private_reads(ast.parse(f.read_text()))]
    assert offenders == []
    assert private_reads(ast.parse("a = x._y\nmonkeypatch.setattr(x, '_z', 1)\nb = x.__class__\n")) == [1, 2]


def imported_packages() -> set[str]:
    """The top-level names of every module localrag imports that is neither the standard
    library's nor its own."""
    names = set()
    for f in PKG.rglob("*.py"):
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.Import):
                names |= {a.name.split(".")[0] for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
                names.add(n.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "localrag"}


def test_every_imported_package_is_declared() -> None:
    """A module that comes only with another dependency (pypdfium2 with pdfplumber, tokenizers
    with fastembed) is declared too: a new version of that dependency may drop it."""
    import importlib.metadata as md
    import re

    import tomllib

    project = tomllib.loads((PKG.parent / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in ("ocr", "office", "mcp") for r in project["optional-dependencies"][extra]]
    declared = {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}
    owners = md.packages_distributions()
    undeclared = sorted(f"{m} ({', '.join(owners.get(m, ['?']))})" for m in imported_packages()
                        if not {d.lower().replace("_", "-") for d in owners.get(m, [m])} & declared)
    assert undeclared == []
