"""The live baselines: ReAct's Thought/Action/Observation turns and OpenAI parallel tool
calling, run by the one run loop (orchtui.engine.runner.Run), against a fake OpenAI-compatible
server through the real `openai` client. A failing call goes through runtime recovery."""

from __future__ import annotations

import json
import time

import pytest
from fake_openai import FakeOpenAI, Reply, Request

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.engine.runner import Run, RunOptions
from orchtui.engine.session import allocate, make_executor
from orchtui.executors.base import Executor
from orchtui.executors.workers import load_impl
from orchtui.llm.agents import ReActAgent, ToolCallingAgent
from orchtui.llm.config import LLMConfig
from orchtui.llm.openai_backend import OpenAIBackend
from orchtui.llm.repair import LLMRepairer
from orchtui.llm.tools import tools_for
from orchtui.scenario.loader import find_scenario, load_scenario

SC = load_scenario(find_scenario("parallelqa_83"))


@pytest.fixture(scope="module")
def executor():
    """One real executor for the module's runs: starting workers is the slow part."""
    ex = make_executor(SC, "real", allocate(2, None, "real", 2))
    yield ex
    ex.close()


def run(cls: type, server: FakeOpenAI, policy: str, ex: Executor,
        repair: bool = False) -> list[ev.Event]:
    backend = OpenAIBackend(LLMConfig(base_url=server.base_url, max_retries=0, timeout=5))
    ex.t0 = time.perf_counter()  # type: ignore[attr-defined]  # each run's clock from 0
    repairer = LLMRepairer(backend) if repair else None
    agent = cls(SC, backend, load=load_impl) if cls is ToolCallingAgent else cls(SC, backend)
    return list(Run(SC, ex, RunOptions(policy=policy, processors=2), repairer,
                    turns=agent).events())


def test_tool_schemas_from_signatures() -> None:
    tools = {t["function"]["name"]: t["function"] for t in tools_for(SC, load_impl)}
    search = tools["search"]["parameters"]
    assert search["properties"]["term"] == {"type": "string"}
    assert search["properties"]["k"] == {"type": "integer", "default": 500}
    assert search["required"] == ["term"]
    assert "k=500" in tools["search"]["description"]


@pytest.mark.slow
def test_react_loop_thought_action_observation(executor: Executor) -> None:
    def model(r: Request) -> str:
        turn = sum(m["role"] == "assistant" for m in r.messages)
        if turn == 0:
            return 'Thought: I need New Jersey.\nAction: search("New Jersey", k=40)'
        assert r.last_user.startswith("Observation: New Jersey")
        return "Thought: I have it.\nFinish: about 411 people per km2"

    with FakeOpenAI(responder=model) as server:
        events = run(ReActAgent, server, "react", executor)
    names = [type(e).__name__ for e in events]
    assert names[0] == "RunStarted" and names.count("TurnStarted") == 2
    rec = RunRecord.from_events(events)
    assert rec.status == "ok" and rec.answer == "about 411 people per km2"
    assert rec.calls["s1"].function == "search" and rec.calls["s1"].status == "done"
    assert rec.turns[0][0] == "think:1" and rec.turns[0][2] is not None  # measured
    assert "Action:" in server.requests[0].messages[0]["content"]


@pytest.mark.slow
def test_parallel_tool_calls_run_together_then_answer(executor: Executor) -> None:
    replies = [Reply(tool_calls=(("search", {"term": "Texas", "k": 50}),
                                 ("search", {"term": "Florida"}))),
               Reply("The merged density is about 58.5 people per km2.")]
    with FakeOpenAI(replies) as server:
        events = run(ToolCallingAgent, server, "parallelfc", executor)
    rec = RunRecord.from_events(events)
    assert rec.status == "ok" and rec.answer.startswith("The merged density")
    assert set(rec.calls) == {"s1", "s2"}
    s1, s2 = rec.calls["s1"], rec.calls["s2"]
    assert s1.start is not None and s2.start is not None
    assert s2.start < s1.end  # concurrently: both searches wait their latency together
    first = server.requests[0].body
    assert first["parallel_tool_calls"] is True and len(first["tools"]) == 2
    tool_msgs = [m for m in server.requests[1].messages if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["call_1", "call_2"]
    assert tool_msgs[0]["content"].startswith("Texas")
    assert len(tool_msgs[0]["content"].split()) == 50
    assert json.loads(json.dumps(server.requests[1].messages))  # plain JSON all the way


def test_bad_actions_become_observations(executor: Executor) -> None:
    replies = ['Action: google("x")', "Action: search(s7)", "Finish: gave up"]
    with FakeOpenAI(replies) as server:
        events = run(ReActAgent, server, "react", executor)
    obs = [m["content"] for m in server.requests[2].messages if m["role"] == "user"][1:]
    assert "unknown function 'google'" in obs[0] and "literal arguments" in obs[1]
    assert RunRecord.from_events(events).answer == "gave up"


def test_live_react_recovers_from_a_failing_call(executor: Executor) -> None:
    """The action fails (k=0); runtime recovery asks the model to repair it, reruns it, and
    the model sees the good observation."""
    def model(r: Request) -> str:
        if r.messages[0]["content"].startswith("You repair"):
            assert "k must be at least 1" in r.last_user
            return 's1: search("New Jersey", k=40)'
        turn = sum(m["role"] == "assistant" for m in r.messages)
        if turn == 0:
            return 'Thought: I need New Jersey.\nAction: search("New Jersey", k=0)'
        assert r.last_user.startswith("Observation: New Jersey")
        return "Thought: I have it.\nFinish: about 411 people per km2"

    with FakeOpenAI(responder=model) as server:
        events = run(ReActAgent, server, "react", executor, repair=True)
    rec = RunRecord.from_events(events)
    assert rec.status == "ok" and rec.answer == "about 411 people per km2"
    assert rec.recoveries == 1
    repaired = next(e for e in events if isinstance(e, ev.CallRepaired))
    assert repaired.call == "s1" and "k=40" in repaired.after
    failed = [e for e in events if isinstance(e, ev.Failed)]
    assert [e.call for e in failed] == ["s1"] and "k must be at least 1" in failed[0].error
    assert [e.turn for e in events if isinstance(e, ev.TurnStarted)] == ["think:1", "think:2"]


def test_a_live_plan_ahead_run_pays_its_answer_turn(executor: Executor) -> None:
    from dataclasses import replace

    from orchtui.llm.agents import Answerer
    from orchtui.plan.parser import parse_plan

    text = 's1: search("New Jersey", k=40)'
    sc = replace(SC, plan=parse_plan(text, functions=["search", "math"]), plan_text=text,
                 faults={})
    with FakeOpenAI(["About 411 people per km2."]) as server:
        backend = OpenAIBackend(LLMConfig(base_url=server.base_url, max_retries=0, timeout=5))
        executor.t0 = time.perf_counter()  # type: ignore[attr-defined]
        events = list(Run(sc, executor, RunOptions(policy="llmorch", processors=2),
                          turns=Answerer(sc, backend)).events())
    rec = RunRecord.from_events(events)
    assert rec.status == "ok" and rec.answer == "About 411 people per km2."
    assert [name for name, _, _ in rec.turns] == ["answer"]  # the plan turn was the prelude
    answer_turn = rec.turns[0]
    assert answer_turn[1] >= rec.calls["s1"].end  # asked once the results were in
    assert "New Jersey" in server.requests[0].last_user  # given the results


def test_live_tool_calling_recovers_a_failed_tool_call(executor: Executor) -> None:
    """A round's tool call fails (k=0): the model repairs it through runtime recovery, the
    round runs it again, and the next round's tool messages carry the good result."""
    def model(r: Request) -> Reply | str:
        if r.messages[0]["content"].startswith("You repair"):
            return 's2: search("Florida", k=30)'
        tools = [m for m in r.messages if m["role"] == "tool"]
        if not tools:
            return Reply(tool_calls=(("search", {"term": "Texas", "k": 30}),
                                     ("search", {"term": "Florida", "k": 0})))
        assert all(not m["content"].startswith("Error") for m in tools), tools
        return "Both pages read."

    with FakeOpenAI(responder=model) as server:
        events = run(ToolCallingAgent, server, "parallelfc", executor, repair=True)
    rec = RunRecord.from_events(events)
    assert rec.status == "ok" and rec.answer == "Both pages read." and rec.recoveries == 1
    assert [e.call for e in events if isinstance(e, ev.Failed)] == ["s2"]
    assert [name for name, _, _ in rec.turns] == ["round:1", "round:2"]


def test_headless_live_react_counts_its_turns_and_charges_react_them(capsys) -> None:
    from orchtui.cli.main import main
    from orchtui.functions import context as fctx

    def model(r: Request) -> str:
        if not any(m["role"] == "assistant" for m in r.messages):
            return 'Thought: I need New Jersey.\nAction: search("New Jersey", k=40)'
        return "Thought: done.\nFinish: about 411 people per km2"

    try:
        with FakeOpenAI(responder=model) as server:
            code = main(["scenario", "parallelqa_83", "--llm", "--base-url", server.base_url,
                         "--policy", "react", "--headless", "--processors", "1"])
    finally:
        fctx.configure(fctx.RECORDED)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "LLM turns (react): 2 (think:1, think:2)" in out
    # the reference is the calls this run made, its turns at the length this run measured
    assert "(react " in out and "2 LLM turns of" in out
    assert "answer: about 411 people per km2" in out
