"""A small evaluator for arithmetic a model wrote. Never eval/exec: the expression is parsed
with `ast` and only numbers, names bound by the caller, + - * / // % **, unary minus,
parentheses, lists/tuples as arguments, and a few functions are allowed. The arithmetic itself
goes through orchtui.plan.arith, whose limits stop `9**9**9` and friends."""

from __future__ import annotations

import ast
import math as _m
from collections.abc import Callable, Mapping
from typing import Any

from orchtui.plan.arith import ArithmeticRefused, binop, unary

MAX_LENGTH = 10_000
MAX_DEPTH = 100
MAX_ITEMS = 10_000

_BINOPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
                            ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}


def _number(x: Any) -> float | int:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise ArithmeticRefused(f"expected a number, got {type(x).__name__}")
    return x


def _numbers(args: tuple[Any, ...]) -> list[float | int]:
    items = list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    if not items:
        raise ArithmeticRefused("no numbers given")
    return [_number(a) for a in items]


def _checked(f: Callable[[float], float], name: str) -> Callable[..., float]:
    def call(*args: Any) -> float:
        if len(args) != 1:
            raise ArithmeticRefused(f"{name}() takes one number")
        try:
            return f(_number(args[0]))
        except (ValueError, OverflowError) as err:
            raise ArithmeticRefused(f"{name}({args[0]!r}): {err}") from None
    return call


def _round(*args: Any) -> float | int:
    if not 1 <= len(args) <= 2:
        raise ArithmeticRefused("round() takes a number and optional digits")
    digits = 0 if len(args) == 1 else args[1]
    if not isinstance(digits, int) or isinstance(digits, bool) or abs(digits) > 20:
        raise ArithmeticRefused("round(): digits must be a whole number up to 20")
    x = _number(args[0])
    return round(x) if len(args) == 1 else round(x, digits)


def _log(*args: Any) -> float:
    if len(args) not in (1, 2):
        raise ArithmeticRefused("log() takes a number and an optional base")
    try:
        return _m.log(*(_number(a) for a in args))
    except (ValueError, ZeroDivisionError) as err:
        raise ArithmeticRefused(f"log{args!r}: {err}") from None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": lambda *a: min(_numbers(a)),
    "max": lambda *a: max(_numbers(a)),
    "sum": lambda *a: _sum(_numbers(a)),
    "abs": lambda *a: abs(_number(a[0])) if len(a) == 1 else _arity("abs"),
    "round": _round,
    "sqrt": _checked(_m.sqrt, "sqrt"),
    "log": _log,
    "exp": _checked(_m.exp, "exp"),
}
CONSTANTS = {"pi": _m.pi, "e": _m.e}


def _sum(xs: list[float | int]) -> float | int:
    total: float | int = 0
    for x in xs:
        total = binop("+", total, x)
    return total


def _arity(name: str) -> Any:
    raise ArithmeticRefused(f"{name}() takes one number")


class EvalError(ArithmeticRefused):
    """The expression is not allowed or cannot be computed."""


def safe_eval(expression: str, names: Mapping[str, Any] | None = None) -> Any:
    """The value of `expression`, a Python-syntax arithmetic expression. `names` binds
    variables. Raises EvalError."""
    text = expression.strip()
    if len(text) > MAX_LENGTH:
        raise EvalError(f"the expression is too long ({len(text)} characters)")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise EvalError(f"not a Python expression: {err.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise EvalError("the expression is nested too deeply") from None
    try:
        return _Eval(dict(names or {})).evaluate(tree.body, 0)
    except EvalError:
        raise
    except ArithmeticRefused as err:
        raise EvalError(str(err)) from None
    except RecursionError:
        raise EvalError("the expression is nested too deeply") from None


class _Eval:
    def __init__(self, names: dict[str, Any]) -> None:
        self.names = names

    def evaluate(self, node: ast.expr, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise EvalError("the expression is nested too deeply")
        depth += 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise EvalError(f"{node.value!r} is not a number")
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return binop(_BINOPS[type(node.op)], self.evaluate(node.left, depth),
                         self.evaluate(node.right, depth))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            return unary("-" if isinstance(node.op, ast.USub) else "+",
                         self.evaluate(node.operand, depth))
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise EvalError(f"unknown name {node.id!r}")
        if isinstance(node, ast.Attribute) and _is_math_module(node.value):
            if node.attr in CONSTANTS:
                return CONSTANTS[node.attr]
            raise EvalError(f"math.{node.attr} is not allowed")
        if isinstance(node, ast.List | ast.Tuple):
            if len(node.elts) > MAX_ITEMS:
                raise EvalError("too many items")
            return [self.evaluate(e, depth) for e in node.elts]
        if isinstance(node, ast.Call):
            name = _callee(node.func)
            if name not in FUNCTIONS:
                raise EvalError(f"function {name or '?'}() is not allowed (allowed: "
                                f"{', '.join(FUNCTIONS)})")
            if node.keywords:
                raise EvalError(f"{name}(): keyword arguments are not allowed")
            return FUNCTIONS[name](*(self.evaluate(a, depth) for a in node.args))
        raise EvalError(f"{type(node).__name__} is not allowed: only arithmetic")


def _is_math_module(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "math"


def _callee(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and _is_math_module(node.value):
        return node.attr  # models often write math.sqrt(...)
    return None
