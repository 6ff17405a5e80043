"""The Textual UI (DESIGN §9). Importing this package starts nothing and loads no Textual: the
entry points below import the app when they are called."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchtui.engine.events import Event
    from orchtui.engine.runner import Run
    from orchtui.scenario.model import Scenario
    from orchtui.tui.app import AppOptions


def run_app(scenario: Scenario, *, mode: str = "sim", policy: str | None = None,
            processors: int | None = None, cpus: str | tuple[int, ...] | None = None,
            compute: str = "serial", seed: int | None = None, step: bool = False,
            trace_path: str | None = None, speed: float | None = None,
            pace: float | None = None,
            run_factory: Callable[[AppOptions], Run] | None = None) -> int:
    """Open the TUI on a run of `scenario` and return the exit code. Bad options (too many
    processors, an unknown policy) raise OrchError before the screen opens.

    `run_factory(options)` builds each run (the first, and every restart with a new policy or
    processor count); by default engine.session.make_run with the options' settings."""
    from orchtui.tui.app import AppOptions, OrchApp

    app = OrchApp(scenario, AppOptions(mode=mode, policy=policy, processors=processors,
                                       cpus=cpus, compute=compute, seed=seed, step=step,
                                       trace_path=trace_path, speed=speed, pace=pace),
                  run_factory=run_factory)
    app.prepare()
    app.run()
    return app.return_code or 0


def run_replay(events: list[Event], *, step: bool = False, speed: float | None = None,
               pace: float | None = None) -> int:
    """Play a recorded trace on the run screen: pausable, steppable."""
    from orchtui.tui.app import AppOptions, OrchApp

    app = OrchApp(None, AppOptions(step=step, speed=speed, pace=pace), replay=events)
    app.run()
    return app.return_code or 0


def run_sweep_app(scenario: Scenario, *, processors: Sequence[int] = range(1, 9),
                  policies: Sequence[str] | None = None, real: bool = False) -> int:
    """The sweep screen on its own (`orchtui sweep FILE --tui`)."""
    from orchtui.tui.sweep_app import SweepApp

    app = SweepApp(scenario, processors=processors, policies=policies, real=real)
    app.run()
    return app.return_code or 0
