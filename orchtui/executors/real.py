"""The real executor (DESIGN §5): compute calls on long-lived worker processes pinned to the
allocated CPUs; inout calls on I/O workers, processes of the same pool allowed on every CPU the
engine may use (they occupy no processor); LLM turns (waits, no user code) on engine threads.

An inout call runs in a process of its own for as long as it runs, not on a thread of the
engine: a crash, `os._exit`, a hang past its timeout or what it prints then fails or stays with
that call alone, as for compute calls. Idle I/O workers are reused; a fan-out of N concurrent
inout calls uses N of them, up to IO_MAX (the rest wait for one, in launch order)."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from orchtui.executors.base import (
    ContextHook,
    ExecEvent,
    Executor,
    Task,
    TaskFinished,
    TaskStarted,
)
from orchtui.executors.workers import JobFinished, JobStarted, WorkerPool
from orchtui.scenario.model import Scenario

# While LLM turns run on threads, the worker pipes are polled in slices this long, so a thread's
# completion is seen within it. Worker completions wake the poll at once.
THREAD_SLICE = 0.002
IO_WARM = 8  # I/O workers started with the executor, at most
# Inout calls running at once, at most (an I/O worker costs ~5 MB of its own); more wait for
# one to finish, in launch order.
IO_MAX = 128
PRELOAD_TIMEOUT = 10.0  # seconds a worker may take to import the scenario's functions


def _inout_calls(scenario: Scenario) -> int:
    """How many inout calls of the scenario's plan may run at once, at most: the most that
    share a rank (calls of one rank never depend on each other). One if it has no plan but
    has inout functions."""
    kinds = {f.name: f.kind for f in scenario.functions if f.impl}
    if scenario.plan is None:
        return int("inout" in kinds.values())
    rank: dict[str, int] = {}
    width: dict[int, int] = {}
    for c in scenario.plan.calls:  # in plan order: a call's references come before it
        r = rank[c.id] = 1 + max((rank.get(ref, 0) for ref in c.refs), default=0)
        if kinds.get(c.function) == "inout":
            width[r] = width.get(r, 0) + 1
    return max(width.values(), default=0)


@contextmanager
def _deferred(*signals: signal.Signals) -> Iterator[None]:
    """Hold back `signals` (delivered when the block ends) while processes are being started.
    Ctrl-C raises KeyboardInterrupt wherever this thread is: in the middle of handing a new
    worker to the forkserver, it leaves a half-started process that prints a traceback to our
    stderr before it dies. Held back, it lands a moment later, once the worker is known to the
    pool, which ends it."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class RealExecutor(Executor):
    mode = "real"

    def __init__(self, scenario: Scenario, cpus: tuple[int, ...],
                 memory_limit_bytes: int | None = None,
                 context: ContextHook | None = None) -> None:
        super().__init__(cpus)
        self._init_engine_threads(scenario, queue.SimpleQueue(), context)
        self._open_local_workers(cpus, memory_limit_bytes)

    def _open_local_workers(self, compute_cpus: tuple[int, ...],
                            memory_limit_bytes: int | None) -> None:
        """Start the pool of local worker processes: one pinned to each CPU of `compute_cpus`
        (none for executors whose compute calls run elsewhere: Dask) and the I/O workers for
        the plan's inout calls, with their functions loaded; then start the clock. Shared
        with the Dask executor, whose inout calls run here too."""
        context = self.context
        hook = None if context is None else (context.enter, context.payload)
        # each processor's CPU as the pool's key, made once rather than per call
        self.one_cpu = [frozenset({c}) for c in self.cpus]
        # the pinned compute workers run as batch work (see WorkerPool); I/O workers do not
        self.pool = WorkerPool(memory_limit_bytes=memory_limit_bytes, context=hook,
                               batch=[frozenset({c}) for c in compute_cpus])
        # I/O workers for the plan's inout calls (up to IO_WARM), ready before the clock
        # starts: starting one in the middle of a fan-out costs the engine a few ms each, and
        # its set-up takes CPU from the calls running then. A larger fan-out starts the rest.
        io = min(IO_WARM, _inout_calls(self.scenario))
        workers = [frozenset({c}) for c in compute_cpus] + [self.io_cpus] * io
        with _deferred(signal.SIGINT, signal.SIGTERM):
            self.pool.warm(workers, wait_ready=False)
        # Jobs for the idle workers just started (no process is started here): a Ctrl-C
        # during a slow import ends the run at once. Each worker finds its job in its pipe and
        # starts loading as soon as it is set up, not once the last one is.
        self.pool.preload(self._impls(compute_cpus), PRELOAD_TIMEOUT)
        self.pool.warm(workers)  # and those that had nothing to load are ready too
        self.t0 = time.perf_counter()

    def _impls(self, cpus: tuple[int, ...]
               ) -> dict[frozenset[int], list[tuple[str, str | None]]]:
        """The functions each kind of worker will run, to load before the clock starts."""
        def of(kind: str) -> list[tuple[str, str | None]]:
            return [(f.impl, self.base_dir) for f in self.scenario.functions
                    if f.kind == kind and f.impl]

        out = {frozenset({c}): of("compute") for c in cpus}
        out[self.io_cpus] = out.get(self.io_cpus, []) + of("inout")
        return out

    def _init_engine_threads(self, scenario: Scenario, inbox: Any,
                             context: ContextHook | None = None) -> None:
        """The state of LLM turns run on engine threads and of the local worker pool (opened
        by `_open_local_workers`). Shared with executors that run compute elsewhere (Dask),
        which pass their own inbox."""
        self.scenario = scenario
        self.context = context
        self.pool: WorkerPool | None = None
        self.worker_jobs: set[str] = set()  # calls on local workers: compute and inout
        self.io_running: set[str] = set()  # inout calls on I/O workers
        self.io_waiting: deque[Task] = deque()  # inout calls past IO_MAX, in launch order
        self.base_dir = os.path.abspath(str(scenario.base_dir))
        self.threads: queue.SimpleQueue[ExecEvent] = inbox
        # key -> (deadline on perf_counter, the timeout) of calls running on threads
        self.thread_jobs: dict[str, tuple[float, float] | None] = {}
        self.abandoned: set[str] = set()  # timed-out thread jobs whose late result is ignored
        self.engine_affinity = tuple(sorted(os.sched_getaffinity(0)))
        # I/O workers may run on every CPU the engine may use: they occupy no processor.
        self.io_cpus = frozenset(self.engine_affinity)
        self.closed = False

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def in_flight(self) -> int:
        return len(self.thread_jobs) + len(self.worker_jobs) + len(self.io_waiting)

    def start_clock_at(self, seconds: float) -> None:
        self.t0 = time.perf_counter() - seconds

    def warm(self, hook: str, arg: Any, timeout: float) -> None:
        pool = self.pool
        assert pool is not None
        for n, cpu in enumerate(self.cpus):
            pool.submit(f"warm:{n}", frozenset({cpu}), hook, None, (arg,), {}, timeout)
        while pool.pending():
            pool.poll(1.0)
        self.t0 = time.perf_counter()

    def launch(self, task: Task) -> None:
        if task.kind == "compute":
            self._launch_compute(task)
        elif task.kind == "inout":
            if len(self.io_running) >= IO_MAX:
                self.io_waiting.append(task)  # starts when an I/O worker is free
                return
            self.io_running.add(task.key)
            self._launch_on_worker(task, self.io_cpus)
        else:
            self._launch_thread(task)

    def _launch_compute(self, task: Task) -> None:
        if task.pool or task.processor is None:
            self._launch_on_worker(task, frozenset(self.cpus))
        else:
            self._launch_on_worker(task, self.one_cpu[task.processor])

    def _launch_on_worker(self, task: Task, cpus: frozenset[int]) -> None:
        fn = task.function
        if fn is None or not fn.impl:
            name = getattr(fn, "name", "?")
            self.threads.put(TaskFinished(task.key, self.now(), False,
                                          error=f"function {name} has no impl to run"))
            self.thread_jobs[task.key] = None
            return
        assert self.pool is not None
        self.worker_jobs.add(task.key)
        call = (task.key, task.cost, task.kind)
        if self.pool.has_idle(cpus):  # no worker to start: no need to hold signals back
            self.pool.submit(task.key, cpus, fn.impl, self.base_dir, task.args, task.kwargs,
                             fn.timeout, call=call)
            return
        with _deferred(signal.SIGINT, signal.SIGTERM):  # submit() starts a worker
            self.pool.submit(task.key, cpus, fn.impl, self.base_dir, task.args, task.kwargs,
                             fn.timeout, call=call)

    def _launch_thread(self, task: Task) -> None:
        timeout = task.function.timeout if task.function else None
        self.thread_jobs[task.key] = None if timeout is None else (
            time.perf_counter() + timeout, timeout)
        threading.Thread(target=self._thread_main, args=(task,), daemon=True,
                         name=f"orchtui-{task.key}").start()

    def _thread_main(self, task: Task) -> None:
        """Wait out an LLM turn (no user code runs on engine threads) and report it. A turn
        past its timeout is reported failed by poll() and its late end dropped."""
        self.threads.put(TaskStarted(task.key, self.now(), None, os.getpid(),
                                     self.engine_affinity))
        time.sleep(task.cost)
        self.threads.put(TaskFinished(task.key, self.now(), True, None))

    def _call_setup(self, task: Task) -> tuple[str, tuple] | None:
        """The context hook and its argument for one call, for executors that send it with
        each call (Dask); local workers get the payload once instead."""
        if self.context is None:
            return None
        impl = task.function.impl if task.function else None
        return self.context.enter, (self.context.payload, task.key, task.cost, task.kind, impl)

    def poll(self, timeout: float | None = None) -> list[ExecEvent]:
        deadline = None if timeout is None else time.perf_counter() + timeout
        while True:
            # Nothing on threads is the usual case: then the queue need not be looked at.
            out = self._drain_threads() if self.thread_jobs or self.abandoned else []
            if self.worker_jobs:
                wait = 0.0 if out else THREAD_SLICE if self.thread_jobs else (
                    None if deadline is None else max(0.0, deadline - time.perf_counter()))
                out += self._pool_events(wait)
            elif not out and self.thread_jobs:
                time.sleep(THREAD_SLICE)
                out = self._drain_threads()
            if out or not self.in_flight():
                return out
            if deadline is not None and time.perf_counter() >= deadline:
                return out

    def _drain_threads(self) -> list[ExecEvent]:
        out: list[ExecEvent] = []
        while True:
            try:
                e = self.threads.get_nowait()
            except queue.Empty:
                break
            if e.key in self.abandoned:
                if isinstance(e, TaskFinished):
                    self.abandoned.discard(e.key)
                continue
            if isinstance(e, TaskFinished):
                self.thread_jobs.pop(e.key, None)
            out.append(e)
        now = time.perf_counter()
        for key, limit in list(self.thread_jobs.items()):
            if limit is not None and now >= limit[0]:
                del self.thread_jobs[key]
                self.abandoned.add(key)
                out.append(TaskFinished(key, self.now(), False,
                                        error=f"timed out after {limit[1]:g} s"))
        return out

    def _pool_events(self, wait: float | None) -> list[ExecEvent]:
        out: list[ExecEvent] = []
        assert self.pool is not None
        for e in self.pool.poll(wait):
            if isinstance(e, JobStarted):
                out.append(TaskStarted(e.job, e.t - self.t0, e.cpu, e.pid, tuple(e.affinity)))
            elif isinstance(e, JobFinished):
                self.worker_jobs.discard(e.job)
                if e.job in self.io_running:
                    self.io_running.discard(e.job)
                    if self.io_waiting:
                        self.launch(self.io_waiting.popleft())
                t_return = None if e.t_return is None else e.t_return - self.t0
                out.append(TaskFinished(e.job, e.t - self.t0, e.ok, e.value, e.error, t_return,
                                        e.output))
        return out

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.pool is not None:
                self.pool.close()
