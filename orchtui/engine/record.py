"""A run folded from its events: per-call timings and placement, makespan, the lower bound.

Built from events only, so a live run, a JSONL trace and a replay summarise the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from orchtui.engine import events as ev


@dataclass
class CallRecord:
    id: str
    function: str
    kind: str
    rank: int
    deps: tuple[str, ...]
    cost: float
    processor: int | None = None
    cpu: int | None = None
    pid: int | None = None
    start: float | None = None
    end: float | None = None
    status: str = "waiting"  # waiting, scheduled, queued, running, done, failed, skipped
    preview: str = ""
    error: str = ""
    reason: str = ""  # the latest decision about it
    shared: bool = False
    pool: bool = False


@dataclass
class RunRecord:
    scenario: str = ""
    policy: str = ""
    processors: int = 0
    cpus: tuple[int, ...] = ()
    mode: str = ""
    compute: str = "serial"
    lanes: tuple[str, ...] = ()  # per-processor labels when the executor gives them
    calls: dict[str, CallRecord] = field(default_factory=dict)
    exclusive_groups: tuple[tuple[str, ...], ...] = ()
    turns: list[tuple[str, float, float | None]] = field(default_factory=list)
    makespan: float | None = None
    status: str = "running"
    answer: str = ""
    now: float = 0.0
    recoveries: int = 0
    warnings: tuple[dict[str, Any], ...] = ()  # the plan's PlanWarnings, from PlanReady
    _before_recovery: dict[str, str] = field(default_factory=dict, repr=False)

    def apply(self, e: ev.Event) -> None:
        self.now = max(self.now, e.t)
        c = self.calls.get(getattr(e, "call", ""), None)
        match e:
            case ev.RunStarted():
                self.scenario, self.policy, self.processors = e.scenario, e.policy, e.processors
                self.cpus, self.mode, self.compute = e.cpus, e.mode, e.compute
                self.lanes = e.lanes
            case ev.PlanReady():
                self.warnings = e.warnings
            case ev.GraphReady():
                for d in e.calls:
                    self.calls[d["id"]] = CallRecord(d["id"], d["function"], d["kind"],
                                                     d["rank"], tuple(d["deps"]), d["cost"])
                self.exclusive_groups = e.exclusive_groups
            case ev.Scheduled():
                for cid in e.calls:
                    if cid in self.calls:
                        self.calls[cid].status = "scheduled"
                        self.calls[cid].reason = e.reason
            case ev.Queued() if c:
                c.status, c.reason = "queued", e.reason
            case ev.Dispatched() if c:
                c.processor, c.reason, c.shared, c.pool = e.processor, e.reason, e.shared, e.pool
                c.status = "running"
            case ev.Started() if c:
                c.start, c.cpu, c.pid, c.status = e.t, e.cpu, e.pid, "running"
                c.end, c.error, c.preview = None, "", ""
            case ev.Finished() if c:
                c.end, c.status, c.preview = e.t, "done", e.preview
            case ev.Failed() if c:
                c.end, c.status, c.error = e.t, "failed", e.error
                if c.start is None:
                    c.start = e.t
            case ev.Skipped() if c:
                c.status, c.reason = "skipped", e.reason
            case ev.TurnStarted():
                self.turns.append((e.turn, e.t, None))
            case ev.TurnFinished():
                for n in range(len(self.turns) - 1, -1, -1):
                    if self.turns[n][0] == e.turn and self.turns[n][2] is None:
                        self.turns[n] = (e.turn, self.turns[n][1], e.t)
                        break
            case ev.RecoveryStarted():
                self.recoveries += 1
                self._before_recovery = {cid: self.calls[cid].status for cid in e.reset
                                         if cid in self.calls}
                for cid in self._before_recovery:
                    self.calls[cid].status = "recovering"
            case ev.RecoveryFailed():
                for cid, status in self._before_recovery.items():
                    if self.calls[cid].status == "recovering":
                        self.calls[cid].status = status
            case ev.RunFinished():
                self.makespan, self.status, self.answer = e.makespan, e.status, e.answer

    @classmethod
    def from_events(cls, events: Iterable[ev.Event]) -> RunRecord:
        rec = cls()
        for e in events:
            rec.apply(e)
        return rec

    # -- measures -----------------------------------------------------------------------------
    def durations(self, measured: bool) -> dict[str, float]:
        """Each call's duration: measured in this run where it ran, else declared."""
        out = {}
        for cid, c in self.calls.items():
            if measured and c.start is not None and c.end is not None and c.status == "done":
                out[cid] = c.end - c.start
            else:
                out[cid] = c.cost
        return out

    def lower_bound(self, measured: bool | None = None) -> float:
        """max(critical path, compute work / P), from measured durations in a real run and
        declared costs in the sim. No policy can beat it."""
        if measured is None:
            measured = self.mode != "sim"
        dur = self.durations(measured)
        finish: dict[str, float] = {}
        for cid in _topological(self.calls):
            c = self.calls[cid]
            finish[cid] = dur[cid] + max((finish[d] for d in c.deps), default=0.0)
        critical = max(finish.values(), default=0.0)
        work = sum(dur[cid] for cid, c in self.calls.items() if c.kind == "compute")
        return max(critical, work / max(self.processors, 1))

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "policy": self.policy, "processors": self.processors,
            "mode": self.mode, "status": self.status,
            "makespan": _r(self.makespan), "lower_bound": _r(self.lower_bound()),
            "warnings": list(self.warnings),
            "calls": [
                {"id": c.id, "function": c.function, "kind": c.kind, "rank": c.rank,
                 "processor": c.processor if c.kind == "compute" else None,
                 "cpu": c.cpu if c.kind == "compute" else None,
                 "start": _r(c.start), "end": _r(c.end),
                 "status": c.status if c.status in ("done", "failed") else "skipped"}
                for c in self.calls.values()
            ],
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def _topological(calls: dict[str, CallRecord]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for root in calls:
        stack = [(root, False)]
        while stack:
            cid, expanded = stack.pop()
            if expanded:
                out.append(cid)
                continue
            if cid in seen:
                continue
            seen.add(cid)
            stack.append((cid, True))
            stack.extend((d, False) for d in calls[cid].deps if d not in seen)
    return out
