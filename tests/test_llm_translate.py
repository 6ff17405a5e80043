"""Query translation and compile-time recovery (paper §III-A, §III-D) against a fake
OpenAI-compatible server, through the real `openai` client."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, Reply

from orchtui.engine import events as ev
from orchtui.llm.backend import LLMError
from orchtui.llm.config import LLMConfig
from orchtui.llm.extract import plan_text_from_reply
from orchtui.llm.openai_backend import OpenAIBackend
from orchtui.llm.recorded import RecordedBackend
from orchtui.llm.translate import TranslationFailed, translate
from orchtui.scenario.model import FunctionSpec, Scenario

SCENARIO = Scenario(
    name="t", plan=None, query="Compare the populations of Texas and Ohio.",
    functions=(FunctionSpec("search", "inout", "search(term, k=500): Wikipedia search"),
               FunctionSpec("math", "compute", "math(prompt): a calculator")),
    path=Path("/tmp/t.yaml"),
)
GOOD = 's1: search("Texas")\ns2: search("Ohio")\ns3: math("compare {s1} and {s2}")'
BAD_SYNTAX = 's1: search("Texas"]\ns2: search("Ohio")'
# read leniently (the ')' closed at the end of the line), with a warning
LENIENT = 's1: search("Texas"\ns2: search("Ohio")\ns3: math("compare {s1} and {s2}")'
BAD_FUNCTION = 's1: google("Texas")'


def live(server: FakeOpenAI) -> OpenAIBackend:
    return OpenAIBackend(LLMConfig(model="m", base_url=server.base_url, timeout=5,
                                   max_retries=0), key="sk-x")


def attempts(events: tuple[ev.Event, ...]) -> list[tuple[str, bool]]:
    return [(e.kind, e.ok) for e in events if isinstance(e, ev.TranslationAttempt)]


def test_good_plan_first_time_with_few_shot_prompt() -> None:
    with FakeOpenAI([GOOD]) as server:
        tr = translate(SCENARIO, live(server))
    assert tr.plan.ids == ("s1", "s2", "s3") and tr.source == "llm"
    assert attempts(tr.events) == [("translate", True)]
    system, user = server.requests[0].messages
    assert "Example 1" in system["content"] and "s1: search(" in system["content"]
    assert "search(term, k=500)" in user["content"] and SCENARIO.query in user["content"]
    turns = [e for e in tr.events if isinstance(e, ev.TurnStarted | ev.TurnFinished)]
    assert [type(e).__name__ for e in turns] == ["TurnStarted", "TurnFinished"]


def test_fences_and_prose_around_the_plan_are_tolerated() -> None:
    reply = ("Sure! Here is the plan.\n1. First I search both states.\n```text\n" + GOOD +
             "\n```\nThis searches both, then compares s1 with s2.")
    with FakeOpenAI([reply]) as server:
        tr = translate(SCENARIO, live(server))
    assert tr.plan.ids == ("s1", "s2", "s3")


def test_numbered_prose_in_an_s_dialect_reply_is_skipped() -> None:
    text = plan_text_from_reply("1. I search first.\n" + GOOD + "\n2. Then compare.")
    assert text.splitlines() == GOOD.splitlines()


def test_bad_plan_then_repaired() -> None:
    with FakeOpenAI([BAD_SYNTAX, GOOD]) as server:
        tr = translate(SCENARIO, live(server))
    assert attempts(tr.events) == [("translate", False), ("repair", True)]
    failed = next(e for e in tr.events if isinstance(e, ev.TranslationAttempt) and not e.ok)
    assert failed.error and "line 1" in failed.error and "does not match" in failed.error
    repair = server.requests[1].messages[-1]["content"]
    # the repair prompt: the error, the faulty plan, and (in the system message) the examples
    assert "does not match" in repair and 's1: search("Texas"' in repair
    assert "Example 1" in server.requests[1].messages[0]["content"]


def test_a_plan_read_with_a_warning_costs_no_repair_turn() -> None:
    with FakeOpenAI([LENIENT]) as server:
        tr = translate(SCENARIO, live(server))
    assert attempts(tr.events) == [("translate", True)] and len(server.requests) == 1
    (w,) = tr.plan.warnings
    assert (w.line, w.col, w.kind) == (1, 11, "unclosed")
    assert tr.plan["s3"].refs == ("s1", "s2")


def test_under_strict_a_warning_is_an_error_and_goes_to_repair() -> None:
    with FakeOpenAI([LENIENT, GOOD]) as server:
        tr = translate(SCENARIO, live(server), strict=True)
    assert attempts(tr.events) == [("translate", False), ("repair", True)]
    failed = next(e for e in tr.events if isinstance(e, ev.TranslationAttempt) and not e.ok)
    assert failed.error and "line 1, column 11" in failed.error and "never closed" in failed.error
    assert tr.plan.warnings == ()


def test_repairs_then_retranslations_at_rising_temperature() -> None:
    with FakeOpenAI([BAD_SYNTAX, BAD_FUNCTION, BAD_SYNTAX, BAD_FUNCTION, GOOD]) as server:
        tr = translate(SCENARIO, live(server), repairs=2, retranslations=2)
    assert attempts(tr.events) == [("translate", False), ("repair", False), ("repair", False),
                                   ("retranslate", False), ("retranslate", True)]
    temps = [r.body["temperature"] for r in server.requests]
    assert temps[:3] == [0.0, 0.0, 0.0] and 0.0 < temps[3] < temps[4]
    unknown = [e.error for e in tr.events if isinstance(e, ev.TranslationAttempt)][1]
    assert "unknown function 'google'" in unknown


def test_exhausted_attempts_end_with_a_clear_message() -> None:
    with FakeOpenAI([BAD_SYNTAX]) as server, pytest.raises(TranslationFailed) as err:
        translate(SCENARIO, live(server), repairs=1, retranslations=1)
    assert len(server.requests) == 3
    message = str(err.value)
    assert message.startswith("could not translate the query into a valid plan: 3 attempts")
    assert "\n" not in message and "does not match" in message
    assert len([e for e in err.value.events if isinstance(e, ev.TranslationAttempt)]) == 3


def test_endpoint_failure_stops_at_once() -> None:
    with FakeOpenAI([Reply(status=503, text="overloaded")]) as server, \
            pytest.raises(LLMError, match="HTTP 503: overloaded"):
        translate(SCENARIO, live(server))
    assert len(server.requests) == 1


def test_recorded_translation_goes_through_the_same_code() -> None:
    tr = translate(SCENARIO, RecordedBackend({"translate": [BAD_SYNTAX], "repair_plan": [GOOD]}))
    assert tr.source == "recorded" and tr.plan.ids == ("s1", "s2", "s3")
    assert [e.source for e in tr.events if isinstance(e, ev.TranslationAttempt)] == [
        "recorded", "recorded"]
