"""Print calls back as plan text that parses to the same calls (`parse_plan(format_plan(p))`
equals p)."""

from __future__ import annotations

import math
from typing import Any

from orchtui.plan.model import (
    BinOp,
    Call,
    Dialect,
    Expr,
    Lit,
    Map,
    Plan,
    Ref,
    Seq,
    Template,
    UnaryOp,
)


def format_plan(plan: Plan) -> str:
    return "\n".join(format_call(c, plan.dialect, with_thought=True) for c in plan.calls)


def format_call(call: Call, dialect: Dialect = "llmorch", with_thought: bool = False) -> str:
    args = [format_expr(a, dialect) for a in call.args]
    args += [f"{k}={format_expr(v, dialect)}" for k, v in call.kwargs]
    sep = ":" if dialect == "llmorch" else "."
    text = f"{call.id}{sep} {call.function}({', '.join(args)})"
    if with_thought and call.thought:
        text = f"Thought: {call.thought}\n{text}"
    return text


def format_expr(expr: Expr, dialect: Dialect = "llmorch") -> str:
    match expr:
        case Lit(value):
            return _literal(value)
        case Ref(ref):
            return ref if dialect == "llmorch" else f"${ref}"
        case Template(parts):
            # `${1}` rather than `$1`, so that a digit after the reference stays text
            ref = "{{{}}}" if dialect == "llmorch" else "${{{}}}"
            text = "".join(p if isinstance(p, str) else ref.format(p.id) for p in parts)
            return repr(text)
        case Seq(items, kind):
            inner = ", ".join(format_expr(i, dialect) for i in items)
            if kind == "tuple":
                return f"({inner},)" if len(items) == 1 else f"({inner})"
            return f"[{inner}]"
        case Map(items):
            return "{" + ", ".join(
                f"{format_expr(k, dialect)}: {format_expr(v, dialect)}" for k, v in items
            ) + "}"
        case BinOp(op, left, right):
            return f"({_operand(left, dialect)} {op} {_operand(right, dialect)})"
        case UnaryOp(op, operand):
            return f"({op}{_operand(operand, dialect)})"
    raise TypeError(f"not an expression: {expr!r}")


def _operand(expr: Expr, dialect: Dialect) -> str:
    """An operand of arithmetic. A negative number gets parentheses: `-2 ** x` would read as
    `-(2 ** x)`, and `--2` would fold into 2."""
    text = format_expr(expr, dialect)
    return f"({text})" if isinstance(expr, Lit) and text.startswith("-") else text


def _literal(value: Any) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)
