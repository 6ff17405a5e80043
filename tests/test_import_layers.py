"""The layers of DESIGN §1/§10, held by import-linter: the contracts in pyproject.toml must all
be kept. A second run with a contract the code breaks on purpose shows the check is live."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import importlinter  # noqa: F401  (a test dependency: missing, the suite fails, not skips)

ROOT = Path(__file__).resolve().parent.parent


def lint(config: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports in a child, on this checkout of the package (not an installed one)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120)


def test_every_layer_contract_is_kept() -> None:
    result = lint(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_layer_is_reported(tmp_path: Path) -> None:
    # upside down: the plan layer above the engine, which uses it
    config = tmp_path / "importlinter.ini"
    config.write_text("[importlinter]\nroot_package = orchtui\n\n"
                      "[importlinter:contract:upside-down]\nname = upside down\n"
                      "type = layers\nlayers =\n    orchtui.plan\n    orchtui.engine\n")
    result = lint(config)
    assert result.returncode == 1
    assert "upside down BROKEN" in result.stdout
