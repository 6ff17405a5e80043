"""Speedup vs processor count for each policy (DESIGN §9, `orchtui sweep`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from orchtui.engine import events as ev
from orchtui.engine.gcpause import collector_paused
from orchtui.engine.record import RunRecord
from orchtui.engine.session import RunMaker, allowed_cpus, make_run
from orchtui.scenario.model import POLICIES, Scenario


@dataclass(frozen=True)
class SweepRow:
    policy: str
    processors: int
    makespan: float
    mode: str  # "sim" | "real" | "dask"
    status: str = "ok"
    lower_bound: float = 0.0
    turns: int = 0  # LLM turns paid (modelled: the scenario's llm_turn each)
    error: str = ""  # why a run that failed did: its first failed call, or the run's own error


def measure(scenario: Scenario, mode: str, policy: str, processors: int,
            compute: str = "serial", seed: int | None = None,
            scheduler: str | None = None, make: RunMaker = make_run) -> SweepRow:
    """`make`: how the run is built (the run on screen's recovery: session.RunMaker)."""
    run = make(scenario, mode=mode, policy=policy, processors=processors, compute=compute,
               seed=seed, scheduler=scheduler)
    try:
        with collector_paused(mode == "sim"):
            rec = RunRecord.from_events(run.events())
    finally:
        run.executor.close()
    failed = next((c for c in rec.calls.values() if c.status == "failed"), None)
    error = rec.error or (f"{failed.id} failed: {failed.error}" if failed else "")
    return SweepRow(policy, processors, rec.makespan or 0.0, mode, rec.status, rec.lower_bound(),
                    len(rec.turns), error if rec.status != "ok" else "")


def makespan_of(scenario: Scenario, policy: str, processors: int, compute: str = "serial",
                seed: int | None = None) -> tuple[float, int]:
    """A sim run's makespan and the LLM turns it paid, folded as the events come, nothing kept:
    a reference run (the headless summary's "speedup vs react") runs the whole plan again, and a
    record of it would add its every call to the memory the summary already holds."""
    run = make_run(scenario, mode="sim", policy=policy, processors=processors, compute=compute,
                   seed=seed)
    makespan, turns = 0.0, 0
    try:
        with collector_paused():
            for e in run.events():
                kind = type(e)
                if kind is ev.TurnStarted:
                    turns += 1
                elif kind is ev.RunFinished:
                    makespan = e.makespan
    finally:
        run.executor.close()
    return makespan, turns


def real_cap(processors: list[int]) -> tuple[list[int], int]:
    """A real sweep runs only up to the CPUs this process may use."""
    cap = len(allowed_cpus())
    return [p for p in processors if p <= cap], cap


def measured_cap(mode: str, processors: list[int], scheduler: str | None = None
                 ) -> tuple[list[int], int, str]:
    """The processor counts a measured sweep can run, the cap, and what sets it: this process's
    CPUs, or the workers of the Dask cluster at `scheduler` (one thread, CPU=1 each)."""
    if mode == "dask" and scheduler:
        from orchtui.executors.dask_executor import cluster_slots

        cap = cluster_slots(scheduler)
        return [p for p in processors if p <= cap], cap, f"the workers of {scheduler}"
    kept, cap = real_cap(processors)
    return kept, cap, "the CPUs this process may use"


def sweep(scenario: Scenario, mode: str, processors: list[int], policies: list[str] | None = None,
          compute: str = "serial", seed: int | None = None,
          scheduler: str | None = None, make: RunMaker = make_run) -> Iterator[SweepRow]:
    """Yield the react@P=1 baseline first, then every (policy, P) in order.

    Mode "dask": each run takes the first P workers of the cluster at `scheduler` (its worker
    slots); without an address, one local cluster of this machine's CPUs serves the whole
    sweep, so that runs do not pay for starting one each."""
    policies = list(policies or POLICIES)
    if mode != "sim":
        processors, _, _ = measured_cap(mode, processors, scheduler)
    with contextlib.ExitStack() as stack:
        if mode == "dask" and scheduler is None and processors:
            from orchtui.executors.dask_executor import local_cluster

            scheduler = stack.enter_context(local_cluster(max(processors)))
        baseline = measure(scenario, mode, "react", 1, compute, seed, scheduler, make)
        yield baseline
        for policy in policies:
            for p in processors:
                if policy == "react" and p == 1:
                    continue
                yield measure(scenario, mode, policy, p, compute, seed, scheduler, make)


def speedup(baseline: SweepRow, row: SweepRow) -> float:
    return baseline.makespan / row.makespan if row.makespan > 0 else float("inf")
