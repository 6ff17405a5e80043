"""The safe evaluator and the `math` function: no eval of model text, grounded numbers, the
"can't extract" failure of ParallelQA #83."""

from __future__ import annotations

import pytest
from fake_openai import FakeOpenAI

from orchtui.functions import context as fctx
from orchtui.functions.calc import MathError, evaluate_reply, math
from orchtui.functions.safe_eval import EvalError, safe_eval
from orchtui.llm.config import LLMConfig


@pytest.mark.parametrize(("expr", "value"), [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("-2 ** 2", -4), ("7 // 2 + 7 % 2", 4),
    ("max(1, 5, 3)", 5), ("min([4, 2])", 2), ("sum([1, 2, 3])", 6), ("abs(-3)", 3),
    ("round(2.345, 2)", 2.35), ("sqrt(16)", 4.0), ("math.sqrt(9)", 3.0), ("exp(0)", 1.0),
    ("log(e)", 1.0), ("50683692 / 865974", 50683692 / 865974),
])
def test_safe_eval_arithmetic(expr: str, value: float) -> None:
    assert safe_eval(expr) == pytest.approx(value)


@pytest.mark.parametrize("expr", [
    "__import__('os').system('true')", "open('/etc/passwd')", "(1).__class__",
    "[x for x in range(3)]", "lambda: 1", "9 ** 9 ** 9", "'a' * 10**9", "x",
    "max(key=abs)", "1 if 1 else 2", "sqrt(-1)", "log(0)", "exp(1e6)", "1 / 0", "a.b",
    "eval('1')", "()" * 200 + "1",
])
def test_safe_eval_refuses(expr: str) -> None:
    with pytest.raises(EvalError):
        safe_eval(expr)


def test_names_are_bound_by_the_caller() -> None:
    assert safe_eval("a / b", {"a": 10, "b": 4}) == 2.5


CONTEXT = "Texas had 29,145,505 people at the 2020 census over 695,662 km2."


def test_reply_with_named_numbers_found_in_the_context() -> None:
    reply = "population_of_Texas = 29145505\narea = 695662\nanswer = population_of_Texas / area"
    assert evaluate_reply(reply, CONTEXT) == pytest.approx(29145505 / 695662)


def test_a_number_not_in_the_context_cannot_be_extracted() -> None:
    reply = "population_of_Florida = 21538187\nanswer = population_of_Florida"
    with pytest.raises(MathError, match="can't extract the population of Florida"):
        evaluate_reply(reply, CONTEXT)


def test_the_model_may_say_it_cannot() -> None:
    with pytest.raises(MathError, match=r"^can.t extract the area of Florida$"):
        evaluate_reply("ERROR: can't extract the area of Florida", CONTEXT)


def test_bare_expressions_fences_and_units() -> None:
    assert evaluate_reply("```python\n29145505 / 695662\n```", CONTEXT) == pytest.approx(
        29145505 / 695662)
    assert evaluate_reply("answer = 695662 / 2.58999", CONTEXT) == pytest.approx(
        695662 / 2.58999)
    with pytest.raises(MathError, match="can't extract the number 12345"):
        evaluate_reply("answer = 29145505 + 12345", CONTEXT)
    with pytest.raises(MathError, match="no expression"):
        evaluate_reply("I think it is large.", CONTEXT)
    with pytest.raises(MathError, match="not allowed"):
        evaluate_reply("answer = __import__('os').getpid()", CONTEXT)


def test_plain_arithmetic_needs_no_model() -> None:
    fctx.activate(fctx.FunctionContext(mode=fctx.RECORDED, recorded={}))
    try:
        assert math(" 50683692 / 865974 ") == pytest.approx(58.52796, rel=1e-6)
        assert math("max(58.5, 73.5, 411.18)") == 411.18
        with pytest.raises(Exception, match="no recorded math reply"):
            math("Question: what is the population of Texas?", CONTEXT)
    finally:
        fctx.activate(None)


def test_recorded_math_reply_by_question() -> None:
    fctx.activate(fctx.FunctionContext(mode=fctx.RECORDED, recorded={
        "math": {"population of Texas": "p = 29145505\nanswer = p / 1000000"}}))
    try:
        assert math("Question: population of Texas in millions?", [CONTEXT]) == pytest.approx(
            29.145505)
    finally:
        fctx.activate(None)


def test_live_math_asks_the_model_through_openai() -> None:
    with FakeOpenAI(["population_of_Texas = 29145505\nanswer = population_of_Texas"]) as server:
        fctx.activate(fctx.FunctionContext(mode=fctx.LIVE, llm=LLMConfig(
            base_url=server.base_url, max_retries=0, timeout=5)))
        try:
            assert math("Question: population of Texas?", CONTEXT) == 29145505
        finally:
            fctx.activate(None)
    body = server.requests[0].body
    assert body["temperature"] == 0.0
    assert "Context:\n" + CONTEXT in body["messages"][-1]["content"]
