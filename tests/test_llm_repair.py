"""Reading a model's repaired call (plan syntax, same id, same references, same kind)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchtui.errors import OrchError, PlanError
from orchtui.llm.recorded import RecordedBackend
from orchtui.llm.repair import LLMRepairer, check_repair, parse_repaired_call
from orchtui.plan.parser import parse_plan
from orchtui.scenario.model import FunctionSpec, Scenario

PLAN = 's1: search("Florida")\ns2: math("Question: population? {s1}")\ns3: math("{s2} * 2")'
SC = Scenario(name="t", plan=parse_plan(PLAN), plan_text=PLAN, query="q", path=Path("/t.yaml"),
              functions=(FunctionSpec("search", "inout", "search(term, k=500)"),
                         FunctionSpec("wiki", "inout", "wiki(term)"),
                         FunctionSpec("math", "compute", "math(prompt)")))


@pytest.mark.parametrize("reply", [
    's1: search("Florida", k=1000)',
    'Here is the repaired call:\n```\ns1: search("Florida", k=1000)\n```',
    's1: search("Florida", k=1000)\ns2: math("Question: population? {s1}")',  # whole plan
    's7: search("Florida", k=1000)',  # one call under another id: taken as the repair
    'The recovery call, repaired:\n`s1: search("Florida", k=1000)`',
])
def test_repaired_call_is_read(reply: str) -> None:
    call = parse_repaired_call(reply, SC.plan["s1"], SC)
    assert call.id == "s1" and call.function == "search"
    assert dict(call.kwargs)["k"].value == 1000


def test_references_resolve_against_the_plan() -> None:
    call = parse_repaired_call('s2: math("Question: population of Florida? {s1}")',
                               SC.plan["s2"], SC)
    assert call.refs == ("s1",)
    check_repair(SC.plan["s2"], call, SC)


def test_errors_point_into_the_reply() -> None:
    with pytest.raises(PlanError) as err:
        parse_repaired_call('s1: search("Florida", k=)', SC.plan["s1"], SC)
    assert err.value.line == 1
    with pytest.raises(PlanError, match="no call"):
        parse_repaired_call("I cannot help with that.", SC.plan["s1"], SC)


def test_rules_of_runtime_repair() -> None:
    s1, s2 = SC.plan["s1"], SC.plan["s2"]
    check_repair(s1, parse_repaired_call('s1: wiki("Florida")', s1, SC), SC)  # same kind
    with pytest.raises(OrchError, match="kind may not change"):
        check_repair(s1, parse_repaired_call('s1: math("Florida")', s1, SC), SC)
    with pytest.raises(OrchError, match="same calls as before"):
        check_repair(s2, parse_repaired_call('s2: math("no refs")', s2, SC), SC)


def test_a_bad_reply_is_retried_with_the_reason() -> None:
    backend = RecordedBackend({"repair_call": ['s1: math("x")', 's1: search("Florida", k=900)']})
    call = LLMRepairer(backend).repair(SC.plan["s1"], [(SC.plan["s2"], "no number")], SC,
                                       "llmorch")
    assert dict(call.kwargs)["k"].value == 900
    assert LLMRepairer(backend).source == "recorded"
