"""The playback clock: how fast a run is shown.

A sim (or a replayed trace) carries virtual time: it plays at `rate` virtual seconds per wall
second, times the user's `pace` (`[` and `]`, `--pace`). A real run happens at its own speed: at
pace "live" every event is shown when it comes; at a pace of X it is shown step by step, X
decisions per wall second, and the engine waits between steps (so a talk can follow it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

AUTO_WALL = 6.0  # auto pace: a run's lower bound plays in this many wall seconds
PACES = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def pace_label(pace: float) -> str:
    return f"{pace:g}"


@dataclass
class PlaybackClock:
    """Virtual time for paced sources; step credit for a real run shown at a pace."""

    speed: float | None = None  # virtual s per wall s at pace 1; None: auto; inf: no pacing
    pace: float | None = 1.0  # the user's factor; None: live (a real run, as it happens)
    vclock: float = 0.0
    rate: float | None = None  # virtual s per wall s at pace 1, once known (from the graph)
    credit: float = 0.0  # real runs at a pace: steps owed

    @property
    def unpaced(self) -> bool:
        """Everything is shown as fast as it comes (`--speed inf`)."""
        return self.speed == math.inf

    def know_estimate(self, estimate: float) -> None:
        """The run's lower bound is known: choose the rate that plays it in AUTO_WALL s. A plan
        that grows (streamed) makes it known again, larger: the rate only rises, or its first
        call alone would set the pace of the whole run (a 2.75 s run played in a minute)."""
        if self.speed and self.speed > 0:
            self.rate = self.speed
            return
        auto = max(estimate, 0.1) / AUTO_WALL
        self.rate = auto if self.rate is None else max(self.rate, auto)

    def reset(self) -> None:
        self.vclock = 0.0
        self.rate = None
        self.credit = 0.0

    def tick(self, dt: float) -> None:
        """`dt` wall seconds of play went by with something left to show."""
        if self.rate is not None:
            self.vclock += dt * self.rate * (self.pace or 1.0)

    def due(self, t: float) -> bool:
        return t <= self.vclock + 1e-9

    def steps_due(self, dt: float) -> int:
        """A real run at a pace: how many steps `dt` wall seconds of play release."""
        if self.pace is None:
            return 0
        self.credit = min(self.credit + dt * self.pace, 1.0 + self.pace)
        whole = int(self.credit)
        self.credit -= whole
        return whole

    def slower(self, live_allowed: bool) -> None:
        self.pace = _neighbour(self.pace, -1, live_allowed)

    def faster(self, live_allowed: bool) -> None:
        self.pace = _neighbour(self.pace, +1, live_allowed)


def _neighbour(pace: float | None, direction: int, live_allowed: bool) -> float | None:
    """The next pace on the ladder. For a real run, live sits above the fastest pace: `[` from
    live starts stepping at 4 decisions a second."""
    if pace is None:
        return 4.0 if direction < 0 else None
    faster = [p for p in PACES if p > pace + 1e-12]
    slower = [p for p in PACES if p < pace - 1e-12]
    if direction > 0:
        if faster:
            return faster[0]
        return None if live_allowed else pace
    return slower[-1] if slower else pace
