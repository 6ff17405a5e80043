"""What-if edits of a scenario: one call's cost, kind or timeout, or the processor count.

The result is a scenario, as if its YAML had been edited by hand: a call's cost goes to
`costs:`; a kind or timeout belongs to a function, so a call that shares its function with
others gets a copy of the function of its own (`chatbot_s2`), which is what a person editing
the YAML would write. The sim then runs it like any other scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from orchtui.errors import OrchError
from orchtui.scenario.model import FunctionSpec, Kind, Scenario


@dataclass(frozen=True)
class WhatIf:
    """Changes to try. None leaves a setting as it is."""

    call: str
    cost: float | None = None
    kind: Kind | None = None
    timeout: float | None = None
    processors: int | None = None

    def describe(self, scenario: Scenario, processors: int | None = None) -> str:
        """The change in words, against the scenario it applies to, run on `processors` (the
        run it is compared with; default: the scenario's own count)."""
        parts: list[str] = []
        plan = scenario.plan
        if plan is not None and self.call in plan.ids:
            fn = scenario.function(plan[self.call].function)
            if self.cost is not None and self.cost != scenario.cost(self.call):
                parts.append(f"{self.call} costs {self.cost:g} s "
                             f"(was {scenario.cost(self.call):g})")
            if self.kind is not None and self.kind != fn.kind:
                parts.append(f"{self.call} {fn.name} is {self.kind} (was {fn.kind})")
            if self.timeout is not None and self.timeout != fn.timeout:
                was = "none" if fn.timeout is None else f"{fn.timeout:g} s"
                parts.append(f"{self.call} times out after {self.timeout:g} s (was {was})")
        was = scenario.processors if processors is None else processors
        if self.processors is not None and self.processors != was:
            parts.append(f"{self.processors} processors (was {was})")
        return "; ".join(parts) or "no change"


def apply_what_if(scenario: Scenario, what: WhatIf) -> Scenario:
    """The scenario with the change made. Raises OrchError for a change that cannot be made
    (an unknown call, a cost below zero)."""
    plan = scenario.plan
    if plan is None or what.call not in plan.ids:
        raise OrchError(f"what-if: no call {what.call!r} in the plan")
    if what.cost is not None and not 0 <= what.cost < float("inf"):
        raise OrchError(f"what-if: the cost of {what.call} must be a number of seconds ≥ 0")
    if what.timeout is not None and not 0 < what.timeout < float("inf"):
        raise OrchError(f"what-if: the timeout of {what.call} must be a number of seconds > 0")
    if what.processors is not None and what.processors < 1:
        raise OrchError("what-if: at least one processor")
    call = plan[what.call]
    fn = scenario.function(call.function)
    out = scenario
    costs = dict(scenario.costs)
    if what.cost is not None:
        costs[what.call] = what.cost
    changed = replace(fn, kind=what.kind or fn.kind,
                      timeout=fn.timeout if what.timeout is None else what.timeout)
    if changed != fn:
        out = _own_function(out, what.call, changed)
    cost = costs.get(what.call, fn.cost)
    faults = dict(out.faults)
    if what.timeout is not None and what.timeout < cost:
        # The sim has no clock to time out on: a call whose cost exceeds its timeout fails at
        # the timeout, as the real executor's would (exact for a call with a processor, or the
        # I/O lane, to itself; a call that shares a processor runs slower and would time out
        # sooner there)
        costs[what.call] = what.timeout
        faults[what.call] = f"timed out after {what.timeout:g} s (what-if)"
    return replace(out, costs=costs, faults=faults,
                   processors=what.processors or out.processors)


def _own_function(scenario: Scenario, call_id: str, spec: FunctionSpec) -> Scenario:
    """Give `call_id` the function `spec`: in place when no other call uses that function,
    else as a copy named for the call."""
    assert scenario.plan is not None
    plan = scenario.plan
    name = plan[call_id].function
    users = [c.id for c in plan.calls if c.function == name]
    if users == [call_id]:
        functions = tuple(spec if f.name == name else f for f in scenario.functions)
        return replace(scenario, functions=functions)
    taken = {f.name for f in scenario.functions}
    new = f"{name}_{call_id}"
    n = 2
    while new in taken:
        new, n = f"{name}_{call_id}_{n}", n + 1
    calls = tuple(replace(c, function=new) if c.id == call_id else c for c in plan.calls)
    return replace(scenario, functions=(*scenario.functions, replace(spec, name=new)),
                   plan=replace(plan, calls=calls))
