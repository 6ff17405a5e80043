"""Turn a FILE argument into a scenario: a scenario YAML, a bare bundled name, or plan text."""

from __future__ import annotations

import sys
from pathlib import Path

from orchtui.errors import ScenarioError
from orchtui.plan.model import Plan
from orchtui.scenario import Scenario, find_scenario, load_scenario, plan_only_scenario
from orchtui.scenario.loader import read_limited
from orchtui.text import safe_line

MAX_PLAN_BYTES = 16 * 1024 * 1024

# Help texts of the options several commands share, said once
FILE_HELP = "a scenario YAML, or the name of a bundled one (orchtui --help lists them)"
COMPUTE_HELP = "how the parallelfc and llmcompiler baselines run compute calls"
SEED_HELP = "pick llmorch's spare processor at random, seeded"


def load_input(name: str, compute: set[str] | None = None, strict: bool = False) -> Scenario:
    """A scenario YAML (by path or bundled name), or a plain plan text whose compute functions
    are `compute` (every other function is inout). `strict`: a plan read leniently is an
    error."""
    path = find_scenario(name)
    if path.suffix in (".yaml", ".yml"):
        return load_scenario(path, strict)
    raw = read_limited(path, MAX_PLAN_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise ScenarioError("not UTF-8 text", line, col, str(path)) from None
    return plan_only_scenario(text, Path(path), compute or set(), strict)


def split_names(text: str | None) -> set[str]:
    return {n.strip() for n in (text or "").split(",") if n.strip()}


def print_plan_warnings(plan: Plan | None) -> None:
    """What the parser read leniently, one `FILE:LINE:COL: warning: ...` line each, on stderr."""
    for w in plan.warnings if plan is not None else ():
        print(safe_line(str(w)), file=sys.stderr)  # it may quote a model's plan: inert
