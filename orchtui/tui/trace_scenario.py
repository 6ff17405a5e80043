"""A scenario rebuilt from a recorded trace, so that a replay (or a run whose plan grew as it
went: streamed, or a live baseline's) can open the compare and sweep screens: the plan from
PlanReady, else from the calls as declared, each call's kind and declared cost from GraphReady
(all of them: a growing plan declares its calls one GraphReady at a time)."""

from __future__ import annotations

from collections.abc import Sequence

from orchtui.engine import events as ev
from orchtui.errors import OrchError
from orchtui.plan.parser import parse_plan
from orchtui.scenario.model import FunctionSpec, Scenario


def scenario_from_trace(events: Sequence[ev.Event]) -> Scenario:
    started = next((e for e in events if isinstance(e, ev.RunStarted)), None)
    plan = next((e for e in events if isinstance(e, ev.PlanReady)), None)
    declared = {call["id"]: call for e in events if isinstance(e, ev.GraphReady)
                for call in e.calls}
    if started is None or not declared:
        raise OrchError("the trace lacks its RunStarted or GraphReady event")
    # no PlanReady: a live baseline's calls, each written as the model asked for it
    text = plan.text if plan is not None else "\n".join(
        _line(call) for call in declared.values())
    kinds: dict[str, str] = {}
    for call in declared.values():
        kinds.setdefault(call["function"], call["kind"])
    functions = tuple(FunctionSpec(name=f, kind=k) for f, k in kinds.items())  # type: ignore[arg-type]
    turns = [e.duration for e in events if isinstance(e, ev.TurnFinished)]
    return Scenario(
        name=started.scenario, functions=functions,
        plan=parse_plan(text, source="trace"), plan_text=text,
        processors=started.processors, policy=started.policy,
        costs={call["id"]: float(call["cost"]) for call in declared.values()},
        llm_turn=sorted(turns)[len(turns) // 2] if turns else 0.0,
    )


def _line(call: dict) -> str:
    text = " ".join(str(call.get("text") or f"{call['function']}()").split())
    cid = call["id"]
    return text if text.startswith((f"{cid}:", f"{cid}.")) else f"{cid}: {text}"
