"""The real executor (DESIGN §5): compute calls on long-lived worker processes pinned to the
allocated CPUs; inout calls and LLM turns on threads of the engine process, occupying no CPU."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import forkserver, resource_tracker
from typing import Any

from orchtui.executors.base import ExecEvent, Executor, Task, TaskFinished, TaskStarted
from orchtui.executors.workers import (
    JobFinished,
    JobStarted,
    WorkerPool,
    describe_exception,
    load_impl,
)
from orchtui.functions.context import FunctionContext, call_context
from orchtui.functions.context import activate as activate_context
from orchtui.scenario.model import Scenario

# Called in the worker before each compute call, with that call's FunctionContext.
_CONTEXT_HOOK = "orchtui.functions.context:activate"
# While inout calls run on threads, the worker pipes are polled in slices this long, so a thread's
# completion is seen within it. Compute completions wake the poll at once.
THREAD_SLICE = 0.002


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
                 memory_limit_bytes: int | None = None) -> None:
        super().__init__(cpus)
        # Workers set these themselves, but the forkserver they fork from may already have
        # loaded a BLAS that read them: set them before the first worker exists.
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS"):
            os.environ[var] = "1"
        self._init_engine_threads(scenario, queue.SimpleQueue())
        self.pool = WorkerPool(memory_limit_bytes=memory_limit_bytes)
        # The forkserver (started once per process) inherits this mask: SIGINT stays blocked
        # in it, so a Ctrl-C sent to the whole process group while it imports its preloads
        # cannot print a traceback from it. SIGTERM is not blocked there: the pool ends its
        # workers with SIGTERM. The resource tracker shields itself, then unblocks both
        # signals in the caller, so it must be started first.
        resource_tracker.ensure_running()
        with _deferred(signal.SIGINT):
            forkserver.ensure_running()
        with _deferred(signal.SIGINT, signal.SIGTERM):
            self.pool.warm([frozenset({c}) for c in cpus])
        self.t0 = time.perf_counter()
        self.compute_jobs: set[str] = set()

    def _init_engine_threads(self, scenario: Scenario, inbox: Any) -> None:
        """The state of inout calls and LLM turns run on engine threads. Shared with executors
        that run compute elsewhere (Dask), which pass their own inbox."""
        self.scenario = scenario
        self.base_dir = os.path.abspath(str(scenario.base_dir))
        self.threads: queue.SimpleQueue[ExecEvent] = inbox
        # key -> (deadline on perf_counter, the timeout) of calls running on threads
        self.thread_jobs: dict[str, tuple[float, float] | None] = {}
        self.abandoned: set[str] = set()  # timed-out thread jobs whose late result is ignored
        self.engine_affinity = tuple(sorted(os.sched_getaffinity(0)))
        self.closed = False

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def in_flight(self) -> int:
        return len(self.thread_jobs) + len(self.compute_jobs)

    def start_clock_at(self, seconds: float) -> None:
        self.t0 = time.perf_counter() - seconds

    def warm(self, hook: str, arg: Any, timeout: float) -> None:
        pool = getattr(self, "pool", None)  # Dask runs compute elsewhere: nothing local
        if pool is None:
            return
        for n, cpu in enumerate(self.cpus):
            pool.submit(f"warm:{n}", frozenset({cpu}), hook, None, (arg,), {}, timeout)
        while pool.pending():
            pool.poll(1.0)
        self.t0 = time.perf_counter()

    def launch(self, task: Task) -> None:
        if task.kind == "compute":
            self._launch_compute(task)
        else:
            self._launch_thread(task)

    def _launch_compute(self, task: Task) -> None:
        fn = task.function
        assert fn is not None
        if not fn.impl:
            self.threads.put(TaskFinished(task.key, self.now(), False,
                                          error=f"function {fn.name} has no impl to run"))
            self.thread_jobs[task.key] = None
            return
        cpus = frozenset(self.cpus) if task.pool or task.processor is None else frozenset(
            {self.cpus[task.processor]})
        self.compute_jobs.add(task.key)
        with _deferred(signal.SIGINT, signal.SIGTERM):  # submit() may start a worker
            self.pool.submit(task.key, cpus, fn.impl, self.base_dir, task.args, task.kwargs,
                             fn.timeout, setup=(_CONTEXT_HOOK, self._context(task)))

    def _launch_thread(self, task: Task) -> None:
        timeout = task.function.timeout if task.function else None
        self.thread_jobs[task.key] = None if timeout is None else (
            time.perf_counter() + timeout, timeout)
        threading.Thread(target=self._thread_main, args=(task,), daemon=True,
                         name=f"orchtui-{task.key}").start()

    def _thread_main(self, task: Task) -> None:
        """Run an inout call (or wait out an LLM turn) and report it. Threads cannot be killed:
        a call past its timeout is reported failed by poll() and its late result dropped."""
        t = self.now()
        self.threads.put(TaskStarted(task.key, t, None, os.getpid(), self.engine_affinity))
        try:
            if task.kind == "llm":
                time.sleep(task.cost)
                value: Any = None
            else:
                fn = task.function
                if fn is None or not fn.impl:
                    raise RuntimeError(f"function {getattr(fn, 'name', '?')} has no impl to run")
                activate_context(self._context(task))
                value = load_impl(fn.impl, self.base_dir)(*task.args, **task.kwargs)
            self.threads.put(TaskFinished(task.key, self.now(), True, value))
        except BaseException as exc:  # a user function: anything it raises fails its call
            self.threads.put(TaskFinished(task.key, self.now(), False,
                                          error=describe_exception(exc)))

    def _context(self, task: Task) -> FunctionContext:
        """What orchtui.functions need to know about this call: the scenario's folder, the
        call's declared latency, the model (live or recorded replies). No API key."""
        impl = task.function.impl if task.function else None
        return call_context(self.scenario, task.key, task.cost, task.kind, impl)

    def poll(self, timeout: float | None = None) -> list[ExecEvent]:
        deadline = None if timeout is None else time.perf_counter() + timeout
        while True:
            out = self._drain_threads()
            if self.compute_jobs:
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
        for e in self.pool.poll(wait):
            if isinstance(e, JobStarted):
                out.append(TaskStarted(e.job, e.t - self.t0, e.cpu, e.pid, tuple(e.affinity)))
            elif isinstance(e, JobFinished):
                self.compute_jobs.discard(e.job)
                t_return = None if e.t_return is None else e.t_return - self.t0
                out.append(TaskFinished(e.job, e.t - self.t0, e.ok, e.value, e.error, t_return))
        return out

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.pool.close()
