"""Functions for the hostile-but-valid plans: payloads travel as data, and must stay data."""

from __future__ import annotations

CANARY = "/tmp/orchtui-canary-pwned"
PAYLOAD = (f"{{s1}} {{0.__class__}} $1 ${{1}} $(touch {CANARY}) `touch {CANARY}` "
           f"__import__('os').system('touch {CANARY}') {{__import__('os')}} %s%n")


def crafted() -> str:
    """A result that looks like references, format fields and shell: it must not be read as
    any of them when it is formatted into another call's string."""
    return PAYLOAD


def echo(*args: object, **kwargs: object) -> object:
    return args[0] if len(args) == 1 and not kwargs else [list(args), kwargs]


def same(value: object, expected: object) -> str:
    if value != expected:
        raise AssertionError(f"got {value!r}, expected {expected!r}")
    return "same"


def wrapped(value: object, inner: object, before: str, after: str) -> str:
    """`value` must be exactly before + inner + after: formatted once, never re-read."""
    return same(value, f"{before}{inner}{after}")
