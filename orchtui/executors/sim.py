"""The simulator: a discrete-event executor in virtual time (DESIGN §5).

A call lasts its declared cost. Compute calls that share processors slow each other: n calls on
c processors each progress at rate min(1, c/n) / (1 + α·max(0, n/c − 1)). Pinned calls share
their one processor (c = 1); unpinned ones (--compute eager) share all P. Inout calls and LLM
turns progress at rate 1 whatever else runs. Deterministic: no clock, no randomness.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchtui.executors.base import ExecEvent, Executor, Task, TaskFinished, TaskStarted

EPS = 1e-9


@dataclass
class _Running:
    task: Task
    remaining: float
    seq: int


class SimExecutor(Executor):
    mode = "sim"

    def __init__(self, processors: int, alpha: float) -> None:
        super().__init__(tuple(range(processors)))
        self.alpha = alpha
        self.t = 0.0
        self.running: dict[str, _Running] = {}
        self.started: list[ExecEvent] = []
        self.seq = 0

    def now(self) -> float:
        return self.t

    def in_flight(self) -> int:
        return len(self.running)

    def launch(self, task: Task) -> None:
        self.seq += 1
        self.running[task.key] = _Running(task, max(task.cost, 0.0), self.seq)
        cpu = None if task.processor is None or task.pool else self.cpus[task.processor]
        self.started.append(TaskStarted(task.key, self.t, cpu=cpu))

    def rate(self, run: _Running, groups: dict[object, int]) -> float:
        task = run.task
        if task.kind != "compute":
            return 1.0
        n = groups[self._group(task)]
        c = self.processors if task.pool else 1
        return min(1.0, c / n) / (1.0 + self.alpha * max(0.0, n / c - 1.0))

    @staticmethod
    def _group(task: Task) -> object:
        return "pool" if task.pool else task.processor

    def poll(self, timeout: float | None = None) -> list[ExecEvent]:
        if self.started:
            out, self.started = self.started, []
            return out
        if not self.running:
            return []
        groups: dict[object, int] = {}
        for r in self.running.values():
            if r.task.kind == "compute":
                g = self._group(r.task)
                groups[g] = groups.get(g, 0) + 1
        rates = {k: self.rate(r, groups) for k, r in self.running.items()}
        dt = min(r.remaining / rates[k] for k, r in self.running.items())
        self.t += dt
        done: list[_Running] = []
        for k, r in self.running.items():
            r.remaining -= dt * rates[k]
            if r.remaining <= EPS * max(1.0, r.task.cost):
                done.append(r)
        done.sort(key=lambda r: r.seq)
        out: list[ExecEvent] = []
        for r in done:
            del self.running[r.task.key]
            if r.task.fault:
                out.append(TaskFinished(r.task.key, self.t, ok=False,
                                        error=f"{r.task.fault} (injected fault)"))
            else:
                out.append(TaskFinished(r.task.key, self.t, ok=True,
                                        value=f"<result of {r.task.key}>"))
        return out
