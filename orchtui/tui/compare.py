"""Every policy on the same scenario, processors and seed, in the sim: the compare screen's data.

Engine-side work only (no Textual), so it runs on a worker thread."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from orchtui.engine import events as ev
from orchtui.engine.policies import POLICY_CLASSES
from orchtui.engine.record import RunRecord
from orchtui.engine.session import RunMaker, make_run
from orchtui.scenario.model import Scenario
from orchtui.tui.lane_model import LaneModel


@dataclass
class PolicyRun:
    policy: str
    record: RunRecord
    lanes: LaneModel


def run_policy(scenario: Scenario, policy: str, processors: int, compute: str = "serial",
               seed: int | None = None, llm_turn: float | None = None,
               make: RunMaker = make_run) -> PolicyRun:
    """`llm_turn`: charge each model turn this long (a live run's measured turns), instead of
    the scenario's own llm_turn. `make`: the run on screen's RunMaker, so that this run
    recovers as it does."""
    if llm_turn is not None:
        scenario = replace(scenario, llm_turn=llm_turn)
    run = make(scenario, mode="sim", policy=policy, processors=processors, compute=compute,
               seed=seed)
    record = RunRecord()
    lanes = LaneModel()
    try:
        for e in run.events():
            record.apply(e)
            if isinstance(e, ev.RunStarted):
                lanes = LaneModel(e.cpus, labels=e.lanes)
            lanes.observe(e, record)
    finally:
        run.executor.close()
    return PolicyRun(policy, record, lanes)


def compare_policies(scenario: Scenario, processors: int, compute: str = "serial",
                     seed: int | None = None, policies: Sequence[str] | None = None,
                     llm_turn: float | None = None, make: RunMaker = make_run
                     ) -> Iterator[PolicyRun]:
    for policy in policies or POLICY_CLASSES:
        yield run_policy(scenario, policy, processors, compute, seed, llm_turn, make)


def measured_turn(record: RunRecord) -> float | None:
    """The mean length of a run's live model turns: what the compare screen charges every
    policy per turn, so no paradigm's turns are left out (None: the scenario's llm_turn)."""
    return record.live_turn()


def what_if_runs(scenario: Scenario, edited: Scenario, policy: str, processors: int,
                 after_processors: int, compute: str = "serial", seed: int | None = None,
                 make: RunMaker = make_run) -> tuple[PolicyRun, PolicyRun]:
    """The scenario as it is and as edited, under one policy in the sim: before and after."""
    return (run_policy(scenario, policy, processors, compute, seed, make=make),
            run_policy(edited, policy, after_processors, compute, seed, make=make))
