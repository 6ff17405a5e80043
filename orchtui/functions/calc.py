"""`math(prompt, context)`: an LLM-based calculator, as in LLMCompiler and the paper's
ParallelQA (§IV-D). The model writes Python arithmetic; only the safe evaluator computes it.

The model is asked to name every number it takes from the context on its own line
(`population_of_Florida = 21538187`) and to end with `answer = <expression>`, or to say
`ERROR: can't extract ...`. Each named number must really occur in the prompt or its context:
a number the model could not find there is refused with "can't extract <its name>", the
failure the paper's runtime recovery repairs (a search that returned too few words). A prompt
that is already an arithmetic expression (`"{s3} / {s4}"` once bound) is computed directly,
without a model call.
"""

from __future__ import annotations

import math as _m
import re
from collections.abc import Sequence
from typing import Any

from orchtui.functions import context as fctx
from orchtui.functions.safe_eval import EvalError, safe_eval

INSTRUCTIONS = """\
You are a calculator. Answer the question with Python arithmetic computed from the numbers \
in the context.
First write one line for each number you take from the context: `name = number`, the number \
as written there but without thousands separators (name the quantity, e.g. \
population_of_Texas = 29145505).
Then write the last line: `answer = <expression>` using those names. Allowed: numbers, + - * / \
// % **, parentheses, min, max, abs, round, sum, sqrt, log, exp.
If the context lacks a number you need, reply only: ERROR: can't extract <the missing quantity>
No other text."""

# Numbers that may appear in an answer without being in the context: unit conversions and
# scales a model rightly knows.
UNIT_CONSTANTS = frozenset({2.58999, 2.589988, 2.59, 0.386102, 0.3861, 1.609344, 1.609,
                            0.621371, 3.28084, 0.3048, 2.54, 0.4536, 2.20462})

_FENCE = re.compile(r"^```\w*$|^```$|^~~~\w*$")
_ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*$")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER_IN_TEXT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
_ERROR = re.compile(r"^\s*(?:ERROR|Error|error)\s*[:\-]\s*(.+)$", re.M)


class MathError(RuntimeError):
    """The calculator cannot answer (the message says why, in one line)."""


def math(prompt: Any, context: Any = None) -> float | int:
    """The answer to `prompt` (with `context`: text or a list of texts, e.g. search results)."""
    question = str(prompt)
    ctx_text = _context_text(context)
    if not ctx_text:
        direct = _direct(question)
        if direct is not None:
            return direct
    full = question if not ctx_text else f"{question}\n\nContext:\n{ctx_text}"
    messages = [{"role": "system", "content": INSTRUCTIONS},
                {"role": "user", "content": full}]
    reply = fctx.backend().complete(messages, purpose="math", temperature=0.0)
    return evaluate_reply(reply.text, full)


def _context_text(context: Any) -> str:
    if context is None:
        return ""
    if isinstance(context, list | tuple):
        return "\n\n".join(str(c) for c in context)
    return str(context)


def _direct(question: str) -> float | int | None:
    """A prompt that is plain arithmetic (a bound `"{s3} / {s4}"`) needs no model."""
    try:
        return _tidy(safe_eval(_THOUSANDS.sub("", question)))
    except (EvalError, MathError):
        return None


def evaluate_reply(reply: str, prompt: str) -> float | int:
    """Read the model's reply (named numbers, then `answer = ...`) and compute it."""
    err = _ERROR.search(reply)
    if err:
        raise MathError(" ".join(err.group(1).split()))
    known = _numbers_in(prompt)
    names: dict[str, Any] = {}
    answer: Any = None
    found = False
    for raw in reply.replace("\r", "").split("\n"):
        line = raw.strip().strip("`").strip()
        if not line or _FENCE.match(raw.strip()):
            continue
        m = _ASSIGN.match(line)
        if m:
            name, expr = m.group(1), _THOUSANDS.sub("", m.group(2))
            value = _eval(expr, names, line)
            if name != "answer" and _is_literal(expr) and not _grounded(value, known):
                raise MathError(f"can't extract {_words(name)} from the context "
                                f"({expr} is not in it)")
            names[name] = value
            if name == "answer":
                _check_constants(expr, known, names)
                answer, found = value, True
            continue
        try:
            value = safe_eval(_THOUSANDS.sub("", line), names)
        except EvalError:
            continue  # a line of prose
        _check_constants(line, known, names)
        answer, found = value, True
    if not found:
        if names:
            answer, found = list(names.values())[-1], True
        else:
            raise MathError("the model's reply holds no expression: "
                            f"{' '.join(reply.split())[:120]!r}")
    return _tidy(answer)


def _eval(expr: str, names: dict[str, Any], line: str) -> Any:
    try:
        return safe_eval(expr, names)
    except EvalError as err:
        raise MathError(f"cannot compute {line[:80]!r}: {err}") from None


def _tidy(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MathError(f"the result is not a number: {value!r}")
    if isinstance(value, float):
        if not _m.isfinite(value):
            raise MathError("the result is not a finite number")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


def _numbers_in(text: str) -> set[float]:
    return {float(x) for x in _NUMBER_IN_TEXT.findall(_THOUSANDS.sub("", text))}


def _is_literal(expr: str) -> bool:
    return bool(re.fullmatch(r"[-+]?\s*\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", expr.strip()))


def _grounded(value: Any, known: set[float]) -> bool:
    """Whether the number occurs in the prompt, as written or in thousands/millions/billions."""
    if not isinstance(value, int | float):
        return False
    for scale in (1.0, 1e3, 1e6, 1e9):
        v = abs(float(value)) / scale
        if any(_m.isclose(v, k, rel_tol=1e-9, abs_tol=1e-9) for k in known):
            return True
    return False


def _check_constants(expr: str, known: set[float], names: dict[str, Any]) -> None:
    """Literal numbers in the final expression must come from the prompt, or be small
    integers, powers of ten or unit conversions."""
    for text in _NUMBER_IN_TEXT.findall(_strip_names(expr, names)):
        x = float(text)
        if (_grounded(x, known) or (x.is_integer() and x <= 1000) or x in UNIT_CONSTANTS
                or _is_power_of_ten(x)):
            continue
        raise MathError(f"can't extract the number {text} from the context (it is not in it)")


def _strip_names(expr: str, names: dict[str, Any]) -> str:
    return re.sub(r"[A-Za-z_]\w*", " ", expr)


def _is_power_of_ten(x: float) -> bool:
    return x > 0 and _m.isclose(_m.log10(x), round(_m.log10(x)), abs_tol=1e-12)


def _words(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words if words.lower().startswith("the ") else f"the {words}"


def math_prompt(question: str, context: Sequence[str] | str | None = None) -> str:
    """The user message `math` sends (for tests and recorded-reply authors)."""
    ctx_text = _context_text(context)
    return question if not ctx_text else f"{question}\n\nContext:\n{ctx_text}"
