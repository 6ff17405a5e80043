"""Only `orchtui.tui` may import textual: the core (plan, graph, engine, executors, cli, ...) runs
without the UI (STYLE.md, after harlequin's test_import_hygiene)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import orchtui

PACKAGE = Path(orchtui.__file__).parent
UI_MODULES = ("textual", "textual_plotext", "textual_serve")


def _is_ui(name: str | None) -> bool:
    return bool(name) and any(name == m or name.startswith(m + ".") for m in UI_MODULES)


def _core_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "tui" not in p.relative_to(PACKAGE).parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _ui_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of textual in the source, at any depth (inside functions
    too), including `importlib.import_module("textual")`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[object] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and getattr(node.func, "attr", getattr(node.func, "id", None))
              in ("import_module", "__import__")):
            names = [node.args[0].value]
        found += [(node.lineno, n) for n in names if isinstance(n, str) and _is_ui(n)]
    return found


def test_the_source_check_finds_imports():
    source = ("import os\nimport textual\nfrom textual.app import App\n"
              "def f():\n    import textual_plotext\n    from textuality import x\n"
              "importlib.import_module('textual.widgets')\n")
    assert _ui_imports(source) == [(2, "textual"), (3, "textual.app"), (5, "textual_plotext"),
                                   (7, "textual.widgets")]


def test_no_core_source_imports_textual():
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
                 for path in _core_files()
                 for line, name in _ui_imports(path.read_text(encoding="utf-8"))]
    assert not offenders, "textual imported outside orchtui/tui/:\n" + "\n".join(offenders)


_PROBE = """
import importlib, json, sys
result = {"pulled": None, "missing": {}, "failed": {}}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] == "orchtui":
            result["failed"][name] = f"{type(err).__name__}: {err}"
        else:  # an optional dependency (dask, ...) that is not installed
            result["missing"][name] = err.name
    except BaseException as err:
        result["failed"][name] = f"{type(err).__name__}: {err}"
    if result["pulled"] is None and any(m in sys.modules for m in ("textual", "textual_plotext")):
        result["pulled"] = name
print(json.dumps(result))
"""


def _probe(modules: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(modules)],
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_run_time_check_notices_textual():
    assert _probe(["json", "textual", "os"])["pulled"] == "textual"


def test_importing_every_core_module_leaves_textual_unloaded():
    modules = [_module_name(p) for p in _core_files() if p.name != "__main__.py"]
    assert "orchtui.plan.parser" in modules and "orchtui.cli.main" in modules
    result = _probe(modules)
    assert result["pulled"] is None, f"importing {result['pulled']} loaded textual"
    assert not result["failed"], f"core modules failed to import: {result['failed']}"
