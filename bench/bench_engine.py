"""Engine benchmarks (issue: the engine). Ratios are measured side by side in one run.

    python bench/bench_engine.py overhead   # real executor: Dispatched→Started, return→Finished
    python bench/bench_engine.py speedup    # 8 equal compute calls, real, P=2 vs P=1; sim vs real
    python bench/bench_engine.py alpha      # calibrate the sim's α against eager time-sharing
    python bench/bench_engine.py scale      # engine cost on random DAGs in the sim
    python bench/bench_engine.py all

The machine is small (2 cores) and noisy: every figure is a median over repeats.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from orchtui.engine.record import RunRecord
from orchtui.engine.runner import Run, RunOptions
from orchtui.engine.session import make_run
from orchtui.executors.base import Task, TaskFinished, TaskStarted
from orchtui.executors.real import RealExecutor
from orchtui.executors.sim import SimExecutor
from orchtui.plan import parse_plan
from orchtui.scenario import load_scenario
from orchtui.scenario.model import FunctionSpec, Scenario

HERE = Path(__file__).resolve().parent
EIGHT = HERE / "scenarios" / "eight.yaml"


def q(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def overhead(n: int = 1000) -> dict[str, float]:
    """1,000 no-op compute calls, one at a time, on the real executor."""
    scenario = load_scenario(EIGHT)
    noop = FunctionSpec("noop", "compute", impl="cpu.py:noop", cost=0.0)
    ex = RealExecutor(scenario, (0,))
    dispatch: list[float] = []
    ret: list[float] = []
    try:
        for i in range(n + 50):  # the first 50 warm up
            t0 = ex.now()
            ex.launch(Task(f"c{i}", "compute", processor=0, function=noop))
            started = finished = None
            while finished is None:
                for e in ex.poll(1.0):
                    if isinstance(e, TaskStarted):
                        started = e.t
                    elif isinstance(e, TaskFinished):
                        finished = e
            if i >= 50 and started is not None and finished.t_return is not None:
                dispatch.append(started - t0)
                ret.append(finished.t - finished.t_return)
    finally:
        ex.close()
    us = 1e6
    out = {"dispatch_median_us": statistics.median(dispatch) * us,
           "dispatch_p90_us": q(dispatch, 0.9) * us,
           "return_median_us": statistics.median(ret) * us,
           "return_p90_us": q(ret, 0.9) * us}
    print(f"real executor overhead over {n} no-op compute calls:")
    print(f"  Dispatched→Started  median {out['dispatch_median_us']:.0f} µs   "
          f"p90 {out['dispatch_p90_us']:.0f} µs")
    print(f"  return→Finished     median {out['return_median_us']:.0f} µs   "
          f"p90 {out['return_p90_us']:.0f} µs")
    return out


def measured(scenario: Scenario, mode: str, policy: str, p: int, compute: str = "serial"
             ) -> RunRecord:
    run = make_run(scenario, mode=mode, policy=policy, processors=p, compute=compute)
    try:
        rec = RunRecord.from_events(run.events())
    finally:
        run.executor.close()
    assert rec.status == "ok", rec.status
    return rec


def makespan(scenario: Scenario, mode: str, policy: str, p: int, compute: str = "serial"
             ) -> float:
    return measured(scenario, mode, policy, p, compute).makespan or 0.0


def speedup(repeats: int = 3) -> None:
    """8 equal compute calls: real P=2 vs P=1 for llmorch and critical-path, and sim vs real.

    The sim is given the call durations measured in this same run (the median of the compute
    calls at P=1, where each runs alone on its processor): this machine's speed drifts (it is
    a VM with steal time), and costs calibrated at another moment would measure the drift, not
    the sim's model of scheduling."""
    scenario = load_scenario(EIGHT)
    rows: dict[tuple[str, int], list[float]] = {}
    alone: list[float] = []
    for _ in range(repeats):  # interleaved, so drift hits every configuration alike
        for policy in ("llmorch", "critical-path"):
            for p in (1, 2):
                rec = measured(scenario, "real", policy, p)
                rows.setdefault((policy, p), []).append(rec.makespan or 0.0)
                if p == 1:
                    alone += [c.end - c.start for c in rec.calls.values()
                              if c.kind == "compute" and c.start is not None
                              and c.end is not None]
    cost = statistics.median(alone)
    sim_scenario = replace(scenario, functions=tuple(
        replace(f, cost=cost) if f.kind == "compute" else f for f in scenario.functions))
    print(f"8 equal compute calls ({EIGHT.name}), median of {repeats}; one call alone: "
          f"{cost:.3f} s (the sim's cost, measured in this run):")
    for policy in ("llmorch", "critical-path"):
        r1 = statistics.median(rows[(policy, 1)])
        r2 = statistics.median(rows[(policy, 2)])
        s1 = makespan(sim_scenario, "sim", policy, 1)
        s2 = makespan(sim_scenario, "sim", policy, 2)
        print(f"  {policy:13s} real P=1 {r1:.3f}s  P=2 {r2:.3f}s  speedup {r1 / r2:.2f}×   "
              f"sim P=1 {s1:.3f}s (real/sim {r1 / s1:.3f})  P=2 {s2:.3f}s "
              f"(real/sim {r2 / s2:.3f})")


def alpha(repeats: int = 3) -> None:
    """Eager time-sharing: 8 calls started at once, unpinned, on 2 CPUs. In the sim the compute
    phase lasts W·(n/c)·(1 + α·(n/c − 1)) with W one call's work; solve for α from the real
    makespan against the pinned one-at-a-time work measured in the same run."""
    scenario = load_scenario(EIGHT)
    est = []
    for _ in range(repeats):
        serial = makespan(scenario, "real", "llmcompiler", 1)  # W·8, one at a time
        eager = makespan(scenario, "real", "llmcompiler", 2, compute="eager")
        n, c = 8, 2
        ideal = serial / c  # every call progressing at exactly c/n: a perfect share
        est.append((eager / ideal - 1) / (n / c - 1))
        print(f"  serial {serial:.3f}s  eager P=2 {eager:.3f}s  fair share {ideal:.3f}s  "
              f"α≈{est[-1]:.3f}")
    print(f"α (median of {repeats}): {statistics.median(est):.3f}")


def random_dag(n: int, seed: int = 1, width: int = 20) -> str:
    rng = random.Random(seed)
    lines = []
    for i in range(1, n + 1):
        k = rng.randint(0, 3) if i > 1 else 0
        lo = max(1, i - width)
        deps = sorted({rng.randint(lo, i - 1) for _ in range(k)}) if i > 1 else []
        fn = "c" if rng.random() < 0.5 else "io"
        args = ", ".join(f"s{d}" for d in deps)
        lines.append(f"s{i}: {fn}({args})")
    return "\n".join(lines)


def scale() -> None:
    print("engine cost in the sim (random DAGs, half compute, P=4), wall seconds:")
    fns = (FunctionSpec("c", "compute", cost=1.0), FunctionSpec("io", "inout", cost=0.5))
    for n in (1000, 2000, 5000, 10000):
        text = random_dag(n)
        t0 = time.perf_counter()
        plan = parse_plan(text)
        parse = time.perf_counter() - t0
        sc = Scenario(name=f"dag{n}", functions=fns, plan=plan, plan_text=text)
        cells = []
        for policy in ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path"):
            t0 = time.perf_counter()
            events = list(Run(sc, SimExecutor(4, 0.0), RunOptions(policy=policy, processors=4))
                          .events())
            cells.append(f"{policy} {time.perf_counter() - t0:.2f}s ({len(events)} ev)")
        print(f"  n={n:5d} parse {parse:.2f}s  " + "  ".join(cells))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("overhead", "speedup", "alpha", "scale", "all"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if args.what in ("overhead", "all"):
        overhead()
    if args.what in ("speedup", "all"):
        speedup(args.repeats)
    if args.what in ("alpha", "all"):
        alpha(args.repeats)
    if args.what in ("scale", "all"):
        scale()
    return 0


if __name__ == "__main__":
    sys.exit(main())

