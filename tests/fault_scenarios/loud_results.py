"""Results whose class is defined in this file (tests/test_reliability_faults.py): the engine
unpickles them by loading this file in its own process too. What the file does while it
loads there must stay out of orchtui's streams, and a value that ends the process when it is
unpickled must fail its own call only."""

from __future__ import annotations

import sys
from dataclasses import dataclass

print("LOUD-IMPORT on stdout")
print("LOUD-IMPORT on stderr", file=sys.stderr)


@dataclass(frozen=True)
class Point:
    x: int


def point() -> Point:
    return Point(3)


def x_of(p: Point) -> int:
    return p.x


class ExitWhenLoaded:
    """Unpickled, it calls sys.exit(3): in the engine, that would end the run with code 3."""

    def __reduce__(self) -> tuple:
        return (sys.exit, (3,))


def exit_when_loaded() -> ExitWhenLoaded:
    return ExitWhenLoaded()
