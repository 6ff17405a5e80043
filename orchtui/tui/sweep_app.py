"""`orchtui sweep FILE --tui`: the sweep screen as an app of its own."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App

from orchtui.engine.session import RunMaker, make_run
from orchtui.scenario.model import Scenario
from orchtui.tui.screens.sweep import StandaloneSweepScreen


class SweepApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "orchtui sweep"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, scenario: Scenario, *, processors: Sequence[int] = range(1, 9),
                 policies: Sequence[str] | None = None, real: bool = False,
                 threaded: bool = True, executor: str = "real",
                 scheduler: str | None = None, make: RunMaker = make_run) -> None:
        super().__init__()
        self.sweep = StandaloneSweepScreen(scenario, processors=processors, policies=policies,
                                           real=real, threaded=threaded, standalone=True,
                                           executor=executor, scheduler=scheduler, make=make)

    def on_mount(self) -> None:
        self.push_screen(self.sweep)
