"""The processor lanes as data: which bar goes on which row, from the event stream.

A bar is one attempt of a call (or one LLM turn): a call that recovery runs again gets a second
bar, and the first stays where it was, failed. Positions and states come from the RunRecord,
applied before each event reaches here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord, returned

MAX_STACK = 4  # rows per stacked lane; more concurrent bars share the last row
EPS = 1e-9


@dataclass
class Bar:
    key: str  # the call id, or the LLM turn's name
    start: float
    end: float | None = None  # None: still running
    state: str = "running"  # running, done, failed, lost (retried elsewhere), cancelled, llm


@dataclass
class Lane:
    name: str  # "cpu 0", "I/O", "shared (OS)", "LLM"
    stacked: bool
    rows: list[list[Bar]] = field(default_factory=lambda: [[]])

    def place(self, bar: Bar) -> None:
        """Put a bar on the first row free at its start: stacked lanes grow up to MAX_STACK
        rows; a processor lane grows too, when llmorch shares a processor between calls."""
        for row in self.rows:
            last = row[-1] if row else None
            if last is None or (last.end is not None and last.end <= bar.start + EPS):
                row.append(bar)
                return
        if len(self.rows) < MAX_STACK:
            self.rows.append([bar])
        else:
            self.rows[-1].append(bar)


class LaneModel:
    def __init__(self, cpus: tuple[int, ...] = (), pool: bool = False,
                 labels: tuple[str, ...] = ()) -> None:
        self.cpus = cpus
        # the executor's labels where it gives them (Dask: "host/cpu N"), else "cpu N"
        names = labels if len(labels) == len(cpus) else tuple(f"cpu {c}" for c in cpus)
        self.cpu_lanes = [Lane(name, stacked=False) for name in names]
        self.io = Lane("I/O", stacked=True)
        self.pool = Lane("shared (OS)", stacked=True) if pool else None
        self.llm = Lane("LLM", stacked=False)
        self.open: dict[str, Bar] = {}
        self.open_turns: dict[str, Bar] = {}
        self.bars: list[Bar] = []

    @property
    def lanes(self) -> list[Lane]:
        return [*self.cpu_lanes, self.io, *([self.pool] if self.pool else []), self.llm]

    def rows(self, skip_empty: bool = False) -> list[tuple[str, list[Bar]]]:
        """Every row to draw, with its label (on a lane's first row only). Processor lanes are
        always there; `skip_empty` leaves out the other lanes while they have no bar."""
        out: list[tuple[str, list[Bar]]] = []
        for lane in self.lanes:
            if skip_empty and lane not in self.cpu_lanes and not any(lane.rows):
                continue
            for n, row in enumerate(lane.rows):
                out.append((lane.name if n == 0 else "", row))
        return out

    def lane_for(self, record: RunRecord, call: str, processor: int | None) -> Lane:
        c = record.calls.get(call)
        if c is not None and c.pool:
            if self.pool is None:
                self.pool = Lane("shared (OS)", stacked=True)
            return self.pool
        if processor is None or not 0 <= processor < len(self.cpu_lanes):
            return self.io
        return self.cpu_lanes[processor]

    def observe(self, e: ev.Event, record: RunRecord) -> None:
        # by exact type, most frequent first: this runs for every event the UI shows, and
        # most events (Scheduled, Queued, Dispatched) change no bar
        kind = type(e)
        if kind is ev.Started:
            bar = Bar(e.call, e.t)
            self.lane_for(record, e.call, e.processor).place(bar)
            self.open[e.call] = bar
            self.bars.append(bar)
        elif kind is ev.Finished or kind is ev.Failed or kind is ev.Retried:
            bar = self.open.pop(e.call, None)
            if bar is not None:
                # a call's bar ends when its function returned, not when the engine took it
                bar.end = e.t if kind is ev.Retried else returned(bar.start, e)
                bar.state = ("done" if kind is ev.Finished
                             else "lost" if kind is ev.Retried else "failed")
        elif kind is ev.TurnStarted:
            bar = Bar(e.turn, e.t, state="llm")
            self.llm.place(bar)
            self.open_turns[e.turn] = bar
            self.bars.append(bar)
        elif kind is ev.TurnFinished:
            bar = self.open_turns.pop(e.turn, None)
            if bar is not None:
                bar.end = e.t
        elif kind is ev.RunFinished:
            for bar in [*self.open.values(), *self.open_turns.values()]:
                bar.end = e.t
                if bar.state == "running":
                    bar.state = "cancelled"
            self.open.clear()
            self.open_turns.clear()


def nice_ceiling(t: float) -> float:
    """The time axis' span: a round number at or above t, so that the scale changes in a few
    steps as the run grows rather than every frame."""
    if t <= 1:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 < t:
        magnitude *= 10
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * magnitude >= t - EPS:
            return m * magnitude
    return 10 * magnitude


def tick_step(span: float, width: int, min_gap: int = 8) -> float:
    """Seconds between labelled ticks, so that labels are at least `min_gap` cells apart."""
    if width <= 0 or span <= 0:
        return span or 1.0
    for magnitude in (0.01, 0.1, 1, 10, 100, 1000, 10000):
        for m in (1, 2, 5):
            step = m * magnitude
            if step / span * width >= min_gap:
                return step
    return span
