"""Streamed plans: LLMOrch against LLMCompiler's eager dataflow (--compute eager), both
scheduling calls while the plan streams in, on plans whose compute calls outnumber the
processors. Not a timed test: it prints makespans side by side.

    python bench/stream_policies.py            # sim (virtual time, deterministic)
    python bench/stream_policies.py --real 3   # also the real executor, median of 3 rounds

Each plan is a recorded reply replayed at 20 and 50 ms per chunk (a word and the blanks before
it, as the model's tokens roughly come: --stream-rate 50 and 20). "plan first" is the same
policy with the whole plan before the run, after a planning turn as long as the stream."""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import replace
from pathlib import Path

from orchtui.engine.record import RunRecord
from orchtui.engine.runner import Run, RunOptions
from orchtui.engine.session import allocate, make_executor
from orchtui.llm.streaming import PIECE, StreamedPlan
from orchtui.scenario.loader import find_scenario, load_scenario
from orchtui.scenario.model import Scenario

HERE = Path(__file__).resolve().parent
# (name, policy, compute mode)
CONTENDERS = (("llmorch", "llmorch", "serial"), ("llmcompiler eager", "llmcompiler", "eager"))
CHUNKS = (0.020, 0.050)


def fan_out(n: int = 8) -> Scenario:
    """Two searches, n maths over them (compute, one rank: mutually exclusive), one merge:
    n compute calls for 2 processors."""
    sc = load_scenario(find_scenario("parallelqa_83"))
    lines = ['s1: search("Texas")', 's2: search("Florida", k=1000)']
    lines += [f's{k}: math("Question: total population of Texas and Florida? {{s1}} {{s2}}")'
              for k in range(3, 3 + n)]
    refs = ", ".join(f"{{s{k}}}" for k in range(3, 3 + n))
    lines.append(f's{3 + n}: math("max({refs})")')
    text = "\n".join(lines)
    from orchtui.plan.parser import parse_plan

    plan = parse_plan(text, functions=[f.name for f in sc.functions])
    return replace(sc, name=f"fan-out of {n}", plan=plan, plan_text=text, faults={},
                   costs={f"s{3 + n}": 0.01})


def qa83() -> Scenario:
    """ParallelQA #83 without its failure (s2 reads 1000 words): 9 compute calls, P=2."""
    sc = load_scenario(find_scenario("parallelqa_83"))
    text = sc.plan_text.replace('search("Florida")', 'search("Florida", k=1000)')
    from orchtui.plan.parser import parse_plan

    plan = parse_plan(text, functions=[f.name for f in sc.functions])
    return replace(sc, plan=plan, plan_text=text, faults={})


def makespan(sc: Scenario, mode: str, policy: str, compute: str, chunk: float,
             stream: bool) -> float:
    alloc = allocate(2, None, mode, 2)
    ex = make_executor(sc, mode, alloc, compute)
    try:
        opts = RunOptions(policy=policy, processors=2, compute=compute, seed=0)
        if stream:
            source = StreamedPlan.replay(sc.plan_text, [f.name for f in sc.functions], 1 / chunk)
            run = Run(sc, ex, opts, stream=source)
        else:  # the whole plan first: its planning turn lasts as long as the stream would
            turn = chunk * len(PIECE.findall(sc.plan_text))
            run = Run(replace(sc, llm_turn=0.0), ex, opts)
            ex.start_clock_at(turn)
        rec = RunRecord.from_events(run.events())
        if rec.status != "ok":
            raise SystemExit(f"{sc.name} {policy}: the run failed")
        return rec.makespan or 0.0
    finally:
        ex.close()


def table(mode: str, rounds: int) -> None:
    for sc in (fan_out(8), qa83()):
        computes = sum(1 for c in sc.plan.calls if sc.kinds[c.function] == "compute")
        pieces = len(PIECE.findall(sc.plan_text))
        print(f"\n{sc.name}: {len(sc.plan.calls)} calls, {computes} compute, 2 processors, "
              f"{pieces} chunks · {mode}" + (f", median of {rounds} rounds" if rounds > 1 else ""))
        print(f"  {'ms/chunk':>8}  {'policy':18} {'streamed':>9} {'plan first':>10}")
        for chunk in CHUNKS:
            rows: dict[str, dict[bool, list[float]]] = {n: {True: [], False: []}
                                                         for n, _, _ in CONTENDERS}
            for _ in range(rounds):  # interleaved, so drift hits every contender alike
                for name, policy, compute in CONTENDERS:
                    for stream in (True, False):
                        rows[name][stream].append(
                            makespan(sc, mode, policy, compute, chunk, stream))
            for name, _, _ in CONTENDERS:
                s = statistics.median(rows[name][True])
                f = statistics.median(rows[name][False])
                print(f"  {chunk * 1000:8.0f}  {name:18} {s:8.3f}s {f:9.3f}s")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--real", type=int, metavar="ROUNDS", default=0,
                   help="also run on the real executor, this many interleaved rounds")
    args = p.parse_args()
    table("sim", 1)
    if args.real:
        table("real", args.real)
    return 0


if __name__ == "__main__":
    sys.exit(main())
