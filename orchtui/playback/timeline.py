"""The events a screen has received, and the cursor that says how many of them it shows.

The state at event k is the fold of events 0..k-1 into a RunRecord (DESIGN §7: events are the
only truth), so stepping back or seeking to a time is exact in the sim, in a replay and in a
real run alike. Events past the cursor are received but not shown yet: in the sim they wait for
the clock; in a real run they wait while the user looks back.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.engine.trace import TraceWriter

StepRule = Callable[[ev.Event], bool]


def every_event(e: ev.Event) -> bool:
    return True


class Timeline:
    """Received events, a cursor over them, and the trace they go to.

    `is_step(e)`: whether showing `e` ends a step (one event in the sim and in replays; one
    decision in a real run). `floor`: the cursor never goes back before the graph is shown
    (position just after the first GraphReady)."""

    def __init__(self, is_step: StepRule = every_event, trace: TraceWriter | None = None,
                 write_on_arrival: bool = False) -> None:
        self.is_step = is_step
        self.events: list[ev.Event] = []
        self.cursor = 0
        self.floor = 0
        self._latest: list[float] = []  # running max of event times: events may tie or jitter
        self.trace = trace
        # A real run's events are written as they arrive (the user may be looking back when
        # they do); a sim's as they are first shown, so a quit mid-run traces what was seen.
        self.write_on_arrival = write_on_arrival
        self.written = 0

    # -- receiving ------------------------------------------------------------------------------
    def receive(self, events: Iterable[ev.Event]) -> None:
        first = len(self.events)
        self.events.extend(events)
        latest = self._latest
        last = latest[-1] if latest else -math.inf
        for e in self.events[first:]:  # tens of thousands a second in a live run
            if e.t > last:
                last = e.t
            latest.append(last)
        if not self.floor:
            self.floor = next((first + n + 1 for n, e in enumerate(self.events[first:])
                               if isinstance(e, ev.GraphReady)), 0)
        if self.write_on_arrival:
            self._write(len(self.events))

    @property
    def pending(self) -> int:
        """Events received and not shown."""
        return len(self.events) - self.cursor

    @property
    def at_end(self) -> bool:
        return self.cursor >= len(self.events)

    def head(self) -> ev.Event | None:
        """The next event to show, if received."""
        return self.events[self.cursor] if self.cursor < len(self.events) else None

    def shown(self) -> list[ev.Event]:
        return self.events[: self.cursor]

    # -- moving ---------------------------------------------------------------------------------
    def advance(self, count: int = 1) -> list[ev.Event]:
        """Show up to `count` more events; return them."""
        end = min(len(self.events), self.cursor + count)
        out = self.events[self.cursor:end]
        self.cursor = end
        self._write(end)
        return out

    def to_end(self) -> list[ev.Event]:
        return self.advance(len(self.events) - self.cursor)

    def back_target(self) -> int | None:
        """Where one step back lands: the previous position that ends a step, never before the
        graph. None when there is nothing to undo."""
        floor = min(self.floor, self.cursor)
        if self.cursor <= floor:
            return None
        k = self.cursor - 1
        while k > floor and not self.is_step(self.events[k - 1]):
            k -= 1
        return k

    def index_at(self, t: float) -> int:
        """How many received events happened at or before time t: the cursor for "the state
        at t"."""
        return bisect.bisect_right(self._latest, t + 1e-9)

    def time_at(self, k: int) -> float:
        """The run time of the state after k events."""
        return self._latest[k - 1] if k > 0 else 0.0

    def neighbour_time(self, t: float, direction: int) -> float | None:
        """The next (direction 1) or previous (-1) time at which something happened, from t,
        among received events; None past either end."""
        latest = self._latest
        if direction > 0:
            k = bisect.bisect_right(latest, t + 1e-9)
            return latest[k] if k < len(latest) else None
        k = bisect.bisect_left(latest, t - 1e-9)
        return latest[k - 1] if k > 0 else (0.0 if t > 1e-9 else None)

    def seek(self, k: int) -> None:
        self.cursor = max(0, min(k, len(self.events)))
        self._write(self.cursor)

    # -- state ------------------------------------------------------------------------------------
    def record_at(self, k: int) -> RunRecord:
        """The run as it stood after its first k events."""
        return RunRecord.from_events(self.events[:k])

    # -- the trace --------------------------------------------------------------------------------
    def _write(self, upto: int) -> None:
        if self.trace is None or upto <= self.written:
            return
        for e in self.events[self.written:upto]:
            self.trace.write(e)
        self.written = upto

    def close_trace(self) -> None:
        if self.trace is not None:
            self.trace.close()
            self.trace = None

