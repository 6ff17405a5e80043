"""Every plan-ahead policy on a growing plan (a stream replayed in the sim), over random plans:
each call runs once, after its inputs, and the rules of the policy hold while the plan grows.
A pure growth with no time between arrivals schedules like the fixed plan."""

from __future__ import annotations

import pytest
from engine_helpers import record, scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from orchtui.engine import events as ev
from orchtui.engine.runner import Run, RunOptions
from orchtui.executors.sim import SimExecutor
from orchtui.graph.frg import FRG, build_frg
from orchtui.llm.streaming import StreamedPlan


@st.composite
def plans(draw) -> str:
    n = draw(st.integers(1, 12))
    lines = []
    for k in range(1, n + 1):
        deps = draw(st.lists(st.integers(1, k - 1), max_size=3, unique=True)) if k > 1 else []
        fn = draw(st.sampled_from(["io", "c"]))
        args = ", ".join(f"s{d}" for d in deps)
        lines.append(f"s{k}: {fn}({args})")
    return "\n".join(lines)


def streamed(text: str, policy: str, rate: float, P: int) -> list[ev.Event]:
    sc = scenario(text)
    stream = StreamedPlan.replay(text, ["io", "c"], rate)
    return list(Run(sc, SimExecutor(P, 0.0), RunOptions(policy=policy, processors=P),
                    stream=stream).events())


@settings(max_examples=60, deadline=None)
@given(plans(), st.sampled_from(["llmorch", "critical-path", "llmcompiler"]),
       st.sampled_from([2.0, 20.0, 1e6]), st.integers(1, 3))
def test_a_growing_plan_runs_every_call_once_after_its_inputs(text, policy, rate, P) -> None:
    events = streamed(text, policy, rate, P)
    rec = record(events)
    assert rec.status == "ok"
    started = [e.call for e in events if isinstance(e, ev.Started)]
    assert sorted(started) == sorted(rec.calls) and len(set(started)) == len(started)
    for c in rec.calls.values():
        for d in c.deps:
            assert rec.calls[d].end <= c.start + 1e-9
    if policy == "critical-path":  # one compute call per processor at any time
        busy: dict[int, float] = {}
        for e in events:
            if isinstance(e, ev.Started) and e.processor is not None:
                assert busy.get(e.processor, -1.0) <= e.t + 1e-9
                c = rec.calls[e.call]
                busy[e.processor] = c.end


@settings(max_examples=40, deadline=None)
@given(plans())
def test_the_frg_grown_call_by_call_is_the_frg_of_the_whole_plan(text) -> None:
    sc = scenario(text)
    whole = build_frg(sc.plan, sc.kinds)
    grown = FRG(sc.kinds)
    for call in sc.plan.calls:
        grown.add_calls([call])
    assert grown.ranks == whole.ranks and grown.order == whole.order
    assert grown.exclusive_groups() == whole.exclusive_groups()
    assert sorted(grown.edges) == sorted(whole.edges)


class SameCall:
    """A repairer that gives the recovery call back unchanged (the fault is transient)."""

    source = "recorded"

    def repair(self, call, failed, scenario, dialect):
        return call


@settings(max_examples=60, deadline=None)
@given(plans(), st.sampled_from(["llmorch", "critical-path", "llmcompiler"]),
       st.sampled_from([2.0, 20.0, 1e6]), st.integers(1, 3), st.data())
def test_a_growing_plan_recovers_a_failed_call(text, policy, rate, P, data) -> None:
    from dataclasses import replace

    sc = scenario(text)
    bad = data.draw(st.sampled_from(sc.plan.ids))
    sc = replace(sc, faults={bad: "boom"})
    stream = StreamedPlan.replay(text, ["io", "c"], rate)
    events = list(Run(sc, SimExecutor(P, 0.0),
                      RunOptions(policy=policy, processors=P, transient_faults=True),
                      SameCall(), stream=stream).events())
    rec = record(events)
    assert rec.status == "ok" and rec.recoveries == 1
    assert [e.call for e in events if isinstance(e, ev.Failed)] == [bad]
    for c in rec.calls.values():  # the last run of each call came after its inputs' last
        for d in c.deps:
            assert rec.calls[d].end <= c.start + 1e-9


@settings(max_examples=60, deadline=None)
@given(plans(), st.data())
def test_bottom_levels_kept_up_as_the_plan_grows_equal_the_whole_plan_s(text, data) -> None:
    from orchtui.engine.policies.critical_path import CriticalPath, bottom_levels

    sc = scenario(text, costs={c: data.draw(st.sampled_from([0.5, 1.0, 3.0]))
                               for c in scenario(text).plan.ids})
    frg = FRG(sc.kinds)
    costs = {c.id: sc.cost(c.id) for c in sc.plan.calls}
    policy = CriticalPath(frg, 2, costs, growing="stream")
    policy.begin()
    calls = list(sc.plan.calls)
    while calls:  # arrivals in batches of 1-3 calls
        k = data.draw(st.integers(1, 3))
        batch, calls = calls[:k], calls[k:]
        policy.add_calls(frg.add_calls(batch))
    whole = bottom_levels(build_frg(sc.plan, sc.kinds), costs)
    assert policy.bottom == pytest.approx(whole)
