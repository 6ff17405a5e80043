"""The orchtui app: a run of a scenario (or a replayed trace) on one screen.

The engine runs on a worker thread (`Feed.pump`); a 30 Hz timer drains its queue into the
playback timeline (orchtui.playback), the playback clock decides how far the cursor moves, and
the panels show the state at the cursor. Every panel reads events only, through the RunRecord
they fold into: so stepping back, or seeking to a time on the lanes, shows exactly the state the
run was in then. The selected call is one reactive, `selected`, that the panels are bound to.
"""

from __future__ import annotations

import contextlib
import gc
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.notifications import Notification, Notify, SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen

from orchtui.engine import events as ev
from orchtui.engine.policies import POLICY_CLASSES
from orchtui.engine.record import CallRecord, RunRecord
from orchtui.engine.runner import Run
from orchtui.engine.session import RunMaker, make_run
from orchtui.engine.trace import TraceWriter
from orchtui.errors import OrchError
from orchtui.playback.clock import PlaybackClock, pace_label
from orchtui.playback.player import Move, Player
from orchtui.playback.timeline import Timeline, every_event
from orchtui.scenario.model import Scenario
from orchtui.text import inert
from orchtui.tui.components.call_detail import CallDetail
from orchtui.tui.components.frg_view import FRGView, PreparedLayouts, prepare_layouts
from orchtui.tui.components.key_bar import KeyBar
from orchtui.tui.components.lanes_view import LanesView
from orchtui.tui.components.legend import Legend
from orchtui.tui.components.log_view import LogView
from orchtui.tui.components.run_header import HeaderInfo, RunHeader
from orchtui.tui.components.steady import SteadyHorizontal, SteadyScreen, SteadyVertical
from orchtui.tui.describe import (
    DECISION_STEPS,
    LOGGED,
    RECOVERY_LOGGED,
    LogLine,
    decision_line,
    recovery_line,
    summary,
)
from orchtui.tui.feed import BACKLOG, EngineCrashed, Feed
from orchtui.tui.frames import FrameTimer
from orchtui.tui.frg_layout import GraphCall
from orchtui.tui.lane_model import LaneModel
from orchtui.tui.sources import EventSource, LiveSource, ReplaySource

TICK = 1 / 30
# A frame shows every event that came since the last one, folded in one pass, each panel
# refreshed once: showing them later would not make them cheaper, only the screen late. Only a
# backlog (a replay played unpaced, a real run's events piled up while the user looked back)
# is spread over frames, so that folding it never takes a frame more than this, and keys are
# still answered. The engine shares the interpreter with the UI either way: what it loses is
# the UI's cost per event, whenever the events are shown.
FRAME_BUDGET = 0.02
COST_GUESS = 5e-6  # seconds to fold one event, until frames have measured it
MEASURED_FROM = 200  # events in a frame for it to measure the cost (fixed costs amortised)
DETAIL_EVERY = 0.2  # seconds between repaints of the followed call's panel while playing
# seconds between repaints of its running time alone: read, not watched (the header's clock
# and the lanes' growing bar show time passing)
RUNNING_EVERY = 0.5
# Seconds between frames when only time moved (the header's run time, the lanes' cursor): a
# real run waits on its calls most of the time, and every frame the UI draws is taken from
# their CPUs. A frame that shows events repaints the clock with them. Shown live, a real run's
# clock frames come when the lanes' cursor enters a cell, the first at least LIVE_CLOCK_MIN
# ahead, and at most LIVE_CLOCK_MAX apart: the cursor steps evenly, the same whole number of
# cells each frame (at 1-1-1-2 cells it would stutter), and the run time in the header counts
# visibly; events bring a frame forward.
CLOCK_EVERY = 1 / 15
LIVE_CLOCK_MIN = 1 / 8
LIVE_CLOCK_MAX = 1 / 5
IDLE = 0.25  # seconds between frames when nothing moves on screen (a live run ended)
# Seconds a frame waits after a real run's event came, for the events that follow it at once
# (a call ends; the next is placed and starts a few milliseconds later): one frame for them all
GATHER = 0.015
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
    # the user's playback factor (`[`/`]`): sim and replays play `pace` times faster; a real
    # run is shown step by step at `pace` decisions per second. None: 1 in the sim, live in a
    # real run
    pace: float | None = None
    trace_path: str | None = None  # write every event shown as JSON lines
    threaded: bool = True  # False: the app pulls the engine itself (deterministic tests)
    scheduler: str | None = None  # mode "dask": an existing cluster's scheduler (the sweep's too)


RunFactory = Callable[[AppOptions], Run]
"""Builds the run for a set of options: the default calls engine.session.make_run; the CLI may
pass one that adds the model's side (a repairer, a translated plan)."""


def default_run_factory(scenario: Scenario) -> RunFactory:
    def build(options: AppOptions) -> Run:
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
        Binding("space", "toggle_pause", "play", key_display="space"),
        Binding("n", "step", "step"),
        Binding("b", "back", "back"),
        # before the panels': each scrolls, and took `end` for its own scroll-to-end
        Binding("end", "live", "live", key_display="end", show=False, priority=True),
        # ←/→ move in time on the lanes (where they do not move the graph's selection);
        # , and . do it from anywhere
        Binding("comma", "scrub(-1)", "earlier", key_display=",/.", show=False),
        Binding("full_stop", "scrub(1)", "later", key_display=".", show=False),
        Binding("left_square_bracket", "pace(-1)", "pace", key_display="[/]"),
        Binding("right_square_bracket", "pace(1)", "faster", key_display="]", show=False),
        Binding("r", "restart", "restart"),
        Binding("p", "next_policy", "policy"),
        Binding("plus,equals_sign", "processors(1)", "cpus", key_display="+/-"),
        Binding("minus", "processors(-1)", "fewer cpus", key_display="-", show=False),
        Binding("w", "what_if", "what-if"),
        Binding("c", "compare", "compare"),
        Binding("s", "sweep", "sweep"),
        # in the help (?) rather than the key bar, which then fits 120 columns
        Binding("e", "export", "export", show=False),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
    ]

    # The call the panels show: the graph highlights it, the lanes underline its bars, the call
    # panel describes it. Bound once in compose; nothing copies it by hand.
    selected: reactive[str | None] = reactive(None, init=False, repaint=False)

    def __init__(self, scenario: Scenario | None = None, options: AppOptions | None = None,
                 *, replay: list[ev.Event] | None = None,
                 run_factory: RunFactory | None = None, run_maker: RunMaker | None = None
                 ) -> None:
        super().__init__()
        if scenario is None and replay is None:
            raise ValueError("OrchApp needs a scenario or a trace to replay")
        self.scenario = scenario
        self.run_factory = run_factory or (default_run_factory(scenario) if scenario else None)
        # the compare, sweep and what-if runs: built as the run on screen is (its recovery)
        self.run_maker: RunMaker = run_maker or make_run
        self.options = options or AppOptions()
        self.replay = replay
        self.feed: Feed | None = None
        self._next_source: EventSource | None = None
        self.player = self._new_player(Timeline(), PlaybackClock(), paced=True)
        self.record = RunRecord()
        self._kinds = _Kinds(self.record.calls)  # a view, not a copy: the log asks per line
        self.lanes = LaneModel()
        self.estimate = 0.0  # the run's lower bound, for the time axis before it gets there
        self.wall_start: float | None = None
        self.graph_info: dict[str, dict] = {}
        self.repaired: dict[str, str] = {}
        self.error: str | None = None
        self._crash: EngineCrashed | None = None  # drained, shown when the cursor gets there
        self.follow = True  # the graph selects the call of the newest event, until the user picks
        self._lanes_time: tuple[float, float] = (-1.0, -1.0)
        self._cost = COST_GUESS  # seconds to fold one event, lately
        self._titles: tuple[str, str] = ("", "")
        self._notices: dict[str, Notification] = {}  # the notice shown last, by topic
        # the decision log's title, and the timeline and cursor it was made at
        self._decisions_said: tuple[object, int, str] = (None, 0, "decisions")
        self._lanes_titled = "processors"
        self._detail_due = False
        self._detail_at = 0.0
        self._last_tick = time.monotonic()
        self._clock_at = 0.0  # when the timer last repainted the clock
        self._lanes_ahead: tuple[tuple[int, ...], tuple[str, ...]] | None = None
        self._groups_indexed: object = None  # the exclusive groups _group_index was built from
        # the graph laid out ahead: the GraphReady's calls, and the layout's calls made of them
        self._prepared_graph: tuple[object, list[GraphCall]] | None = None
        self._group_index: dict[str, tuple[str, ...]] = {}

    # -- building -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # steady containers: a frame that changes a panel gets their lines back unchanged
        with SteadyVertical(id="header"):
            yield RunHeader(id="run-header")
            yield Legend(id="legend")
        with SteadyHorizontal(id="top"):
            yield FRGView(id="frg").data_bind(OrchApp.selected)
            yield CallDetail(id="detail")
        yield LanesView(id="lanes", scrubbable=True).data_bind(OrchApp.selected)
        with SteadyHorizontal(id="logs"):
            yield LogView("no decisions yet", self._decision_line, id="decisions")
            yield LogView(NO_RECOVERY, recovery_line, id="recovery")
        yield KeyBar(id="keys")

    def get_default_screen(self) -> Screen:
        return SteadyScreen(id="_default")  # see components/steady.py

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
        self.lanes_view.border_subtitle = ", . (← → here) or a click: look back · end: live"
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
        self.frames = FrameTimer(self._tick, self._handle_exception, min_gap=TICK,
                                 gather=GATHER)
        self._begin(source)
        self.frames.start(TICK)

    def _begin(self, source: EventSource) -> None:
        """Start showing a new run: fresh timeline, fresh panels, a new feed."""
        self.timeline.close_trace()
        playing = self.player.playing
        self.player = self._new_player(
            Timeline(self._step_rule(source), self._open_trace(),
                     write_on_arrival=not source.paced),
            PlaybackClock(speed=self.options.speed, pace=self._initial_pace(source)),
            paced=source.paced, playing=playing)
        self.estimate = 0.0
        self.graph_info = {}
        self.error = None
        self._crash = None
        self.follow = True
        # A real run's lanes get their rows now: the screen's layout is then done before the
        # run begins, not while its first calls run (a layout costs the whole screen)
        self._lanes_ahead = None if source.paced else source.lanes()
        self._reset_panels()
        self._prepared_graph = None
        self.feed = Feed(source)
        self.feed.on_arrival = self.frames.wake_threadsafe
        self._sync_feed()
        if self.options.threaded:
            # The screen first (a 100,000-call graph takes a second or two to describe and lay
            # out), then the graph, then the engine, which then has the interpreter to itself
            self.call_after_refresh(self._prepare_and_start, self.feed)
        else:
            self._prepare_graph(source)
        self._last_tick = time.monotonic()
        self._refresh_detail()
        self._refresh_header()

    def _new_player(self, timeline: Timeline, clock: PlaybackClock, *, paced: bool,
                    playing: bool | None = None) -> Player:
        return Player(timeline, clock, paced=paced,
                      playing=not self.options.step if playing is None else playing,
                      fetch=self._fetch, ended=self._ended)

    def _fetch(self) -> None:
        """At least one more event, even while paused (it may come later, on the worker)."""
        feed = self.feed
        if feed is not None:
            feed.want(feed.taken + 1)
            self._refill()

    def _ended(self) -> bool:
        feed = self.feed
        return feed is None or self._crash is not None or (
            feed.exhausted.is_set() and not feed.queue)

    # the player's state, by the names the panels and tests read
    @property
    def timeline(self) -> Timeline:
        return self.player.timeline

    @property
    def playback(self) -> PlaybackClock:
        return self.player.clock

    @property
    def playing(self) -> bool:
        return self.player.playing

    @property
    def looking_back(self) -> bool:
        return self.player.looking_back

    def _initial_pace(self, source: EventSource) -> float | None:
        if self.options.pace is not None:
            return self.options.pace
        return 1.0 if source.paced else None

    def _step_rule(self, source: EventSource) -> Callable[[ev.Event], bool]:
        """One step is one event in the sim and in replays; in a real run, one decision."""
        if self.replay is not None or source.paced:
            return every_event
        return lambda e: isinstance(e, DECISION_STEPS)

    def _reset_panels(self) -> None:
        """Empty panels and record: the state before the first event."""
        self.record = RunRecord()
        self._kinds = _Kinds(self.record.calls)
        ahead = self._lanes_ahead
        self.lanes = LaneModel() if ahead is None else LaneModel(ahead[0], labels=ahead[1])
        self.repaired = {}
        self.wall_start = None
        self._lanes_time = (-1.0, -1.0)
        self.frg.clear(self.record)
        self.lanes_view.reset(self.lanes)
        self.decisions.clear()
        self.recovery.clear()
        self.recovery.placeholder = NO_RECOVERY

    def _prepare_graph(self, source: EventSource) -> None:
        """Lay the graph out before the run, not while the engine runs."""
        self._use_graph(_prepared(source))

    def _use_graph(self, prepared: _Prepared | None) -> None:
        if prepared is not None:
            described, calls, layouts = prepared
            self.frg.use_prepared(layouts)
            # the run's GraphReady hands on these very calls (sources.py): not built again
            self._prepared_graph = (described, calls)
        _freeze_startup_heap()

    def _prepare_and_start(self, feed: Feed) -> None:
        """The graph laid out on a thread of its own, then the engine started. The screen
        answers keys meanwhile: a quit does not wait for a big graph's layout (the thread is
        a daemon, and only reads the run before the engine starts)."""
        if feed is not self.feed:  # restarted or quit since
            return

        def work() -> None:
            try:
                prepared: _Prepared | Exception | None = _prepared(
                    feed.source, lambda: feed is self.feed)
            except Exception as err:  # a bug in the layout: said on the app's thread
                prepared = err
            with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
                self.call_from_thread(self._graph_prepared, feed, prepared)

        threading.Thread(target=work, name="graph layout", daemon=True).start()

    def _graph_prepared(self, feed: Feed, prepared: _Prepared | Exception | None) -> None:
        if isinstance(prepared, Exception):
            raise prepared
        if feed is self.feed:
            self._use_graph(prepared)
            self._start_worker(feed)

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
        self.timeline.close_trace()

    def _sync_feed(self) -> None:
        """Tell the feed whether to pull ahead. A real run shown at a pace is held between the
        steps the clock releases, as when paused."""
        if self.feed is not None:
            self.feed.set_playing(self.playing and not self.player.stepped)
            self.frames.wake()  # the user moved: the next frame may be due sooner

    # -- the timer: drain, pace, show ---------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.record.status != "running" or self.error is not None

    @property
    def paced(self) -> bool:
        return self.playback.rate is not None

    @property
    def rate(self) -> float | None:
        """Virtual seconds shown per wall second (with the pace), None when unpaced."""
        rate = self.playback.rate
        return None if rate is None else rate * (self.playback.pace or 1.0)

    @property
    def vclock(self) -> float:
        return self.playback.vclock

    @property
    def shown(self) -> list[ev.Event]:
        """The events up to the cursor: what the screen shows."""
        return self.timeline.shown()

    @property
    def source_paced(self) -> bool:
        return self.feed is not None and self.feed.source.paced

    def _refill(self) -> None:
        feed = self.feed
        room = BACKLOG - self.timeline.pending
        if feed is None or room <= 0 or self._crash is not None:
            return
        items = feed.drain(room) if self.options.threaded else feed.pull_now(room)
        events: list[ev.Event] = []
        for item in items:
            if isinstance(item, EngineCrashed):
                self._crash = item  # nothing comes after it
                break
            events.append(item)
        self.timeline.receive(events)

    def _tick(self) -> float:
        """A frame: show what the player releases, move the clock. Returns the seconds until
        the next frame is due."""
        now = time.monotonic()
        dt = min(now - self._last_tick, 0.25)  # a stalled frame does not leap the clock
        self._last_tick = now
        released = self.release(dt)
        if released:
            began = time.perf_counter()
            with self.batch_update():
                graphs = self._present(released)
            if len(released) >= MEASURED_FROM and not graphs:  # a graph's set-up is no event's
                spent = (time.perf_counter() - began) / len(released)
                self._cost = 0.7 * self._cost + 0.3 * spent
        self._check_crash()
        live = self._shown_live()
        if released or live or now - self._clock_at >= CLOCK_EVERY:
            self._clock_at = now
            self._refresh_clock()
        return self._next_frame(live)

    def _shown_live(self) -> bool:
        """A real run shown as it happens: frames come with its events and its clock."""
        return (self.feed is not None and self.options.threaded and not self.source_paced
                and self.playing and not self.player.stepped and not self.looking_back
                and self._crash is None)

    def _next_frame(self, live: bool) -> float:
        """Seconds until the next frame: a frame's worth while there are events to show or a
        clock to play; shown live, when the lanes' cursor moves (the feed wakes the app when
        events come); a live run that ended only needs a frame now and then."""
        feed = self.feed
        if not live or feed is None or self.timeline.pending or feed.queue:
            return TICK
        if self.finished:
            return IDLE
        # a millisecond past the boundary: the cursor is then in its cell
        cell = self.lanes_view.next_cell_in(self.clock(), LIVE_CLOCK_MIN) + 0.001
        return min(cell, LIVE_CLOCK_MAX)

    def _allowance(self) -> int:
        """How many events this frame may show: all that came, unless folding them would take
        longer than a frame's budget."""
        return max(MEASURED_FROM, int(FRAME_BUDGET / self._cost))

    def release(self, dt: float) -> list[ev.Event]:
        """Move the cursor by `dt` wall seconds of play, or by the steps asked for; return the
        events it passed."""
        if self.feed is None:
            return []
        self._refill()
        busy = self.feed.pulling and self.options.threaded
        return self.player.release(dt, self._allowance(), busy)

    def _check_crash(self) -> None:
        """The engine's error, once everything before it is shown."""
        if self._crash is not None and self.timeline.at_end and self.error is None:
            self.error = f"engine error: {inert(str(self._crash.error), newlines=False)}"
            self.notify(self.error, severity="error", timeout=15)
            self._refresh_header()

    def show_until(self, count: int) -> int:
        """Pause, and show events until `count` have been shown since the run started (tests
        and screenshots drive the app with this: "mid-run" is an exact number of events).
        Returns how many are shown."""
        player = self.player
        player.playing = False
        self._sync_feed()
        player.steps_wanted = 0
        while self.timeline.cursor < count and self.feed is not None:
            player.steps_wanted = 1
            out = player.service_steps()
            if not out:
                break
            self._present(out)
        player.steps_wanted = 0
        self._check_crash()
        self._refresh_clock()
        return self.timeline.cursor

    def show_all(self) -> int:
        return self.show_until(10**9)

    # -- showing the state at the cursor -------------------------------------------------------
    def _present(self, events: list[ev.Event]) -> bool:
        """Fold events into what the panels show (they follow the cursor's previous state): the
        models in one pass, then each panel refreshed once. True if a graph came (laying it
        out is not the cost of an event)."""
        record = self.record
        decided: list[ev.Event] = []
        recovered: list[ev.Event] = []
        failed_now = graphs = False
        lanes = self.lanes
        for e in events:
            record.apply(e)
            kind = type(e)
            if kind in _RARE:
                match e:
                    case ev.RunStarted():
                        lanes = self.lanes = LaneModel(e.cpus, labels=e.lanes)
                        self.lanes_view.reset(lanes)
                        self.wall_start = time.monotonic()
                    case ev.GraphReady():
                        self._graph_ready(e)
                        graphs = True
                    case ev.Failed():
                        failed_now = True
                    case ev.CallRepaired():
                        self.repaired[e.call] = e.after
            lanes.observe(e, record)
            if kind in LOGGED:
                decided.append(e)
            elif kind in RECOVERY_LOGGED:
                recovered.append(e)
        self.decisions.add(decided)
        recovery = self.recovery
        recovery.add(recovered)
        # only a Failed event can add a failure to say (recovery entries replace the placeholder)
        failed = [c.id for c in record.calls.values()
                  if c.status == "failed"] if failed_now and not recovery.logged else []
        if failed:
            recovery.placeholder = (f"{', '.join(failed[:4])} failed; no recovery ran: this "
                                    "run has no LLM repairer")
            recovery.refresh()
        self.lanes_view.changed()
        focus = next((c for c in map(_call_of, reversed(events)) if c is not None), None)
        if self.follow and focus is not None and focus in self.frg.calls:
            self.selected = focus
        self.frg.refresh_changed()
        self._detail_due = True  # repainted by the clock, at most a few times a second
        self._refresh_header()
        return graphs

    def _show_move(self, move: Move | None) -> None:
        """Show where the player moved: fold the events passed onto the screen, or rebuild it
        from the start (the state at event k is the fold of events 0..k)."""
        if move is None:
            return
        with self.batch_update():
            if move.rewound:
                self._reset_panels()
                self.graph_info = {}
            if move.events:
                self._present(move.events)
        self._lanes_time = (-1.0, -1.0)
        self._detail_due = True
        self._check_crash()
        self._refresh_clock()

    def _decision_line(self, e: ev.Event) -> LogLine | None:
        """The decision log's line for an event of this run."""
        return decision_line(e, self.record.cpus, self._kinds)

    def _graph_ready(self, e: ev.GraphReady) -> None:
        # A growing plan (streamed, or a live baseline's) declares its new calls in each
        # GraphReady, with the whole graph's exclusive groups: merge the calls by id.
        first = not self.graph_info
        self.graph_info.update({d["id"]: d for d in e.calls})
        prepared = self._prepared_graph
        if first and prepared is not None and prepared[0] is e.calls:
            calls = prepared[1]
        else:
            calls = _graph_calls(self.graph_info.values())
        self.frg.set_graph(calls, e.exclusive_groups, self.record)
        if self.selected not in self.graph_info and calls:
            self.selected = calls[0].id
        self.estimate = self.record.lower_bound(measured=False)
        if self.source_paced:  # again as a streamed plan grows
            self.playback.know_estimate(self.estimate)

    # -- panels -------------------------------------------------------------------------------
    def clock(self) -> float:
        rec = self.record
        if self.player.scrub_t is not None or self.looking_back:
            return self.player.time()
        if rec.makespan is not None:
            return rec.makespan
        if self.paced:
            return rec.now if self.playback.unpaced else max(self.vclock, rec.now)
        if self.wall_start is not None and self.playing and not self.finished:
            return max(rec.now, time.monotonic() - self.wall_start)
        return rec.now

    def status(self) -> str:
        if self.error:
            return "error"
        if self.looking_back:
            return "back"
        if self.record.status != "running":
            return self.record.status
        if not self.playing:
            return "paused"
        return "running" if self.timeline.cursor else "ready"

    def _refresh_clock(self) -> None:
        now = time.monotonic()
        selected = self.record.calls.get(self.selected or "")
        running = selected is not None and selected.status == "running" and self.playing
        gap = now - self._detail_at
        if (self._detail_due and (gap > DETAIL_EVERY or not self.playing or self.finished)) \
                or (running and gap > RUNNING_EVERY):  # its running time goes on
            self._detail_due = False
            self._detail_at = now
            self._refresh_detail()
        wanted = (self.clock(), max(self.estimate, self.record.makespan or 0.0,
                                    self.timeline.time_at(len(self.timeline.events))
                                    if self.looking_back else 0.0))
        if wanted != self._lanes_time:
            self._lanes_time = wanted
            self.lanes_view.set_time(*wanted)
        self._refresh_header()

    def pace_text(self) -> str:
        pace = self.playback.pace
        if self.feed is not None and not self.source_paced:
            return "pace live" if pace is None else f"pace {pace_label(pace)} steps/s"
        if self.playback.unpaced or self.rate is None:
            return "" if pace == 1.0 else f"pace ×{pace_label(pace or 1.0)}"
        return f"pace ×{pace_label(pace or 1.0)} ({self.rate:.2g} virtual s per s)"

    def _refresh_header(self) -> None:
        rec = self.record
        sc, opt = self.scenario, self.options
        self.header_bar.show(HeaderInfo(
            scenario=rec.scenario or (sc.name if sc else ""),
            policy=rec.policy or opt.policy or (sc.policy if sc else ""), cpus=rec.cpus,
            processors=rec.processors or opt.processors or (sc.processors if sc else 0),
            mode=rec.mode or ("" if self.replay else opt.mode), clock=self.clock(),
            status=self.status(), pace=self.pace_text(), replay=self.replay is not None))
        title = self._decisions_title()
        subtitle = ""
        if self.looking_back:
            subtitle = "←/→: move in time · n: forward · end: live"
        elif self.status() == "paused":
            subtitle = "n: one step · space: play"
        if (title, subtitle) != self._titles:  # setting a title repaints, even the same one
            self._titles = (title, subtitle)
            self.decisions.border_title = Text(title)  # Text: a call's text is not markup
            self.decisions.border_subtitle = Text(subtitle)
        lanes = self._lanes_title()
        if lanes != self._lanes_titled:
            self._lanes_titled = lanes
            self.lanes_view.border_title = Text(lanes)

    def _decisions_title(self) -> str:
        """The decision log's title: the newest event shown, in words (described once per
        event: the header is refreshed every frame)."""
        timeline = self.timeline
        cursor = timeline.cursor
        said = self._decisions_said
        if said[0] is not timeline or said[1] != cursor:
            title = "decisions"
            if cursor:
                rec = self.record
                last = summary(timeline.events[cursor - 1], rec.cpus, rec.calls)
                title = f"decisions · event {cursor}: {last}"
            said = self._decisions_said = (timeline, cursor, title)
        return said[2]

    def _lanes_title(self) -> str:
        """Looking back, the lanes say what the moment held: what ran, what waited."""
        if not self.looking_back:
            return "processors"
        running = [c.id for c in self.record.calls.values() if c.status == "running"]
        waiting = [c.id for c in self.record.calls.values() if c.status == "queued"]
        text = f"processors at {self.clock():.2f} s · running {_few(running)}"
        return text + (f" · waiting for a processor {_few(waiting)}" if waiting else "")

    def _refresh_detail(self) -> None:
        call = self.record.calls.get(self.selected or "")
        partners: tuple[str, ...] = ()
        if call is not None:
            group = self._group_of(call.id)
            partners = tuple(c for c in group if c != call.id)
        self.detail.show(call, self.graph_info.get(call.id) if call else None,
                         self.record.cpus, partners,
                         self.repaired.get(call.id) if call else None, self.clock())

    def _group_of(self, call: str) -> tuple[str, ...]:
        """The exclusive group a call is in (the last that names it), from an index built once
        per set of groups: a big plan has thousands of groups, and the call panel asks often."""
        groups = self.record.exclusive_groups
        if self._groups_indexed is not groups:
            self._groups_indexed = groups
            self._group_index = {c: g for g in groups for c in g}
        return self._group_index.get(call, ())

    def watch_selected(self) -> None:
        if self.follow and self.playing:
            self._detail_due = True  # following a playing run: repainted by the clock, throttled
        else:
            self._refresh_detail()

    @on(FRGView.CallSelected)
    def _call_selected(self, message: FRGView.CallSelected) -> None:
        self.follow = False  # the user chose a call: keep showing it
        self.selected = message.call

    @on(LanesView.BarSelected)
    def _bar_selected(self, message: LanesView.BarSelected) -> None:
        self.follow = False
        self.selected = message.call

    @on(LanesView.Scrub)
    def _scrub(self, message: LanesView.Scrub) -> None:
        self.action_scrub(message.direction)

    @on(LanesView.Seek)
    def _seek(self, message: LanesView.Seek) -> None:
        self.seek_time(message.t)

    # -- looking back -------------------------------------------------------------------------
    def seek_time(self, t: float) -> None:
        """Show the state at run time t: every event at or before t, none after."""
        if self.feed is not None:
            self._show_move(self.player.seek_time(t))
            self._sync_feed()

    def action_scrub(self, direction: int) -> None:
        if self.feed is not None:
            self._show_move(self.player.scrub(direction, self.clock()))
            self._sync_feed()

    def action_back(self) -> None:
        if self.feed is None:
            return
        move = self.player.back()
        if move is None:
            self.notice("back", "Nothing to undo: this is the start of the run.", timeout=3)
            return
        self._show_move(move)
        self._sync_feed()

    def action_live(self) -> None:
        """Back to the newest state: the run as it stands."""
        if self.feed is not None:
            self._show_move(self.player.live())

    def action_pace(self, direction: int) -> None:
        live_allowed = self.feed is not None and not self.source_paced
        if direction > 0:
            self.playback.faster(live_allowed)
        else:
            self.playback.slower(live_allowed)
        self._sync_feed()
        self.notice("pace", self.pace_text(), timeout=2)
        self._refresh_header()

    # -- traces -------------------------------------------------------------------------------
    def _open_trace(self) -> TraceWriter | None:
        if not self.options.trace_path:
            return None
        try:
            # held open across the run; a write that fails later (a full disk) is said once
            # and the run goes on
            return TraceWriter(self.options.trace_path, on_error=lambda message:
                               self.notify(message, severity="error", timeout=10))
        except OrchError as err:
            self.notify(str(err), severity="error")
            return None

    def export_path(self) -> Path:
        rec = self.record
        scenario = rec.scenario or (self.scenario.name if self.scenario else "run")
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"orchtui-{scenario}-{rec.policy or 'run'}")
        return Path.cwd() / f"{name}.jsonl"

    # -- actions ------------------------------------------------------------------------------
    def notice(self, topic: str, message: str, *, timeout: float,
               severity: SeverityLevel = "information") -> None:
        """Say `message`, in place of the notice of the same topic if it is still shown. A key
        held down (`b` at the start, `]`, `+`) said its notice at every press and the toasts
        piled up; past a screenful of them, Textual (8.2.8) leaves their text on the screen
        when they go."""
        old = self._notices.get(topic)
        # Textual's own (private) list and remover: on a Textual without them, the toasts
        # pile up again (tests/test_tui_playback.py says so), but the key still works
        shown = getattr(self, "_notifications", ())
        unnotify = getattr(self, "_unnotify", None)
        if old is not None and unnotify is not None and old in shown:
            unnotify(old, refresh=False)
        new = Notification(message, severity=severity, timeout=timeout)
        self._notices[topic] = new
        self.post_message(Notify(new))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The run's keys work on the run's screen only; over compare, sweep or help they are
        hidden from the footer."""
        if action in ("quit", "help") or action not in _RUN_ACTIONS:
            return True  # Textual's own (focus_next: tab in a form) work on every screen
        return self.screen is self.screen_stack[0]

    def action_toggle_pause(self) -> None:
        if self.feed is None:
            return
        self._show_move(self.player.toggle())
        self._sync_feed()
        self._last_tick = time.monotonic()
        self._refresh_header()

    def action_step(self) -> None:
        if self.feed is None:
            return
        if self.finished and self.timeline.at_end and not self.looking_back:
            self.notice("step", "The run is over: r runs it again.", timeout=3)
            return
        out = self.player.step()  # at once when the event is already here (always in tests)
        self._sync_feed()
        if out:
            self._present(out)
        self._check_crash()
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
            self.notice("policy", f"policy {following}: {POLICY_CLASSES[following].summary}",
                        timeout=4)

    def action_processors(self, delta: int) -> None:
        if self._fixed("the processors"):
            return
        current = self.record.processors or self.options.processors or (
            self.scenario.processors if self.scenario else 1)
        wanted = current + delta
        if wanted < 1:
            self.notice("processors", "At least one processor.", severity="warning",
                        timeout=3)
            return
        if self._restart(processors=wanted, cpus=None, topic="processors"):
            self.notice("processors", f"{wanted} processor{'s' if wanted > 1 else ''}: "
                        "run restarted", timeout=3)

    def _fixed(self, what: str) -> bool:
        if self.replay is not None:
            self.notify(f"A replay shows a recorded run: {what} cannot change.",
                        severity="warning", timeout=4)
            return True
        return False

    def _restart(self, topic: str = "restart", **changes: object) -> bool:
        options = replace(self.options, **changes)  # type: ignore[arg-type]
        try:
            source = self._make_source(options)
        except OrchError as err:  # e.g. more processors than CPUs: keep the run that works
            self.notice(topic, str(err), severity="error", timeout=6)
            return False
        self._stop_feed()
        self.options = options
        self._begin(source)
        return True

    def action_export(self) -> None:
        path = self.export_path()
        shown = self.shown
        try:
            path.write_text("".join(ev.event_to_line(e) + "\n" for e in shown),
                            encoding="utf-8")
        except OSError as err:
            self.notify(f"cannot write {path}: {err}", severity="error")
            return
        self.notify(f"trace written: {path} ({len(shown)} events)", timeout=6)

    def _scenario_for_screens(self) -> Scenario | None:
        # a live baseline's or a streamed run's plan is the one the run grew, not a recorded one
        sc = self.scenario
        calls = self.record.calls
        if sc is not None and sc.plan is not None and (not calls or set(sc.plan.ids) == set(calls)):
            return sc
        from orchtui.tui.trace_scenario import scenario_from_trace

        try:
            return scenario_from_trace(self.timeline.events or self.replay or [])
        except OrchError as err:
            self.notify(f"cannot rebuild the scenario from the trace: {err}",
                        severity="error")
            return None

    def _compare_settings(self, scenario: Scenario) -> tuple[int, str]:
        processors = self.record.processors or self.options.processors or scenario.processors
        return processors, self.record.compute or self.options.compute

    def action_compare(self) -> None:
        from orchtui.tui.compare import measured_turn
        from orchtui.tui.screens.compare import CompareScreen

        scenario = self._scenario_for_screens()
        if scenario is None:
            return
        processors, compute = self._compare_settings(scenario)
        self.push_screen(CompareScreen(scenario, processors, compute, self.options.seed,
                                       threaded=self.options.threaded,
                                       llm_turn=measured_turn(self.record),
                                       make=self.run_maker))

    def action_what_if(self) -> None:
        from orchtui.scenario.whatif import WhatIf
        from orchtui.tui.screens.what_if import WhatIfForm, WhatIfScreen

        scenario = self._scenario_for_screens()
        if scenario is None or scenario.plan is None:
            self.notify("A what-if needs the run's plan.", severity="warning", timeout=4)
            return
        call = self.selected
        if call is None or call not in scenario.plan.ids:
            self.notify("Select a call first (arrow keys or a click in the graph).",
                        severity="warning", timeout=4)
            return
        processors, compute = self._compare_settings(scenario)
        policy = self.record.policy or self.options.policy or scenario.policy

        def chosen(what: WhatIf | None) -> None:
            if what is not None:
                self.push_screen(WhatIfScreen(scenario, what, policy=policy,
                                              processors=processors, compute=compute,
                                              seed=self.options.seed,
                                              threaded=self.options.threaded,
                                              make=self.run_maker))

        self.push_screen(WhatIfForm(scenario, call, processors=processors), chosen)

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
                                     scheduler=self.options.scheduler, make=self.run_maker))

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
        frames = getattr(self, "frames", None)  # none when the app never mounted
        if frames is not None:
            frames.stop()
        self._stop_feed(wait=1.0)


def _freeze_startup_heap() -> None:
    """Take what exists when the first run begins (modules, Textual's widgets, the plan and its
    layout) out of the collector's scans, once per process.

    A full collection scans every live container, and a run's display only grows: at tens of
    thousands of events a second, rescanning the startup heap was half of the UI's time. Those
    objects live as long as the app anyway; freezing them again at a restart would also keep
    whatever cyclic garbage the previous run had left uncollected, so it is done once."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.freeze()


_FROZEN = False

_RUN_ACTIONS = {b.action.partition("(")[0] for b in OrchApp.BINDINGS if isinstance(b, Binding)}


_Prepared = tuple[object, list[GraphCall], PreparedLayouts]


def _prepared(source: EventSource, wanted: Callable[[], bool] = lambda: True
              ) -> _Prepared | None:
    """The source's graph, if known before the run: its calls as described, as the panel's
    layout takes them, and laid out (None if no longer `wanted` once described: the app quit
    meanwhile, and its process ends sooner without the layout). Pure: run on any thread."""
    graph = source.graph()
    if graph is None or not wanted():
        return None
    calls = _graph_calls(graph.calls)
    return graph.calls, calls, prepare_layouts(calls, graph.exclusive_groups)


def _graph_calls(described: Iterable[dict]) -> list[GraphCall]:
    """What the graph panel lays out, from a GraphReady's calls."""
    return [GraphCall(d["id"], d["function"], d["rank"], tuple(d["deps"])) for d in described]


def _few(ids: list[str], limit: int = 6) -> str:
    if not ids:
        return "nothing"
    return ", ".join(ids[:limit]) + (f" (+{len(ids) - limit})" if len(ids) > limit else "")


# events the fold does more with than the record and the lanes
_RARE = frozenset((ev.RunStarted, ev.GraphReady, ev.Failed, ev.CallRepaired))


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
