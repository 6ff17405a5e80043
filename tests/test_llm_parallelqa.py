"""The paper's ParallelQA #83 (§IV-D): s3/s4 fail with "can't extract the population/area of
Florida" because search returned 500 words; runtime recovery traces back to the searches, the
model repairs s2 with k=1000, and the run ends with the answer on the first attempt.

Offline from the scenario's recorded replies (real executor and sim), and live through the real
`openai` client against a fake OpenAI-compatible server."""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from typing import Any

import pytest
from fake_openai import FakeOpenAI, Reply, Request

from orchtui.cli.llm_setup import prepare
from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.engine.runner import Run, RunOptions
from orchtui.executors.sim import SimExecutor
from orchtui.functions import context as fctx
from orchtui.llm.config import LLMConfig
from orchtui.llm.openai_backend import OpenAIBackend
from orchtui.llm.recorded import RecordedBackend
from orchtui.llm.repair import LLMRepairer
from orchtui.scenario.loader import find_scenario, load_scenario


@pytest.fixture(autouse=True)
def _offline_afterwards():
    """prepare(--llm) makes this process's functions live: later tests expect recorded."""
    yield
    fctx.configure(fctx.RECORDED)


ANSWER = 9288994 / 22591  # New Jersey's density from the bundled article


def scenario(fast: bool = True):
    sc = load_scenario(find_scenario("parallelqa_83"))
    if fast:  # the same run with shorter declared latencies, to keep the suite quick
        sc = replace(sc, functions=tuple(replace(f, cost=f.cost / 4) for f in sc.functions))
    return sc


def args(**kw: Any) -> argparse.Namespace:
    base = dict(llm=False, stream=False, policy=None, model=None, base_url=None,
                llm_timeout=10.0, repairs=2, retranslations=2, recovery_attempts=2)
    return argparse.Namespace(**{**base, **kw})


def run_all(setup, mode: str, processors: int | None = None) -> list[ev.Event]:
    run = setup.make_run(mode, processors=processors)
    try:
        return list(run.events())
    finally:
        run.executor.close()


def of(events: list[ev.Event], cls: type) -> list[Any]:
    return [e for e in events if isinstance(e, cls)]


def check_recovered_on_first_attempt(events: list[ev.Event], source: str) -> None:
    rec = of(events, ev.RecoveryStarted)
    assert len(rec) == 1, [type(e).__name__ for e in events]
    # s3 and s4 both fail with two processors; with one, s3 fails before s4 has started
    assert "s3" in rec[0].failed and set(rec[0].failed) <= {"s3", "s4"}
    assert rec[0].points == ("s1", "s2")
    assert set(rec[0].reset) == {"s1", "s2", "s3", "s4", "s5", "s13"}
    repaired = {e.call: e for e in of(events, ev.CallRepaired)}
    assert re.fullmatch(r's2: search\("Florida", k ?= ?1000\)', repaired["s2"].after)
    assert repaired["s2"].source == source
    assert not of(events, ev.RecoveryFailed)
    done = of(events, ev.RunFinished)[-1]
    assert done.status == "ok"


@pytest.mark.slow
def test_offline_real_run_recovers_from_recorded_replies() -> None:
    setup = prepare(scenario(), args())
    assert setup.plan_source == "recorded" and setup.llm_label == "recorded"
    events = run_all(setup, "real")
    assert of(events, ev.RunStarted)[0].llm == "recorded"
    failed = {e.call: e.error for e in of(events, ev.Failed)}
    assert "can't extract the population of Florida" in failed["s3"]
    assert "can't extract the area of Florida" in failed["s4"]
    check_recovered_on_first_attempt(events, "recorded")
    assert float(of(events, ev.RunFinished)[-1].answer) == pytest.approx(ANSWER)


def test_offline_sim_shows_the_same_recovery() -> None:
    events = run_all(prepare(scenario(fast=False), args()), "sim")
    assert "(injected fault)" in of(events, ev.Failed)[0].error
    check_recovered_on_first_attempt(events, "recorded")
    rec = RunRecord.from_events(events)
    assert rec.recoveries == 1 and rec.makespan == pytest.approx(1.92)


# -- live: the real openai client, a fake OpenAI-compatible server ----------------------------
PLAN = scenario(fast=False).plan_text
MATH = scenario(fast=False).recorded["math"]


def model(repair_k: int = 1000, bad_first_plan: bool = False):
    """A scripted model: translates to the paper's plan, answers math questions, repairs."""
    asked = {"translate": 0}

    def respond(request: Request) -> Reply | str:
        system = request.messages[0]["content"]
        user = request.last_user
        if system.startswith("You translate"):
            asked["translate"] += 1
            if bad_first_plan and asked["translate"] == 1:
                # an unterminated string: no lenient reading explains it
                return PLAN.replace('search("Texas")', 'search("Texas)')
            return f"```\n{PLAN}\n```"
        if system.startswith("You are a calculator"):
            hits = [k for k in MATH if k in user]
            return MATH[max(hits, key=len)] if hits else "ERROR: can't extract it"
        if system.startswith("You repair one function call"):
            call = re.search(r"Recovery call to repair: (.*)", user).group(1)
            if call.startswith("s2:"):
                return f's2: search("Florida", k={repair_k})'
            return call
        if system.startswith("You answered a query"):  # the answer turn: s13's result
            return re.search(r"^s13: (\S+)", user, re.M).group(1)
        return Reply(status=400, text="unexpected request")

    return respond


@pytest.mark.slow
def test_live_recovery_repairs_s2_with_k_1000() -> None:
    with FakeOpenAI(responder=model(bad_first_plan=True)) as server:
        setup = prepare(scenario(), args(llm=True, base_url=server.base_url, model="gpt-test"))
        assert setup.plan_source == "llm" and setup.llm_label == "gpt-test"
        attempts = [(e.kind, e.ok) for e in setup.prelude if isinstance(e, ev.TranslationAttempt)]
        assert attempts == [("translate", False), ("repair", True)]
        events = run_all(setup, "real", processors=1)  # one worker to give a model client
    check_recovered_on_first_attempt(events, "llm")
    # the answer turn, a real model call, paid after the results came in
    assert float(of(events, ev.RunFinished)[-1].answer) == pytest.approx(ANSWER)
    assert [e.turn for e in of(events, ev.TurnStarted)][-1] == "answer"
    assert of(events, ev.PlanReady)[0].source == "llm"
    # the repair request: the failed calls with their exceptions, and the available functions
    repair = next(r for r in server.requests
                  if r.messages[0]["content"].startswith("You repair")
                  and "Recovery call to repair: s2" in r.last_user)
    text = repair.last_user
    assert 's3: math("Question: total population of Texas and Florida?' in text
    assert "can't extract the population of Florida" in text
    assert "search(term, k=500)" in text and "math(prompt)" in text
    # translation time is part of the run: the clock started when translation began
    assert of(events, ev.RunStarted)[0].t <= of(events, ev.TranslationAttempt)[0].t


def test_live_recovery_attempts_are_bounded() -> None:
    """A model whose repair does not help: two attempts, then the run ends failed. (The sim
    executor with faults that keep firing stands in for the math calls; the repairs are real
    requests through the openai client.)"""
    sc = scenario(fast=False)
    with FakeOpenAI(responder=model(repair_k=500)) as server:
        backend = OpenAIBackend(LLMConfig(base_url=server.base_url, max_retries=0, timeout=5))
        opts = RunOptions(policy="llmorch", processors=2, recovery_attempts=2)
        run = Run(sc, SimExecutor(2, 0.0), opts, LLMRepairer(backend))
        events = list(run.events())
    assert [e.attempt for e in of(events, ev.RecoveryStarted)] == [1, 2]
    assert [e.source for e in of(events, ev.CallRepaired)] == ["llm"] * 4
    assert len([r for r in server.requests if "Recovery call" in r.last_user]) == 4
    done = of(events, ev.RunFinished)[-1]
    assert done.status == "failed" and done.answer == ""


def test_a_repair_that_changes_the_kind_is_refused() -> None:
    """The function's kind never changes: a model turning the search into math is asked again,
    then the recovery fails with the reason."""
    sc = scenario(fast=False)
    replies = {"repair_call": ["s1: math(\"Texas\")", "s1: math(\"Texas\")"]}
    run = Run(sc, SimExecutor(2, 0.0), RunOptions(recovery_attempts=1),
              LLMRepairer(RecordedBackend(replies)))
    events = list(run.events())
    failed = of(events, ev.RecoveryFailed)
    assert len(failed) == 1 and "kind may not change" in failed[0].reason
    assert of(events, ev.RunFinished)[-1].status == "failed"
