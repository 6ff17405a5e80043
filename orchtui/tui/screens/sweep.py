"""The sweep screen: speedup vs processor count for each policy, as a chart and a table.

Speedup is against react at P=1 in the same mode. Sim rows come first (they take moments);
measured ones (real, or dask: runs on P Dask workers) follow as they are measured. Every series
and row says which it is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual_plotext import PlotextPlot

from orchtui.engine.session import RunMaker, make_run
from orchtui.engine.sweep import SweepRow, measured_cap, sweep
from orchtui.errors import OrchError
from orchtui.scenario.model import POLICIES, Scenario
from orchtui.tui import theme

# plotext colour names, one per policy, the same in every sweep
SERIES_COLOUR = {"react": "red", "parallelfc": "yellow", "llmcompiler": "blue",
                 "llmorch": "green", "critical-path": "magenta"}


class SweepScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,s", "close", "back"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, scenario: Scenario, *, processors: Sequence[int] = range(1, 9),
                 policies: Sequence[str] | None = None, real: bool = False,
                 compute: str = "serial", seed: int | None = None, threaded: bool = True,
                 standalone: bool = False, executor: str = "real",
                 scheduler: str | None = None, make: RunMaker = make_run) -> None:
        super().__init__()
        self.make = make  # the run on screen's (or the CLI's): its recovery in every run
        self.scenario = scenario
        self.processors = list(processors)
        self.policies = list(policies or POLICIES)
        self.real = real  # measure too, with `executor`: "real" or "dask"
        self.executor = executor
        self.scheduler = scheduler
        self.compute = compute
        self.seed = seed
        self.threaded = threaded
        self.standalone = standalone  # the whole app (orchtui sweep --tui): escape quits
        self.rows: list[SweepRow] = []
        self.baseline: dict[str, SweepRow] = {}  # mode -> react at P=1
        self.measuring = ""

    def compose(self) -> ComposeResult:
        yield Static(id="sweep-title", classes="screen-title")
        yield PlotextPlot(id="sweep-chart")
        yield DataTable(id="sweep-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#sweep-table", DataTable)
        table.add_column("policy", key="policy")
        for p in self.processors:
            table.add_column(f"P={p}", key=f"P{p}")
        self.query_one("#sweep-chart").border_title = "speedup vs processors"
        table.border_title = "speedup vs react at P=1"
        self._title()
        self._plot()
        if self.threaded:
            self.run_worker(self._measure, thread=True, group="sweep", exit_on_error=False)
        else:
            for row in self._rows("sim"):
                self.add_row(row)
            self.measuring = ""
            self._title()

    def _rows(self, mode: str):
        processors = self.processors
        if mode != "sim":
            processors, _cap, _why = measured_cap(mode, processors, self.scheduler)
            if not processors:
                return
        yield from sweep(self.scenario, mode, processors, self.policies, self.compute, self.seed,
                         self.scheduler if mode == "dask" else None, self.make)

    def _measure(self) -> None:
        """The worker: sim first, then (if asked) real, a row at a time."""
        modes = ["sim", self.executor] if self.real else ["sim"]
        for mode in modes:
            self.app.call_from_thread(self._measuring, mode)
            try:
                for row in self._rows(mode):
                    self.app.call_from_thread(self.add_row, row)
            except OrchError as err:
                self.app.call_from_thread(self.notify, f"{mode} sweep: {err}", severity="error")
        self.app.call_from_thread(self._measuring, "")

    def _measuring(self, mode: str) -> None:
        self.measuring = mode
        self._title()

    def _title(self) -> None:
        text = Text.assemble(("sweep ", Style(bold=True, color=theme.LLM)),
                             (self.scenario.name, Style(bold=True)),
                             " · speedup vs react at P=1, in the same mode")
        if self.measuring:
            text.append(f" · measuring {self.measuring}…", Style(color=theme.CURSOR))
        self.query_one("#sweep-title", Static).update(text)

    def add_row(self, row: SweepRow) -> None:
        if row.policy == "react" and row.processors == 1:
            self.baseline[row.mode] = row
        self.rows.append(row)
        self._table()
        self._plot()

    def speedup(self, row: SweepRow) -> float | None:
        base = self.baseline.get(row.mode)
        if base is None or row.makespan <= 0:
            return None
        return base.makespan / row.makespan

    def _series(self) -> list[tuple[str, str, list[SweepRow]]]:
        out = []
        for mode in ("sim", "real", "dask"):
            for policy in self.policies:
                rows = sorted((r for r in self.rows if r.policy == policy and r.mode == mode),
                              key=lambda r: r.processors)
                if rows:
                    out.append((policy, mode, rows))
        return out

    def _table(self) -> None:
        table = self.query_one("#sweep-table", DataTable)
        table.clear()
        best = {}
        for _policy, mode, rows in self._series():
            for r in rows:
                s = self.speedup(r) or 0.0
                best[(mode, r.processors)] = max(best.get((mode, r.processors), 0.0), s)
        for policy, mode, rows in self._series():
            colour = SERIES_COLOUR.get(policy)
            line = "──" if mode == "sim" else "··"
            cells: list[Text | str] = [Text.assemble((line, Style(color=colour, bold=True)), " ",
                                                     (policy, Style(bold=True)), " ",
                                                     (mode, Style(color=theme.LLM)))]
            by_p = {r.processors: r for r in rows}
            for p in self.processors:
                r = by_p.get(p)
                s = self.speedup(r) if r else None
                if s is None:
                    cells.append("")
                    continue
                win = abs(s - best.get((mode, p), -1)) < 1e-9
                style = Style(bold=True, color=theme.STATE_COLOUR["done"]) if win else ""
                cells.append(Text(f"{s:.2f}×", style=style, justify="right"))
            table.add_row(*cells, key=f"{policy}/{mode}")

    def _plot(self) -> None:
        chart = self.query_one("#sweep-chart", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("")
        plt.xlabel("processors")
        plt.ylabel("speedup")
        plt.xticks(self.processors)
        for policy, mode, rows in self._series():
            xs = [r.processors for r in rows]
            ys = [self.speedup(r) or 0.0 for r in rows]
            # no plotext legend: it covers the lines; the table below is the legend
            plt.plot(xs, ys, color=SERIES_COLOUR.get(policy, "white"),
                     marker="hd" if mode == "sim" else "dot")
        chart.refresh()

    def action_close(self) -> None:
        if self.standalone:
            self.app.exit(0)
        else:
            self.dismiss()


class StandaloneSweepScreen(SweepScreen):
    """The sweep as the whole app (`orchtui sweep FILE --tui`): escape quits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "quit"),
    ]
