"""parallelfc (DESIGN §4): rounds of every call ready at the round's start, a barrier between
rounds, a turn before each round and one to answer; compute serial in one thread (processor 0)
or eager (unpinned, time-sharing all P). Schedules worked out by hand in the tables."""

from __future__ import annotations

from engine_helpers import (
    assert_schedule,
    dispatched,
    finished,
    of,
    queued,
    run,
    scenario,
    turns,
)

from orchtui.engine import events as ev

FUNCS = {"io": ("inout", 1.0), "c": ("compute", 2.0)}
PLAN = """s1: io()
s2: c()
s3: c()
s4: io(s1)
s5: c(s1)
s6: io(s2, s3)
"""
COSTS = {"s3": 3.0, "s5": 1.0}


def test_rounds_barrier_turns_and_serial_compute():
    events = run(scenario(PLAN, FUNCS, costs=COSTS, llm_turn=0.5), "parallelfc", 2)
    # round 1 (turn 0–0.5): s1, s2, s3 ready.
    #   s1 inout 0.5–1.5; compute one after another on processor 0: s2 0.5–2.5, s3 2.5–5.5.
    #   s4 and s5 are ready at 1.5, mid-round: they wait for the barrier at 5.5.
    # round 2 (turn 5.5–6): s4, s5, s6: s4 6–7, s6 6–7 (inout), s5 6–7 (the only compute).
    # answer 7–7.5.
    assert_schedule(events, {
        "s1": (0.5, 1.5, None),
        "s2": (0.5, 2.5, 0),
        "s3": (2.5, 5.5, 0),
        "s4": (6.0, 7.0, None),
        "s5": (6.0, 7.0, 0),
        "s6": (6.0, 7.0, None),
    })
    assert turns(events) == [("round:1", 0.0, 0.5), ("round:2", 5.5, 6.0), ("answer", 7.0, 7.5)]
    rounds = [(e.t, e.calls) for e in of(events, ev.Scheduled)]
    assert rounds == [(0.5, ("s1", "s2", "s3")), (6.0, ("s4", "s5", "s6"))]
    assert "barrier" in of(events, ev.Scheduled)[0].reason
    # s3 is queued behind s2 in the one thread
    [q] = queued(events, "s3")
    assert q.t == 0.5 and "behind s2" in q.reason and "one thread" in q.reason
    assert finished(events).makespan == 7.5


def test_barrier_without_turns():
    events = run(scenario(PLAN, FUNCS, costs=COSTS), "parallelfc", 4)
    # round 1: s1 0–1, s2 0–2, s3 2–5 (serial); round 2 at 5: s4, s5, s6 5–6
    assert_schedule(events, {
        "s1": (0.0, 1.0, None),
        "s2": (0.0, 2.0, 0),
        "s3": (2.0, 5.0, 0),
        "s4": (5.0, 6.0, None),
        "s5": (5.0, 6.0, 0),
        "s6": (5.0, 6.0, None),
    })
    assert not of(events, ev.TurnStarted)


def test_eager_compute_is_unpinned_and_time_shares():
    events = run(scenario(PLAN, FUNCS, costs=COSTS, alpha=0.5), "parallelfc", 1,
                 compute="eager")
    # P = 1. round 1: s1 0–1; s2 and s3 pooled together: n = 2, c = 1,
    #   rate = min(1, 1/2) / (1 + 0.5·(2 − 1)) = 1/3: s2 (cost 2) ends at 6, when s3 (cost 3)
    #   has 1 left, alone at rate 1: ends at 7.
    # round 2 at 7: s4, s6 inout 7–8, s5 alone in the pool 7–8.
    assert_schedule(events, {
        "s1": (0.0, 1.0, None),
        "s2": (0.0, 6.0, None),
        "s3": (0.0, 7.0, None),
        "s4": (7.0, 8.0, None),
        "s5": (7.0, 8.0, None),
        "s6": (7.0, 8.0, None),
    })
    for c in ("s2", "s3", "s5"):
        d = dispatched(events, c)
        assert d.pool and d.processor is None and "unpinned" in d.reason
    # eager compute never queues behind the one thread; only the round barrier holds calls
    queued = of(events, ev.Queued)
    assert [q.call for q in queued] == ["s4", "s5"]
    assert all("barrier" in q.reason for q in queued)


def test_eager_on_enough_processors_runs_at_full_speed():
    events = run(scenario(PLAN, FUNCS, costs=COSTS, alpha=0.5), "parallelfc", 2,
                 compute="eager")
    # n = 2 ≤ c = 2: rate 1. round 1 ends at 3 (s3), round 2: 3–4
    assert finished(events).makespan == 4.0
    rec = {e.call: e.t for e in of(events, ev.Finished)}
    assert rec == {"s1": 1.0, "s2": 2.0, "s3": 3.0, "s4": 4.0, "s5": 4.0, "s6": 4.0}


def test_a_failed_call_still_closes_its_round():
    sc = scenario(PLAN, FUNCS, costs=COSTS, faults={"s2": "boom"})
    events = run(sc, "parallelfc", 2)
    # round 1: s1 0–1, s2 0–2 fails, s3 2–5. Round 2 at 5: s4, s5 (s6 is skipped: needs s2)
    assert {e.call for e in of(events, ev.Skipped)} == {"s6"}
    rounds = [(e.t, e.calls) for e in of(events, ev.Scheduled)]
    assert rounds == [(0.0, ("s1", "s2", "s3")), (5.0, ("s4", "s5"))]
    assert finished(events).status == "failed" and finished(events).makespan == 6.0
