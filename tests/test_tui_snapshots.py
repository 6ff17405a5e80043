"""Snapshots of the TUI (pytest-textual-snapshot): the run screen mid-run and at the end, step
mode, compare, sweep, a failed call, a 60-call plan, and the 80x24 layout.

Deterministic by construction: the sim executor, no worker thread (the app pulls the engine
itself), no pacing, and "mid-run" is an exact count of events shown.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import make_app

from orchtui.cli.inputs import load_input
from orchtui.engine.runner import Run, RunOptions
from orchtui.engine.session import make_run
from orchtui.plan.model import Call
from orchtui.scenario.model import Scenario
from orchtui.tui.app import AppOptions, OrchApp

HERE = Path(__file__).parent / "tui_scenarios"
SIZE = (120, 36)



class SameCall:
    """A repairer that gives the recovery call back unchanged (the fault is transient)."""

    source = "recorded"

    def repair(self, call: Call, failed: object, scenario: Scenario, dialect: str) -> Call:
        return call


def advance(app: OrchApp, count: int | None):
    async def run_before(pilot) -> None:
        await pilot.pause()
        if count is None:
            app.show_all()
        else:
            app.show_until(count)
        await pilot.pause()
    return run_before


class TestRunScreen:
    def test_mid_run(self, snap_compare) -> None:
        app = make_app()
        assert snap_compare(app, terminal_size=SIZE, run_before=advance(app, 12))

    def test_end(self, snap_compare) -> None:
        app = make_app()
        assert snap_compare(app, terminal_size=SIZE, run_before=advance(app, None))

    def test_step_mode_three_steps(self, snap_compare) -> None:
        app = make_app()
        assert snap_compare(app, press=["n", "n", "n"], terminal_size=SIZE)

    def test_failed_call(self, snap_compare) -> None:
        app = make_app("seo_fault")

        async def run_before(pilot) -> None:
            await pilot.pause()
            app.show_all()
            app.frg.select("s3")  # the call that failed: its error in the call panel
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    @pytest.mark.skipif("transient_faults" not in RunOptions.__dataclass_fields__,
                        reason="the engine has no transient faults yet")
    def test_recovery(self, snap_compare) -> None:
        # s3 fails once; a stand-in repairer returns the recovery point unchanged, so the run
        # recovers from s1 and finishes: the recovery log, and s3's failed first attempt in
        # the lanes
        scenario = load_input(str(HERE / "seo_fault.yaml"))

        def build(o: AppOptions) -> Run:
            return make_run(scenario, mode=o.mode, policy=o.policy, processors=o.processors,
                            compute=o.compute, seed=o.seed, repairer=SameCall(),
                            transient_faults=True)

        app = OrchApp(scenario, AppOptions(step=True, threaded=False, speed=math.inf, seed=0),
                      run_factory=build)
        assert snap_compare(app, terminal_size=SIZE, run_before=advance(app, 26))

    def test_plan_of_60_calls(self, snap_compare) -> None:
        app = make_app("plan60")
        assert snap_compare(app, terminal_size=SIZE, run_before=advance(app, 150))

    def test_small_terminal(self, snap_compare) -> None:
        app = make_app()
        assert snap_compare(app, terminal_size=(80, 24), run_before=advance(app, 16))


class TestScreens:
    def test_compare(self, snap_compare) -> None:
        app = make_app()
        assert snap_compare(app, press=["c"], terminal_size=SIZE, run_before=advance(app, None))

    def test_sweep(self, snap_compare) -> None:
        app = make_app()
        assert snap_compare(app, press=["s"], terminal_size=SIZE)

    def test_help(self, snap_compare) -> None:
        app = make_app()
        assert snap_compare(app, press=["question_mark"], terminal_size=SIZE)


class TestClassroom:
    """Looking back and what-if (issue 16)."""

    def test_back_after_three_steps(self, snap_compare) -> None:
        # the same picture as two steps: the pilot test compares the two screens exactly
        app = make_app()
        assert snap_compare(app, press=["n", "n", "n", "b"], terminal_size=SIZE)

    def test_scrubbed_to_3s(self, snap_compare) -> None:
        # the whole run shown, then the cursor put at t=3.0 s: s2 done, s3 running on a
        # processor, s4 waiting for one (exclusive with s3); the logs end at the 0.80 s events
        app = make_app()

        async def run_before(pilot) -> None:
            await pilot.pause()
            app.show_all()
            app.seek_time(3.0)
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    def test_what_if_form(self, snap_compare) -> None:
        app = make_app()

        async def run_before(pilot) -> None:
            await pilot.pause()
            app.frg.select("s2")
            await pilot.pause()

        assert snap_compare(app, press=["w"], terminal_size=SIZE, run_before=run_before)

    def test_what_if_s2_inout(self, snap_compare) -> None:
        app = make_app()

        async def run_before(pilot) -> None:
            await pilot.pause()
            app.frg.select("s2")
            await pilot.pause()

        assert snap_compare(app, press=["w", "tab", "down", "enter", "shift+tab", "enter"],
                            terminal_size=SIZE, run_before=run_before)
