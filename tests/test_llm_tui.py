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


def test_a_streamed_plan_shows_its_recovery_and_grows_the_graph() -> None:
    """`orchtui scenario parallelqa_83 --stream --policy llmorch`, in the sim: the recorded
    reply replayed; the FRG grows call by call, and the repair is in the recovery log."""
    sc = load_scenario(find_scenario("parallelqa_83"))
    setup = prepare(sc, argparse.Namespace(llm=False, policy="llmorch", stream=True,
                                           stream_rate=None))
    app = OrchApp(sc, AppOptions(mode="sim", policy="llmorch", step=True, threaded=False,
                                 speed=math.inf),
                  run_factory=run_factory(setup))

    async def drive() -> tuple[list[str], list[str], tuple]:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.show_all()
            await pilot.pause()
            return ([str(getattr(e, "plain", e)) for e in app.recovery.entries],
                    list(app.record.calls), app.record.exclusive_groups)

    lines, calls, groups = asyncio.run(drive())
    text = " | ".join(lines)
    assert "trace back to s1, s2" in text and 'search("Florida", k=1000)' in text, text
    assert len(calls) == 13 and app.record.status == "ok"
    assert ("s3", "s4", "s8", "s9", "s12") in groups
