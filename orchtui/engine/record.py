"""A run folded from its events: per-call timings and placement, makespan, the lower bound.

Built from events only, so a live run, a JSONL trace and a replay summarise the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from orchtui.engine import events as ev


@dataclass(slots=True)  # slots: a 100,000-call run keeps 100,000 of them
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
    status: str = "waiting"  # waiting, scheduled, queued, running, done, failed, skipped,
    # cancelled (running when the run was cancelled)
    preview: str = ""
    error: str = ""
    output: str = ""  # what the function printed (stdout and stderr, bounded)
    reason: str = ""  # the latest decision about it
    shared: bool = False
    pool: bool = False
    # Tuples, grown on the rare retry: two empty lists per call were a tenth of a long sim's
    # record.
    retried: tuple[str, ...] = ()  # why each lost attempt ended
    # the lost attempts themselves: (start, end, processor, cpu), for the Chrome trace
    lost: tuple[tuple[float, float, int | None, int | None], ...] = ()


def returned(start: float | None, e: ev.Finished | ev.Failed) -> float:
    """When a finished or failed call's function returned (or raised): `e.t`, or earlier
    where its duration says so (the engine took the result late: a paused or paced real run).
    A sim call's duration is `e.t - start` exactly, so it ends at `e.t`, to the bit; a failure
    without a duration (a timeout, a crash) ends at `e.t`."""
    if start is None or e.duration is None:
        return e.t
    end = start + e.duration
    return end if end < e.t - RETURN_EPS else e.t


RETURN_EPS = 1e-6  # below this, `start + duration` is `e.t` rounded


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
    error: str = ""  # why the run failed, when no call's failure says it
    llm: str = ""  # RunStarted.llm: "recorded", "none" or the live model's name
    now: float = 0.0
    recoveries: int = 0
    repairs: list[tuple[str, str, str]] = field(default_factory=list)  # (call, before, after)
    warnings: tuple[dict[str, Any], ...] = ()  # the plan's PlanWarnings, from PlanReady
    _before_recovery: dict[str, str] = field(default_factory=dict, repr=False)

    def apply(self, e: ev.Event) -> None:
        # One dict lookup per event rather than a match over a dozen classes: a long sim run
        # folds hundreds of thousands of events, and the TUI folds them while the engine runs.
        if e.t > self.now:
            self.now = e.t
        handler = _HANDLERS.get(type(e))
        if handler is not None:
            handler(self, e)

    def _run_started(self, e: ev.RunStarted) -> None:
        self.scenario, self.policy, self.processors = e.scenario, e.policy, e.processors
        self.cpus, self.mode, self.compute = e.cpus, e.mode, e.compute
        self.lanes = e.lanes
        self.llm = e.llm

    def _plan_ready(self, e: ev.PlanReady) -> None:
        self.warnings = e.warnings

    def _graph_ready(self, e: ev.GraphReady) -> None:
        calls, fields = self.calls, _GRAPH_FIELDS
        for d in e.calls:
            cid, function, kind, rank, deps, cost = fields(d)
            calls[cid] = CallRecord(cid, function, kind, rank, tuple(deps), cost)
        self.exclusive_groups = e.exclusive_groups

    def _scheduled(self, e: ev.Scheduled) -> None:
        calls = self.calls
        for cid in e.calls:
            c = calls.get(cid)
            if c is not None:
                c.status = "scheduled"
                c.reason = e.reason

    def _queued(self, e: ev.Queued) -> None:
        c = self.calls.get(e.call)
        if c is not None:
            c.status, c.reason = "queued", e.reason

    def _dispatched(self, e: ev.Dispatched) -> None:
        c = self.calls.get(e.call)
        if c is not None:
            c.processor, c.reason, c.shared, c.pool = e.processor, e.reason, e.shared, e.pool
            c.status = "running"

    def _started(self, e: ev.Started) -> None:
        c = self.calls.get(e.call)
        if c is not None:
            c.start, c.cpu, c.pid, c.status = e.t, e.cpu, e.pid, "running"
            c.end, c.error, c.preview, c.output = None, "", "", ""
            if e.processor is not None:  # a retry may run elsewhere
                c.processor = e.processor

    def _retried(self, e: ev.Retried) -> None:
        c = self.calls.get(e.call)
        if c is not None:
            c.retried += (e.error,)
            start = c.start if c.start is not None else e.t
            c.lost += ((start, e.t, e.processor, c.cpu),)

    def _finished(self, e: ev.Finished) -> None:
        c = self.calls.get(e.call)
        if c is not None:
            c.end, c.status, c.preview, c.output = returned(c.start, e), "done", e.preview, e.output

    def _failed(self, e: ev.Failed) -> None:
        c = self.calls.get(e.call)
        if c is not None:
            c.end, c.status, c.error, c.output = returned(c.start, e), "failed", e.error, e.output
            if c.start is None:
                c.start = e.t

    def _skipped(self, e: ev.Skipped) -> None:
        c = self.calls.get(e.call)
        if c is not None:
            c.status, c.reason = "skipped", e.reason

    def _turn_started(self, e: ev.TurnStarted) -> None:
        self.turns.append((e.turn, e.t, None))

    def _turn_finished(self, e: ev.TurnFinished) -> None:
        for n in range(len(self.turns) - 1, -1, -1):
            if self.turns[n][0] == e.turn and self.turns[n][2] is None:
                self.turns[n] = (e.turn, self.turns[n][1], e.t)
                break

    def _recovery_started(self, e: ev.RecoveryStarted) -> None:
        self.recoveries += 1
        self._before_recovery = {cid: self.calls[cid].status for cid in e.reset
                                 if cid in self.calls}
        for cid in self._before_recovery:
            self.calls[cid].status = "recovering"

    def _recovery_failed(self, e: ev.RecoveryFailed) -> None:
        for cid, status in self._before_recovery.items():
            if self.calls[cid].status == "recovering":
                self.calls[cid].status = status

    def _call_repaired(self, e: ev.CallRepaired) -> None:
        self.repairs.append((e.call, e.before, e.after))

    def _run_finished(self, e: ev.RunFinished) -> None:
        self.makespan, self.status, self.answer = e.makespan, e.status, e.answer
        self.error = e.error
        if e.status == "cancelled":  # the calls running then ended with the run, unfinished
            for c in self.calls.values():
                if c.status == "running" and c.start is not None:
                    c.status, c.end = "cancelled", e.t

    @classmethod
    def from_events(cls, events: Iterable[ev.Event]) -> RunRecord:
        rec = cls()
        for e in events:
            rec.apply(e)
        return rec

    # -- measures -----------------------------------------------------------------------------
    def live_turn(self) -> float | None:
        """The mean length of this run's model turns when they were live model calls (measured),
        else None: a recorded run's turns are modelled (the scenario's llm_turn), and a replayed
        stream's plan turn lasts as long as the replay, no model's turn."""
        if self.mode == "sim" or self.llm in ("", "recorded", "none"):
            return None
        lengths = [end - start for _, start, end in self.turns if end is not None]
        return sum(lengths) / len(lengths) if lengths else None

    def durations(self, measured: bool) -> dict[str, float]:
        """Each call's duration: measured in this run where it ran, else declared."""
        if not measured:
            return {cid: c.cost for cid, c in self.calls.items()}
        out = {}
        for cid, c in self.calls.items():
            if c.start is not None and c.end is not None and c.status == "done":
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
        reached = finish.__getitem__  # through map: no list built per call
        try:  # the calls come in a topological order (the graph's) unless a trace says not
            for cid, c in self.calls.items():
                deps = c.deps
                finish[cid] = dur[cid] + (max(map(reached, deps)) if deps else 0.0)
        except KeyError:
            finish.clear()
            for cid in _topological(self.calls):
                c = self.calls[cid]
                finish[cid] = dur[cid] + max((finish[d] for d in c.deps), default=0.0)
        critical = max(finish.values(), default=0.0)
        work = sum(dur[cid] for cid, c in self.calls.items() if c.kind == "compute")
        return max(critical, work / max(self.processors, 1))

    def to_json(self) -> dict[str, Any]:
        return {**self._json_head(), "calls": [_call_json(c) for c in self.calls.values()],
                "repairs": self._json_repairs()}

    def json_text(self) -> Iterator[str]:
        """`json.dumps(self.to_json())`, in pieces of _JSON_CHUNK calls, so that a 100,000-call
        run is not held twice more in memory (as dicts, then as one string) to be printed."""
        head = json.dumps(self._json_head())
        yield head[:-1] + ', "calls": ['
        # Encoded _JSON_CHUNK calls at a time: one json.dumps per call cost as much again
        # (each sets up an encoder), and one write per call is one system call unbuffered.
        calls = list(self.calls.values())
        for start in range(0, len(calls), _JSON_CHUNK):
            chunk = json.dumps([_call_json(c) for c in calls[start : start + _JSON_CHUNK]])
            yield (", " if start else "") + chunk[1:-1]
        yield '], "repairs": ' + json.dumps(self._json_repairs()) + "}"

    def _json_head(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "policy": self.policy, "processors": self.processors,
            "mode": self.mode, "status": self.status, "error": self.error,
            "turns": len(self.turns), "recoveries": self.recoveries,
            "makespan": _r(self.makespan), "lower_bound": _r(self.lower_bound()),
            "warnings": list(self.warnings),
        }

    def _json_repairs(self) -> list[dict[str, str]]:
        return [{"call": c, "before": b, "after": a} for c, b, a in self.repairs]


_GRAPH_FIELDS = itemgetter("id", "function", "kind", "rank", "deps", "cost")  # of GraphReady's
_JSON_CHUNK = 1000  # calls per piece of json_text
_JSON_STATUSES = frozenset(("done", "failed", "cancelled"))  # the rest did not run: skipped


def _call_json(c: CallRecord) -> dict[str, Any]:
    compute = c.kind == "compute"
    status = c.status
    out = {"id": c.id, "function": c.function, "kind": c.kind, "rank": c.rank,
           "processor": c.processor if compute else None,
           "cpu": c.cpu if compute else None,
           "start": None if c.start is None else round(c.start, 6),
           "end": None if c.end is None else round(c.end, 6),
           "status": status if status in _JSON_STATUSES else "skipped"}
    if c.retried:
        out["retried"] = list(c.retried)
    if status == "failed":
        out["error"] = c.error
    return out


_HANDLERS: dict[type, Any] = {
    ev.RunStarted: RunRecord._run_started,
    ev.PlanReady: RunRecord._plan_ready,
    ev.GraphReady: RunRecord._graph_ready,
    ev.Scheduled: RunRecord._scheduled,
    ev.Queued: RunRecord._queued,
    ev.Dispatched: RunRecord._dispatched,
    ev.Started: RunRecord._started,
    ev.Retried: RunRecord._retried,
    ev.Finished: RunRecord._finished,
    ev.Failed: RunRecord._failed,
    ev.Skipped: RunRecord._skipped,
    ev.TurnStarted: RunRecord._turn_started,
    ev.TurnFinished: RunRecord._turn_finished,
    ev.RecoveryStarted: RunRecord._recovery_started,
    ev.CallRepaired: RunRecord._call_repaired,
    ev.RecoveryFailed: RunRecord._recovery_failed,
    ev.RunFinished: RunRecord._run_finished,
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
