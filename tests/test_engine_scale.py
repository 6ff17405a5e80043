"""Scale: a 5,000-call random DAG and a 10,000-call plan run to completion in the sim under every
policy, in time linear in the plan (a generous bound is asserted; `pytest -s` prints the times).

Quadratic spots found with cProfile and fixed: the sim recomputed every running task's rate at
each step (eager: thousands at once); llmorch re-explained every queued call at each completion;
critical-path looked for the next two rivals by scanning its whole queue; the baselines looked
up each queued compute call in a deque; parallelfc scanned every call at each round; the pool of
unpinned calls was a list."""

from __future__ import annotations

import random
import time

import pytest
from engine_helpers import POLICIES, finished, of, run, scenario

from orchtui.engine import events as ev
from orchtui.engine.runner import Run, RunOptions
from orchtui.executors.sim import SimExecutor
from orchtui.scenario.model import Scenario

BOUND = 30.0  # seconds per run: correctness, not a benchmark; real numbers are printed
FUNCS = {"io": ("inout", 1.0), "c": ("compute", 2.0), "fetch": ("inout", 0.5),
         "crunch": ("compute", 3.0)}
RUNS = [("react", "serial"), ("parallelfc", "serial"), ("parallelfc", "eager"),
        ("llmcompiler", "serial"), ("llmcompiler", "eager"), ("llmorch", "serial"),
        ("critical-path", "serial")]


def random_dag(n: int, seed: int) -> tuple[str, dict[str, float]]:
    """Each call uses 0–3 earlier calls among the last 200, as bare references, inside strings
    and in arithmetic; kinds and costs are mixed."""
    rng = random.Random(seed)
    lines, costs = [], {}
    for i in range(1, n + 1):
        f = rng.choice(list(FUNCS))
        k = rng.randint(0, min(3, i - 1))
        preds = sorted(rng.sample(range(max(1, i - 200), i), min(k, i - max(1, i - 200))))
        args = []
        for j, p in enumerate(preds):
            args.append([f"s{p}", f'"from {{s{p}}}"', f"s{p} + {j}"][j % 3])
        lines.append(f"s{i}: {f}({', '.join(args)})")
        costs[f"s{i}"] = round(rng.uniform(0.1, 4.0), 3)
    return "\n".join(lines) + "\n", costs


def mixed_plan(n: int, seed: int) -> tuple[str, dict[str, float]]:
    """LLMCompiler dialect: a wide fan-out (a fifth of the calls have no input), a long chain
    (a fifth: 2,000 ranks deep), then calls joining 1–3 random earlier ones, and a join."""
    rng = random.Random(seed)
    lines, costs = [], {}
    wide, chain = n // 5, n // 5
    for i in range(1, n):
        f = rng.choice(list(FUNCS))
        if i <= wide:
            args = f'"item {i}"'
        elif i <= wide + chain:
            args = f'"${i - 1}"' if i > wide + 1 else "$1"
        else:
            preds = rng.sample(range(1, i), rng.randint(1, 3))
            args = ", ".join(f"${p}" for p in preds)
        if i % 50 == 0:
            lines.append(f"Thought: step {i}")
        lines.append(f"{i}. {f}({args})")
        costs[str(i)] = round(rng.uniform(0.1, 4.0), 3)
    lines.append(f"{n}. io({', '.join(f'${i}' for i in range(wide + 1, wide + chain + 1, 97))})")
    lines.append("join()<END_OF_PLAN>")
    return "\n".join(lines) + "\n", costs


@pytest.fixture(scope="module")
def dag5000() -> Scenario:
    plan, costs = random_dag(5000, seed=11)
    return scenario(plan, FUNCS, costs=costs, alpha=0.02)


@pytest.fixture(scope="module")
def plan10000() -> Scenario:
    plan, costs = mixed_plan(10000, seed=12)
    sc = scenario(plan, FUNCS, costs=costs, alpha=0.02)
    assert sc.plan is not None and sc.plan.dialect == "llmcompiler"
    return sc


def check(sc: Scenario, policy: str, compute: str, P: int, label: str) -> None:
    t0 = time.perf_counter()
    events = run(sc, policy, P, compute=compute)
    wall = time.perf_counter() - t0
    n = len(sc.plan.calls)  # type: ignore[union-attr]
    fin = finished(events)
    print(f"\n{label}: {policy} {compute} P={P}: {n} calls, {len(events)} events, "
          f"makespan {fin.makespan:.1f} s (virtual), wall {wall:.2f} s")
    assert fin.status == "ok"
    assert len({e.call for e in of(events, ev.Finished)}) == n
    assert wall < BOUND


@pytest.mark.parametrize(("policy", "compute"), RUNS)
def test_random_dag_5000(dag5000, policy, compute):
    check(dag5000, policy, compute, 4, "5,000-call random DAG")


@pytest.mark.parametrize("policy", POLICIES)
def test_plan_10000(plan10000, policy):
    # the eager variants run on the 5,000-call DAG only, to keep the suite short
    check(plan10000, policy, "serial", 8, "10,000-call plan")


@pytest.mark.parametrize(("policy", "compute"), RUNS)
def test_a_sim_run_makes_no_cyclic_garbage(policy, compute):
    """The headless CLI and sweeps pause the cyclic collector during a sim run
    (orchtui/engine/gcpause.py): that is safe only while running leaves nothing for it. The
    run itself, once dropped, is freed at once too: the headless summary drops it before its
    react reference runs the whole plan again."""
    import gc

    plan, costs = random_dag(400, seed=5)
    sc = scenario(plan, FUNCS, costs=costs, alpha=0.02)
    run_ = Run(sc, SimExecutor(3, 0.02), RunOptions(policy=policy, processors=3,
                                                     compute=compute))
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        events = list(run_.events())
        assert finished(events).status == "ok"
        del events
        gc.collect()
        ran_clean = [type(o).__name__ for o in gc.garbage]
        del run_
        gc.collect()
        garbage = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ran_clean == []
    assert garbage == []
