"""The TUI shows ParallelQA #83's recovery when the run comes from orchtui.llm's glue."""

from __future__ import annotations

import argparse
import asyncio
import math

import pytest

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


@pytest.mark.slow
def test_a_live_react_run_recovers_in_the_tui_and_compares_its_own_calls() -> None:
    """--llm --policy react against a local OpenAI-compatible server: the failing action is
    repaired in the recovery log; the compare screen runs the call the model made, every
    policy charged its two turns."""
    import sys
    from multiprocessing import forkserver
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from fake_openai import FakeOpenAI

    from orchtui.functions import context as fctx

    def model(r) -> str:
        if r.messages[0]["content"].startswith("You repair"):
            return 's1: search("New Jersey", k=40)'
        if not any(m["role"] == "assistant" for m in r.messages):
            return 'Thought: NJ.\nAction: search("New Jersey", k=0)'
        return "Thought: done.\nFinish: about 411"

    forkserver.ensure_running()  # before the app: the test harness's streams confuse it later
    sc = load_scenario(find_scenario("parallelqa_83"))
    try:
        with FakeOpenAI(responder=model) as server:
            ns = argparse.Namespace(llm=True, policy="react", base_url=server.base_url,
                                    model="m", llm_timeout=10.0, stream=False,
                                    stream_rate=None, repairs=2, retranslations=2,
                                    recovery_attempts=2)
            setup = prepare(sc, ns)
            app = OrchApp(setup.scenario, AppOptions(mode="real", policy="react",
                                                     threaded=False, speed=math.inf,
                                                     processors=1),
                          run_factory=run_factory(setup))

            async def drive():
                async with app.run_test(size=(120, 36)) as pilot:
                    for _ in range(400):
                        await pilot.pause(0.05)
                        if app.record.status in ("ok", "failed"):
                            break
                    lines = [str(getattr(e, "plain", e)) for e in app.recovery.entries]
                    await pilot.press("c")
                    for _ in range(100):
                        await pilot.pause(0.05)
                        if len(getattr(app.screen, "runs", [])) == 5:
                            break
                    return lines, [(r.policy, len(r.record.turns)) for r in app.screen.runs]

            lines, rows = asyncio.run(drive())
    finally:
        fctx.configure(fctx.RECORDED)
    assert app.record.status == "ok" and app.record.answer == "about 411"
    assert 's1: search("New Jersey", k=40)' in " | ".join(lines)
    assert rows and all(turns == 2 for _, turns in rows), rows
