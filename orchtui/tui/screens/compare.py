"""The compare screen: the same scenario under every policy in the sim, lanes stacked on one
time scale, makespans and speedups against react."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from orchtui.engine.policies import POLICY_CLASSES
from orchtui.engine.session import RunMaker, make_run
from orchtui.scenario.model import Scenario
from orchtui.tui import theme
from orchtui.tui.compare import PolicyRun, compare_policies
from orchtui.tui.components.lanes_view import LanesView
from orchtui.tui.lane_model import nice_ceiling


class CompareScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "dismiss", "back to the run"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, scenario: Scenario, processors: int, compute: str = "serial",
                 seed: int | None = None, *, threaded: bool = True,
                 llm_turn: float | None = None, make: RunMaker = make_run) -> None:
        super().__init__()
        self.make = make  # the run on screen's: every policy recovers as it does
        self.llm_turn = llm_turn  # measured in a live run: every policy's turns cost this
        self.scenario = scenario
        self.processors = processors
        self.compute = compute
        self.seed = seed
        self.threaded = threaded
        self.runs: list[PolicyRun] = []

    def compose(self) -> ComposeResult:
        yield Static(id="compare-title", classes="screen-title")
        yield Static(id="compare-table")
        yield VerticalScroll(id="compare-lanes")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        extra = f" · compute {self.compute}" if self.compute != "serial" else ""
        self.query_one("#compare-title", Static).update(Text.assemble(
            ("compare ", Style(bold=True, color=theme.LLM)),
            (self.scenario.name, Style(bold=True)),
            f" · {self.processors} processor{'s' if self.processors != 1 else ''} · sim{extra}"
            " · every policy, same plan, same costs",
            self._turn_note(),
        ))
        self.query_one("#compare-lanes").border_title = "lanes, one time scale"
        self.query_one("#compare-table").border_title = "makespan (sim)"
        if self.threaded:
            self.run_worker(self._compute, thread=True, group="compare", exit_on_error=False)
        else:
            for run in self._runs():
                self._add(run)

    def _turn_note(self) -> str:
        turn = self.scenario.llm_turn if self.llm_turn is None else self.llm_turn
        if not turn:
            return " · LLM turns free (llm_turn 0)"
        how = "measured in this run" if self.llm_turn is not None else "the scenario's llm_turn"
        return f" · each LLM turn {turn:.2f} s ({how})"

    def _runs(self):
        return compare_policies(self.scenario, self.processors, self.compute, self.seed,
                                llm_turn=self.llm_turn, make=self.make)

    def _compute(self) -> None:
        for run in self._runs():
            self.app.call_from_thread(self._add, run)

    def _add(self, run: PolicyRun) -> None:
        self.runs.append(run)
        self._table()
        self._lanes(run)

    def on_resize(self) -> None:
        if self.runs:
            self._table()

    def _table(self) -> None:
        # the policies' one-line summaries only where there is room for them beside the numbers
        wide = self.size.width >= 100
        # a Rich table in a Static: its last column wraps to the width, which a DataTable's
        # cells do not
        table = Table(expand=True, box=None, padding=(0, 1), header_style=Style(bold=True))
        table.add_column("policy", no_wrap=True)
        table.add_column("makespan", justify="right", no_wrap=True)
        table.add_column("speedup vs react", justify="right", no_wrap=True)
        table.add_column("bound", justify="right", no_wrap=True)
        table.add_column("LLM turns", justify="right", no_wrap=True)
        if wide:
            table.add_column("how it schedules", ratio=1)
        react = next((r.record.makespan for r in self.runs if r.policy == "react"), None)
        best = min((r.record.makespan or float("inf")) for r in self.runs)
        for r in self.runs:
            makespan = r.record.makespan or 0.0
            win = Style(bold=True, color=theme.STATE_COLOUR["done"]) if makespan == best else ""
            speedup = f"{react / makespan:.2f}×" if react and makespan else "—"
            status = "" if r.record.status == "ok" else f" ({r.record.status})"
            table.add_row(Text(r.policy, style=win), Text(f"{makespan:.2f} s{status}", style=win),
                          Text(speedup, style=win),
                          Text(f"{r.record.lower_bound():.2f} s", style=Style(color=theme.MUTED)),
                          Text(str(len(r.record.turns)), style=Style(color=theme.MUTED)),
                          *([POLICY_CLASSES[r.policy].summary] if wide else []))
        self.query_one("#compare-table", Static).update(table)

    def _lanes(self, run: PolicyRun) -> None:
        span = nice_ceiling(max((r.record.makespan or 0.0) for r in self.runs))
        holder = self.query_one("#compare-lanes", VerticalScroll)
        lanes = LanesView(classes="compare-lane")
        lanes.fixed_span = span
        lanes.axis_label = run.policy
        lanes.skip_empty = True
        lanes.model = run.lanes
        lanes.now = run.record.makespan or 0.0
        lanes.span = span
        holder.mount(lanes)
        for view in holder.query(LanesView):
            view.fixed_span = span
            view.set_time(view.now)
