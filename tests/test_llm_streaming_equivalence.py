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
from orchtui.llm.extract import _LOOKS_LIKE_N_CALL, _NUMBERED, plan_text_from_reply
from orchtui.llm.streaming import _NOT_LINEWISE, StreamParser
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


# Lines that stress the lenient reading and the multi-line calls, put together at random:
# {a} and {b} are call numbers (so ids repeat, and references point forward or nowhere).
FRAGMENTS = [
    's{a}: search("q{a}")',
    's{a}: math("{{s{b}}} + 1")',
    's{a}: math(s{b} + 2)',
    '{a}. search("$${b} and ${b}")',
    '{a}. math(${b}, 3)',
    "Thought: first find it",
    "Thought: done <END_OF_PLAN>",
    "",
    "   ",
    "Here is the plan:",
    "{a}. First we search the web for it",
    "1) a numbered note",
    "s{a}: search(plain text query about {b})",
    "s{a}: search(\u201ctypographic {b}\u201d)",
    's{a}: write("""one\ntwo\n""")',
    "s{a}: math([1,\n  2,\n  s{b}])",
    's{a}: write("""open {b}',
    '""")',
    's{a}: write("runs on',
    'to here")',
    "  k={b})",
    "s{a}:",
    "  search(\"on the next line\")",
    "s{a}: math(1, [2",
    "s{a}: search(\"no end",
    "s{a}: join()",
    "{a}. join()",
    "<END_OF_PLAN>",
    "```",
    "`s{a}: search(\"x\")`",
    "s{a}: os.system(\"x\")",
    "s{a}: search(\"a\") trailing",
    "s{a}: f(**{{'k': 1}})",
    "\ufeffs{a}: search(\"b\")",
    "s{a}: search(\"x\")\r",
]


# the fragments that keep a reply line by line (the resumed reading): most of the cases
LINEWISE = [f for f in FRAGMENTS
            if not _NOT_LINEWISE.search(f) and not _NUMBERED.match(f.format(a=1, b=1))]


@st.composite
def _generated(draw: st.DrawFn, fragments: list[str] = FRAGMENTS) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(fragments), st.integers(1, 6),
                                    st.integers(0, 7)), min_size=1, max_size=14))
    text = "\n".join(f.format(a=a, b=b) for f, a, b in parts)
    return text + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_generated(), cuts=st.lists(st.integers(min_value=1, max_value=12), max_size=80))
def test_generated_plans_streamed_equal_the_whole_parse(text: str, cuts: list[int]) -> None:
    _check(text, cuts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_generated(LINEWISE),
       cuts=st.lists(st.integers(min_value=1, max_value=12), max_size=80))
def test_generated_linewise_plans_streamed_equal_the_whole_parse(text: str, cuts: list[int]
                                                                ) -> None:
    _check(text, cuts)


def _check(text: str, cuts: list[int]) -> None:
    streamed, whole = _streamed(text, cuts), _whole(text)
    if not _NOT_LINEWISE.search(text) and not any(
            _NUMBERED.match(line) and not _LOOKS_LIKE_N_CALL.match(line)
            for line in text.split("\n")):
        assert streamed == whole
    else:
        # plan_text_from_reply reads such a reply as a whole: a later fenced block, or an
        # `sN:` call that makes numbered lines prose, changes the reading of what came
        # before, calls handed out or an error found (a stream cannot wait for a fence that
        # may never come). Then the stream may stop with an error the whole reply does not
        # have, but it never runs other calls than the whole reply's without one.
        assert streamed == whole or streamed[0] == "error", (streamed, whole)


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
