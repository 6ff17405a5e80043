"""Property tests: a plan that orchtui prints parses back to the same calls, in both dialects; and
no input, however broken, makes the parser raise anything but PlanError."""

from __future__ import annotations

import functools
import keyword
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchtui.errors import PlanError
from orchtui.plan import format_call, format_plan, parse_plan
from orchtui.plan.model import BinOp, Call, Lit, Map, Plan, Ref, Seq, Template, UnaryOp

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
REF_IN_STRING = {"llmorch": re.compile(r"\{s\d+\}"), "llmcompiler": re.compile(r"\$\{?\d")}

# -- strategies ----------------------------------------------------------------------------------

names = st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and n not in ("join", "true", "false", "null")
    and not re.fullmatch(r"s\d+", n)
) | st.sampled_from(["search", "math", "chatbot", "python", "función", "計算"])

# text with the characters that are hard to quote: quotes, braces, dollars, backslashes, newlines
tricky_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from(list("'\"{}$\\\n\r\t#()[]<>s1 ")),
    max_size=20,
)


def literal_text(dialect: str):
    """A string that holds no reference of the dialect (a string with one is a Template)."""
    return tricky_text.filter(lambda t: not REF_IN_STRING[dialect].search(t))


def literals(dialect: str):
    scalars = (
        st.integers(min_value=-(10**30), max_value=10**30)
        | st.floats(allow_nan=False)
        | st.booleans()
        | st.none()
        | literal_text(dialect)
    )
    keys = st.integers(-5, 5) | literal_text(dialect)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(keys, inner, max_size=3),
        max_leaves=8,
    )


def templates(ids: list[str], dialect: str):
    """Text and references, alternating, with at least one reference."""
    piece = literal_text(dialect).filter(bool)

    def build(chunks):
        parts: list[str | Ref] = []
        for text, ref in chunks:
            if text is not None:
                parts.append(text)
            parts.append(Ref(ref))
        return parts

    return st.tuples(
        st.lists(st.tuples(st.none() | piece, st.sampled_from(ids)), min_size=1, max_size=3),
        st.none() | piece,
    ).map(lambda t: Template(tuple(build(t[0]) + ([t[1]] if t[1] is not None else []))))


def exprs(ids: list[str], dialect: str):
    lit = literals(dialect).map(Lit)
    if not ids:
        return lit
    refs = st.sampled_from(ids).map(Ref)
    base = lit | refs | templates(ids, dialect)

    def extend(inner):
        with_ref = inner.filter(lambda e: not isinstance(e, Lit))
        # a list, tuple or dict of plain literals is itself a literal: hold a reference
        seq = st.tuples(st.lists(inner, max_size=2), with_ref, st.sampled_from(["list", "tuple"]))
        return (
            seq.map(lambda t: Seq((*t[0], t[1]), t[2]))
            | st.tuples(literal_text(dialect).map(Lit), with_ref).map(lambda kv: Map((kv,)))
            | st.tuples(st.sampled_from(["+", "-", "*", "/", "//", "%", "**"]), inner, inner)
            .map(lambda t: BinOp(*t))
            | st.tuples(st.sampled_from(["-", "+"]), inner)
            # the parser folds a sign on a number into the number
            .filter(lambda t: not (isinstance(t[1], Lit) and isinstance(t[1].value, int | float)
                                   and not isinstance(t[1].value, bool)))
            .map(lambda t: UnaryOp(*t))
        )

    return st.recursive(base, extend, max_leaves=6)


thoughts = st.none() | st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\n\r\x00"),
    min_size=1, max_size=30,
).map(str.strip).filter(lambda t: t and "<END_OF_PLAN>" not in t)


PLACEHOLDERS = [f"s{i}" for i in range(6)]


@functools.cache
def exprs_over(n: int, dialect: str):
    """Expressions over the first n placeholder ids (built once: building strategies is slow)."""
    return exprs(PLACEHOLDERS[:n], dialect)


def _rename(e, ids: dict[str, str]):
    match e:
        case Ref(r):
            return Ref(ids[r])
        case Template(parts):
            return Template(tuple(Ref(ids[p.id]) if isinstance(p, Ref) else p for p in parts))
        case Seq(items, kind):
            return Seq(tuple(_rename(i, ids) for i in items), kind)
        case Map(items):
            return Map(tuple((_rename(k, ids), _rename(v, ids)) for k, v in items))
        case BinOp(op, left, right):
            return BinOp(op, _rename(left, ids), _rename(right, ids))
        case UnaryOp(op, operand):
            return UnaryOp(op, _rename(operand, ids))
    return e


@st.composite
def plans(draw, dialect: str | None = None) -> Plan:
    dialect = dialect or draw(st.sampled_from(["llmorch", "llmcompiler"]))
    n = draw(st.integers(1, 5))
    numbers = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n, unique=True))
    ids = [f"s{k}" if dialect == "llmorch" else str(k) for k in numbers]
    # placeholders were drawn as llmorch ids; in the real plan the i-th is ids[i]
    rename = dict(zip(PLACEHOLDERS, ids, strict=False))
    calls = []
    for i, call_id in enumerate(ids):
        # references only to earlier calls: no cycles
        args = [_rename(e, rename) for e in draw(st.lists(exprs_over(i, dialect), max_size=3))]
        kw_names = draw(st.lists(names, max_size=2, unique=True))
        kwargs = [(k, _rename(draw(exprs_over(i, dialect)), rename)) for k in kw_names]
        refs: list[str] = []
        for e in [*args, *(v for _, v in kwargs)]:
            refs.extend(_refs(e))
        calls.append(Call(
            id=call_id,
            function=draw(names),
            args=tuple(args),
            kwargs=tuple(kwargs),
            refs=tuple(dict.fromkeys(refs)),
            thought=draw(thoughts),
        ))
    return Plan(tuple(calls), dialect)  # type: ignore[arg-type]


def _refs(e) -> list[str]:
    match e:
        case Ref(r):
            return [r]
        case Template(parts):
            return [p.id for p in parts if isinstance(p, Ref)]
        case Seq(items, _):
            return [r for i in items for r in _refs(i)]
        case Map(items):
            return [r for k, v in items for r in _refs(k) + _refs(v)]
        case BinOp(_, left, right):
            return _refs(left) + _refs(right)
        case UnaryOp(_, operand):
            return _refs(operand)
    return []


# -- properties ----------------------------------------------------------------------------------

@SETTINGS
@given(plans())
def test_printed_plan_parses_back_to_the_same_calls(plan):
    text = format_plan(plan)
    again = parse_plan(text)
    assert again == plan, text
    assert [c.thought for c in again.calls] == [c.thought for c in plan.calls]
    assert format_plan(again) == text


@settings(SETTINGS, max_examples=30)
@given(plans("llmorch"))
def test_round_trip_llmorch(plan):
    assert parse_plan(format_plan(plan)) == plan


@settings(SETTINGS, max_examples=30)
@given(plans("llmcompiler"))
def test_round_trip_llmcompiler(plan):
    assert parse_plan(format_plan(plan)) == plan


@settings(SETTINGS, max_examples=25)
@given(plans(), st.sampled_from(["\n", "\r\n"]), st.sampled_from(["", "Question: q?\n"]))
def test_round_trip_with_other_line_endings_and_prose(plan, newline, prose):
    text = prose + format_plan(plan).replace("\n", newline) + newline
    assert parse_plan(text) == plan


def test_printing_negative_numbers_in_arithmetic():
    plan = parse_plan("s1: f()\ns2: g((-2) ** s1, s1 ** -2, (-1.5) * s1, -(-s1), (-0.0) ** 2)")
    text = format_plan(plan)
    assert parse_plan(text) == plan
    assert "((-2) ** s1)" in text


def test_format_call_of_each_dialect():
    plan = parse_plan('Thought: go\n1. f()\n2. g($1, "${1}5", x=[$1])')
    assert format_call(plan["2"], "llmcompiler") == "2. g($1, '${1}5', x=[$1])"
    assert format_plan(plan) == "Thought: go\n1. f()\n2. g($1, '${1}5', x=[$1])"
    plan = parse_plan('s1: f()\ns2: g(s1, "{s1}5", x=[s1])')
    assert format_call(plan["s2"]) == "s2: g(s1, '{s1}5', x=[s1])"


# -- fuzzing: only PlanError escapes, always with a place inside the text --------------------------

plan_tokens = st.sampled_from([
    "s1", "s2", "s10", ": ", ":", "1.", "2:", "3 .", "$1", "${2}", "$", "{s1}", "{s2}", "f", "g",
    "search", "(", ")", "[", "]", "{", "}", ",", "=", "x", '"', "'", '"""', "'''", "\\", "\n",
    "\r\n", "\r", " ", "\t", "#", "Thought: ", "<END_OF_PLAN>", "join()", "+", "-", "**", "1",
    "2.5", "1e999", "é", "🎉", "lambda", ".", "*", "r", "b", 'f"', "__ref__1", "__import__",
    "\ufeff", "\x0c", "\x00", "\ud800", "```", "not", "<", ";",
])


def _check_error(text: str, err: PlanError) -> None:
    assert "\n" not in str(err)
    body = text[1:] if text.startswith("\ufeff") else text
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert 1 <= err.line <= len(lines), (text, str(err))
    assert 1 <= err.col <= len(lines[err.line - 1]) + 1, (text, str(err))


def _parse_or_error(text: str) -> None:
    try:
        plan = parse_plan(text)
    except PlanError as err:
        _check_error(text, err)
        return
    assert parse_plan(format_plan(plan)) == plan


@settings(max_examples=500, deadline=None)
@given(st.lists(plan_tokens, max_size=40).map("".join))
def test_fuzz_plan_like_text(text):
    _parse_or_error(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fuzz_any_text(text):
    _parse_or_error(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["s1: f(", "1. f(", 's1: f()\ns2: g("', "s1: f()\ns2: g("]), st.text())
def test_fuzz_inside_a_call(head, tail):
    _parse_or_error(head + tail)
