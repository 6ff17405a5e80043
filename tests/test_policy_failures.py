"""A call that fails with no runtime recovery: its descendants are skipped, every independent call
still runs, the run ends "failed" and never hangs. And the runner's guard: a policy that stops
early raises EngineError instead of hanging."""

from __future__ import annotations

import pytest
from engine_helpers import POLICIES, finished, of, record, run, scenario

from orchtui.engine import events as ev
from orchtui.engine.policies.llmcompiler import LLMCompiler
from orchtui.engine.policies.llmorch import LLMOrch
from orchtui.engine.runner import EngineError

FUNCS = {"io": ("inout", 1.0), "c": ("compute", 2.0)}
PLAN = """s1: io()
s2: c(s1)
s3: io(s2)
s4: c()
s5: io(s4)
s6: io(s3, s5)
"""

# P = 2, s2 fails when its 2 s are up. Worked by hand:
# react        s1 0–1, s2 1–3 (fails), s4 3–5 on 0, s5 5–6.
# parallelfc   round 1: s1 0–1, s4 0–2 on 0; round 2 at 2: s2 2–4 on 0 (fails), s5 2–3.
# llmcompiler  s1 0–1, s4 0–2 on 0; s2 queued behind s4: 2–4 on 0 (fails); s5 2–3.
# llmorch      rank-1 set {s1, s4}: no exclusion pair, I = both on processor 0: s4 0–2, s1 0–1;
#              1: {s2} → spare processor 1: 1–3 (fails); 2: {s5} 2–3.
# critical-path s4 0–2 on 0, s1 0–1; s2 1–3 on 1 (fails); s5 2–3.
EXPECTED = {
    "react": {"s1": (0, 1, None), "s2": (1, 3, 0), "s4": (3, 5, 0), "s5": (5, 6, None)},
    "parallelfc": {"s1": (0, 1, None), "s2": (2, 4, 0), "s4": (0, 2, 0), "s5": (2, 3, None)},
    "llmcompiler": {"s1": (0, 1, None), "s2": (2, 4, 0), "s4": (0, 2, 0), "s5": (2, 3, None)},
    "llmorch": {"s1": (0, 1, None), "s2": (1, 3, 1), "s4": (0, 2, 0), "s5": (2, 3, None)},
    "critical-path": {"s1": (0, 1, None), "s2": (1, 3, 1), "s4": (0, 2, 0), "s5": (2, 3, None)},
}


@pytest.mark.parametrize("policy", POLICIES)
def test_descendants_skipped_independent_calls_finish(policy):
    events = run(scenario(PLAN, FUNCS, faults={"s2": "boom"}), policy, 2)
    rec = record(events)
    got = {c: (rec.calls[c].start, rec.calls[c].end, rec.calls[c].processor)
           for c in EXPECTED[policy]}
    assert got == EXPECTED[policy]
    assert {c: r.status for c, r in rec.calls.items()} == {
        "s1": "done", "s2": "failed", "s3": "skipped", "s4": "done", "s5": "done",
        "s6": "skipped",
    }
    [failed] = of(events, ev.Failed)
    assert failed.call == "s2" and failed.error == "boom (injected fault)"
    skipped = {e.call: e.reason for e in of(events, ev.Skipped)}
    assert skipped == {"s3": "depends on s2, which failed", "s6": "depends on s2, which failed"}
    fin = finished(events)
    assert fin.status == "failed" and fin.answer == ""
    assert fin.makespan == max(e for _, e, _ in EXPECTED[policy].values())


@pytest.mark.parametrize("policy", POLICIES)
def test_a_failing_root_with_llm_turns_still_answers(policy):
    events = run(scenario("s1: io()\ns2: io(s1)\ns3: io()\n", faults={"s1": "x"}, llm_turn=1.0),
                 policy, 1)
    assert finished(events).status == "failed"
    assert [e.turn for e in of(events, ev.TurnStarted)][-1] == "answer"


@pytest.mark.parametrize("policy", POLICIES)
def test_everything_fails(policy):
    plan = "s1: c()\ns2: c()\ns3: io(s1, s2)\n"
    events = run(scenario(plan, FUNCS, faults={"s1": "a", "s2": "b"}), policy, 2)
    rec = record(events)
    assert [rec.calls[c].status for c in ("s1", "s2", "s3")] == ["failed", "failed", "skipped"]
    assert finished(events).status == "failed"


def test_a_policy_that_stops_early_raises_instead_of_hanging(monkeypatch):
    monkeypatch.setattr(LLMCompiler, "on_completions", lambda self, made_ready, failed: [])
    with pytest.raises(EngineError, match=r"llmcompiler stopped with calls neither run nor "
                                          r"skipped: s2, s3"):
        run(scenario("s1: io()\ns2: io(s1)\ns3: io(s2)\n"), "llmcompiler", 1)


def test_a_coordinator_that_loses_a_set_raises(monkeypatch):
    # the coordinator forgets every set it receives after the first
    original = LLMOrch._coordinate
    calls = {"n": 0}

    def forgetful(self):
        calls["n"] += 1
        if calls["n"] > 1:
            self.channel.to_coord.clear()
        return original(self)

    monkeypatch.setattr(LLMOrch, "_coordinate", forgetful)
    with pytest.raises(EngineError, match="llmorch stopped"):
        run(scenario("s1: c()\ns2: c(s1)\n", FUNCS), "llmorch", 1)
