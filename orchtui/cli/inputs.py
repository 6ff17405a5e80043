"""Turn a FILE argument into a scenario: a scenario YAML, a bare bundled name, or plan text."""

from __future__ import annotations

from pathlib import Path

from orchtui.errors import ScenarioError
from orchtui.scenario import Scenario, find_scenario, load_scenario, plan_only_scenario

MAX_PLAN_BYTES = 16 * 1024 * 1024


def load_input(name: str, compute: set[str] | None = None) -> Scenario:
    path = find_scenario(name)
    if path.suffix in (".yaml", ".yml"):
        return load_scenario(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"cannot read: {err.strerror or err}", source=str(path)) from None
    if len(raw) > MAX_PLAN_BYTES:
        raise ScenarioError(f"file too large ({len(raw)} bytes)", source=str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError("not UTF-8 text", line, 1, str(path)) from None
    return plan_only_scenario(text, Path(path), compute or set())


def split_names(text: str | None) -> set[str]:
    return {n.strip() for n in (text or "").split(",") if n.strip()}
