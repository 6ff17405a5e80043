"""What-if (`w`): a small form to change the selected call's cost, kind or timeout, or the
processor count; then the sim runs the scenario before and after, shown one above the other on
one time scale with their makespans.

The paper's own question (§II): what if the chatbot were hosted elsewhere, an inout call?
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, RadioButton, RadioSet, Static

from orchtui.engine.session import RunMaker, make_run
from orchtui.errors import OrchError
from orchtui.scenario.model import Kind, Scenario
from orchtui.scenario.whatif import WhatIf, apply_what_if
from orchtui.tui import theme
from orchtui.tui.compare import PolicyRun, what_if_runs
from orchtui.tui.components.lanes_view import LanesView
from orchtui.tui.lane_model import nice_ceiling


class KindSet(RadioSet):
    """The kind field. Enter chooses the kind under the cursor and runs the form, as enter does
    in the form's other fields (Textual's radio set only toggles on enter; space still does)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "choose_and_run", show=False)]

    @dataclass
    class Chosen(Message):
        kind: Kind | None  # None: no kind under the cursor

    def action_choose_and_run(self) -> None:
        # Textual marks the button under the cursor with the -selected class
        under = next((b for b in self.query(RadioButton) if b.has_class("-selected")), None)
        if under is not None:
            under.value = True
        self.post_message(self.Chosen(_KIND_OF.get(under.id or "") if under else None))


_KIND_OF: dict[str, Kind] = {"kind-compute": "compute", "kind-inout": "inout"}


class WhatIfForm(ModalScreen[WhatIf | None]):
    """The form. Dismissed with the WhatIf to run, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "cancel")]
    AUTO_FOCUS = "#what-if-cost"

    def __init__(self, scenario: Scenario, call: str, *, processors: int) -> None:
        super().__init__()
        assert scenario.plan is not None
        self.scenario = scenario
        self.call = call
        self.processors = processors
        self.function = scenario.function(scenario.plan[call].function)
        self.kind: Kind = self.function.kind  # the kind chosen in the form

    def compose(self) -> ComposeResult:
        fn = self.function
        with Vertical(id="what-if-box"):
            yield Static(Text.assemble(
                ("what if ", Style(bold=True, color=theme.LLM)), (self.call, Style(bold=True)),
                f"  {fn.name}  ", (f"{fn.kind}", Style(color=theme.MUTED)),
                ("  — the sim runs it again, beside the original", Style(color=theme.MUTED))))
            with Horizontal(classes="what-if-row"):
                yield Label("cost (s)", classes="what-if-label")
                yield Input(f"{self.scenario.cost(self.call):g}", id="what-if-cost",
                            type="number")
            with Horizontal(classes="what-if-row"):
                yield Label("kind", classes="what-if-label")
                with KindSet(id="what-if-kind"):
                    yield RadioButton("compute: needs a processor",
                                      value=fn.kind == "compute", id="kind-compute")
                    yield RadioButton("inout: waits elsewhere (a remote model, the network)",
                                      value=fn.kind == "inout", id="kind-inout")
            with Horizontal(classes="what-if-row"):
                yield Label("timeout (s)", classes="what-if-label")
                yield Input("" if fn.timeout is None else f"{fn.timeout:g}",
                            placeholder="none", id="what-if-timeout", type="number")
            with Horizontal(classes="what-if-row"):
                yield Label("processors", classes="what-if-label")
                yield Input(str(self.processors), id="what-if-processors", type="integer")
            yield Static(id="what-if-error")
            with Horizontal(id="what-if-buttons"):
                yield Button("run what-if", variant="primary", id="what-if-run")
                yield Button("cancel", id="what-if-cancel")

    def on_mount(self) -> None:
        self.query_one("#what-if-box").border_title = "what-if"
        self.query_one("#what-if-box").border_subtitle = ("tab: next field · enter: run · "
                                                          "escape: cancel")

    def chosen(self) -> WhatIf:
        """The form's values as a WhatIf; OrchError names the field that is wrong."""
        return WhatIf(
            self.call,
            cost=_number(self.query_one("#what-if-cost", Input).value, "cost"),
            kind=self.kind,
            timeout=_number(self.query_one("#what-if-timeout", Input).value, "timeout"),
            processors=_whole(self.query_one("#what-if-processors", Input).value))

    @on(RadioSet.Changed, "#what-if-kind")
    def _kind_changed(self, event: RadioSet.Changed) -> None:
        self.kind = _KIND_OF.get(event.pressed.id or "", self.kind)

    @on(KindSet.Chosen)
    def _kind_chosen(self, event: KindSet.Chosen) -> None:
        if event.kind is not None:
            self.kind = event.kind
        self._run()

    @on(Input.Submitted)
    @on(Button.Pressed, "#what-if-run")
    def _run(self) -> None:
        try:
            what = self.chosen()
            apply_what_if(self.scenario, what)  # refuse now what cannot run
        except OrchError as err:
            self.query_one("#what-if-error", Static).update(
                Text(str(err), style=theme.fg("failed")))
            return
        self.dismiss(what)

    @on(Button.Pressed, "#what-if-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


def _number(text: str, field: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise OrchError(f"what-if: the {field} {text!r} is not a number of seconds") from None


def _whole(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise OrchError(f"what-if: processors {text!r} is not a whole number") from None


class WhatIfScreen(Screen[None]):
    """Before and after, side by side: makespans, then both runs' lanes on one time scale."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,w", "dismiss", "back to the run"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, scenario: Scenario, what: WhatIf, *, policy: str, processors: int,
                 compute: str = "serial", seed: int | None = None,
                 threaded: bool = True, make: RunMaker = make_run) -> None:
        super().__init__()
        self.make = make  # the run on screen's: "before" is that run, recovery included
        self.scenario = scenario
        self.what = what
        self.edited = apply_what_if(scenario, what)
        self.policy = policy
        self.processors = processors
        self.compute = compute
        self.seed = seed
        self.threaded = threaded
        self.runs: tuple[PolicyRun, PolicyRun] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="what-if-title", classes="screen-title")
        yield Static(id="what-if-table")
        yield VerticalScroll(id="what-if-lanes")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#what-if-title", Static).update(Text.assemble(
            ("what-if ", Style(bold=True, color=theme.LLM)),
            (self.scenario.name, Style(bold=True)),
            f" · {self.policy} · sim · ", (self.what.describe(self.scenario, self.processors),
                                                 Style(bold=True))))
        self.query_one("#what-if-table").border_title = "makespan (sim)"
        self.query_one("#what-if-lanes").border_title = "before and after, one time scale"
        if self.threaded:
            self.run_worker(self._compute, thread=True, group="what-if", exit_on_error=False)
        else:
            self._show(self._runs())

    def _runs(self) -> tuple[PolicyRun, PolicyRun]:
        return what_if_runs(self.scenario, self.edited, self.policy, self.processors,
                            self.what.processors or self.processors, self.compute, self.seed,
                            self.make)

    def _compute(self) -> None:
        runs = self._runs()
        self.app.call_from_thread(self._show, runs)

    def _show(self, runs: tuple[PolicyRun, PolicyRun]) -> None:
        self.runs = runs
        before, after = runs
        table = Table(expand=True, box=None, padding=(0, 1), header_style=Style(bold=True))
        for col in ("", "processors", "makespan", "change", "lower bound", "status"):
            table.add_column(col, justify="left" if not col or col == "status" else "right",
                             no_wrap=True)
        b = before.record.makespan or 0.0
        for label, run in (("before", before), ("after", after)):
            m = run.record.makespan or 0.0
            change = "" if run is before else (f"{m - b:+.2f} s ({(m - b) / b:+.0%})" if b
                                               else "")
            # a run that failed ends early: its shorter makespan is no gain
            better = run is after and run.record.status == "ok" and m < b
            style = Style(bold=True, color=theme.STATE_COLOUR["done"]) if better else Style()
            table.add_row(Text(label, style=Style(bold=True)), str(run.record.processors),
                          Text(f"{m:.2f} s", style=style), Text(change, style=style),
                          Text(f"{run.record.lower_bound():.2f} s",
                               style=Style(color=theme.MUTED)),
                          run.record.status)
        self.query_one("#what-if-table", Static).update(table)
        span = nice_ceiling(max(b, after.record.makespan or 0.0))
        holder = self.query_one("#what-if-lanes", VerticalScroll)
        for label, run in (("before", before), ("after", after)):
            lanes = LanesView(classes="compare-lane")
            lanes.fixed_span = span
            lanes.axis_label = label
            lanes.skip_empty = True
            lanes.model = run.lanes
            lanes.now = run.record.makespan or 0.0
            lanes.span = span
            holder.mount(lanes)
