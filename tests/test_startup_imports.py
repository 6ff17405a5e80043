"""What a command imports is part of its start-up (issue 15): `orchtui plan` and a simulated
headless run must not load the UI, numpy, the OpenAI client or the real executors. Checked in a
fresh interpreter by looking at sys.modules after the command ran (correctness, not timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEO = str(ROOT / "scenarios" / "seo_audit.yaml")
HEAVY = ("textual", "textual_plotext", "numpy", "openai", "networkx", "orchtui.tui",
         "orchtui.executors.real", "orchtui.executors.workers", "orchtui.executors.dask_executor",
         "dask", "distributed")

_PROBE = """
import contextlib, io, json, sys
from orchtui.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(json.loads(sys.argv[1]))
heavy = json.loads(sys.argv[2])
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
print(json.dumps({"code": code, "loaded": loaded, "out": out.getvalue()[:200]}))
"""


def _loaded_by(argv: list[str], heavy: tuple[str, ...] = HEAVY) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv), json.dumps(heavy)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ["plan", SEO],
    ["plan", SEO, "--json"],
    ["scenario", SEO, "--sim", "--headless"],
    ["scenario", SEO, "--sim", "--headless", "--json"],
], ids=["plan", "plan-json", "sim-headless", "sim-headless-json"])
def test_command_leaves_heavy_modules_unloaded(argv):
    result = _loaded_by(argv)
    assert result["code"] == 0, result
    assert result["out"], "the command printed nothing: the probe did not run it"
    assert result["loaded"] == []


def test_the_probe_sees_what_a_command_loads():
    # else the test above could pass by looking at the wrong process or the wrong names
    result = _loaded_by(["plan", SEO], heavy=("orchtui.graph", "orchtui.plan.parser"))
    assert result["loaded"] == ["orchtui.graph", "orchtui.graph.frg", "orchtui.plan.parser"]
