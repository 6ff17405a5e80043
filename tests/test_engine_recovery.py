"""Runtime recovery (DESIGN §6, paper §III-D) in the sim.

The fake repairer below stands for the LLM. The sim's injected faults are keyed by call id and
would fail the same call again after any repair, so the repairer is handed the very dict the
scenario holds as `faults` and, like a repair that fixes the root cause, removes the faults of
the calls it was told failed (`fixes=False`: a repair that fixes nothing)."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import replace

import pytest
from engine_helpers import (
    POLICIES,
    assert_schedule,
    finished,
    of,
    record,
    run,
    scenario,
)

from orchtui.engine import events as ev
from orchtui.engine.policies.llmorch import LLMOrch
from orchtui.engine.recovery import recovery_plan
from orchtui.engine.runner import EngineError
from orchtui.errors import OrchError
from orchtui.graph.frg import build_frg
from orchtui.plan import Call, parse_plan

FUNCS = {"io": ("inout", 1.0), "c": ("compute", 2.0)}


def repaired(call: Call, scenario) -> Call:
    """The call with one more argument, `retry=True`, parsed from a replacement line of the plan
    (so its references stay those of the original)."""
    line = call.text.rstrip(")") + (", " if call.args or call.kwargs else "") + "retry=True)"
    text = scenario.plan_text.replace(call.text, line)
    return parse_plan(text)[call.id]


class FakeRepairer:
    source = "recorded"

    def __init__(self, faults: MutableMapping[str, str], fixes: bool = True,
                 refuse: bool = False, swap: str | None = None) -> None:
        self.faults = faults
        self.fixes = fixes
        self.refuse = refuse
        self.swap = swap  # replace the function by this one
        self.asked: list[tuple[str, list[tuple[str, str]], str]] = []

    def repair(self, call: Call, failed: list[tuple[Call, str]], scenario, dialect: str) -> Call:
        self.asked.append((call.id, [(f.id, err) for f, err in failed], dialect))
        if self.refuse:
            raise OrchError("the model could not repair the call")
        if self.fixes:
            for f, _ in failed:
                self.faults.pop(f.id, None)
        if self.swap:
            return replace(call, function=self.swap, text="")
        return repaired(call, scenario)


def recover(plan: str, faults: dict[str, str], policy: str = "llmorch", P: int = 2,
            attempts: int = 2, costs: dict[str, float] | None = None, **kw):
    sc = scenario(plan, FUNCS, costs=costs, faults=faults)
    rep = FakeRepairer(faults, **kw)
    return run(sc, policy, P, repairer=rep, attempts=attempts), rep


# -- where recovery restarts -----------------------------------------------------------------
def frg(plan: str):
    sc = scenario(plan, FUNCS)
    return build_frg(sc.plan, sc.kinds)


def test_points_are_the_closest_predecessors_of_smallest_rank():
    g = frg("s1: io()\ns2: io()\ns3: io(s2)\ns4: io(s1, s3)\ns5: io(s4)\n")
    # s4's predecessors: s1 (rank 1) and s3 (rank 2): only s1, the smallest rank
    p = recovery_plan(g, ["s4"])
    assert p.points == ("s1",)
    assert p.reset == ("s1", "s4", "s5")  # the point, the failed call, their descendants


def test_a_call_with_no_predecessor_is_its_own_point():
    p = recovery_plan(frg("s1: io()\ns2: io(s1)\ns3: io()\n"), ["s1"])
    assert p.points == ("s1",) and p.reset == ("s1", "s2")


def test_several_failures_share_the_smallest_rank():
    g = frg("s1: io()\ns2: io(s1)\ns3: io()\ns4: io(s2)\ns5: io(s3)\ns6: io()\ns7: io(s6)\n")
    # s4 ← s2 (rank 2); s5 ← s3 (rank 1); s7 ← s6 (rank 1): points s3, s6 (rank 1).
    p = recovery_plan(g, ["s4", "s5", "s7"])
    assert p.points == ("s3", "s6")
    # s4 runs again too, although its own predecessor s2 is not a point
    assert p.reset == ("s3", "s4", "s5", "s6", "s7")


# -- a recovery, step by step ----------------------------------------------------------------
PLAN = """s1: io()
s2: c(s1)
s3: io(s2)
s4: c()
s5: io(s3, s4)
s6: io()
"""


def test_recovery_step_by_step():
    faults = {"s3": "boom"}
    events, rep = recover(PLAN, faults, costs={"s4": 10.0})
    # P = 2. 0: rank-1 set {s1, s4, s6}: I (no pair), s4 on processor 0 (0–10), s1, s6 0–1.
    # 1: s2 → processor 1, 1–3. 3: s3 3–4, fails at 4.
    # Recovery at 4: nothing was scheduled and unstarted (cleared = {}); s4 runs on, since
    #   recovery does not reset it. points: s3's closest predecessor, s2; reset: s2, s3 and
    #   their descendant s5. s2 is repaired, and scheduling resumes from it at 4: s2 → the
    #   spare processor 1, 4–6; s3 6–7; s5 waits for s4 as well: 10–11.
    assert_schedule(events, {
        "s1": (0.0, 1.0, None), "s2": (4.0, 6.0, 1), "s3": (6.0, 7.0, None),
        "s4": (0.0, 10.0, 0), "s5": (10.0, 11.0, None), "s6": (0.0, 1.0, None),
    })
    [started] = of(events, ev.RecoveryStarted)
    assert (started.t, started.failed, started.points, started.attempt, started.reset,
            started.cleared) == (4.0, ("s3",), ("s2",), 1, ("s2", "s3", "s5"), ())
    [fix] = of(events, ev.CallRepaired)
    assert (fix.t, fix.call, fix.before, fix.after, fix.source) == \
        (4.0, "s2", "s2: c(s1)", "s2: c(s1, retry=True)", "recorded")
    assert rep.asked == [("s2", [("s3", "boom (injected fault)")], "llmorch")]
    after = [e for e in events if isinstance(e, ev.Scheduled) and e.t >= 4.0]
    assert after[0].calls == ("s2",) and "recovery" in after[0].reason
    assert [e.call for e in of(events, ev.Started)].count("s2") == 2
    fin = finished(events)
    assert fin.status == "ok" and fin.makespan == 11.0


def test_the_failed_call_without_predecessors_is_repaired_and_rerun():
    faults = {"s1": "boom"}
    events, rep = recover("s1: io()\ns2: io(s1)\ns3: io()\n", faults)
    # s1 fails at 1 (s3 ends then too); s1 is its own point: 1–2; s2 2–3
    assert_schedule(events, {"s1": (1.0, 2.0, None), "s2": (2.0, 3.0, None),
                             "s3": (0.0, 1.0, None)})
    [started] = of(events, ev.RecoveryStarted)
    assert started.points == ("s1",) and started.reset == ("s1", "s2")
    assert [a[0] for a in rep.asked] == ["s1"]


def test_only_the_smallest_rank_predecessor_is_repaired():
    faults = {"s4": "boom"}
    events, _ = recover("s1: io()\ns2: io()\ns3: io(s2)\ns4: io(s1, s3)\n", faults)
    # s4 2–3 fails. points: s1 (rank 1), not s3 (rank 2). s1 3–4, s4 4–5; s3 is not rerun.
    assert_schedule(events, {"s1": (3.0, 4.0, None), "s2": (0.0, 1.0, None),
                             "s3": (1.0, 2.0, None), "s4": (4.0, 5.0, None)})
    [started] = of(events, ev.RecoveryStarted)
    assert started.points == ("s1",) and started.reset == ("s1", "s4")


def test_two_failures_at_once():
    plan = "s1: io()\ns2: io(s1)\ns3: io()\ns4: io(s2)\ns5: io(s3)\n"
    faults = {"s4": "a", "s5": "b"}
    events, rep = recover(plan, faults, costs={"s5": 2.0})
    # s4 2–3 and s5 1–3 fail together at 3. Points: s3 (rank 1; s2 is rank 2). Reset s3, s4,
    # s5. Resume: the point {s3}, then {s4} (its input s2 is done): s3 3–4, s4 3–4, s5 4–6.
    # (failures in plan order)
    [started] = of(events, ev.RecoveryStarted)
    assert (started.failed, started.points, started.reset) == \
        (("s4", "s5"), ("s3",), ("s3", "s4", "s5"))
    assert_schedule(events, {"s1": (0.0, 1.0, None), "s2": (1.0, 2.0, None),
                             "s3": (3.0, 4.0, None), "s4": (3.0, 4.0, None),
                             "s5": (4.0, 6.0, None)})
    assert rep.asked[0][1] == [("s4", "a (injected fault)"), ("s5", "b (injected fault)")]


def test_scheduled_unstarted_calls_are_cleared_and_resumed():
    plan = "s1: io()\ns2: c()\ns3: c()\ns4: io(s1)\n"
    events, _ = recover(plan, {"s1": "boom"}, P=1)
    # P = 1. Rank-1 set: I = {s1} (0–1), M = {s2, s3}: s2 0–2 on 0, s3 waits at the FIFO head.
    # 1: s1 fails: s3 (scheduled, not started) is cleared; s2 runs on (recovery does not reset
    #   it). Points (s1), reset (s1, s4). Resume: {s1} then the cleared {s3}; no processor is
    #   spare until s2 ends, and Alg. 3 waits for one even for an inout set.
    # 2: s1 2–3, s3 2–4 on 0. 3: {s4}: no spare processor until 4: s4 4–5.
    [started] = of(events, ev.RecoveryStarted)
    assert (started.t, started.points, started.reset, started.cleared) == \
        (1.0, ("s1",), ("s1", "s4"), ("s3",))
    sets = [(e.t, e.calls) for e in of(events, ev.Scheduled)]
    assert sets[-3:] == [(1.0, ("s1",)), (1.0, ("s3",)), (3.0, ("s4",))]
    assert_schedule(events, {"s1": (2.0, 3.0, None), "s2": (0.0, 2.0, 0), "s3": (2.0, 4.0, 0),
                             "s4": (4.0, 5.0, None)})


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_recovers(policy):
    faults = {"s3": "boom"}
    events, _ = recover(PLAN, faults, policy=policy, costs={"s4": 10.0})
    rec = record(events)
    assert finished(events).status == "ok"
    assert all(c.status == "done" for c in rec.calls.values())
    assert len(of(events, ev.RecoveryStarted)) == 1


# -- bounded attempts, refused repairs -----------------------------------------------------------
def test_attempts_are_bounded():
    faults = {"s1": "boom"}
    events, rep = recover("s1: io()\ns2: io(s1)\ns3: io()\n", faults, fixes=False, attempts=2)
    # s1 fails at 1, 2 and 3; after two recoveries the third failure stands: s2 skipped.
    assert [e.attempt for e in of(events, ev.RecoveryStarted)] == [1, 2]
    assert [e.t for e in of(events, ev.Failed)] == [1.0, 2.0, 3.0]
    assert [e.call for e in of(events, ev.Skipped)] == ["s2"]
    assert len(rep.asked) == 2
    fin = finished(events)
    assert fin.status == "failed" and fin.makespan == 3.0


def test_no_attempts_no_recovery():
    faults = {"s1": "boom"}
    events, rep = recover("s1: io()\ns2: io(s1)\ns3: io()\n", faults, attempts=0)
    assert not of(events, ev.RecoveryStarted) and not rep.asked
    assert finished(events).status == "failed"


# When the repair fails, the failures stand: the failed calls' descendants are skipped and every
# other call still runs, including those cleared from the queue and those made ready while the
# recovery waited for running calls. (Before the fix in runner.py every policy but react stopped
# with EngineError here, and completions were handed to the policy twice.)
CLEARED = "s1: io()\ns2: c()\ns3: c()\ns4: c()\n"
# P = 1, s1 fails at 1, s2 runs 0–2 (react: after s1), s3 and s4 were scheduled, not started.
# react: s2 1–3, s3 3–5, s4 5–7; the others: s2 0–2, s3 2–4, s4 4–6 on processor 0.
REFUSED = {
    "react": {"s2": (1.0, 3.0, 0), "s3": (3.0, 5.0, 0), "s4": (5.0, 7.0, 0)},
    **{policy: {"s2": (0.0, 2.0, 0), "s3": (2.0, 4.0, 0), "s4": (4.0, 6.0, 0)}
       for policy in ("parallelfc", "llmcompiler", "llmorch", "critical-path")},
}


@pytest.mark.parametrize("policy", POLICIES)
def test_a_refused_repair_lets_the_independent_calls_finish(policy):
    events, _ = recover(CLEARED, {"s1": "boom"}, policy=policy, P=1, refuse=True)
    [failed] = of(events, ev.RecoveryFailed)
    assert "could not repair" in failed.reason
    rec = record(events)
    got = {c: (rec.calls[c].start, rec.calls[c].end, rec.calls[c].processor)
           for c in ("s2", "s3", "s4")}
    assert got == REFUSED[policy]
    assert all(rec.calls[c].status == "done" for c in ("s2", "s3", "s4"))
    assert finished(events).status == "failed"


@pytest.mark.parametrize("policy", POLICIES)
def test_a_refused_repair_does_not_count_completions_twice(policy):
    # s2 ends with s1's failure at 1; s4 needs s2 and s3 (3–5 or 2–7 for react): it must not
    # start before s3 ends.
    plan = "s1: io()\ns2: io()\ns3: c()\ns4: io(s2, s3)\n"
    events, _ = recover(plan, {"s1": "boom"}, policy=policy, P=1, refuse=True,
                        costs={"s3": 5.0})
    rec = record(events)
    assert rec.calls["s4"].start == rec.calls["s3"].end
    assert rec.calls["s4"].start == (7.0 if policy == "react" else 5.0)
    assert finished(events).status == "failed"


def test_a_repair_may_not_change_the_function_kind():
    faults = {"s3": "boom"}
    events, _ = recover(PLAN, faults, swap="c")  # s2 is compute already; s3's point is s2
    assert finished(events).status == "ok"  # same kind: accepted
    faults = {"s2": "boom"}
    events, _ = recover(PLAN, faults, swap="c")  # s2's point is s1, inout: c is compute
    [failed] = of(events, ev.RecoveryFailed)
    assert "changed the function's kind" in failed.reason
    assert [e.call for e in of(events, ev.Skipped)] == ["s3", "s5"]
    assert finished(events).status == "failed"


def test_recovery_never_waits_for_calls_the_executor_does_not_have(monkeypatch):
    # a policy that believes a call recovery resets still runs, while the executor has nothing
    # in flight: the runner raises instead of polling an empty executor forever
    original = LLMOrch.halt

    def halt(self):
        cleared = original(self)
        self.set_state("s2", "running")
        return cleared

    monkeypatch.setattr(LLMOrch, "halt", halt)
    with pytest.raises(EngineError, match="nothing is in flight"):
        recover("s1: io()\ns2: io(s1)\n", {"s1": "boom"})
