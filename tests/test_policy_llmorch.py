"""llmorch (DESIGN §4, paper Alg. 2 and 3). Every schedule below is worked out by hand from the
rules:
- the scheduler submits the rank-1 set, then, at each completion, the set it made ready;
- the coordinator keeps a FIFO of sets; each time a processor is spare it takes the head set S':
  M = compute calls of S' with an exclusion partner (same rank) in S', I = the rest;
  I goes to one spare processor (lowest index unless seeded), where inout calls occupy nothing
  and compute calls all share it; then M's first |spare| calls get one spare processor each;
  the rest of M goes back to the head of the FIFO, and later sets wait behind it;
- with no spare processor, nothing is taken, not even an inout-only set."""

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


def scheduled(events) -> list[tuple[float, tuple[str, ...]]]:
    return [(e.t, e.calls) for e in of(events, ev.Scheduled)]


def test_sets_fifo_and_split_into_m_and_i():
    plan = """s1: io()
s2: c()
s3: c()
s4: c(s1)
s5: io(s2, s3)
s6: io(s4, s5)
"""
    events = run(scenario(plan, FUNCS, llm_turn=0.5), "llmorch", 2)
    # plan turn 0–0.5. Rank-1 set {s1, s2, s3}: M = {s2, s3} (compute, rank 1), I = {s1}.
    #   I on spare processor 0 (s1 is inout: occupies nothing), spare still {0, 1}:
    #   s2 → 0, s3 → 1, both 0.5–2.5. s1 0.5–1.5.
    # 1.5: s1 done → set {s4}; no spare processor: s4 waits.
    # 2.5: s2, s3 done → s3's completion makes {s5}. FIFO: {s4}, {s5}.
    #   {s4}: I → processor 0, 2.5–4.5. {s5}: I on spare processor 1, inout: 2.5–3.5.
    # 4.5: {s6} 4.5–5.5. answer 5.5–6.
    assert_schedule(events, {
        "s1": (0.5, 1.5, None),
        "s2": (0.5, 2.5, 0),
        "s3": (0.5, 2.5, 1),
        "s4": (2.5, 4.5, 0),
        "s5": (2.5, 3.5, None),
        "s6": (4.5, 5.5, None),
    })
    assert scheduled(events) == [(0.5, ("s1", "s2", "s3")), (1.5, ("s4",)), (2.5, ("s5",)),
                                 (4.5, ("s6",))]
    assert "rank 1" in of(events, ev.Scheduled)[0].reason
    assert "made ready by s1" in of(events, ev.Scheduled)[1].reason
    assert turns(events) == [("plan", 0.0, 0.5), ("answer", 5.5, 6.0)]
    assert finished(events).makespan == 6.0
    # reasons a student can follow
    assert "inout" in dispatched(events, "s1").reason
    assert "exclusive" in dispatched(events, "s2").reason
    assert "own spare processor 1" in dispatched(events, "s3").reason
    [q] = queued(events, "s4")
    assert q.t == 1.5 and q.reason == "s4 waits: no spare processor (0 runs s2; 1 runs s3)"


def test_inout_calls_occupy_nothing():
    # P = 1. Rank-1 set {s1 io, s2 c, s3 c}: I = {s1} placed on processor 0 without occupying
    # it, so M still has processor 0: s2 runs there at the same time, not shared.
    plan = "s1: io()\ns2: c()\ns3: c()\n"
    events = run(scenario(plan, FUNCS), "llmorch", 1)
    assert_schedule(events, {
        "s1": (0.0, 1.0, None),
        "s2": (0.0, 2.0, 0),
        "s3": (2.0, 4.0, 0),
    })
    assert not dispatched(events, "s2").shared


def test_head_of_line_blocking():
    plan = """s1: c()
s2: c()
s3: c()
s4: io(s1)
"""
    events = run(scenario(plan, FUNCS), "llmorch", 1)
    # P = 1. Rank-1 set M = {s1, s2, s3}: s1 → 0 (0–2); remainder {s2, s3} at the FIFO head.
    # 2: s1 done → set {s4} queued behind the remainder. The remainder takes processor 0:
    #    s2 2–4 (s3 still has its partner s2 in the remainder); nothing is spare, s4 waits.
    # 4: the remainder {s3} has no partner left: I, on processor 0, 4–6. Nothing spare: s4
    #    still waits although it is inout.
    # 6: s4 6–7.
    assert_schedule(events, {
        "s1": (0.0, 2.0, 0),
        "s2": (2.0, 4.0, 0),
        "s3": (4.0, 6.0, 0),
        "s4": (6.0, 7.0, None),
    })
    q = queued(events, "s4")
    assert [(e.t, e.reason) for e in q] == [
        (2.0, "s4 waits behind an earlier set at the head of the FIFO"),
        (4.0, "s4 waits: no spare processor (0 runs s3)"),
    ]
    [q2] = queued(events, "s2")
    assert q2.t == 0.0 and "exclusive with the other compute calls of rank 1" in q2.reason
    # critical-path, for contrast, starts s4 the instant s1 ends
    cp = run(scenario(plan, FUNCS), "critical-path", 1)
    assert {e.call: e.t for e in of(cp, ev.Started)}["s4"] == 2.0


def test_head_of_line_blocking_on_two_processors():
    plan = "s1: c()\ns2: c()\ns3: c()\ns4: c()\ns5: c()\ns6: io(s1)\n"
    events = run(scenario(plan, FUNCS), "llmorch", 2)
    # 0: M = s1..s5: s1 → 0, s2 → 1 (0–2); remainder {s3, s4, s5}.
    # 2: s1 → set {s6} behind the remainder; s3 → 0, s4 → 1 (2–4); remainder {s5}.
    # 4: {s5} alone: I → 0 (4–6); the head empties, processor 1 is spare: {s6} 4–5.
    assert_schedule(events, {
        "s1": (0.0, 2.0, 0), "s2": (0.0, 2.0, 1),
        "s3": (2.0, 4.0, 0), "s4": (2.0, 4.0, 1),
        "s5": (4.0, 6.0, 0), "s6": (4.0, 5.0, None),
    })


def test_with_no_spare_processor_even_an_inout_only_set_waits():
    plan = "s1: c()\ns2: io()\ns3: io(s2)\n"
    events = run(scenario(plan, FUNCS, costs={"s1": 4.0}), "llmorch", 1)
    # rank-1 set {s1, s2}: s1 has no partner: I = {s1, s2} on processor 0: s1 0–4, s2 0–1.
    # 1: set {s3}: processor 0 runs s1, none spare (Alg. 3 waits in spareprocs()): s3 waits.
    # 4: s3 4–5.
    assert_schedule(events, {
        "s1": (0.0, 4.0, 0),
        "s2": (0.0, 1.0, None),
        "s3": (4.0, 5.0, None),
    })
    [q] = queued(events, "s3")
    assert q.t == 1.0 and q.reason == "s3 waits: no spare processor (0 runs s1)"


SHARE_PLAN = """s1: io()
s2: io()
s3: io(s2)
s4: c(s1)
s5: c(s1, s3)
"""


def test_compute_calls_of_different_ranks_in_one_set_share_a_processor():
    sc = scenario(SHARE_PLAN, FUNCS, costs={"s1": 5.0}, alpha=0.5)
    events = run(sc, "llmorch", 2)
    # ranks: s1, s2 = 1; s3, s4 = 2; s5 = 3 (via s3).
    # 0: s1 0–5, s2 0–1 (inout). 1: s3 1–2.
    # 5: s1's completion makes {s4 (rank 2), s5 (rank 3)} ready as one set. Different ranks:
    #    no exclusion pair, so M = {} and I = {s4, s5}, both on one spare processor (0), which
    #    they share; processor 1 stays idle. Sim: n = 2 on c = 1, α = 0.5:
    #    rate = (1/2) / (1 + 0.5·1) = 1/3: each cost 2 takes 6 s: both 5–11.
    assert_schedule(events, {
        "s1": (0.0, 5.0, None),
        "s2": (0.0, 1.0, None),
        "s3": (1.0, 2.0, None),
        "s4": (5.0, 11.0, 0),
        "s5": (5.0, 11.0, 0),
    })
    d4, d5 = dispatched(events, "s4"), dispatched(events, "s5")
    assert not d4.shared  # placed first, on an empty processor
    assert d5.shared  # placed on a processor that already runs s4
    assert "shares processor 0 with s5" in d4.reason
    assert "shares processor 0 with s4" in d5.reason
    assert scheduled(events)[-1] == (5.0, ("s4", "s5"))
    # without the penalty, plain halving: 5–9
    events = run(scenario(SHARE_PLAN, FUNCS, costs={"s1": 5.0}), "llmorch", 2)
    assert finished(events).makespan == 9.0


def test_i_first_then_m_on_the_processors_left():
    plan = """s1: io()
s2: io()
s3: io(s2)
s4: c(s1)
s5: c(s1)
s6: c(s1, s3)
"""
    events = run(scenario(plan, FUNCS, costs={"s1": 3.0}), "llmorch", 2)
    # ranks: s4, s5 = 2 (a pair: M), s6 = 3 (no partner: I).
    # 3: set {s4, s5, s6}: I = {s6} → processor 0 (3–5); spare is now {1}: s4 → 1 (3–5);
    #    remainder {s5} waits at the head.
    # 5: {s5} alone: I → processor 0, 5–7.
    assert_schedule(events, {
        "s1": (0.0, 3.0, None),
        "s2": (0.0, 1.0, None),
        "s3": (1.0, 2.0, None),
        "s4": (3.0, 5.0, 1),
        "s5": (5.0, 7.0, 0),
        "s6": (3.0, 5.0, 0),
    })
    [q] = queued(events, "s5")
    assert q.t == 3.0 and "exclusive with the other compute calls of rank 2" in q.reason


def test_a_call_whose_last_input_is_not_rank_minus_one_is_still_submitted():
    # DESIGN §4: readiness alone decides. s5 needs s2 (rank 1) and s4 (rank 3), and s2 ends last.
    plan = "s1: io()\ns2: io()\ns3: io(s1)\ns4: io(s3)\ns5: io(s2, s4)\n"
    events = run(scenario(plan, costs={"s2": 10.0}), "llmorch", 1)
    assert_schedule(events, {
        "s1": (0.0, 1.0, None), "s2": (0.0, 10.0, None), "s3": (1.0, 2.0, None),
        "s4": (2.0, 3.0, None), "s5": (10.0, 11.0, None),
    })
    assert scheduled(events)[-1] == (10.0, ("s5",))


def test_seeded_choice_of_the_spare_processor():
    # a lone compute call goes to I, on one spare processor: the lowest (0) unless seeded
    plan = "s1: c()\ns2: io(s1)\n"
    sc = scenario(plan, FUNCS)
    assert dispatched(run(sc, "llmorch", 4), "s1").processor == 0
    chosen = set()
    for seed in range(20):
        p = dispatched(run(sc, "llmorch", 4, seed=seed), "s1").processor
        assert p in range(4)
        assert dispatched(run(sc, "llmorch", 4, seed=seed), "s1").processor == p
        chosen.add(p)
    assert len(chosen) > 1


def test_seeded_i_processor_is_not_reused_by_m():
    # the set {s4, s5, s6} made ready at 3 has an M pair (s4, s5: rank 2) and I = {s6} (rank 3).
    # With a seed, I may land on any of the 3 spare processors; M then takes the other two, in
    # increasing order, and everything ends at 5.
    plan = """s1: io()
s2: io()
s3: io(s2)
s4: c(s1)
s5: c(s1)
s6: c(s1, s3)
"""
    sc = scenario(plan, FUNCS, costs={"s1": 3.0})
    for seed in range(10):
        events = run(sc, "llmorch", 3, seed=seed)
        p6 = dispatched(events, "s6").processor
        others = [p for p in range(3) if p != p6]
        assert [dispatched(events, c).processor for c in ("s4", "s5")] == others
        assert finished(events).makespan == 5.0


def test_exclusive_calls_spread_over_all_processors():
    plan = "\n".join(f"s{i}: c()" for i in range(1, 6)) + "\n"
    events = run(scenario(plan, FUNCS), "llmorch", 3)
    # M = s1..s5: s1, s2, s3 → 0, 1, 2 (0–2); remainder {s4, s5}: 2–4 on 0, 1.
    assert_schedule(events, {
        "s1": (0.0, 2.0, 0), "s2": (0.0, 2.0, 1), "s3": (0.0, 2.0, 2),
        "s4": (2.0, 4.0, 0), "s5": (2.0, 4.0, 1),
    })
    assert not any(dispatched(events, f"s{i}").shared for i in range(1, 6))


def test_many_compute_calls_sharing_one_processor():
    # s1..s5: a chain of inout calls (ranks 1..5); s6 and s13: slow inout calls (rank 1).
    # s7..s11 = c(s_k, s6): ranks 2..6, all made ready together by s6 at 10: five compute calls
    # of five different ranks in one set, no exclusion pair: I, all five on processor 0.
    # α = 0: rate 1/5 each, cost 2: 10–20. s13 ends at 12 and makes {s12} ready: processor 0
    # runs five calls and is the only one: s12 waits until 20.
    plan = "s1: io()\n" + "".join(f"s{k}: io(s{k - 1})\n" for k in range(2, 6)) + "s6: io()\n"
    plan += "".join(f"s{k + 6}: c(s{k}, s6)\n" for k in range(1, 6))
    plan += "s12: io(s13)\ns13: io()\n"
    events = run(scenario(plan, FUNCS, costs={"s6": 10.0, "s13": 12.0}), "llmorch", 1)
    table = {f"s{k}": (k - 1.0, float(k), None) for k in range(1, 6)}
    table |= {"s6": (0.0, 10.0, None), "s13": (0.0, 12.0, None), "s12": (20.0, 21.0, None)}
    table |= {f"s{k}": (10.0, 20.0, 0) for k in range(7, 12)}
    assert_schedule(events, table)
    assert [dispatched(events, f"s{k}").shared for k in range(7, 12)] == [False] + [True] * 4
    # the reasons name at most three others
    assert "shares processor 0 with s8, s9, s10 and 1 more" in dispatched(events, "s7").reason
    assert "shares processor 0 with s7, s8, s10 and 1 more" in dispatched(events, "s9").reason
    [q] = queued(events, "s12")
    assert (q.t, q.reason) == (12.0, "s12 waits: no spare processor (0 runs s7+s8+s9+2 more)")
