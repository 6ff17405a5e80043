"""critical-path (ours, DESIGN §4): inout calls start at once; ready compute calls wait in a queue
ordered by bottom level (own cost + the largest bottom level among successors), ties by plan
order, and start on the lowest free processor. Schedules worked out by hand."""

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
from orchtui.engine.policies.critical_path import bottom_levels
from orchtui.graph.frg import build_frg

FUNCS = {"io": ("inout", 1.0), "c": ("compute", 2.0)}
PLAN = """s1: c()
s2: c()
s3: c()
s4: c(s1)
s5: io(s3)
s6: io(s2, s4, s5)
s7: io()
"""
COSTS = {"s1": 1.0, "s2": 3.0, "s3": 2.0, "s4": 4.0}


def test_bottom_levels():
    sc = scenario(PLAN, FUNCS, costs=COSTS)
    frg = build_frg(sc.plan, sc.kinds)
    costs = {c: sc.cost(c) for c in frg.ids}
    # s6 = 1, s7 = 1, s5 = 1 + 1, s4 = 4 + 1, s3 = 2 + 2, s2 = 3 + 1, s1 = 1 + 5
    assert bottom_levels(frg, costs) == {"s1": 6.0, "s2": 4.0, "s3": 4.0, "s4": 5.0,
                                         "s5": 2.0, "s6": 1.0, "s7": 1.0}


def test_longest_remaining_path_first():
    events = run(scenario(PLAN, FUNCS, costs=COSTS, llm_turn=0.5), "critical-path", 2)
    # plan 0–0.5. Ready compute: s1 (6), s2 (4), s3 (4: tie with s2, plan order → s2 first).
    #   s1 → 0 (0.5–1.5), s2 → 1 (0.5–3.5); s3 waits. s7 inout starts at once: 0.5–1.5.
    # 1.5: s1 done → s4 ready with bottom level 5 > s3's 4: s4 → 0 (1.5–5.5); s3 still waits.
    # 3.5: s2 done → s3 → 1 (3.5–5.5).
    # 5.5: s3, s4 done → s5 (inout) 5.5–6.5 → s6 6.5–7.5. answer 7.5–8.
    assert_schedule(events, {
        "s1": (0.5, 1.5, 0),
        "s2": (0.5, 3.5, 1),
        "s3": (3.5, 5.5, 1),
        "s4": (1.5, 5.5, 0),
        "s5": (5.5, 6.5, None),
        "s6": (6.5, 7.5, None),
        "s7": (0.5, 1.5, None),
    })
    assert turns(events) == [("plan", 0.0, 0.5), ("answer", 7.5, 8.0)]
    [q] = queued(events, "s3")
    assert q.t == 0.5 and "bottom level 4.00s" in q.reason and "busy" in q.reason
    assert "highest bottom level" in dispatched(events, "s4").reason
    assert finished(events).makespan == 8.0


def test_lowest_free_processor_first():
    plan = "s1: c()\ns2: c()\ns3: c()\ns4: c(s2)\n"
    events = run(scenario(plan, FUNCS, costs={"s1": 3.0, "s2": 1.0, "s3": 2.0}),
                 "critical-path", 4)
    # bottom levels: s1 3, s2 1 + 2 = 3, s3 2: s1 → 0, s2 → 1, s3 → 2 at 0.
    # 1: s2 done, s4 ready; processors 1 and 3 are free: the lowest, 1.
    assert_schedule(events, {
        "s1": (0.0, 3.0, 0), "s2": (0.0, 1.0, 1), "s3": (0.0, 2.0, 2), "s4": (1.0, 3.0, 1),
    })


def test_equal_path_lengths_tie_to_plan_order_despite_float_sums():
    # bottom levels: s1 = 0.3; s2 = 0.1 + 0.2, which is 0.30000000000000004 in floating point.
    # They are equal: plan order decides, s1 first.
    plan = "s1: c()\ns2: c()\ns3: io(s2)\n"
    events = run(scenario(plan, FUNCS, costs={"s1": 0.3, "s2": 0.1, "s3": 0.2}),
                 "critical-path", 1)
    assert_schedule(events, {
        "s1": (0.0, 0.3, 0), "s2": (0.3, 0.4, 0), "s3": (0.4, 0.6, None),
    })


def test_inout_calls_start_at_once_even_with_every_processor_busy():
    plan = "s1: c()\ns2: io()\ns3: io(s2)\n"
    events = run(scenario(plan, FUNCS, costs={"s1": 5.0}), "critical-path", 1)
    assert_schedule(events, {
        "s1": (0.0, 5.0, 0), "s2": (0.0, 1.0, None), "s3": (1.0, 2.0, None),
    })
    assert not of(events, ev.Queued)
