"""The simulator: a discrete-event executor in virtual time (DESIGN §5).

A call lasts its declared cost. Compute calls that share processors slow each other: n calls on
c processors each progress at rate min(1, c/n) / (1 + α·max(0, n/c − 1)). Pinned calls share
their one processor (c = 1); unpinned ones (--compute eager) share all P. Inout calls and LLM
turns progress at rate 1 whatever else runs. Deterministic: no clock, no randomness.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from orchtui.executors.base import ExecEvent, Executor, Task, TaskFinished, TaskStarted

EPS = 1e-9


@dataclass
class _Group:
    """Tasks that progress at one common rate: the compute calls pinned to one processor
    (c = 1), the unpinned pool (c = P), or everything else (inout calls and LLM turns: rate 1).

    Every member does the same work per second, so the group keeps one counter, `work`, of the
    work each member has done since the group opened, and a heap of the counter's value at
    which each member ends. A step of the simulation then costs O(groups + log tasks), not
    O(tasks): thousands of calls running at once stay cheap."""

    c: int  # processors the members share; 0: not compute, rate 1 whatever runs
    work: float = 0.0
    ends: list[tuple[float, int, str]] = field(default_factory=list)  # (work at end, seq, key)

    def rate(self, alpha: float) -> float:
        if not self.c:
            return 1.0
        n = len(self.ends)
        return min(1.0, self.c / n) / (1.0 + alpha * max(0.0, n / self.c - 1.0))


class SimExecutor(Executor):
    mode = "sim"

    def __init__(self, processors: int, alpha: float) -> None:
        super().__init__(tuple(range(processors)))
        self.alpha = alpha
        self.t = 0.0
        self.running: dict[str, Task] = {}
        self.groups: dict[object, _Group] = {}
        self.started: list[ExecEvent] = []
        self.seq = 0

    def now(self) -> float:
        return self.t

    def in_flight(self) -> int:
        return len(self.running)

    def start_clock_at(self, seconds: float) -> None:
        self.t = max(self.t, seconds)

    def launch(self, task: Task) -> None:
        self.seq += 1
        self.running[task.key] = task
        key = self._group(task)
        group = self.groups.get(key)
        if group is None:
            c = 0 if task.kind != "compute" else self.processors if task.pool else 1
            group = self.groups[key] = _Group(c)
        heapq.heappush(group.ends, (group.work + max(task.cost, 0.0), self.seq, task.key))
        cpu = None if task.processor is None or task.pool else self.cpus[task.processor]
        self.started.append(TaskStarted(task.key, self.t, cpu))

    def rate(self, task: Task) -> float:
        """The rate at which `task` progresses now (it must be running)."""
        return self.groups[self._group(task)].rate(self.alpha)

    @staticmethod
    def _group(task: Task) -> object:
        if task.kind != "compute":
            return "free"
        return "pool" if task.pool else ("pinned", task.processor)

    def poll(self, timeout: float | None = None) -> list[ExecEvent]:
        # What started since the last poll, then what ends first: one poll a step, not two
        # (nothing can happen between them: the starts are at the current instant).
        out: list[ExecEvent] = self.started
        self.started = []
        if not self.running:
            return out
        alpha = self.alpha
        groups = list(self.groups.items())
        rates = [g.rate(alpha) for _, g in groups]
        dt = min(max(0.0, g.ends[0][0] - g.work) / rate
                 for (_, g), rate in zip(groups, rates, strict=True))
        self.t += dt
        done: list[tuple[int, str]] = []
        running = self.running
        for (k, g), rate in zip(groups, rates, strict=True):
            g.work += dt * rate
            ends, work = g.ends, g.work
            while ends:
                end, seq, key = ends[0]
                if end - work > EPS * max(1.0, running[key].cost):
                    break
                heapq.heappop(ends)
                done.append((seq, key))
            if not ends:
                del self.groups[k]
        done.sort()
        for _, key in done:
            task = self.running.pop(key)
            if task.fault:
                out.append(TaskFinished(key, self.t, ok=False,
                                        error=f"{task.fault} (injected fault)"))
            else:
                out.append(TaskFinished(key, self.t, True, f"<result of {key}>"))
        return out
