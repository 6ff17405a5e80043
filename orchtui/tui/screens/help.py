"""`?`: every key of the run screen, and how to read the panels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from orchtui.tui import theme
from orchtui.tui.components.legend import Legend

EXPLAIN = {
    "toggle_pause": "pause or resume the run (paused, a real run's engine decides nothing new)",
    "step": "advance one coordinator decision (one event in the sim); the newest log line "
            "says what was decided and why",
    "back": "undo one step: the graph, lanes and logs show the state before it (in a real "
            "run, the screen looks back while the run goes on)",
    "live": "back to the newest state after stepping back or moving along the lanes",
    "pace(-1)": "slower / faster playback (the header shows the pace; a real run is then shown "
                "decision by decision, that many a second)",
    "what_if": "what if the selected call cost more or less, were inout or compute, timed out "
               "sooner, or there were a processor more or fewer? The sim re-runs at once, "
               "beside the original",
    "scrub(-1)": "earlier / later: the previous / next moment something happened, the whole "
                 "screen as it was then (← and → do the same on the lanes)",
    "restart": "run the scenario again from the start",
    "next_policy": "switch to the next policy and restart",
    "processors(1)": "one processor more (restarts)",
    "processors(-1)": "one processor fewer (restarts)",
    "compare": "every policy on this scenario in the sim, side by side",
    "sweep": "speedup vs processor count for every policy (sim, and real as measured)",
    "export": "write the events so far as JSON lines to orchtui-<scenario>-<policy>.jsonl",
    "help": "this help",
    "quit": "quit (stops the engine and its workers)",
}

PANELS = [
    ("FRG", "calls in columns by rank; ─▶ data edges; ┆ links the exclusive compute calls of "
            "a rank (R2). Arrow keys or a click select a call: its edges light up and the "
            "call panel shows its arguments, thought, timings and result."),
    ("processors", "a lane per allocated processor (cpu N: the OS CPU id; the index in the "
                   "sim), I/O for inout calls, shared (OS) for unpinned calls, LLM for turns; "
                   "▼ and │ mark the run time."),
    ("decisions", "one line per schedule, wait, dispatch, done and failure, with its reason."),
    ("recovery", "translation attempts and runtime recovery: failed calls, recovery points, "
                 "repaired calls."),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "close"),
    ]

    def __init__(self, bindings: Iterable[BindingType]) -> None:
        super().__init__()
        self.bindings = [b for b in bindings if isinstance(b, Binding)]

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style=Style(bold=True, color=theme.CURSOR), no_wrap=True)
        keys.add_column()
        for b in self.bindings:
            shown = b.key_display or b.key.split(",")[0]
            if b.action in ("processors(-1)", "pace(1)", "scrub(1)"):
                continue  # shown with + and [, as "+/-" and "[/]"
            if b.action == "processors(1)":
                keys.add_row(shown, "one processor more / fewer (the run restarts)")
                continue
            keys.add_row(Text(shown), EXPLAIN.get(b.action, b.description))
        keys.add_row("↑ ↓ ← →", "select a call in the graph (or click it, or its bar)")
        keys.add_row("← →", "on the lanes (tab to them): move to the previous / next moment "
                            "something happened; a click on the time axis goes to that time")
        keys.add_row("tab", "move between the graph, the lanes and the logs (they scroll)")
        panels = Table.grid(padding=(0, 2))
        panels.add_column(style=Style(bold=True), no_wrap=True)
        panels.add_column()
        for name, what in PANELS:
            panels.add_row(name, what)
        with VerticalScroll(id="help-box"):
            yield Static(Text("keys", style=Style(bold=True, color=theme.LLM)))
            yield Static(keys)
            yield Static(Text("\npanels", style=Style(bold=True, color=theme.LLM)))
            yield Static(panels)
            yield Legend()
            yield Static(Text("\nescape or ? closes this help", style=Style(
                color=theme.MUTED, italic=True)))

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = "orchtui help"
