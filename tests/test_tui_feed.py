"""The engine feeding the UI: a worker thread, a queue drained on a timer, pacing in the sim,
pausing that holds a real run's generator, steps of one decision, throughput, crashes, quitting.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchtui.cli.inputs import load_input
from orchtui.engine import events as ev
from orchtui.engine.session import make_run
from orchtui.tui.app import AppOptions, OrchApp
from orchtui.tui.describe import decision_line

HERE = Path(__file__).parent / "tui_scenarios"
SIZE = (120, 36)
pytestmark = pytest.mark.anyio


def seo_events() -> list[ev.Event]:
    run = make_run(load_input(str(HERE / "seo.yaml")), seed=0)
    try:
        return list(run.events())
    finally:
        run.executor.close()


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


class FakeExecutor:
    mode = "real"

    def __init__(self) -> None:
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()


class FakeRealRun:
    """Looks like a real run to the UI: events that take time to come, a pull counter, a
    cancel flag the generator honours, an executor to close."""

    def __init__(self, events: list[ev.Event], delay: float = 0.0, block: bool = False,
                 crash_at: int | None = None) -> None:
        self.recorded = events
        self.delay = delay
        self.block = block
        self.crash_at = crash_at
        self.pulled = 0
        self.cancelled = False
        self.executor = FakeExecutor()

    def graph_event(self) -> ev.GraphReady:
        return next(e for e in self.recorded if isinstance(e, ev.GraphReady))

    def cancel(self) -> None:
        self.cancelled = True

    def events(self) -> Iterator[ev.Event]:
        for n, e in enumerate(self.recorded):
            if self.crash_at == n:
                raise RuntimeError("the engine broke")
            if self.block and isinstance(e, ev.Finished):
                while not self.cancelled:  # a call that never ends
                    time.sleep(0.01)
                yield ev.RunFinished(e.t, e.t, "cancelled")
                return
            time.sleep(self.delay)
            self.pulled += 1
            yield e


def app_with(run: FakeRealRun, **options: object) -> OrchApp:
    opts = {"mode": "real", "seed": 0, **options}
    return OrchApp(load_input(str(HERE / "seo.yaml")), AppOptions(**opts),  # type: ignore[arg-type]
                   run_factory=lambda _: run)  # type: ignore[arg-type,return-value]


async def test_threaded_sim_run_plays_to_the_end() -> None:
    app = OrchApp(load_input(str(HERE / "seo.yaml")), AppOptions(seed=0, speed=math.inf))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.finished)
        assert app.record.status == "ok"
        assert app.shown == seo_events()
        await pilot.press("q")
    assert app.feed is None


async def test_sim_is_paced_in_virtual_time() -> None:
    # 2 virtual seconds per wall second: the 8 s run cannot be over after half a second
    app = OrchApp(load_input(str(HERE / "seo.yaml")), AppOptions(seed=0, speed=2.0))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        assert not app.finished
        assert 0.0 < app.clock() < 3.0
        assert all(e.t <= app.vclock + 1e-9 for e in app.shown)
        assert app.status() == "running"
        await pilot.press("space")
        clock = app.clock()
        await pilot.pause(0.3)
        assert app.clock() == clock  # paused: virtual time stands still
        await pilot.press("q")


async def test_auto_pace_plays_seo_in_a_few_seconds() -> None:
    app = OrchApp(load_input(str(HERE / "seo.yaml")), AppOptions(seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.rate is not None)
        wall = 8.0 / app.rate  # the SEO run's makespan, played at the auto pace
        assert 4.0 <= wall <= 9.0
        await pilot.press("q")


async def test_pausing_holds_a_real_run() -> None:
    run = FakeRealRun(seo_events())
    app = app_with(run, step=True)
    async with app.run_test(size=SIZE) as pilot:
        # paused at the start: the preamble (run, plan, graph) and nothing more is pulled
        await wait_for(pilot, lambda: len(app.shown) == 3)
        await pilot.pause(0.3)
        assert run.pulled == 3 and len(app.shown) == 3
        await pilot.press("n")
        await wait_for(pilot, lambda: len(app.shown) == 4)
        assert isinstance(app.shown[-1], ev.Scheduled)
        await pilot.pause(0.2)
        assert run.pulled == 4  # the engine decides nothing new while paused
        # a step in a real run is one decision: observations in between come along
        for _ in range(3):
            await pilot.press("n")
            await pilot.pause(0.1)
        decisions = (ev.Scheduled, ev.Queued, ev.Dispatched)
        await wait_for(pilot, lambda: sum(isinstance(e, decisions) for e in app.shown) == 4)
        assert isinstance(app.shown[-1], decisions)
        assert any(isinstance(e, ev.Started) for e in app.shown)
        await pilot.press("q")
    assert run.executor.closed.is_set()


async def test_real_run_events_show_as_they_come() -> None:
    run = FakeRealRun(seo_events(), delay=0.01)
    app = app_with(run)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.finished)
        assert app.record.status == "ok"
        assert app.rate is None  # a real run is not paced
        await pilot.press("q")


async def test_engine_crash_is_shown_not_hung() -> None:
    run = FakeRealRun(seo_events(), crash_at=8)
    app = app_with(run)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.error is not None)
        assert "the engine broke" in app.error
        assert app.status() == "error"
        await pilot.press("q")
    assert run.executor.closed.is_set()


async def test_quitting_stops_a_blocked_engine() -> None:
    run = FakeRealRun(seo_events(), block=True)
    app = app_with(run)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any(isinstance(e, ev.Started) for e in app.shown))
        began = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - began < 2.0
    assert run.cancelled and run.executor.closed.is_set()


async def test_ui_keeps_up_with_a_thousand_events_a_second() -> None:
    # 200 calls, ~800 events, replayed unpaced: count the UI thread's CPU time per event
    sc = load_input(str(HERE / "plan200.yaml"))
    run = make_run(sc, seed=0)
    events = list(run.events())
    run.executor.close()
    app = OrchApp(None, AppOptions(speed=math.inf), replay=events * 1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.shown))
        cpu = time.thread_time()
        await wait_for(pilot, lambda: app.finished, timeout=30)
        cpu = time.thread_time() - cpu
        assert app.shown == events
        await pilot.press("q")
    assert len(events) / max(cpu, 1e-3) > 1000, f"{len(events) / cpu:.0f} events per UI second"


async def test_a_burst_is_shown_whole_and_every_decision_logged() -> None:
    # a real run whose ~800 events come at once: every event is shown, in order, and the decision
    # log holds one line per decision, however the frames split the burst
    sc = load_input(str(HERE / "plan200.yaml"))
    sim = make_run(sc, seed=0)
    events = list(sim.events())
    sim.executor.close()
    run = FakeRealRun(events)
    app = OrchApp(sc, AppOptions(mode="real", seed=0),
                  run_factory=lambda _: run)  # type: ignore[arg-type,return-value]
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.finished)
        assert app.shown == events
        kinds = {c.id: c.kind for c in app.record.calls.values()}
        lines = [decision_line(e, app.record.cpus, kinds) for e in events]
        expected = [(line.t, line.tag, line.plain) for line in lines if line is not None]
        assert [(line.t, line.tag, line.plain) for line in app.decisions.entries] == expected
        assert len(app.decisions.text_lines) >= len(expected)
        await pilot.press("q")
