"""The streamed plan parser (`StreamParser`) against the whole-text parser: fed any plan in
pieces of any sizes, it must hand out exactly the calls `parse_plan` reads from the whole
reply, with the same warnings, or fail with the same error; and the parse work it does must
grow linearly with the plan's length (it re-parsed the whole reply at every line ending, so a
10,000-call streamed plan did not finish)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchtui.errors import PlanError
from orchtui.llm.extract import plan_text_from_reply
from orchtui.llm.streaming import StreamParser
from orchtui.plan import parser as plan_parser
from orchtui.plan.parser import parse_plan
from orchtui.scenario.loader import bundled_dirs, load_scenario

PLANS = Path(__file__).parent / "plans"


def _corpus() -> list[tuple[str, str]]:
    texts = [(str(p.relative_to(PLANS)), p.read_text(encoding="utf-8"))
             for p in sorted(PLANS.rglob("*.txt"))]
    for d in bundled_dirs():
        for path in sorted(d.glob("*.yaml")):
            try:
                scenario = load_scenario(path)
            except Exception:  # a scenario that does not load has no plan here
                continue
            if scenario.plan_text:
                texts.append((path.name, scenario.plan_text))
    return texts


CORPUS = _corpus()


def _whole(text: str) -> tuple[object, ...]:
    try:
        plan = parse_plan(plan_text_from_reply(text))
    except PlanError as err:
        return ("error", err.message, err.line, err.col)
    return ("ok", plan.calls, plan.warnings)


def _streamed(text: str, cuts: list[int]) -> tuple[object, ...]:
    parser = StreamParser()
    calls = []
    at = 0
    try:
        for size in cuts:
            calls += parser.feed(text[at:at + size])
            at += size
        calls += parser.feed(text[at:])
        calls += parser.finish()
    except PlanError as err:
        return ("error", err.message, err.line, err.col)
    return ("ok", tuple(calls), parser.warnings)


def test_the_corpus_is_not_empty() -> None:
    assert len(CORPUS) > 20
    assert any(name.startswith("lenient") for name, _ in CORPUS)


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[n for n, _ in CORPUS])
def test_streamed_line_by_line_equals_the_whole_parse(name: str, text: str) -> None:
    lines = text.splitlines(keepends=True)
    assert _streamed(text, [len(line) for line in lines]) == _whole(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CORPUS),
       cuts=st.lists(st.integers(min_value=1, max_value=40), max_size=200))
def test_streamed_in_random_pieces_equals_the_whole_parse(case: tuple[str, str],
                                                          cuts: list[int]) -> None:
    _, text = case
    assert _streamed(text, cuts) == _whole(text)


def _plan(n: int) -> str:
    lines = ["Thought: search first"]
    for i in range(1, n + 1):
        arg = f"{{s{i - 1}}} and more" if i > 1 else "start"
        lines.append(f's{i}: search("{arg}", k={i})')
    lines.append(f"s{n + 1}: join()")
    return "\n".join(lines) + "\n"


def _parsed_chars(n: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Characters of the lines the plan parser was asked to read (from the line it starts at
    to the end of what it was given) while streaming an n-call plan word by word."""
    seen = 0
    real = plan_parser._Parser.parse

    def counting(self: plan_parser._Parser, *start: int) -> object:
        nonlocal seen
        seen += sum(len(line) + 1 for line in self.lines[start[0] if start else 0:])
        return real(self, *start)

    monkeypatch.setattr(plan_parser._Parser, "parse", counting)
    text = _plan(n)
    parser = StreamParser()
    got = []
    for line in text.splitlines(keepends=True):
        for word in line.split(" "):
            got += parser.feed(word + " ")
    got += parser.finish()
    assert len(got) == n
    return seen


def test_parse_work_grows_linearly_with_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    small = _parsed_chars(100, monkeypatch)
    big = _parsed_chars(800, monkeypatch)
    # linear: 8x the calls, about 8x the characters; the whole-reply re-parse did about 64x
    assert big < 12 * small, (small, big)
