"""The orchtui app: a run of a scenario (or a replayed trace) on one screen.

The engine runs on a worker thread (`Feed.pump`); a 30 Hz timer drains its queue inside
`batch_update()`, paces virtual time in the sim, and hands the released events to the panels.
Every panel reads events only, through the RunRecord they fold into.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical

from orchtui.engine import events as ev
from orchtui.engine.policies import POLICY_CLASSES
from orchtui.engine.record import CallRecord, RunRecord
from orchtui.engine.runner import Run
from orchtui.engine.trace import TraceWriter
from orchtui.errors import OrchError
from orchtui.scenario.model import Scenario
from orchtui.text import inert
from orchtui.tui.components.call_detail import CallDetail
from orchtui.tui.components.frg_view import FRGView
from orchtui.tui.components.key_bar import KeyBar
from orchtui.tui.components.lanes_view import LanesView
from orchtui.tui.components.legend import Legend
from orchtui.tui.components.log_view import LogView
from orchtui.tui.components.run_header import HeaderInfo, RunHeader
from orchtui.tui.describe import (
    DECISION_STEPS,
    LogLine,
    decision_line,
    recovery_line,
    summary,
)
from orchtui.tui.feed import BACKLOG, EngineCrashed, Feed, Item
from orchtui.tui.frg_layout import GraphCall
from orchtui.tui.lane_model import LaneModel
from orchtui.tui.sources import EventSource, LiveSource, ReplaySource

TICK = 1 / 30
AUTO_WALL = 6.0  # auto pace: a run's lower bound plays in this many wall seconds
MAX_PER_TICK = 5000  # events shown per frame at most: a burst never freezes the screen
# Seconds of event handling per frame. The engine shares the interpreter (and its lock) with the
# UI: while it is producing, the UI takes a small slice so the run is barely slowed, and
# catches up once the engine has finished or waits on real work.
BUDGET_BUSY = 0.003
BUDGET_IDLE = 0.025
DETAIL_EVERY = 0.2  # seconds between repaints of the followed call's panel while playing
EPS = 1e-9
NO_RECOVERY = "nothing to recover: no call has failed"


@dataclass(frozen=True)
class AppOptions:
    """How to run: the engine's settings, then the UI's."""

    mode: str = "sim"
    policy: str | None = None
    processors: int | None = None
    cpus: str | tuple[int, ...] | None = None
    compute: str = "serial"
    seed: int | None = None
    step: bool = False  # start paused: `n` advances one decision
    speed: float | None = None  # sim: virtual seconds per wall second; None: auto; inf: no pacing
    trace_path: str | None = None  # write every event shown as JSON lines
    threaded: bool = True  # False: the app pulls the engine itself (deterministic tests)
    scheduler: str | None = None  # mode "dask": an existing cluster's scheduler (the sweep's too)


RunFactory = Callable[[AppOptions], Run]
"""Builds the run for a set of options: the default calls engine.session.make_run; the CLI may
pass one that adds the model's side (a repairer, a translated plan)."""


def default_run_factory(scenario: Scenario) -> RunFactory:
    def build(options: AppOptions) -> Run:
        from orchtui.engine.session import make_run

        return make_run(scenario, mode=options.mode, policy=options.policy,
                        processors=options.processors, cpus=options.cpus,
                        compute=options.compute, seed=options.seed,
                        scheduler=options.scheduler)
    return build


class OrchApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "orchtui"
    ENABLE_COMMAND_PALETTE = False  # its themes would change the colours the legend explains
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (30, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "play/pause", key_display="space"),
        Binding("n", "step", "step"),
        Binding("r", "restart", "restart"),
        Binding("p", "next_policy", "policy"),
        Binding("plus,equals_sign", "processors(1)", "cpus", key_display="+/-"),
        Binding("minus", "processors(-1)", "fewer cpus", key_display="-", show=False),
        Binding("c", "compare", "compare"),
        Binding("s", "sweep", "sweep"),
        Binding("e", "export", "export"),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, scenario: Scenario | None = None, options: AppOptions | None = None,
                 *, replay: list[ev.Event] | None = None,
                 run_factory: RunFactory | None = None) -> None:
        super().__init__()
        if scenario is None and replay is None:
            raise ValueError("OrchApp needs a scenario or a trace to replay")
        self.scenario = scenario
        self.run_factory = run_factory or (default_run_factory(scenario) if scenario else None)
        self.options = options or AppOptions()
        self.replay = replay
        self.feed: Feed | None = None
        self._next_source: EventSource | None = None
        self.record = RunRecord()
        self.lanes = LaneModel()
        self.shown: list[ev.Event] = []
        self.pending: deque[Item] = deque()
        self.playing = not self.options.step
        self.steps_wanted = 0
        self.vclock = 0.0
        self.rate: float | None = None  # virtual seconds per wall second; None: unpaced
        self.estimate = 0.0  # the run's lower bound, for the time axis before it gets there
        self.wall_start: float | None = None
        self.graph_info: dict[str, dict] = {}
        self.repaired: dict[str, str] = {}
        self.error: str | None = None
        self.follow = True  # the graph selects the call of the newest event, until the user picks
        self._lanes_time: tuple[float, float] = (-1.0, -1.0)
        self._cost = 0.0  # seconds to show one event, lately
        self._titles: tuple[str, str] = ("", "")
        self._detail_due = False
        self._detail_at = 0.0
        self._last_tick = time.monotonic()
        self._trace: TraceWriter | None = None

    # -- building -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="header"):
            yield RunHeader(id="run-header")
            yield Legend(id="legend")
        with Horizontal(id="top"):
            yield FRGView(id="frg")
            yield CallDetail(id="detail")
        yield LanesView(id="lanes")
        with Horizontal(id="logs"):
            yield LogView("no decisions yet", id="decisions")
            yield LogView(NO_RECOVERY, id="recovery")
        yield KeyBar(id="keys")

    def prepare(self) -> None:
        """Build the first run now, so that bad options fail before the screen opens."""
        if self._next_source is None:
            self._next_source = self._make_source(self.options)

    def _make_source(self, options: AppOptions) -> EventSource:
        if self.replay is not None:
            return ReplaySource(self.replay)
        assert self.run_factory is not None
        return LiveSource(self.run_factory(options))

    def on_mount(self) -> None:
        # the run's panels, looked up once: later lookups would search whatever screen is on top
        self.frg = self.query_one(FRGView)
        self.lanes_view = self.query_one(LanesView)
        self.decisions = self.query_one("#decisions", LogView)
        self.recovery = self.query_one("#recovery", LogView)
        self.header_bar = self.query_one(RunHeader)
        self.detail = self.query_one(CallDetail)
        self.frg.border_title = "FRG · calls by rank"
        self.lanes_view.border_title = "processors"
        self.detail.border_title = "call"
        self.recovery.border_title = "recovery"
        self.decisions.border_title = "decisions"
        self.frg.focus()
        source = self._next_source
        self._next_source = None
        if source is None:
            try:
                source = self._make_source(self.options)
            except OrchError as err:  # it may quote a model's reply: shown, not obeyed
                self.error = inert(str(err), newlines=False)
                self.notify(self.error, severity="error", timeout=10)
                self._refresh_header()
                return
        self._begin(source)
        self.set_interval(TICK, self._tick)

    def _begin(self, source: EventSource) -> None:
        """Start showing a new run: fresh record, fresh panels, a new feed."""
        self.record = RunRecord()
        self.lanes = LaneModel()
        self.shown = []
        self.pending.clear()
        self.steps_wanted = 0
        self.vclock = 0.0
        self.rate = None
        self.estimate = 0.0
        self.wall_start = None
        self.graph_info = {}
        self.repaired = {}
        self.error = None
        self.follow = True
        self._lanes_time = (-1.0, -1.0)
        self.frg.clear(self.record)
        self.lanes_view.reset(self.lanes)
        self.decisions.clear()
        self.recovery.clear()
        self.recovery.placeholder = NO_RECOVERY
        self._open_trace()
        graph = source.graph()
        if graph is not None:  # lay the graph out now, not while the engine runs
            self.frg.prepare([GraphCall(d["id"], d["function"], d["rank"], tuple(d["deps"]))
                              for d in graph.calls], graph.exclusive_groups)
        self.feed = Feed(source)
        self.feed.set_playing(self.playing)
        if self.options.threaded:
            # once the screen has settled: the engine then has the interpreter to itself
            self.call_after_refresh(self._start_worker, self.feed)
        self._last_tick = time.monotonic()
        self._refresh_detail()
        self._refresh_header()

    def _start_worker(self, feed: Feed) -> None:
        if feed is self.feed:
            feed.started = True
            feed.pulling = feed.source.paced and self.playing  # until the worker says
            self.run_worker(feed.pump, name="engine feed", group="feed", thread=True,
                            exclusive=True, exit_on_error=False)

    def _stop_feed(self, wait: float = 3.0) -> None:
        """Stop the engine and release its workers before anything else starts."""
        feed, self.feed = self.feed, None
        if feed is not None:
            feed.stop()
            if not feed.started:
                feed.close()
            elif not feed.exhausted.wait(wait):
                feed.source.close()  # the worker is stuck in the engine: close under it
        self._close_trace()

    # -- the timer: drain, pace, show ---------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.record.status != "running" or self.error is not None

    @property
    def paced(self) -> bool:
        return self.rate is not None

    def _refill(self) -> None:
        feed = self.feed
        room = BACKLOG - len(self.pending)
        if feed is None or room <= 0:
            return
        self.pending.extend(feed.drain(room) if self.options.threaded else feed.pull_now(room))

    def _tick(self) -> None:
        now = time.monotonic()
        dt = min(now - self._last_tick, 0.25)  # a stalled frame does not leap the clock
        self._last_tick = now
        released = self.release(dt)
        if released:
            began = time.perf_counter()
            with self.batch_update():
                self._show(released)
            spent = (time.perf_counter() - began) / len(released)
            self._cost = 0.8 * self._cost + 0.2 * spent if self._cost else spent
        self._refresh_clock()

    def _allowance(self) -> int:
        """How many events this frame may show, from what one has cost lately."""
        feed = self.feed
        busy = feed is not None and not feed.exhausted.is_set() and self.options.threaded
        budget = BUDGET_BUSY if busy else BUDGET_IDLE
        if not self._cost:
            return 50
        return max(20, min(MAX_PER_TICK, int(budget / self._cost)))

    def release(self, dt: float) -> list[Item]:
        """Take the events due after `dt` wall seconds of play, or the steps asked for."""
        out: list[Item] = []
        if self.feed is None:
            return out
        self._refill()
        if not self.playing:
            if self.in_preamble:
                self._release_preamble(out)
            self._service_steps(out)
            return out
        if self.source_paced and self.feed.pulling and self.options.threaded:
            # A sim (or a replay) is computed ahead and played back: while the engine is
            # working flat out, the screen waits rather than take the interpreter from it.
            return out
        allowed = self._allowance()
        if self.source_paced and self.options.speed != math.inf:
            # virtual time moves only while there is something to show and a pace is known
            # (from the graph): a run never outruns its events
            if self.pending and self.rate is not None:
                self.vclock += dt * self.rate
            while self.pending and len(out) < allowed:
                head = self.pending[0]
                if isinstance(head, ev.Event) and head.t > self.vclock + EPS:
                    break
                out.append(self.pending.popleft())
        else:
            while self.pending and len(out) < allowed:
                out.append(self.pending.popleft())
        return out

    @property
    def in_preamble(self) -> bool:
        """Before the graph is shown. Paused runs show this much at once: the first step is then
        the first decision, with the graph on screen."""
        return self.feed is not None and not self.graph_info and self.error is None

    def _release_preamble(self, out: list[Item]) -> None:
        feed = self.feed
        while feed is not None:
            if not self.pending:
                feed.want(feed.taken + 1)
                self._refill()
                if not self.pending:
                    return
            item = self.pending.popleft()
            out.append(item)
            if isinstance(item, ev.GraphReady | EngineCrashed):
                return

    def _is_step(self, item: Item) -> bool:
        """One step is one event in the sim and in replays; in a real run, one decision."""
        if isinstance(item, EngineCrashed) or self.replay is not None:
            return True
        if self.options.mode == "sim":
            return True
        return isinstance(item, DECISION_STEPS)

    def _service_steps(self, out: list[Item]) -> None:
        feed = self.feed
        while self.steps_wanted > 0 and feed is not None:
            if not self.pending:
                feed.want(feed.taken + 1)
                self._refill()
                if not self.pending:
                    if feed.exhausted.is_set() and feed.queue.empty():
                        self.steps_wanted = 0
                    return
            item = self.pending.popleft()
            out.append(item)
            if isinstance(item, ev.Event):
                self.vclock = max(self.vclock, item.t)
            if self._is_step(item):
                self.steps_wanted -= 1

    def show_until(self, count: int) -> int:
        """Pause, and show events until `count` have been shown since the run started (tests
        and screenshots drive the app with this: "mid-run" is an exact number of events).
        Returns how many are shown."""
        self.playing = False
        if self.feed is not None:
            self.feed.set_playing(False)
        self.steps_wanted = 0
        while len(self.shown) < count and self.feed is not None:
            self.steps_wanted = 1
            out: list[Item] = []
            self._service_steps(out)
            if not out:
                break
            self._show(out)
            if self.error:
                break
        self.steps_wanted = 0
        self._refresh_clock()
        return len(self.shown)

    def show_all(self) -> int:
        return self.show_until(10**9)

    # -- showing events -----------------------------------------------------------------------
    def _show(self, items: list[Item]) -> None:
        decisions: list[LogLine] = []
        recoveries: list[LogLine] = []
        focus: str | None = None
        kinds = _Kinds(self.record.calls)  # a view, not a copy: a frame must not cost O(calls)
        failed_now = False
        frg = self.frg
        for item in items:
            if isinstance(item, EngineCrashed):
                self.error = f"engine error: {inert(str(item.error), newlines=False)}"
                self.notify(self.error, severity="error", timeout=15)
                continue
            e = item
            self.record.apply(e)
            self.shown.append(e)
            if self._trace is not None:
                self._trace.write(e)
            match e:
                case ev.RunStarted():
                    self.lanes = LaneModel(e.cpus, labels=e.lanes)
                    self.lanes_view.reset(self.lanes)
                    self.wall_start = time.monotonic()
                case ev.GraphReady():
                    self._graph_ready(e, frg)
                case ev.Failed():
                    failed_now = True
                case ev.CallRepaired():
                    self.repaired[e.call] = e.after
                case ev.RunFinished():
                    self._close_trace()
            self.lanes.observe(e, self.record)
            focus = _call_of(e) or focus
            line = decision_line(e, self.record.cpus, kinds)
            if line is not None:
                decisions.append(line)
            line = recovery_line(e)
            if line is not None:
                recoveries.append(line)
        self.decisions.add(decisions)
        recovery = self.recovery
        recovery.add(recoveries)
        # only a Failed event can add a failure to say (recovery entries replace the placeholder)
        failed = [c.id for c in self.record.calls.values()
                  if c.status == "failed"] if failed_now and not recovery.entries else []
        if failed and not recovery.entries:
            recovery.placeholder = (f"{', '.join(failed[:4])} failed; no recovery ran: this "
                                    "run has no LLM repairer")
            recovery.refresh()
        self.lanes_view.changed()
        if self.follow and focus is not None and focus in frg.calls:
            frg.select(focus, notify=False)
            self.lanes_view.selected = focus
        frg.refresh()
        self._detail_due = True  # repainted by the clock, at most a few times a second
        self._refresh_header()

    def _graph_ready(self, e: ev.GraphReady, frg: FRGView) -> None:
        # A streamed plan (and the live baselines) declare their calls one GraphReady at a
        # time: the graph grows, so merge by id rather than replace.
        self.graph_info.update({d["id"]: d for d in e.calls})
        calls = list(self.graph_info.values())
        by_rank: dict[int, list[str]] = {}
        for d in calls:
            if d["kind"] == "compute":
                by_rank.setdefault(d["rank"], []).append(d["id"])
        groups = tuple(tuple(g) for _, g in sorted(by_rank.items()) if len(g) > 1)
        frg.set_graph([GraphCall(d["id"], d["function"], d["rank"], tuple(d["deps"]))
                       for d in calls], groups, self.record)
        self.estimate = self.record.lower_bound(measured=False)
        if self.source_paced:
            speed = self.options.speed
            self.rate = speed if speed and speed > 0 else max(self.estimate, 0.1) / AUTO_WALL

    @property
    def source_paced(self) -> bool:
        return self.feed is not None and self.feed.source.paced

    # -- panels -------------------------------------------------------------------------------
    def clock(self) -> float:
        rec = self.record
        if rec.makespan is not None:
            return rec.makespan
        if self.paced:
            return rec.now if self.options.speed == math.inf else max(self.vclock, rec.now)
        if self.wall_start is not None and self.playing and not self.finished:
            return max(rec.now, time.monotonic() - self.wall_start)
        return rec.now

    def status(self) -> str:
        if self.error:
            return "error"
        if self.record.status != "running":
            return self.record.status
        if not self.playing:
            return "paused"
        return "running" if self.shown else "ready"

    def _refresh_clock(self) -> None:
        now = time.monotonic()
        selected = self.record.calls.get(self.frg.selected or "")
        if selected is not None and selected.status == "running" and self.playing:
            self._detail_due = True  # its running time goes on
        if self._detail_due and (now - self._detail_at > DETAIL_EVERY or not self.playing
                                 or self.finished):
            self._detail_due = False
            self._detail_at = now
            self._refresh_detail()
        wanted = (self.clock(), max(self.estimate, self.record.makespan or 0.0))
        if wanted != self._lanes_time:
            self._lanes_time = wanted
            self.lanes_view.set_time(*wanted)
        self._refresh_header()

    def _refresh_header(self) -> None:
        rec = self.record
        pace = ""
        if self.paced and self.options.speed != math.inf:
            pace += f" ×{self.rate:.2g} virtual s per s" if self.rate else ""
        sc, opt = self.scenario, self.options
        self.header_bar.show(HeaderInfo(
            scenario=rec.scenario or (sc.name if sc else ""),
            policy=rec.policy or opt.policy or (sc.policy if sc else ""), cpus=rec.cpus,
            processors=rec.processors or opt.processors or (sc.processors if sc else 0),
            mode=rec.mode or ("" if self.replay else opt.mode), clock=self.clock(),
            status=self.status(), pace=pace.strip(), replay=self.replay is not None))
        title = "decisions"
        if self.shown:
            last = summary(self.shown[-1], rec.cpus, rec.calls)
            title = f"decisions · event {len(self.shown)}: {last}"
        subtitle = "n: one step · space: play" if self.status() == "paused" else ""
        if (title, subtitle) != self._titles:  # setting a title repaints, even the same one
            self._titles = (title, subtitle)
            self.decisions.border_title = Text(title)  # Text: a call's text is not markup
            self.decisions.border_subtitle = Text(subtitle)

    def _refresh_detail(self) -> None:
        frg = self.frg
        call = self.record.calls.get(frg.selected or "")
        partners: tuple[str, ...] = ()
        if call is not None:
            for group in self.record.exclusive_groups:
                if call.id in group:
                    partners = tuple(c for c in group if c != call.id)
        self.detail.show(call, self.graph_info.get(call.id) if call else None,
                         self.record.cpus, partners,
                         self.repaired.get(call.id) if call else None, self.clock())

    @on(FRGView.CallSelected)
    def _call_selected(self) -> None:
        self.follow = False  # the user chose a call: keep showing it
        self._refresh_detail()
        self.lanes_view.selected = self.frg.selected
        self.lanes_view.refresh()

    @on(LanesView.BarSelected)
    def _bar_selected(self, message: LanesView.BarSelected) -> None:
        self.frg.select(message.call)

    # -- traces -------------------------------------------------------------------------------
    def _open_trace(self) -> None:
        self._close_trace()
        if self.options.trace_path:
            try:
                # held open across the run and closed at its end; a write that fails later
                # (a full disk) is said once and the run goes on
                self._trace = TraceWriter(self.options.trace_path, on_error=lambda message:
                                          self.notify(message, severity="error", timeout=10))
            except OrchError as err:
                self.notify(str(err), severity="error")

    def _close_trace(self) -> None:
        if self._trace is not None:
            self._trace.close()
            self._trace = None

    def export_path(self) -> Path:
        rec = self.record
        scenario = rec.scenario or (self.scenario.name if self.scenario else "run")
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"orchtui-{scenario}-{rec.policy or 'run'}")
        return Path.cwd() / f"{name}.jsonl"

    # -- actions ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The run's keys work on the run's screen only; over compare, sweep or help they are
        hidden from the footer."""
        if action in ("quit", "help"):
            return True
        return self.screen is self.screen_stack[0]

    def action_toggle_pause(self) -> None:
        if self.feed is None:
            return
        self.playing = not self.playing
        self.steps_wanted = 0
        self.feed.set_playing(self.playing)
        self._last_tick = time.monotonic()
        if self.playing and self.paced:
            self.vclock = max(self.vclock, self.record.now)
        self._refresh_header()

    def action_step(self) -> None:
        if self.feed is None:
            return
        if self.finished and not self.pending:
            self.notify("The run is over: r runs it again.", timeout=3)
            return
        if self.playing:
            self.playing = False
            self.feed.set_playing(False)
        self.steps_wanted += 1
        out: list[Item] = []
        if self.in_preamble:
            self._release_preamble(out)
        self._service_steps(out)  # at once when the event is already here (always in tests)
        if out:
            self._show(out)
        self._refresh_clock()

    def action_restart(self) -> None:
        self._restart()

    def action_next_policy(self) -> None:
        if self._fixed("the policy"):
            return
        names = list(POLICY_CLASSES)
        current = self.record.policy or self.options.policy or (
            self.scenario.policy if self.scenario else names[0])
        following = names[(names.index(current) + 1) % len(names)] if current in names else names[0]
        if self._restart(policy=following):
            self.notify(f"policy {following}: {POLICY_CLASSES[following].summary}", timeout=4)

    def action_processors(self, delta: int) -> None:
        if self._fixed("the processors"):
            return
        current = self.record.processors or self.options.processors or (
            self.scenario.processors if self.scenario else 1)
        wanted = current + delta
        if wanted < 1:
            self.notify("At least one processor.", severity="warning", timeout=3)
            return
        if self._restart(processors=wanted, cpus=None):
            self.notify(f"{wanted} processor{'s' if wanted > 1 else ''}: run restarted",
                        timeout=3)

    def _fixed(self, what: str) -> bool:
        if self.replay is not None:
            self.notify(f"A replay shows a recorded run: {what} cannot change.",
                        severity="warning", timeout=4)
            return True
        return False

    def _restart(self, **changes: object) -> bool:
        options = replace(self.options, **changes)  # type: ignore[arg-type]
        try:
            source = self._make_source(options)
        except OrchError as err:  # e.g. more processors than CPUs: keep the run that works
            self.notify(str(err), severity="error", timeout=6)
            return False
        self._stop_feed()
        self.options = options
        self._begin(source)
        return True

    def action_export(self) -> None:
        path = self.export_path()
        try:
            path.write_text("".join(ev.event_to_line(e) + "\n" for e in self.shown),
                            encoding="utf-8")
        except OSError as err:
            self.notify(f"cannot write {path}: {err}", severity="error")
            return
        self.notify(f"trace written: {path} ({len(self.shown)} events)", timeout=6)

    def _scenario_for_screens(self) -> Scenario | None:
        if self.scenario is not None:
            return self.scenario
        from orchtui.tui.trace_scenario import scenario_from_trace

        try:
            return scenario_from_trace(self.shown or self.replay or [])
        except OrchError as err:
            self.notify(f"cannot rebuild the scenario from the trace: {err}",
                        severity="error")
            return None

    def action_compare(self) -> None:
        from orchtui.tui.screens.compare import CompareScreen

        scenario = self._scenario_for_screens()
        if scenario is None:
            return
        processors = self.record.processors or self.options.processors or scenario.processors
        compute = self.record.compute or self.options.compute
        self.push_screen(CompareScreen(scenario, processors, compute, self.options.seed,
                                       threaded=self.options.threaded))

    def action_sweep(self) -> None:
        from orchtui.tui.screens.sweep import SweepScreen

        scenario = self._scenario_for_screens()
        if scenario is None:
            return
        mode = self.options.mode
        real = self.replay is None and mode in ("real", "dask")
        self.push_screen(SweepScreen(scenario, real=real, compute=self.options.compute,
                                     seed=self.options.seed, threaded=self.options.threaded,
                                     executor=mode if real else "real",
                                     scheduler=self.options.scheduler))

    def action_help(self) -> None:
        from orchtui.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.BINDINGS))

    async def action_quit(self) -> None:
        self._stop_feed()
        self.exit(0)

    def on_unmount(self) -> None:
        self._stop_feed(wait=1.0)


def _call_of(e: ev.Event) -> str | None:
    """The call an event is about, for the graph to follow."""
    if isinstance(e, ev.Scheduled):
        return e.calls[0] if e.calls else None
    if isinstance(e, ev.RecoveryStarted):
        return e.points[0] if e.points else None
    call = getattr(e, "call", None)
    return call if isinstance(call, str) else None


class _Kinds(Mapping[str, str]):
    """call id -> kind, read from the record's calls as they are now (for the log's lines)."""

    def __init__(self, calls: Mapping[str, CallRecord]) -> None:
        self.calls = calls

    def __getitem__(self, call: str) -> str:
        return self.calls[call].kind

    def __iter__(self) -> Iterator[str]:
        return iter(self.calls)

    def __len__(self) -> int:
        return len(self.calls)
