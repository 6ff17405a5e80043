"""A scenario rebuilt from a recorded trace, so that a replay can open the compare and sweep
screens: the plan from PlanReady, each call's kind and declared cost from GraphReady."""

from __future__ import annotations

from collections.abc import Sequence

from orchtui.engine import events as ev
from orchtui.errors import OrchError
from orchtui.plan.parser import parse_plan
from orchtui.scenario.model import FunctionSpec, Scenario


def scenario_from_trace(events: Sequence[ev.Event]) -> Scenario:
    started = next((e for e in events if isinstance(e, ev.RunStarted)), None)
    plan = next((e for e in events if isinstance(e, ev.PlanReady)), None)
    graph = next((e for e in events if isinstance(e, ev.GraphReady)), None)
    if started is None or plan is None or graph is None:
        raise OrchError("the trace lacks its RunStarted, PlanReady or GraphReady event")
    kinds: dict[str, str] = {}
    for call in graph.calls:
        kinds.setdefault(call["function"], call["kind"])
    functions = tuple(FunctionSpec(name=f, kind=k) for f, k in kinds.items())  # type: ignore[arg-type]
    turns = [e.duration for e in events if isinstance(e, ev.TurnFinished)]
    return Scenario(
        name=started.scenario, functions=functions,
        plan=parse_plan(plan.text, source="trace"), plan_text=plan.text,
        processors=started.processors, policy=started.policy,
        costs={call["id"]: float(call["cost"]) for call in graph.calls},
        llm_turn=sorted(turns)[len(turns) // 2] if turns else 0.0,
    )
