"""react (DESIGN §4): one call at a time in plan order, a turn before each call and one to answer,
compute on processor 0. Schedules worked out by hand in the tables."""

from __future__ import annotations

from engine_helpers import assert_schedule, finished, of, run, scenario, turns

from orchtui.engine import events as ev

FUNCS = {"io": ("inout", 1.0), "c": ("compute", 2.0)}
PLAN = """s1: io()
s2: c()
s3: c(s1)
s4: io(s1, s2)
"""


def test_one_at_a_time_with_a_turn_before_each_call():
    events = run(scenario(PLAN, FUNCS, llm_turn=0.5), "react", 3)
    # turn 0.5 before each call, costs io 1 / c 2, nothing overlaps:
    #   think:s1 0–0.5, s1 0.5–1.5, think:s2 1.5–2, s2 2–4, think:s3 4–4.5, s3 4.5–6.5,
    #   think:s4 6.5–7, s4 7–8, answer 8–8.5
    assert_schedule(events, {
        "s1": (0.5, 1.5, None),
        "s2": (2.0, 4.0, 0),
        "s3": (4.5, 6.5, 0),
        "s4": (7.0, 8.0, None),
    })
    assert turns(events) == [
        ("think:s1", 0.0, 0.5), ("think:s2", 1.5, 2.0), ("think:s3", 4.0, 4.5),
        ("think:s4", 6.5, 7.0), ("answer", 8.0, 8.5),
    ]
    started = [(e.turn, e.t) for e in of(events, ev.TurnStarted)]
    done = [(e.turn, e.t, e.duration) for e in of(events, ev.TurnFinished)]
    assert started == [(n, s) for n, s, _ in turns(events)]
    assert done == [(n, e, 0.5) for n, _, e in turns(events)]
    fin = finished(events)
    assert fin.status == "ok" and fin.makespan == 8.5


def test_no_turns_when_llm_turn_is_zero_and_processors_do_not_matter():
    for P in (1, 4):
        events = run(scenario(PLAN, FUNCS), "react", P)
        assert not of(events, ev.TurnStarted)
        assert_schedule(events, {
            "s1": (0.0, 1.0, None),
            "s2": (1.0, 3.0, 0),
            "s3": (3.0, 5.0, 0),
            "s4": (5.0, 6.0, None),
        })
        assert finished(events).makespan == 6.0


def test_plan_order_where_the_data_edges_allow():
    # s1 uses s3, defined later: order s2, s3, s1 (the first call whose inputs exist, by plan
    # order, each time)
    events = run(scenario("s1: io(s3)\ns2: c()\ns3: io()\n", FUNCS), "react", 2)
    assert_schedule(events, {
        "s2": (0.0, 2.0, 0),
        "s3": (2.0, 3.0, None),
        "s1": (3.0, 4.0, None),
    })


def test_eager_compute_changes_nothing_for_react():
    sc = scenario(PLAN, FUNCS, alpha=0.5)
    a = run(sc, "react", 2, compute="serial")
    b = run(sc, "react", 2, compute="eager")
    assert [(e.call, e.processor, e.pool) for e in of(a, ev.Dispatched)] == \
        [(e.call, e.processor, e.pool) for e in of(b, ev.Dispatched)]
    assert finished(a).makespan == finished(b).makespan == 6.0
