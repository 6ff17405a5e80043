"""Pilot tests: every key of the run screen, and the screens they open."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import make_app

from orchtui.engine import events as ev
from orchtui.engine.policies import POLICY_CLASSES
from orchtui.tui.app import AppOptions, OrchApp
from orchtui.tui.components.frg_view import FRGView
from orchtui.tui.components.lanes_view import LanesView
from orchtui.tui.screens.compare import CompareScreen
from orchtui.tui.screens.help import HelpScreen
from orchtui.tui.screens.sweep import SweepScreen

HERE = Path(__file__).parent / "tui_scenarios"
SIZE = (120, 36)
pytestmark = pytest.mark.anyio  # anyio's pytest plugin runs the async tests


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # `e` writes its trace into the current directory


async def test_space_pauses_and_plays() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.playing and app.status() == "paused"
        await pilot.press("space")
        assert app.playing
        for _ in range(100):  # inline feed, no pacing: the run plays out in a few frames
            if app.finished:
                break
            await pilot.pause(0.02)
        assert app.record.status == "ok"
        assert app.status() == "ok"


async def test_n_steps_one_event_and_says_why() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # paused at the start, the graph is already there: the first step is a decision
        assert isinstance(app.shown[-1], ev.GraphReady)
        before = len(app.shown)
        await pilot.press("n")
        assert len(app.shown) == before + 1
        assert isinstance(app.shown[-1], ev.Scheduled)
        await pilot.press("n")
        await pilot.press("n")
        assert len(app.shown) == before + 3
        newest = app.decisions.entries[-1]
        assert newest.tag == "dispatch"
        assert "inout calls first" in newest.body.plain or "spare processor" in newest.body.plain
        assert app.status() == "paused"


async def test_n_pauses_a_playing_run() -> None:
    app = make_app(step=False, speed=None)  # paced: a few events per frame at most
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert not app.playing
        shown = len(app.shown)
        await pilot.press("n")
        assert len(app.shown) == shown + 1


async def test_r_restarts() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        assert app.record.status == "ok"
        await pilot.press("r")
        await pilot.pause()
        assert app.record.status == "running"
        assert not any(isinstance(e, ev.RunFinished) for e in app.shown)
        assert app.decisions.entries == []


async def test_p_switches_policy() -> None:
    app = make_app()
    names = list(POLICY_CLASSES)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.record.policy == "llmorch"
        await pilot.press("p")
        await pilot.pause()
        assert app.record.policy == names[(names.index("llmorch") + 1) % len(names)]
        app.show_all()
        assert app.record.status == "ok"


async def test_plus_and_minus_change_processors() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.record.processors == 2
        await pilot.press("plus")
        await pilot.pause()
        assert app.record.processors == 3 and app.record.cpus == (0, 1, 2)
        await pilot.press("minus")
        await pilot.press("minus")
        await pilot.pause()
        assert app.record.processors == 1
        await pilot.press("minus")  # not below one: the run is kept
        await pilot.pause()
        assert app.record.processors == 1
        app.show_all()
        assert len(app.lanes.cpu_lanes) == 1


async def test_c_opens_compare_and_back() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert [r.policy for r in screen.runs] == list(POLICY_CLASSES)
        makespans = {r.policy: r.record.makespan for r in screen.runs}
        assert makespans["llmorch"] < makespans["react"]
        assert len(screen.query(LanesView)) == len(POLICY_CLASSES)
        await pilot.press("space")  # the run's keys are off while compare is up
        assert not app.playing
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)
        await pilot.press("c")
        await pilot.press("c")
        assert not isinstance(app.screen, CompareScreen)


async def test_s_opens_sweep() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SweepScreen)
        rows = {(r.policy, r.processors): r for r in screen.rows}
        assert len(rows) == 5 * 8
        assert screen.speedup(rows[("react", 1)]) == pytest.approx(1.0)
        assert screen.speedup(rows[("llmorch", 3)]) > screen.speedup(rows[("llmorch", 1)])
        assert all(r.mode == "sim" for r in screen.rows)
        await pilot.press("s")
        assert not isinstance(app.screen, SweepScreen)


async def test_e_exports_the_trace(tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        await pilot.press("e")
        await pilot.pause()
    path = tmp_path / "orchtui-seo_audit-llmorch.jsonl"
    lines = path.read_text().splitlines()
    assert len(lines) == len(app.shown)
    events = [ev.event_from_json(json.loads(line)) for line in lines]
    assert events == app.shown


async def test_question_mark_shows_help() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert app.feed is None  # the engine was stopped and its executor closed


async def test_arrows_and_clicks_select_calls() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        await pilot.pause()
        frg = app.query_one(FRGView)
        frg.select("s1")
        await pilot.press("right")
        assert frg.selected in ("s3", "s4")
        await pilot.press("right")
        assert frg.selected == "s5"
        assert app.follow is False  # the user picked: the graph stops following the run
        await pilot.press("left", "down", "up")
        box = frg.lay.nodes["s2"]
        await pilot.click(FRGView, offset=(box.x + 3 - int(frg.scroll_x),
                                           box.port + 1 - int(frg.scroll_y)))
        assert frg.selected == "s2"
        assert "s2" in str(app.detail.border_title)


async def test_trace_option_writes_every_event(tmp_path: Path) -> None:
    app = make_app(trace_path=str(tmp_path / "t.jsonl"))
    async with app.run_test(size=SIZE):
        app.show_all()
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    assert len(lines) == len(app.shown)


async def test_failed_call_shows_error_and_no_recovery() -> None:
    app = make_app("seo_fault")
    async with app.run_test(size=SIZE) as pilot:
        app.show_all()
        await pilot.pause()
        assert app.record.status == "failed"
        assert app.record.calls["s3"].status == "failed"
        assert any(line.tag == "FAILED" for line in app.decisions.entries)
        assert "s3 failed" in app.recovery.placeholder


async def test_replay_plays_a_trace_and_keeps_it_fixed() -> None:
    source = make_app()
    async with source.run_test(size=SIZE):
        source.show_all()
    app = OrchApp(None, AppOptions(step=True, threaded=False, speed=math.inf), replay=source.shown)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        assert app.shown == source.shown[:5]  # the preamble, then two steps
        await pilot.press("p")  # a replay's policy cannot change
        assert app.record.policy == "llmorch"
        app.show_all()
        assert app.shown == source.shown
        await pilot.press("c")  # compare works on the scenario rebuilt from the trace
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert len(app.screen.runs) == len(POLICY_CLASSES)


@pytest.mark.parametrize("keys", [
    ["b"] * 14,  # "Nothing to undo" at the start, a press a toast
    ["right_square_bracket"] * 9 + ["left_square_bracket"] * 9,  # a notice a pace
    ["minus"] * 3 + ["plus"] * 6,  # "At least one processor", then a restart a press
])
async def test_a_key_held_down_keeps_one_notice(keys: list[str]) -> None:
    """Each press of a key held down said its notice again, and the toasts piled up: past a
    screenful of them, Textual (8.2.8) left their text on the screen when they went (seen in
    tmux: `b` held at the start of a run). A notice replaces the one of its kind still shown."""
    from textual.widgets._toast import Toast

    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        assert len(app.screen.query(Toast)) == 1
