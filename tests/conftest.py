"""Shared by the test files: the determinism fixture every test runs under, and the factory of
TUI apps the pilot and snapshot tests drive (`from conftest import make_app`: tests/ is on the
path, as for fake_openai and engine_helpers)."""

from __future__ import annotations

import math
import random
import signal
import time
from collections.abc import Iterator
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


# The signals by which a terminal or a supervisor ends a program (tests send them to the CLI).
_ENDING_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)


@pytest.fixture(autouse=True)
def _signals_not_ignored() -> Iterator[None]:
    """The ending signals at their usual disposition while a test runs, as a shell starts a
    program. Under `nohup` or as a background job, pytest starts with SIGHUP (and SIGINT)
    ignored, every program it starts inherits that across exec, and the CLI rightly leaves an
    ignored signal ignored: the tests that send it one then wait out their limits and fail."""
    ignored = [sig for sig in _ENDING_SIGNALS if signal.getsignal(sig) == signal.SIG_IGN]
    for sig in ignored:
        signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
    yield
    for sig in ignored:
        signal.signal(sig, signal.SIG_IGN)


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
