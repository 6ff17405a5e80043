"""llmcompiler (DESIGN §4): one planning turn, eager dataflow (a call starts the instant it is
ready), compute one after another in one thread (FIFO, processor 0) or eager (unpinned), one
answer turn. Schedules worked out by hand in the tables."""

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
s3: c(s1)
s4: io(s1)
s5: c(s4)
s6: io(s2, s3, s5)
"""
COSTS = {"s5": 1.0}


def test_eager_dataflow_serial_compute_fifo_and_turns():
    events = run(scenario(PLAN, FUNCS, costs=COSTS, llm_turn=0.5), "llmcompiler", 2)
    # plan 0–0.5. At 0.5: s1 inout 0.5–1.5, s2 compute 0.5–2.5 on processor 0.
    # At 1.5 (s1 done): s4 starts at once 1.5–2.5; s3 is ready but queued behind s2.
    # At 2.5: s2 and s4 done, s5 ready: queue s3 then s5. s3 2.5–4.5, s5 4.5–5.5.
    # s6 ready at 5.5: 5.5–6.5. answer 6.5–7.
    assert_schedule(events, {
        "s1": (0.5, 1.5, None),
        "s2": (0.5, 2.5, 0),
        "s3": (2.5, 4.5, 0),
        "s4": (1.5, 2.5, None),
        "s5": (4.5, 5.5, 0),
        "s6": (5.5, 6.5, None),
    })
    assert turns(events) == [("plan", 0.0, 0.5), ("answer", 6.5, 7.0)]
    [q3] = queued(events, "s3")
    assert q3.t == 1.5 and "behind s2" in q3.reason
    [q5] = queued(events, "s5")
    assert q5.t == 2.5 and "behind s3" in q5.reason
    assert finished(events).makespan == 7.0


def test_a_call_starts_the_instant_it_is_ready():
    # only inout calls: every call starts when its last input ends (critical path)
    plan = "s1: io()\ns2: io()\ns3: io(s1)\ns4: io(s2, s3)\ns5: io(s1)\n"
    events = run(scenario(plan, costs={"s1": 1.0, "s2": 3.0, "s3": 1.0, "s5": 5.0}),
                 "llmcompiler", 1)
    assert_schedule(events, {
        "s1": (0.0, 1.0, None),
        "s2": (0.0, 3.0, None),
        "s3": (1.0, 2.0, None),
        "s4": (3.0, 4.0, None),
        "s5": (1.0, 6.0, None),
    })


def test_eager_compute_time_shares_one_processor():
    events = run(scenario(PLAN, FUNCS, costs=COSTS, alpha=0.5), "llmcompiler", 1,
                 compute="eager")
    # P = 1, α = 0.5, rate(n) = min(1, 1/n) / (1 + 0.5·(n − 1)): 1, 1/3, 1/6 for n = 1, 2, 3.
    # 0–1: s2 alone (rate 1): 1 done, 1 left. s1 0–1.
    # 1–2: s3 joins (s1 done): n = 2, rate 1/3. s2 left 2/3, s3 left 5/3. s4 1–2.
    # 2–6: s5 joins (s4 done): n = 3, rate 1/6. s2 ends first: (2/3)/(1/6) = 4 → t = 6;
    #      s3 left 5/3 − 4/6 = 1, s5 left 1 − 4/6 = 1/3.
    # 6–7: n = 2, rate 1/3: s5 ends at 6 + 1 = 7; s3 left 1 − 1/3 = 2/3.
    # 7–7.667: s3 alone: ends at 7 + 2/3. s6 7.667–8.667.
    assert_schedule(events, {
        "s1": (0.0, 1.0, None),
        "s2": (0.0, 6.0, None),
        "s3": (1.0, 7 + 2 / 3, None),
        "s4": (1.0, 2.0, None),
        "s5": (2.0, 7.0, None),
        "s6": (7 + 2 / 3, 8 + 2 / 3, None),
    })
    assert all(dispatched(events, c).pool for c in ("s2", "s3", "s5"))
    assert not of(events, ev.Queued)


def test_one_planning_turn_and_one_answer_whatever_the_plan():
    plan = "\n".join(f"s{i}: io()" for i in range(1, 6)) + "\n"
    events = run(scenario(plan, llm_turn=2.0), "llmcompiler", 2)
    assert turns(events) == [("plan", 0.0, 2.0), ("answer", 3.0, 5.0)]
    assert finished(events).makespan == 5.0
