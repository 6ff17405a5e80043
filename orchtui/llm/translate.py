"""Query translation with compile-time recovery (paper §III-A, §III-D; DESIGN §6).

Translate the query; while the reply does not parse, send a repair prompt (the error, the faulty
plan, the few-shot examples) up to `repairs` times; then translate anew at a rising temperature
up to `retranslations` times; then give up with a clear message. Every attempt is a
`TranslationAttempt` event, and each model call an LLM turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from orchtui.engine import events as ev
from orchtui.errors import PlanError
from orchtui.llm.backend import ChatBackend, LLMError, Message
from orchtui.llm.extract import plan_text_from_reply
from orchtui.llm.prompts import plan_repair_messages, translation_messages
from orchtui.plan.model import Plan
from orchtui.plan.parser import parse_plan
from orchtui.scenario.model import Scenario
from orchtui.text import counted

TEMPERATURE_STEP = 0.4  # each retranslation is this much hotter than the one before
MAX_TEMPERATURE = 1.5


class TranslationFailed(LLMError):
    """Every attempt failed. `events` holds the attempts, for a trace."""

    def __init__(self, message: str, events: tuple[ev.Event, ...] = ()) -> None:
        super().__init__(message)
        self.events = events


@dataclass(frozen=True)
class Translation:
    plan: Plan
    text: str  # the plan as extracted from the reply that parsed
    events: tuple[ev.Event, ...]  # TurnStarted/TurnFinished and TranslationAttempt, in order
    source: str  # "llm" | "recorded"
    seconds: float  # wall time of all attempts


def format_plan_error(err: PlanError) -> str:
    where = f"line {err.line}, column {err.col}: " if err.line else ""
    return f"{where}{err.message}"


def translate(scenario: Scenario, backend: ChatBackend, *, repairs: int = 2,
              retranslations: int = 2, temperature: float = 0.0,
              clock: Callable[[], float] | None = None, strict: bool = False,
              dialect: str = "llmorch") -> Translation:
    """Translate `scenario.query` into a plan. Raises TranslationFailed when every attempt
    fails, and LLMError when the endpoint fails (no point retrying a dead server).

    A plan read leniently (with PlanWarnings) is a success: no repair turn is spent on a
    warning. With `strict`, the text read leniently is an error and goes to repair."""
    if not scenario.query.strip():
        raise TranslationFailed("the scenario has no query to translate")
    t0 = time.perf_counter()
    now = clock or (lambda: time.perf_counter() - t0)
    names = [f.name for f in scenario.functions]
    events: list[ev.Event] = []
    attempt = 0

    def ask(kind: str, k: int, messages: list[Message], temp: float,
            purpose: str) -> tuple[str, Plan | None, str | None]:
        nonlocal attempt
        attempt += 1
        turn = "plan" if kind == "translate" else f"plan:{kind}{k}"
        what = {"translate": "translate the query into a plan",
                "repair": f"repair the plan (compile-time recovery {k})",
                "retranslate": f"translate the query anew at temperature {temp:g}"}[kind]
        start = now()
        events.append(ev.TurnStarted(start, turn, what))
        try:
            reply = backend.complete(messages, purpose=purpose, temperature=temp)
        except LLMError as err:
            events.append(ev.TurnFinished(now(), turn, now() - start))
            events.append(ev.TranslationAttempt(now(), attempt, kind, temp, False, str(err),
                                                backend.source))
            raise TranslationFailed(str(err), tuple(events)) from None
        events.append(ev.TurnFinished(now(), turn, now() - start))
        text = plan_text_from_reply(reply.text)
        try:
            plan = parse_plan(text, functions=names, strict=strict)
        except PlanError as err:
            error = format_plan_error(err)
            events.append(ev.TranslationAttempt(now(), attempt, kind, temp, False, error,
                                                backend.source))
            return text, None, error
        events.append(ev.TranslationAttempt(now(), attempt, kind, temp, True, None,
                                            backend.source))
        return text, plan, None

    def done(text: str, plan: Plan) -> Translation:
        return Translation(plan, text, tuple(events), backend.source, time.perf_counter() - t0)

    text, plan, error = ask("translate", 0, translation_messages(scenario, dialect),
                            temperature, "translate")
    if plan is not None:
        return done(text, plan)
    for k in range(1, repairs + 1):
        assert error is not None
        text, plan, error = ask("repair", k, plan_repair_messages(scenario, text, error),
                                temperature, "repair_plan")
        if plan is not None:
            return done(text, plan)
    for k in range(1, retranslations + 1):
        temp = min(MAX_TEMPERATURE, temperature + TEMPERATURE_STEP * k)
        text, plan, error = ask("retranslate", k, translation_messages(scenario, dialect),
                                temp, "translate")
        if plan is not None:
            return done(text, plan)
    raise TranslationFailed(
        f"could not translate the query into a valid plan: {counted(attempt, 'attempt')} "
        f"failed (1 translation, {counted(repairs, 'repair')}, "
        f"{counted(retranslations, 'retranslation')}); "
        f"the last error: {error}", tuple(events))
