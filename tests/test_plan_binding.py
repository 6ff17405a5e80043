"""Argument binding (DESIGN §2): a bare reference keeps the result's Python value, one inside a
string is formatted into it, and arithmetic on numbers works, within limits."""

from __future__ import annotations

import pytest

from orchtui.plan import bind_call, parse_plan
from orchtui.plan.binding import BindError


def call(text: str, call_id: str):
    return parse_plan(text)[call_id]


def test_bare_references_keep_python_values():
    c = call("s1: f()\ns2: f()\ns3: g(s1, [s1, 2], {'k': s2}, (s2,), key=s1)", "s3")
    result = {"rows": [1, 2]}
    marker = object()
    args, kwargs = bind_call(c, {"s1": result, "s2": marker})
    assert args == [result, [result, 2], {"k": marker}, (marker,)]
    assert args[0] is result and kwargs["key"] is result


def test_references_in_strings_are_formatted_in():
    c = call('s1: f()\ns2: f()\ns3: g("total {s1} km^2, {s2}", ["{s1}"], {"{s2}": "{s1}!"})',
             "s3")
    args, _ = bind_call(c, {"s1": 695662.5, "s2": [1, "a"]})
    assert args == ["total 695662.5 km^2, [1, 'a']", ["695662.5"], {"[1, 'a']": "695662.5!"}]
    args, _ = bind_call(c, {"s1": "text", "s2": None})
    assert args[0] == "total text km^2, None"


def test_llmcompiler_references_bind_the_same_way():
    c = call('1. f()\n2. f()\n3. g("$1 / ${2}", [\'$1\'], $1, $1 + $2)', "3")
    args, _ = bind_call(c, {"1": 30.5, "2": 2})
    assert args == ["30.5 / 2", ["30.5"], 30.5, 32.5]


def test_arithmetic_on_numbers():
    c = call("s1: f()\ns2: f()\ns3: g(s1 + s2, s1 - 1, s1 * 2, s1 / 4, s1 // 4, s1 % 4, "
             "s2 ** 2, -s1, +s2, (s1 + s2) / 2)", "s3")
    args, _ = bind_call(c, {"s1": 10, "s2": 3})
    assert args == [13, 9, 20, 2.5, 2, 2, 9, -10, 3, 6.5]


def test_concatenation_of_strings_and_lists():
    c = call('s1: f()\ns2: g(s1 + "!", s1 * 2, [1] + [s1])', "s2")
    args, _ = bind_call(c, {"s1": "ab"})
    assert args == ["ab!", "abab", [1, "ab"]]


@pytest.mark.parametrize("expr, value", [
    ("s1 / 0", 1),
    ("s1 ** 100000", 2),
    ("s1 * s1", 2 ** 4000),
    ("s1 * 10 ** 9", "x" * 1000),
    ("s1 - 'a'", 3),
    ("-s1", "text"),
    ("s1 + 1", {"a": 1}),
    ("s1 ** 0.5", -8),
    ("s1 * 1.5", 2 ** 4000),
])
def test_refused_arithmetic_is_a_bind_error(expr, value):
    c = call(f"s1: f()\ns2: g({expr})", "s2")
    with pytest.raises(BindError) as info:
        bind_call(c, {"s1": value})
    assert info.value.args[0].startswith("s2: cannot compute its arguments")


def test_missing_result_is_a_bind_error():
    c = call("s1: f()\ns2: g(s1)", "s2")
    with pytest.raises(BindError):
        bind_call(c, {})


def test_unhashable_key_from_a_result_is_a_bind_error():
    c = call("s1: f()\ns2: g({s1: 1})", "s2")
    with pytest.raises(BindError):
        bind_call(c, {"s1": [1]})


def test_literals_are_copied_each_time():
    c = call("s1: g([1, {'a': [2]}])", "s1")
    args, _ = bind_call(c, {})
    args[0][1]["a"].append(3)
    again, _ = bind_call(c, {})
    assert again == [[1, {"a": [2]}]]
