"""Light helpers that the paper runs as ``self`` LLM calls (inout: a short declared wait, then
real arithmetic). They accept numbers, numeric strings, or the dicts ``stereo`` returns."""

from __future__ import annotations

import re
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if __package__ != "lib" and _ROOT not in sys.path:  # loaded by file path: make `lib` importable
    sys.path.append(_ROOT)
from lib.common import wait_latency  # noqa: E402

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def as_number(value: object, key: str = "steering_deg") -> float:
    """A float from a number, a numeric string (first number in it) or a dict's ``key``."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        if key in value:
            return as_number(value[key], key)
        raise ValueError(f"no {key!r} in {sorted(value)}")
    m = _NUMBER.search(str(value))
    if not m:
        raise ValueError(f"no number in {str(value)[:80]!r}")
    return float(m.group())


def average(values: list[object], *more: object, latency: float = 0.2) -> float:
    """Mean of ``values`` (a list, or several positional values). Waits ``latency`` s first."""
    items = [*values, *more] if isinstance(values, (list, tuple)) else [values, *more]
    if not items:
        raise ValueError("average of nothing")
    wait_latency(latency)
    return round(sum(as_number(v) for v in items) / len(items), 4)


def difference(a: object, b: object, latency: float = 0.2) -> float:
    """``a - b``. Waits ``latency`` s first."""
    wait_latency(latency)
    return round(as_number(a) - as_number(b), 4)
