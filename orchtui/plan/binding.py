"""Compute a call's actual arguments once the results it refers to exist (DESIGN §2)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from orchtui.errors import OrchError
from orchtui.plan.arith import ArithmeticRefused, binop, unary
from orchtui.plan.model import BinOp, Call, Expr, Lit, Map, Ref, Seq, Template, UnaryOp


class BindError(OrchError):
    """A call's arguments cannot be computed from its predecessors' results."""


def bind_call(call: Call, results: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The positional and keyword arguments of `call`, with references replaced by results.

    A bare reference keeps the result's Python value; one inside a string is formatted into it.
    """
    try:
        args = [evaluate(a, results) for a in call.args]
        kwargs = {k: evaluate(v, results) for k, v in call.kwargs}
    except ArithmeticRefused as err:
        raise BindError(f"{call.id}: cannot compute its arguments: {err}") from None
    return args, kwargs


def evaluate(expr: Expr, results: Mapping[str, Any]) -> Any:
    match expr:
        case Lit(value):
            return copy.deepcopy(value)
        case Ref(ref):
            if ref not in results:
                raise BindError(f"the result of {ref} is not available")
            return results[ref]
        case Template(parts):
            return "".join(
                p if isinstance(p, str) else format_result(evaluate(p, results)) for p in parts
            )
        case Seq(items, kind):
            values = [evaluate(i, results) for i in items]
            return values if kind == "list" else tuple(values)
        case Map(items):
            try:
                return {evaluate(k, results): evaluate(v, results) for k, v in items}
            except TypeError as err:
                raise BindError(f"bad dict key: {err}") from None
        case BinOp(op, left, right):
            return binop(op, evaluate(left, results), evaluate(right, results))
        case UnaryOp(op, operand):
            return unary(op, evaluate(operand, results))
    raise BindError(f"cannot evaluate {expr!r}")


def format_result(value: Any) -> str:
    """How a result reads when formatted into a string argument."""
    return value if isinstance(value, str) else str(value)
