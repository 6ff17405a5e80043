"""Speedup vs processor count for each policy (DESIGN §9, `orchtui sweep`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from orchtui.engine.gcpause import collector_paused
from orchtui.engine.record import RunRecord
from orchtui.engine.session import allowed_cpus, make_run
from orchtui.scenario.model import POLICIES, Scenario


@dataclass(frozen=True)
class SweepRow:
    policy: str
    processors: int
    makespan: float
    mode: str  # "sim" | "real"
    status: str = "ok"
    lower_bound: float = 0.0


def measure(scenario: Scenario, mode: str, policy: str, processors: int,
            compute: str = "serial", seed: int | None = None) -> SweepRow:
    run = make_run(scenario, mode=mode, policy=policy, processors=processors, compute=compute,
                   seed=seed)
    try:
        with collector_paused(mode == "sim"):
            rec = RunRecord.from_events(run.events())
    finally:
        run.executor.close()
    return SweepRow(policy, processors, rec.makespan or 0.0, mode, rec.status, rec.lower_bound())


def real_cap(processors: list[int]) -> tuple[list[int], int]:
    """A real sweep runs only up to the CPUs this process may use."""
    cap = len(allowed_cpus())
    return [p for p in processors if p <= cap], cap


def sweep(scenario: Scenario, mode: str, processors: list[int], policies: list[str] | None = None,
          compute: str = "serial", seed: int | None = None) -> Iterator[SweepRow]:
    """Yield the react@P=1 baseline first, then every (policy, P) in order."""
    policies = list(policies or POLICIES)
    if mode == "real":
        processors, _ = real_cap(processors)
    baseline = measure(scenario, mode, "react", 1, compute, seed)
    yield baseline
    for policy in policies:
        for p in processors:
            if policy == "react" and p == 1:
                continue
            yield measure(scenario, mode, policy, p, compute, seed)


def speedup(baseline: SweepRow, row: SweepRow) -> float:
    return baseline.makespan / row.makespan if row.makespan > 0 else float("inf")
