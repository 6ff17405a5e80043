"""Arithmetic that LLM-written input may ask for, with limits so no input can exhaust memory or
time (`9**9**9`, `"a" * 10**12`). Shared by argument binding and the `math` function."""

from __future__ import annotations

import operator
from typing import Any

from orchtui.errors import OrchError

MAX_INT_BITS = 4096
MAX_SEQUENCE = 1_000_000


class ArithmeticRefused(OrchError):
    """An operation outside what the safe evaluator allows."""


_OPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}


def _number(x: Any) -> bool:
    return isinstance(x, int | float)


def binop(op: str, a: Any, b: Any) -> Any:
    """Apply op to a and b, refusing operations that are unsafe or make no sense."""
    if op not in _OPS:
        raise ArithmeticRefused(f"operator {op} is not allowed")
    if _number(a) and _number(b):
        if op == "**":
            if isinstance(b, int) and abs(b) > 10_000:
                raise ArithmeticRefused("exponent too large")
            if isinstance(a, int) and isinstance(b, int) and b > 0 and (
                abs(a).bit_length() * b > MAX_INT_BITS
            ):
                raise ArithmeticRefused("result too large")
        if op == "*" and isinstance(a, int) and isinstance(b, int) and (
            a.bit_length() + b.bit_length() > MAX_INT_BITS
        ):
            raise ArithmeticRefused("result too large")
        try:
            result = _OPS[op](a, b)
        except ZeroDivisionError:
            raise ArithmeticRefused("division by zero") from None
        except OverflowError:
            raise ArithmeticRefused("result too large") from None
        if isinstance(result, complex):
            raise ArithmeticRefused("the result is not a real number")
        return result
    if op == "+" and type(a) is type(b) and isinstance(a, str | list | tuple):
        if len(a) + len(b) > MAX_SEQUENCE:
            raise ArithmeticRefused("result too long")
        return a + b
    if op == "*" and ((isinstance(a, str | list | tuple) and isinstance(b, int))
                      or (isinstance(b, str | list | tuple) and isinstance(a, int))):
        seq, n = (a, b) if isinstance(b, int) else (b, a)
        if len(seq) * max(n, 0) > MAX_SEQUENCE:
            raise ArithmeticRefused("result too long")
        return seq * n
    raise ArithmeticRefused(
        f"cannot compute {type(a).__name__} {op} {type(b).__name__}"
    )


def unary(op: str, a: Any) -> Any:
    if not _number(a):
        raise ArithmeticRefused(f"cannot apply {op} to {type(a).__name__}")
    return -a if op == "-" else +a
