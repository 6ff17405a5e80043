"""Fuzzing the plan parser and the scenario loader with hypothesis: whatever the input, the only
exceptions that escape are PlanError and ScenarioError (OrchError), and their message is one
line with a location inside the input. (bench/fuzz_atheris.py does the same, coverage-guided.)
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchtui.errors import LocatedError, OrchError, PlanError, ScenarioError
from orchtui.plan.parser import parse_plan
from orchtui.scenario.loader import load_scenario

SEO = (Path(__file__).resolve().parents[1] / "scenarios" / "seo_audit.yaml").read_text()
FUNCTIONS = {"search", "chatbot", "python", "math", "f", "g"}

# Pieces of plans, in both dialects, and of what an LLM writes around them.
PLAN_FRAGMENTS = [
    "s1", "s2", "s10", "1", "2", "$1", "${2}", "$", "{s1}", "{", "}", "(", ")", "[", "]", ",",
    ":", ". ", "=", "+", "-", "*", "**", "/", "%", "'", '"', '"""', "'''", "\\", "\\n", "#",
    "\n", "\n  ", " ", "\t", "search", "chatbot", "python", "join()", "f(", "g(", "x=",
    "file=", "args=", "Thought: ", "Question: ", "<END_OF_PLAN>", "```", "True", "None",
    "null", "1e999", "0x1f", "9" * 30, "é", "\u200b", "\ufeff", "\r\n", "\x00", "\ud800",
    "__import__", "lambda", ".__class__", "f'", "b'", "r'", "s1: search(", "1. search(",
    "s2: chatbot(\"", "{s", "s1}", "$1.", "[[", "]]", "{{", "}}",
]
plan_like = st.lists(st.sampled_from(PLAN_FRAGMENTS), max_size=40).map("".join)

YAML_FRAGMENTS = [
    "name: ", "processors: ", "policy: ", "functions:\n", "  - ", "name: f", "kind: inout",
    "kind: compute", "cost: ", "timeout: ", "impl: ", "plan: |\n", "plan: ", "  s1: f()\n",
    "  s2: f(s1)\n", "costs:\n", "  s1: ", "recorded:\n", "faults:\n", "llm_turn: ",
    "oversubscription_penalty: ", "\n", "  ", "\t", "- ", "? ", ": ", "{", "}", "[", "]",
    ", ", "&a ", "*a", "!!python/object/apply:os.system ", "!!int ", "!!float ", "!!binary ",
    "!!timestamp ", "!!set ", "!shell ", "'", '"', "|", ">", "---\n", "...\n", "#", "~",
    "null", "true", "-1", "0", "2", "1e400", ".nan", ".inf", "0x10", "2001-12-14", "\\u",
    "\\ud800", "\x07", "\x00", "é", "\ufeff", "%YAML 1.1\n", "%TAG ! tag:x,\n", "<<: *a\n",
]
yaml_like = st.lists(st.sampled_from(YAML_FRAGMENTS), max_size=50).map("".join)


@st.composite
def mutated_seo(draw: st.DrawFn) -> str:
    """The bundled SEO scenario with a few slices deleted, duplicated or replaced."""
    text = SEO
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        how = draw(st.sampled_from(("delete", "duplicate", "replace")))
        if how == "delete":
            text = text[:i] + text[j:]
        elif how == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + draw(st.sampled_from(YAML_FRAGMENTS + PLAN_FRAGMENTS)) + text[j:]
    return text


def check_error(err: OrchError, text: str) -> None:
    message = str(err)
    assert "\n" not in message and "\r" not in message, repr(message)
    assert message.strip(), "an empty error message"
    if isinstance(err, LocatedError) and err.line:
        assert 1 <= err.line <= text.count("\n") + text.count("\r") + 2, (err.line, message)
        assert err.col >= 1, (err.col, message)


def fuzz_plan(text: str, functions: set[str] | None = None) -> None:
    try:
        parse_plan(text, functions=functions)
    except PlanError as err:
        check_error(err, text)


_counter = itertools.count()


def fuzz_loader(folder: Path, data: bytes | str) -> None:
    path = folder / f"fuzz{next(_counter) % 8}.yaml"
    path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    text = path.read_bytes().decode("utf-8", "replace")
    try:
        load_scenario(path)
    except ScenarioError as err:
        check_error(err, text)
        assert err.source == str(path)


FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
SLOW = settings(FAST, max_examples=5000)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _plan_tests(profile: settings) -> tuple:
    @profile
    @given(st.text(max_size=400))
    def any_text(text: str) -> None:
        fuzz_plan(text)

    @profile
    @given(plan_like, st.booleans())
    def plan_fragments(text: str, known: bool) -> None:
        fuzz_plan(text, FUNCTIONS if known else None)

    return any_text, plan_fragments


def _loader_tests(profile: settings) -> tuple:
    @profile
    @given(data=st.binary(max_size=600))
    def any_bytes(folder: Path, data: bytes) -> None:
        fuzz_loader(folder, data)

    @profile
    @given(text=yaml_like)
    def yaml_fragments(folder: Path, text: str) -> None:
        fuzz_loader(folder, text)

    @profile
    @given(text=mutated_seo())
    def mutations(folder: Path, text: str) -> None:
        fuzz_loader(folder, text)

    return any_bytes, yaml_fragments, mutations


test_plan_any_text, test_plan_fragments = _plan_tests(FAST)
test_loader_any_bytes, test_loader_yaml_fragments, test_loader_mutated_seo = _loader_tests(FAST)

_slow_plan = _plan_tests(SLOW)
_slow_loader = _loader_tests(SLOW)
test_plan_any_text_long = pytest.mark.slow(_slow_plan[0])
test_plan_fragments_long = pytest.mark.slow(_slow_plan[1])
test_loader_any_bytes_long = pytest.mark.slow(_slow_loader[0])
test_loader_yaml_fragments_long = pytest.mark.slow(_slow_loader[1])
test_loader_mutated_seo_long = pytest.mark.slow(_slow_loader[2])


def test_known_crashers_stay_fixed(folder: Path) -> None:
    """Inputs that once escaped as something other than an OrchError (found by fuzzing and the
    corpus); each must now be a one-line located error."""
    for text in ("name: x\nprocessors: !!int abc\nfunctions: []\n",
                 "a: &a [*a]\n",
                 "name: x\x07\n",
                 "processors: !!python/name:os.system ''\n"):
        fuzz_loader(folder, text)
