"""Step back, scrub along the lanes, return to live, pace: pilot tests of the run screen, and the
playback model (orchtui.playback) on its own."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import make_app
from test_tui_feed import FakeRealRun, app_with, seo_events, wait_for
from test_what_if import open_form

from orchtui.cli.inputs import load_input
from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.engine.session import make_run
from orchtui.playback.clock import PlaybackClock
from orchtui.playback.player import Player
from orchtui.playback.timeline import Timeline, every_event
from orchtui.tui.app import AppOptions, OrchApp
from orchtui.tui.describe import DECISION_STEPS

HERE = Path(__file__).parent / "tui_scenarios"
SIZE = (120, 36)
pytestmark = pytest.mark.anyio


def screen_text(app: OrchApp) -> dict[str, object]:
    """What every panel shows, as text."""
    return {
        "frg": app.frg.node_text(),
        "lanes": [app.lanes_view.render_line(y).text for y in range(app.lanes_view.size.height)],
        "decisions": app.decisions.text_lines,
        "recovery": app.recovery.text_lines,
        "detail": [app.detail.render_line(y).text for y in range(app.detail.size.height)],
        "header": app.header_bar.render().plain,
        "selected": app.selected,
        "title": str(app.decisions.border_title),
    }


def running_at(events: list[ev.Event], t: float) -> set[str]:
    """The calls running at time t in a whole trace: started at or before t, not ended."""
    rec = RunRecord.from_events(events)
    return {c.id for c in rec.calls.values()
            if c.start is not None and c.start <= t + 1e-9 and (c.end is None or c.end > t + 1e-9)}


async def test_b_after_three_steps_restores_two_steps() -> None:
    two, three = make_app(), make_app()
    async with two.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        await pilot.pause()
        expected_record = RunRecord.from_events(two.shown)
        expected_screen = screen_text(two)
        expected_svg = two.export_screenshot()
    async with three.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert screen_text(three) != expected_screen  # the third step changed something
        await pilot.press("b")
        await pilot.pause()
        assert three.record == expected_record
        assert three.shown == two.shown
        assert screen_text(three) == expected_screen
        assert three.export_screenshot() == expected_svg
        # and n goes forward again through the same events
        await pilot.press("n")
        assert len(three.shown) == len(two.shown) + 1


async def test_b_goes_no_further_than_the_graph() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start = len(app.shown)
        assert isinstance(app.shown[-1], ev.GraphReady)
        await pilot.press("n", "b", "b")
        assert len(app.shown) == start
        assert app.frg.calls  # the graph is still there


async def test_b_undoes_the_end_of_a_run() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        total = len(app.shown)
        assert app.record.status == "ok"
        await pilot.press("b")
        assert len(app.shown) == total - 1
        assert app.record.status == "running" and app.record.makespan is None
        await pilot.press("n")
        assert app.record.status == "ok"


async def test_scrubbing_to_t_shows_the_calls_running_at_t() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        trace = list(app.shown)
        makespan = app.record.makespan
        assert makespan is not None
        for t in (0.3, 0.9, 1.5, 2.2, 3.0, 4.1, 5.5, 7.0, makespan - 0.05):
            app.seek_time(t)
            await pilot.pause()
            running = {c.id for c in app.record.calls.values() if c.status == "running"}
            assert running == running_at(trace, t), t
            assert app.clock() == pytest.approx(t)
            assert app.status() == "back"
            # the lanes draw exactly those calls as running bars
            open_bars = {b.key for b in app.lanes.bars if b.end is None and b.state == "running"}
            assert open_bars == running_at(trace, t)
            assert all(e.t <= t + 1e-9 for e in app.shown)
        await pilot.press("end")
        assert app.shown == trace and app.record.status == "ok"
        assert app.status() == "ok"


async def test_arrow_keys_on_the_lanes_move_through_time() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        trace = list(app.shown)
        times = sorted({e.t for e in trace})
        app.lanes_view.focus()
        await pilot.press("left")
        assert app.clock() == pytest.approx(times[-2])
        await pilot.press("left", "left")
        assert app.clock() == pytest.approx(times[-4])
        running = {c.id for c in app.record.calls.values() if c.status == "running"}
        assert running == running_at(trace, times[-4])
        await pilot.press("right")
        assert app.clock() == pytest.approx(times[-3])
        await pilot.press("right", "right", "right")  # past the end: live again
        assert app.status() == "ok" and app.shown == trace


async def test_click_on_the_time_axis_seeks() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        trace = list(app.shown)
        view = app.lanes_view
        await pilot.pause()
        x = 14 + view._plot_width() // 2  # the middle of the axis
        t = view.time_at(x)
        assert t is not None
        await pilot.click(view, offset=(x + 1, 1))  # +1: the border; row 1: the axis row
        await pilot.pause()
        assert app.clock() == pytest.approx(t)
        running = {c.id for c in app.record.calls.values() if c.status == "running"}
        assert running == running_at(trace, t)


async def test_looking_back_while_a_real_run_goes_on() -> None:
    run = FakeRealRun(seo_events(), delay=0.05)
    app = app_with(run)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any(isinstance(e, ev.Finished) for e in app.shown))
        await pilot.press("b")
        looked = len(app.shown)
        assert app.status() == "back"
        await wait_for(pilot, lambda: len(app.timeline.events) > looked)  # the run goes on
        assert len(app.shown) == looked  # the screen did not
        await wait_for(pilot, lambda: app.feed is not None and app.feed.exhausted.is_set())
        await pilot.press("end")
        await pilot.pause()
        assert app.record.status == "ok" and app.status() == "ok"
        assert app.shown == seo_events()
        await pilot.press("q")


async def test_pace_keys_change_the_sim_rate() -> None:
    app = OrchApp(load_input(str(HERE / "seo.yaml")), AppOptions(seed=0, pace=2.0))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.rate is not None)
        base = app.playback.rate
        assert app.rate == pytest.approx(2 * base)
        assert "pace ×2" in app.header_bar.render().plain
        await pilot.press("left_square_bracket")
        assert app.rate == pytest.approx(base)
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert app.rate == pytest.approx(4 * base)
        assert "pace ×4" in app.header_bar.render().plain
        await pilot.press("q")


async def test_a_real_run_at_a_pace_is_shown_step_by_step() -> None:
    run = FakeRealRun(seo_events())
    app = app_with(run, pace=4.0)
    async with app.run_test(size=SIZE) as pilot:
        assert "pace 4 steps/s" in app.header_bar.render().plain
        steps = (ev.Scheduled, ev.Queued, ev.Dispatched, ev.Skipped)
        await wait_for(pilot, lambda: any(isinstance(e, steps) for e in app.shown))
        # a step at a time, not the whole run at once: the engine is held between steps
        assert run.pulled < len(seo_events())
        assert not app.finished
        await pilot.press("right_square_bracket", "right_square_bracket",
                          "right_square_bracket", "right_square_bracket")
        assert "pace live" in app.header_bar.render().plain
        await wait_for(pilot, lambda: app.finished)
        await pilot.press("q")


def test_timeline_state_at_k_is_the_fold() -> None:
    run = make_run(load_input(str(HERE / "seo.yaml")), seed=0)
    events = list(run.events())
    run.executor.close()
    timeline = Timeline()
    timeline.receive(events)
    for k in range(len(events) + 1):
        assert timeline.record_at(k) == RunRecord.from_events(events[:k])
    timeline.seek(len(events))
    assert timeline.back_target() == len(events) - 1
    t = events[len(events) // 2].t
    k = timeline.index_at(t)
    assert all(e.t <= t for e in events[:k]) and all(e.t > t for e in events[k:])


def test_trace_is_written_once_even_when_stepping_back(tmp_path: Path) -> None:
    from orchtui.engine.trace import TraceWriter, read_trace

    events = seo_events()
    path = tmp_path / "t.jsonl"
    timeline = Timeline(trace=TraceWriter(path))
    timeline.receive(events)
    timeline.advance(10)
    timeline.seek(4)
    timeline.advance(len(events))
    assert read_trace(path) == events


def test_clock_pace_ladder() -> None:
    clock = PlaybackClock(pace=1.0)
    clock.know_estimate(6.0)
    clock.tick(1.0)
    assert clock.vclock == pytest.approx(1.0)
    clock.faster(live_allowed=False)
    clock.tick(1.0)
    assert clock.vclock == pytest.approx(3.0)
    real = PlaybackClock(pace=None)
    real.slower(live_allowed=True)
    assert real.pace == 4.0
    assert real.steps_due(0.5) == 2
    real.faster(live_allowed=True)
    real.faster(live_allowed=True)
    real.faster(live_allowed=True)
    real.faster(live_allowed=True)
    assert real.pace is None


async def test_comma_and_full_stop_scrub_from_anywhere() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        times = sorted({e.t for e in app.shown})
        await pilot.press("comma", "comma")
        assert app.clock() == pytest.approx(times[-3])
        await pilot.press("full_stop")
        assert app.clock() == pytest.approx(times[-2])


def _player(events: list[ev.Event], *, paced: bool, playing: bool,
            pace: float | None = 1.0) -> tuple[Player, list[ev.Event]]:
    source = list(events)
    timeline = Timeline(every_event if paced else (lambda e: isinstance(e, DECISION_STEPS)))

    def fetch() -> None:
        if source:
            timeline.receive([source.pop(0)])

    clock = PlaybackClock(speed=math.inf if paced else None, pace=pace)
    return Player(timeline, clock, paced=paced, playing=playing, fetch=fetch,
                  ended=lambda: not source), source


def test_player_steps_back_and_seeks_without_a_screen() -> None:
    events = seo_events()
    player, _ = _player(events, paced=True, playing=False)
    first = player.step()  # the preamble and the first decision
    assert isinstance(first[-2], ev.GraphReady) and isinstance(first[-1], ev.Scheduled)
    player.step()
    player.step()
    k = player.timeline.cursor
    move = player.back()
    assert move is not None and move.rewound and move.events == events[:k - 1]
    assert player.step() == [events[k - 1]]  # and forward again through the same event
    player.service_steps()
    while len(player.timeline.events) < len(events):  # the sim computed ahead
        player.fetch()
    t = (events[-1].t + events[k].t) / 2
    move = player.seek_time(t)
    assert move is not None and player.timeline.shown() == [e for e in events if e.t <= t]
    assert player.looking_back and player.time() == t
    seen = player.timeline.cursor
    player.back()
    move = player.live()  # in the sim, live is the furthest the screen got
    assert move.events and player.timeline.cursor == seen and not player.looking_back


def test_player_looks_back_while_a_real_run_goes_on() -> None:
    events = seo_events()
    player, source = _player(events[:12], paced=False, playing=True, pace=None)
    player.timeline.receive(events[:12])
    source.clear()
    assert player.release(0.1, 100, False) == events[:12]
    assert player.back() is not None and player.looking_back
    looked = player.timeline.cursor
    player.timeline.receive(events[12:])  # the run goes on
    assert player.release(0.1, 100, False) == []  # the screen does not
    assert player.timeline.cursor == looked
    move = player.live()
    assert move.events == events[looked:] and not player.looking_back


async def test_the_trace_holds_the_run_once_however_it_was_watched(tmp_path: Path) -> None:
    from orchtui.engine.trace import read_trace

    path = tmp_path / "t.jsonl"
    app = make_app(trace_path=str(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "n", "b", "b", "n")
        app.seek_time(0.5)
        await pilot.press("end")
        app.show_all()
        shown = list(app.shown)
        await pilot.press("b", "b")
    assert read_trace(path) == shown


async def test_looking_back_the_lanes_say_what_ran_and_what_waited() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        app.seek_time(1.0)  # s3 runs; s4, exclusive with it, waits for a processor
        await pilot.pause()
        title = str(app.lanes_view.border_title)
        running = [c.id for c in app.record.calls.values() if c.status == "running"]
        assert f"running {', '.join(running)}" in title
        assert "waiting for a processor s4" in title
        await pilot.press("end")
        assert str(app.lanes_view.border_title) == "processors"


async def test_the_lanes_on_screen_follow_the_clock_cell_by_cell() -> None:
    # the lanes repaint their rows only when the cursor moves a cell (the axis, which prints the
    # clock, every time): moved in small steps and large, the screen holds what is drawn at once
    def composed(app: OrchApp) -> list[str]:
        # the screen as last composed, from the panels' cached lines (a screenshot would draw
        # every line anew, and not see a line left unrepainted)
        return [strip.text for strip in app.screen._compositor.render_strips()]

    stepped, direct = make_app(), make_app()
    async with stepped.run_test(size=SIZE) as pilot:
        stepped.show_until(12)
        await pilot.pause()
        seen = []
        for t in (1.0, 1.001, 1.004, 1.6, 1.602, 3.0, 9.5, 9.5004):
            stepped.lanes_view.set_time(t, 8.0)
            await pilot.pause()
            seen.append(composed(stepped))
    async with direct.run_test(size=SIZE) as pilot:
        direct.show_until(12)
        await pilot.pause()
        for t, screen in zip((1.0, 1.001, 1.004, 1.6, 1.602, 3.0, 9.5, 9.5004), seen,
                             strict=True):
            direct.lanes_view.set_time(t, 8.0)
            direct.lanes_view.refresh()  # every line drawn anew
            await pilot.pause()
            assert composed(direct) == screen, t


@pytest.mark.parametrize("focus", ["frg", "decisions", "lanes_view", "detail"])
async def test_end_goes_live_whatever_panel_has_the_keys(focus: str) -> None:
    """`end` returns to live. Every panel scrolls, and a scrolling panel with the keys took
    `end` for its own scroll-to-end when it had somewhere to scroll: on a 60-call plan the
    graph (focused at the start) and the decision log, so `end` did nothing there."""
    app = make_app("plan60", step=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.finished)
        getattr(app, focus).focus()
        await pilot.press("comma", "comma")
        assert app.looking_back
        await pilot.press("end")
        await pilot.pause()
        assert not app.looking_back
        assert app.timeline.at_end


async def test_end_in_the_what_if_form_stays_in_its_field() -> None:
    """`end` is the run screen's: in the what-if form it moves to the end of the field."""
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_form(app, pilot, "s2")
        field = app.screen.query_one("#what-if-cost", Input)
        await pilot.press("home")
        assert field.cursor_position == 0
        await pilot.press("end")
        assert field.cursor_position == len(field.value) > 0


async def test_back_to_live_the_log_shows_its_newest_line() -> None:
    """From 25.5 s of the 200-call plan back to its end: the lanes grow a row (more I/O calls
    at once by then) and the log below them loses one. The log scrolled to its end before that
    layout, and so showed all but its newest line ("finished") until something else moved it."""
    app = make_app("plan200", step=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.finished)
        app.seek_time(25.5)
        await pilot.pause()
        rows_then = app.lanes_view.size.height
        await pilot.press("end")
        await pilot.pause()
        log = app.decisions
        assert app.lanes_view.size.height > rows_then  # the case: the log got shorter
        assert log.scroll_y == log.max_scroll_y
        assert "finished" in log.render_line(log.size.height - 1).text


async def test_the_decision_log_s_title_counts_in_words() -> None:
    """seo's graph has one exclusive group (s3 and s4): "1 exclusive group", not "groups"."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.shown[-1], ev.GraphReady)
        assert str(app.decisions.border_title) == \
            "decisions · event 3: graph ready: 5 calls, 1 exclusive group"


def _streamed_events() -> list[ev.Event]:
    """ParallelQA #83's plan streamed in the sim: its first call arrives after the plan's turn
    has started (GraphReady at t > 0)."""
    import argparse

    from orchtui.cli.llm_setup import prepare
    from orchtui.scenario.loader import find_scenario, load_scenario

    sc = load_scenario(find_scenario("parallelqa_83"))
    setup = prepare(sc, argparse.Namespace(llm=False, policy="llmorch", stream=True,
                                           stream_rate=None))
    return list(setup.make_run("sim").events())


def test_a_streamed_plan_plays_at_the_auto_pace() -> None:
    """The auto pace comes from the graph: a streamed plan's first GraphReady comes after t=0,
    and playing waited for virtual time that could not move without a pace (the screen showed
    the plan's turn and nothing else, forever). It is shown at once, as stepping shows it."""
    events = _streamed_events()
    graph = next(i for i, e in enumerate(events) if isinstance(e, ev.GraphReady))
    assert events[graph].t > 0
    timeline = Timeline(every_event)
    timeline.receive(events)
    clock = PlaybackClock(pace=1.0)  # speed None: the auto pace, from the graph's estimate
    player = Player(timeline, clock, paced=True, playing=True, fetch=lambda: None,
                    ended=lambda: True)
    shown = player.release(0.1, allowance=1000, engine_busy=False)
    assert shown == events[:graph + 1]
    assert clock.vclock == pytest.approx(events[graph].t)


def test_the_auto_pace_rises_as_a_streamed_plan_grows() -> None:
    """Its first call alone set the pace of the whole streamed run: 2.75 s played in a minute."""
    clock = PlaybackClock(pace=1.0)
    clock.know_estimate(0.3)
    first = clock.rate
    clock.know_estimate(1.2)
    assert clock.rate == pytest.approx(first * 4)
    clock.know_estimate(0.6)  # (stepping back shows a smaller graph again: the pace stays)
    assert clock.rate == pytest.approx(first * 4)
    fixed = PlaybackClock(speed=0.5, pace=1.0)
    fixed.know_estimate(0.3)
    fixed.know_estimate(1.2)
    assert fixed.rate == 0.5
