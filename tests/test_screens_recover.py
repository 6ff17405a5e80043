"""The compare, sweep and what-if runs recover from a failed call as the run on screen does:
ParallelQA #83's s3 and s4 fail until the recorded repair of s2, in every policy's run."""

from __future__ import annotations

import argparse
import asyncio
import json
import math

import pytest

from orchtui.cli.llm_setup import prepare, run_factory
from orchtui.cli.main import main
from orchtui.engine.policies import POLICY_CLASSES
from orchtui.scenario.loader import find_scenario, load_scenario
from orchtui.scenario.whatif import WhatIf
from orchtui.tui.app import AppOptions, OrchApp
from orchtui.tui.screens.compare import CompareScreen
from orchtui.tui.screens.sweep import SweepScreen
from orchtui.tui.screens.what_if import WhatIfScreen


def _app(stream: bool) -> OrchApp:
    sc = load_scenario(find_scenario("parallelqa_83"))
    setup = prepare(sc, argparse.Namespace(llm=False, policy="llmorch", stream=stream,
                                           stream_rate=None))
    return OrchApp(sc, AppOptions(mode="sim", policy="llmorch", step=True, threaded=False,
                                  speed=math.inf),
                   run_factory=run_factory(setup), run_maker=setup.run_maker())


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_compare_sweep_and_what_if_recover_as_the_run_on_screen(stream: bool) -> None:
    app = _app(stream)

    async def drive() -> tuple[CompareScreen, SweepScreen, WhatIfScreen]:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.show_all()
            await pilot.pause()
            await pilot.press("c")
            await pilot.pause()
            compare = app.screen
            await pilot.press("escape", "s")
            await pilot.pause()
            sweep = app.screen
            await pilot.press("escape")
            await pilot.pause()
            app.selected = "s2"
            app.action_what_if()
            await pilot.pause()
            app.screen.dismiss(WhatIf("s2", cost=0.1))
            await pilot.pause()
            return compare, sweep, app.screen

    compare, sweep, what_if = asyncio.run(drive())
    assert app.record.status == "ok" and app.record.repairs  # the run on screen recovered
    assert isinstance(compare, CompareScreen) and isinstance(sweep, SweepScreen)
    assert [r.policy for r in compare.runs] == list(POLICY_CLASSES)
    assert {r.policy: r.record.status for r in compare.runs} == dict.fromkeys(POLICY_CLASSES,
                                                                              "ok")
    ours = next(r.record for r in compare.runs if r.policy == "llmorch")
    assert ours.makespan == app.record.makespan and ours.repairs == app.record.repairs
    assert sweep.rows and {r.status for r in sweep.rows} == {"ok"}
    assert isinstance(what_if, WhatIfScreen) and what_if.runs is not None
    before, after = what_if.runs
    assert before.record.status == after.record.status == "ok"
    assert before.record.makespan == app.record.makespan  # "before" is the run on screen


def test_a_headless_sweep_recovers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "parallelqa_83", "--processors", "1,2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert len(rows) == 1 + 2 * len(POLICY_CLASSES) - 1
    assert {r["status"] for r in rows} == {"ok"}, rows
