"""Runtime recovery's model side (paper §III-D, DESIGN §6): repair one recovery call.

The engine (orchtui.engine.recovery and Run._recover) finds the recovery points, clears and
resets calls and emits RecoveryStarted / CallRepaired; it asks a `Repairer` for each repaired
call. This one asks a model, given the failed calls with their exceptions and the available
functions, and reads the reply as plan syntax. It checks what the engine will check (same id,
same references, same kind of function) and, if the reply breaks a rule or does not parse, asks
again once with the reason, so one bad reply does not waste a whole recovery attempt.
"""

from __future__ import annotations

import re
from dataclasses import replace

from orchtui.errors import OrchError, PlanError
from orchtui.llm.backend import ChatBackend, LLMError
from orchtui.llm.extract import plan_text_from_reply
from orchtui.llm.prompts import call_repair_messages
from orchtui.llm.translate import format_plan_error
from orchtui.plan.model import Call, Dialect
from orchtui.plan.parser import parse_plan
from orchtui.plan.printer import format_call, format_plan
from orchtui.scenario.model import Scenario

_DEFINES = {
    "llmorch": re.compile(r"^[ \t]*(s\d+)[ \t]*:", re.M),
    "llmcompiler": re.compile(r"^[ \t]*(\d+)[ \t]*[.:](?!\d)", re.M),
}


class LLMRepairer:
    """A `Repairer` (orchtui.engine.runner) backed by a chat backend, live or recorded."""

    def __init__(self, backend: ChatBackend, retries: int = 1, temperature: float = 0.0) -> None:
        self.backend = backend
        self.source = backend.source
        self.retries = retries
        self.temperature = temperature

    def repair(self, call: Call, failed: list[tuple[Call, str]], scenario: Scenario,
               dialect: str) -> Call:
        d: Dialect = "llmcompiler" if dialect == "llmcompiler" else "llmorch"
        kinds = scenario.kinds
        kind = kinds[call.function]
        same_kind = [f.name for f in scenario.functions if f.kind == kind]
        plan_text = scenario.plan_text or (format_plan(scenario.plan) if scenario.plan else "")
        shown_failed = [(_shown(c, d), error) for c, error in failed]
        problem: str | None = None
        for _ in range(1 + self.retries):
            messages = call_repair_messages(scenario, _shown(call, d), call.id, kind, same_kind,
                                            plan_text, shown_failed, call.refs, problem)
            reply = self.backend.complete(messages, purpose="repair_call", key=call.id,
                                          temperature=self.temperature)
            try:
                repaired = parse_repaired_call(reply.text, call, scenario, d)
                check_repair(call, repaired, scenario)
                return repaired
            except (PlanError, OrchError) as err:
                if isinstance(err, LLMError):
                    raise
                problem = format_plan_error(err) if isinstance(err, PlanError) else str(err)
        raise OrchError(f"the model could not repair {call.id}: {problem}")


def _shown(call: Call, dialect: Dialect) -> str:
    return " ".join((call.text or format_call(call, dialect)).split())


def parse_repaired_call(reply: str, original: Call, scenario: Scenario,
                        dialect: Dialect = "llmorch") -> Call:
    """The repaired call in a reply. Other calls of the plan stand in as stubs so that the
    reply's references resolve; a reply that repeats the whole plan works too. A reply with a
    single call under another id is taken as the repair of `original` (the id is kept)."""
    text = plan_text_from_reply(reply)
    defined = set(_DEFINES[dialect].findall(text))
    plan = scenario.plan
    others = [c for c in (plan.calls if plan else ()) if c.id not in defined]
    sep = ":" if dialect == "llmorch" else "."
    stubs = [f"{c.id}{sep} {c.function}()" for c in others]
    names = [f.name for f in scenario.functions]
    try:
        parsed = parse_plan("\n".join([*stubs, text]), functions=names)
    except PlanError as err:
        if err.line > len(stubs):
            raise PlanError(err.message, err.line - len(stubs), err.col) from None
        raise PlanError(err.message) from None
    mine = [c for c in parsed.calls if c.line > len(stubs)]
    if not mine:
        raise PlanError("the reply holds no call (expected a line like "
                        f"{original.id}{sep} {original.function}(...))")
    for c in mine:
        if c.id == original.id:
            return replace(c, line=original.line, col=original.col, text=" ".join(c.text.split()))
    if len(mine) == 1:
        c = replace(mine[0], id=original.id, line=original.line, col=original.col)
        return replace(c, text=format_call(c, dialect))
    raise PlanError(f"the reply does not repair {original.id}")


def check_repair(before: Call, after: Call, scenario: Scenario) -> None:
    """The rules of runtime repair: the same id, the same references (the FRG stays as it is),
    a known function of the same kind (paper: the kind never changes)."""
    kinds = scenario.kinds
    if after.id != before.id:
        raise OrchError(f"the repair must keep the id {before.id}, not {after.id}")
    if after.function not in kinds:
        raise OrchError(f"unknown function {after.function}")
    if kinds[after.function] != kinds[before.function]:
        raise OrchError(f"{after.function} is {kinds[after.function]} but {before.function} is "
                        f"{kinds[before.function]}: the function's kind may not change")
    if set(after.refs) != set(before.refs):
        shown = ", ".join(before.refs) or "none"
        raise OrchError(f"the repair must refer to the same calls as before ({shown})")
