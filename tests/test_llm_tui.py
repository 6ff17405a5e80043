"""The TUI shows ParallelQA #83's recovery when the run comes from orchtui.llm's glue."""

from __future__ import annotations

import argparse
import asyncio
import math

from orchtui.cli.llm_setup import prepare, run_factory
from orchtui.scenario.loader import find_scenario, load_scenario
from orchtui.tui.app import AppOptions, OrchApp


def test_recovery_log_shows_the_repair() -> None:
    sc = load_scenario(find_scenario("parallelqa_83"))
    setup = prepare(sc, argparse.Namespace(llm=False, policy=None))
    app = OrchApp(sc, AppOptions(mode="sim", step=True, threaded=False, speed=math.inf),
                  run_factory=run_factory(setup))

    async def drive() -> list[str]:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.show_all()
            await pilot.pause()
            return [str(getattr(e, "plain", e)) for e in app.recovery.entries]

    lines = " | ".join(asyncio.run(drive()))
    assert "s3" in lines and "s4" in lines and "trace back to s1, s2" in lines, lines
    assert 'search("Florida", k=1000)' in lines and "recorded" in lines, lines
