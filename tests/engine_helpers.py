"""Helpers for the engine tests: build a sim run from a plan text, fold its events, compare a
schedule against a table worked out by hand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.engine.runner import Run, RunOptions
from orchtui.executors.sim import SimExecutor
from orchtui.scenario.loader import plan_only_scenario
from orchtui.scenario.model import FunctionSpec, Scenario

POLICIES = ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path")

# Default functions: `io` is inout and `c` is compute, both of cost 1 unless a test says otherwise.
DEFAULT_FUNCTIONS = {"io": ("inout", 1.0), "c": ("compute", 1.0)}


def scenario(plan: str, functions: Mapping[str, tuple[str, float]] | None = None,
             costs: Mapping[str, float] | None = None, llm_turn: float = 0.0,
             alpha: float = 0.0, faults: Mapping[str, str] | None = None) -> Scenario:
    """A scenario around `plan`. `functions`: name -> (kind, cost); `costs`: call id -> cost."""
    functions = dict(functions or DEFAULT_FUNCTIONS)
    compute = {f for f, (kind, _) in functions.items() if kind == "compute"}
    sc = plan_only_scenario(plan, Path("t.txt"), compute=compute)
    specs = tuple(FunctionSpec(f, kind, cost=cost)  # type: ignore[arg-type]
                  for f, (kind, cost) in functions.items())
    return replace(sc, functions=specs, costs=dict(costs or {}), llm_turn=llm_turn,
                   oversubscription_penalty=alpha, faults=faults if faults is not None else {})


def run(sc: Scenario, policy: str, P: int, compute: str = "serial", seed: int | None = None,
        repairer=None, attempts: int = 2) -> list[ev.Event]:
    opts = RunOptions(policy=policy, processors=P, compute=compute, seed=seed,
                      recovery_attempts=attempts)
    return list(Run(sc, SimExecutor(P, sc.oversubscription_penalty), opts, repairer).events())


def record(events: Iterable[ev.Event]) -> RunRecord:
    return RunRecord.from_events(events)


def schedule(events: list[ev.Event]) -> dict[str, tuple[float, float, int | None]]:
    """call -> (start, end, processor), the processor as dispatched (None for inout/pooled)."""
    rec = record(events)
    out = {}
    for cid, c in rec.calls.items():
        assert c.start is not None and c.end is not None, f"{cid} never ran ({c.status})"
        out[cid] = (round(c.start, 9), round(c.end, 9), c.processor)
    return out


def assert_schedule(events: list[ev.Event],
                    expected: Mapping[str, tuple[float, float, int | None]]) -> None:
    """Compare every call's (start, end, processor) against the hand-worked table."""
    got = schedule(events)
    assert set(got) == set(expected), (sorted(got), sorted(expected))
    bad = []
    for cid, (s, e, p) in expected.items():
        gs, ge, gp = got[cid]
        if abs(gs - s) > 1e-6 or abs(ge - e) > 1e-6 or gp != p:
            bad.append(f"{cid}: expected {(s, e, p)}, got {(gs, ge, gp)}")
    assert not bad, "\n".join(bad) + "\nfull schedule: " + repr(got)


def of(events: list[ev.Event], kind: type[ev.Event]) -> list:
    return [e for e in events if isinstance(e, kind)]


def dispatched(events: list[ev.Event], call: str) -> ev.Dispatched:
    found = [e for e in events if isinstance(e, ev.Dispatched) and e.call == call]
    assert len(found) == 1, found
    return found[0]


def queued(events: list[ev.Event], call: str) -> list[ev.Queued]:
    return [e for e in events if isinstance(e, ev.Queued) and e.call == call]


def turns(events: list[ev.Event]) -> list[tuple[str, float, float]]:
    """(turn, start, end) in order of start."""
    return [(n, s, e) for n, s, e in record(events).turns]  # type: ignore[misc]


def finished(events: list[ev.Event]) -> ev.RunFinished:
    last = events[-1]
    assert isinstance(last, ev.RunFinished), last
    return last


def makespan(sc: Scenario, policy: str, P: int, compute: str = "serial",
             seed: int | None = None) -> float:
    fin = finished(run(sc, policy, P, compute=compute, seed=seed))
    assert fin.status == "ok", fin
    return fin.makespan


def trace(events: Iterable[ev.Event]) -> str:
    return "\n".join(ev.event_to_line(e) for e in events)
