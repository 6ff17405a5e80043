"""Shared by the test files: the determinism fixture every test runs under, and the factory of
TUI apps the pilot and snapshot tests drive (`from conftest import make_app`: tests/ is on the
path, as for fake_openai and engine_helpers)."""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

import pytest

TUI_SCENARIOS = Path(__file__).parent / "tui_scenarios"


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    """What could make two runs of a test differ, fixed: NO_COLOR and a user theme would change
    every snapshot (STYLE.md), animations their frames; time zone and locale how times and
    numbers print; the global random seed anything that draws from it."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    time.tzset()
    random.seed(0)


@pytest.fixture
def anyio_backend() -> str:
    """The pilot tests (pytest.mark.anyio) run on asyncio, as Textual does."""
    return "asyncio"


def make_app(name: str = "seo", **options: object):
    """An app on a bundled test scenario, deterministic: sim executor, stepping, no worker
    thread (the test pulls the engine), no pacing, seed 0. Options override."""
    from orchtui.cli.inputs import load_input
    from orchtui.tui.app import AppOptions, OrchApp

    opts = {"step": True, "threaded": False, "speed": math.inf, "seed": 0, **options}
    return OrchApp(load_input(str(TUI_SCENARIOS / f"{name}.yaml")),
                   AppOptions(**opts))  # type: ignore[arg-type]
