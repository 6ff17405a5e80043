"""The paper's KITTI* shape (§IV-C, Fig. 3): eight compute calls s1–s8 (rank 1), s9 and s10 inout
averaging four each, s11 inout taking the difference. Compute cost 10 s, inout 1 s, α = 0.1.
Makespans for every policy at P = 1..8, worked out by hand:

react           8·10 + 3·1 = 83, whatever P.
parallelfc      serial: round 1 runs s1–s8 one after another (80), rounds 2 and 3 take 1 each: 82.
llmcompiler     serial: s1–s8 one after another (80); s9 runs at 40–41 meanwhile; s10 80–81,
                s11 81–82: 82.
eager (both)    the eight share all P: rate r = min(1, P/8) / (1 + 0.1·max(0, 8/P − 1)), all end
                at 10/r, then s9/s10 (1) and s11 (1): 10/r + 2.
                P=1: r = 0.125/1.7 → 136 + 2 = 138; P=2: 0.25/1.3 → 52 + 2 = 54;
                P=4: 0.5/1.1 → 22 + 2 = 24; P=8: r = 1 → 12.
llmorch         M = s1..s8: P of them at a time, the remainder at the FIFO head. s9 is made
                ready when s4 ends but waits while no processor is spare (behind the remainder):
                P=1: s1..s8 at 0,10,..,70; s9 waits until 80 (head-of-line): 80+1+1 = 82.
                P=2: pairs at 0, 10, 20, 30; s9 (ready at 20) waits until 40: 42.
                P=3: s1-3, s4-6, then s7, s8 on 0, 1 at 20 with processor 2 spare: s9 20–21;
                     s10 at 30: 32.
                P=4..7: s1..sP at 0, the rest at 10; s9 (ready at 10, or 20 for P=4) runs when
                     a processor is spare, by 20 at the latest; s10 20–21, s11 21–22: 22.
                P=8: all at once: 10 + 1 + 1 = 12.
critical-path   the same numbers as llmorch here (all bottom levels are equal, 12).
"""

from __future__ import annotations

import pytest
from engine_helpers import assert_schedule, makespan, queued, run, scenario

KITTI = "\n".join(f"s{i}: c()" for i in range(1, 9)) + """
s9: io(s1, s2, s3, s4)
s10: io(s5, s6, s7, s8)
s11: io(s9, s10)
"""
FUNCS = {"io": ("inout", 1.0), "c": ("compute", 10.0)}
ALPHA = 0.1


def kitti(llm_turn: float = 0.0):
    return scenario(KITTI, FUNCS, alpha=ALPHA, llm_turn=llm_turn)


def eager(P: int) -> float:
    r = min(1.0, P / 8) / (1.0 + ALPHA * max(0.0, 8 / P - 1.0))
    return 10.0 / r + 2.0


EXPECTED = {
    ("react", "serial"): dict.fromkeys(range(1, 9), 83.0),
    ("parallelfc", "serial"): dict.fromkeys(range(1, 9), 82.0),
    ("llmcompiler", "serial"): dict.fromkeys(range(1, 9), 82.0),
    ("parallelfc", "eager"): {P: eager(P) for P in range(1, 9)},
    ("llmcompiler", "eager"): {P: eager(P) for P in range(1, 9)},
    ("llmorch", "serial"): {1: 82.0, 2: 42.0, 3: 32.0, 4: 22.0, 5: 22.0, 6: 22.0, 7: 22.0,
                            8: 12.0},
    ("critical-path", "serial"): {1: 82.0, 2: 42.0, 3: 32.0, 4: 22.0, 5: 22.0, 6: 22.0,
                                  7: 22.0, 8: 12.0},
}


def test_eager_by_hand():
    assert [round(eager(P), 6) for P in (1, 2, 4, 8)] == [138.0, 54.0, 24.0, 12.0]


@pytest.mark.parametrize(("policy", "compute"), list(EXPECTED))
def test_kitti_makespans(policy, compute):
    sc = kitti()
    got = {P: round(makespan(sc, policy, P, compute=compute), 6) for P in range(1, 9)}
    assert got == {P: round(v, 6) for P, v in EXPECTED[(policy, compute)].items()}


def test_llmorch_ignores_the_compute_mode():
    sc = kitti()
    for P in (1, 2, 4, 8):
        assert makespan(sc, "llmorch", P, compute="eager") == EXPECTED[("llmorch", "serial")][P]


def test_llmorch_kitti_on_four_processors():
    # the paper's narrative: s1–s4 on four processors, then s5–s8 on the same four, then s9 and
    # s10, then s11. s9 is ready at 10 but no processor is spare until 20.
    events = run(kitti(), "llmorch", 4)
    table = {f"s{i}": (0.0, 10.0, i - 1) for i in range(1, 5)}
    table |= {f"s{i}": (10.0, 20.0, i - 5) for i in range(5, 9)}
    table |= {"s9": (20.0, 21.0, None), "s10": (20.0, 21.0, None), "s11": (21.0, 22.0, None)}
    assert_schedule(events, table)
    [q] = queued(events, "s9")
    assert q.t == 10.0 and q.reason.startswith("s9 waits: no spare processor")


def test_llmorch_kitti_on_one_processor_blocks_s9_behind_the_remainder():
    events = run(kitti(), "llmorch", 1)
    table = {f"s{i}": (10.0 * (i - 1), 10.0 * i, 0) for i in range(1, 9)}
    table |= {"s9": (80.0, 81.0, None), "s10": (80.0, 81.0, None), "s11": (81.0, 82.0, None)}
    assert_schedule(events, table)
    assert queued(events, "s9")[0].reason == \
        "s9 waits behind an earlier set at the head of the FIFO"


def test_llmcompiler_serial_runs_s9_while_the_thread_is_busy():
    events = run(kitti(), "llmcompiler", 4)
    table = {f"s{i}": (10.0 * (i - 1), 10.0 * i, 0) for i in range(1, 9)}
    table |= {"s9": (40.0, 41.0, None), "s10": (80.0, 81.0, None), "s11": (81.0, 82.0, None)}
    assert_schedule(events, table)


@pytest.mark.parametrize(("policy", "P", "expected"), [
    ("react", 4, 83.0 + 12 * 2),  # 11 thoughts + the answer
    ("parallelfc", 4, 82.0 + 4 * 2),  # 3 rounds + the answer
    ("llmcompiler", 4, 82.0 + 2 * 2),  # plan + answer
    ("llmorch", 4, 22.0 + 2 * 2),
    ("critical-path", 4, 22.0 + 2 * 2),
])
def test_kitti_with_llm_turns(policy, P, expected):
    assert makespan(kitti(llm_turn=2.0), policy, P) == expected
