"""The Dask executor (DESIGN §1, §5): compute calls on Dask distributed workers, one
single-thread worker pinned to each processor; inout calls on the real executor's local I/O
workers, and LLM turns on threads of the engine process, exactly as in the real executor (this
class reuses its I/O worker pool and thread machinery).

Inout calls stay next to the engine: they occupy no processor and wait on I/O, so a Dask
worker (and its CPU token) would be wasted on them, and the round trip through the scheduler
would add to each. Each runs in a local I/O worker process of its own, as under the real
executor: an `os._exit`, a crash, a hang past its timeout or what it prints fails or stays with
that call alone. The pool opens with the executor when the scenario has inout functions, else
at the first inout call.

    DaskExecutor(scenario, cpus)                      # a LocalCluster on this machine
    DaskExecutor(scenario, cpus, scheduler="tcp://host:8786")   # an existing cluster

Processors and workers
    Without a scheduler address it starts a `LocalCluster` on 127.0.0.1 of P worker processes
    (Nanny-managed), each with one thread and the resource ``CPU=1``, named 0..P-1; the
    `PinPlugin` pins worker i's every thread to ``cpus[i]``. With an address, it takes the first
    P workers that have one thread and ``CPU`` ≥ 1, ordered by (host, name), the shape that
    ``dask worker ADDRESS --nworkers N --nthreads 1 --resources CPU=1`` starts. Those workers
    were not started by orchtui, so it pins them on connect: a worker started pinned (a one-CPU
    mask, ``taskset -c N``, or ``ORCHTUI_CPU=N``) keeps its CPU; each other one gets, through
    the plugin, a CPU of its mask that no other worker of the run on that machine holds (the
    same for a replacement its Nanny starts). One for which no CPU is left runs unpinned, and
    its lane says ``host/worker NAME (not pinned)``. Processor p is always worker p: a compute
    call placed on p by the policy is submitted with ``workers=[address of p]``,
    ``allow_other_workers=False``, ``resources={"CPU": 1}``, so the policy's placement holds,
    and one worker thread with one CPU token means a worker never runs two calls at once. An
    unpinned call (``Task.pool``, ``--compute eager``) may go to any of the P workers.

    `lanes` names the processors ``host/cpu N``; `cpus` holds the workers' CPU ids (-1:
    unpinned).

    Consequence: where the real executor time-shares a CPU between two calls placed on it
    (llmorch's fallback, eager compute), Dask runs them one after the other on that worker.
    Started is reported when a call really starts, so the lanes show it.

Events
    The worker logs ``started`` / ``finished`` on a topic of this executor's own
    (``orchtui-<uuid>``); `client.subscribe_topic` pushes them here. A call's value comes back
    through its future. TaskStarted carries the time the worker took, the CPU, pid and affinity
    the executing thread read itself, and the worker's host (`DaskTaskStarted.host`). TaskFinished
    is stamped when the value reaches the engine, as in the real executor.

Clocks
    `now()` is ``time.perf_counter()`` since the executor opened. A worker on this machine (same
    boot id) reports ``perf_counter`` too, which is CLOCK_MONOTONIC, shared by all processes of
    a boot: its times are exact. A worker on another machine reports wall time
    (``time.time()``), compared with the engine's wall time at open: as good as the hosts' clock
    synchronisation (NTP: ~1 ms). Either is clamped between the call's launch and its receipt.

Failures: a lost worker retries the call elsewhere, a bounded number of times
    A worker lost mid-call (its process killed, its machine gone) says nothing about the call,
    so the call runs again, on the run's workers that are up at that moment (Dask picks the one
    whose CPU token frees first; a replacement that comes up later is not waited for), as many
    times as its function's ``retries:`` allows (default 1; 0 turns it off). If none is up, it
    waits for one, as below. The policy still counts the call on the processor it chose until
    it ends; a call it places meanwhile on the retry's processor waits behind the retry (one
    CPU token per worker), which keeps every CPU at one call. Each lost attempt is a
    TaskRetried (the runner's Retried event: the lane's bar ends in ✗, the recovery log says
    why), and the retry's TaskStarted names the processor it runs on. Past the last retry the
    call fails with one line, e.g. ``worker lost mid-call: Dask worker 0 (host/cpu 1, pid
    4242) died; attempt 2 of 2, no retry left``. A call that kills every worker it runs on
    (segfault, ``os._exit``, the memory limit) costs ``retries + 1`` workers, which their
    Nannies restart; set ``retries: 0`` for such functions.
    A call that was only waiting on that worker (queued behind another one) never ran: it is
    submitted again, once, without counting as a retry.
    The LocalCluster's scheduler runs with ``allowed-failures: 0`` so that Dask itself never
    re-runs a task (KilledWorker comes at once, and the retry is the executor's, counted and
    shown); with an external scheduler the executor watches ``remove-worker`` on the ``all``
    topic and cancels the task itself, so it never waits for a worker that is gone.
    A Nanny restarts a lost worker; the replacement pins itself to the same CPU and serves
    processor p again. A call placed on p meanwhile waits for it, up to `replace_wait` seconds
    (30), then fails. When every worker of the run is gone and none of their Nannies answers
    any more, nothing will come back: `fatal` holds one line (``no Dask worker left: ...``),
    every waiting and later compute call fails with it at once, and the CLI prints it.
    A compute call past its function's `timeout` (counted from its start: Dask may have queued
    it on its worker first) fails; its worker is killed (SIGKILL here, `restart_workers` on
    another host) and replaced, which frees the CPU.

Closing
    `close()` cancels what is in flight and, for the LocalCluster, shuts it down; a worker still
    busy in a call gets 0.5 s, then SIGKILL, as in the real executor. No worker is left (the
    multiprocessing resource tracker, a helper of this interpreter, stays until it exits). If the
    engine itself dies, Dask's workers notice their parent is gone and exit. LocalCluster workers
    ignore SIGINT: Ctrl-C is the engine's to handle. close() is idempotent and registered with
    `atexit`. Dask's log handlers are muted while the executor is open, so nothing draws over
    the TUI; every failure reaches the engine as an event instead.

Function context
    The caller's ContextHook (the run's context for orchtui.functions) goes to the Dask
    workers with each call (`RealExecutor._call_setup`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import signal
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Any

import psutil

from orchtui.errors import OrchError
from orchtui.executors.base import (
    ContextHook,
    ExecEvent,
    Executor,
    Task,
    TaskFinished,
    TaskRetried,
    TaskStarted,
)
from orchtui.executors.real import THREAD_SLICE, RealExecutor
from orchtui.executors.workers import one_line
from orchtui.scenario.model import Scenario

try:
    import dask
    from distributed import Client, KilledWorker, LocalCluster
    from distributed.comm import get_address_host_port

    from orchtui.executors.dask_plugin import (
        CallArgs,
        CallDone,
        CallFailed,
        PinPlugin,
        boot_id,
        run_call,
        worker_facts,
    )
except ImportError as _err:  # pragma: no cover - depends on the optional extra
    _IMPORT_ERROR: ImportError | None = _err
else:
    _IMPORT_ERROR = None

_QUIET = logging.CRITICAL + 10  # above every level Dask logs at
# The LocalCluster's settings (the Nannies pass them on to every worker, replacements too):
LOCAL_CLUSTER_CONFIG = {
    # A worker lost mid-call fails the call at once (KilledWorker); no silent re-run.
    "distributed.scheduler.allowed-failures": 0,
    # Dask samples the running call's stack every 10 ms on the worker's event loop: on the one
    # CPU the worker is pinned to, that is time taken from the call.
    "distributed.worker.profile.enabled": False,
    # Dask's default also sets MALLOC_TRIM_THRESHOLD_=65536, which makes glibc hand freed memory
    # back at once: numpy-heavy calls then page-fault 20-35x more (measured on the KITTI-style
    # stereo: 0.3-0.5 s more system time per call). The local workers do not set it either.
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1,
        "NUMEXPR_NUM_THREADS": 1,
    },
}
START_TIMEOUT = 60.0  # seconds for the cluster and its workers to come up
REPLACE_WAIT = 30.0  # seconds a call waits for the replacement of its processor's lost worker
CONNECT_TIMEOUT = 10.0
CLOSE_GRACE = 0.5  # seconds busy LocalCluster workers get to close before they are killed
PROBE_EVERY = 0.5  # seconds between checks, while no worker is up, that a Nanny may restart one


@dataclass(frozen=True, slots=True)
class DaskTaskStarted(TaskStarted):
    """TaskStarted plus the host of the worker (the lane reads ``host/cpu N``)."""

    host: str | None = None


@dataclass
class _Slot:
    """Processor `index`: the Dask worker called `name`, pinned to `cpu` on `host`."""

    index: int
    name: Any
    nanny: str | None = None  # the Nanny's address: its replacements keep it, not the name
    address: str | None = None  # None while the worker is down
    host: str = ""
    boot: str = ""
    pid: int | None = None
    cpu: int | None = None
    created: float | None = None  # the worker process's start time (psutil), on this machine
    lost_at: float | None = None  # perf_counter when its worker was lost
    lost_why: str = ""

    @property
    def label(self) -> str:
        host = _short_host(self.host) or "?"
        if self.cpu is not None:
            return f"{host}/cpu {self.cpu}"
        name = str(self.name)
        short = name.rsplit(":", 1)[-1] if "://" in name else name  # tcp://h:port -> port
        return f"{host}/worker {short} (not pinned)"


@dataclass
class _Job:
    key: str  # the call id
    dask_key: str
    processor: int | None  # None: unpinned (pool)
    future: Any
    address: str | None  # its worker: known at submit when pinned, at start when unpinned
    t_launch: float  # engine clock
    timeout: float | None
    deadline: float | None = None  # perf_counter; set when it starts
    started: bool = False
    t_return: float | None = None  # engine clock: when the function returned, in the worker
    task: Task | None = None
    resubmitted: bool = False
    attempt: int = 1
    anywhere: bool = False  # a retry: on any worker of the run, not its processor's


@dataclass(frozen=True)
class _Waiting:
    """A call that waits for a worker: its own (lost, being replaced) or, for a retry, any."""

    task: Task
    until: float  # perf_counter: then it fails
    attempt: int = 1
    anywhere: bool = False
    resubmitted: bool = False  # lost its worker once before it started


@dataclass(frozen=True)
class _Note:
    """Something a Dask thread saw, for the engine thread to act on (via the inbox)."""

    what: str  # "event" | "removed" | "outcome"
    data: Any
    key: str = ""  # RealExecutor's drain reads .key; no call has an empty id


class _Inbox:
    """The thread queue of RealExecutor (put / get_nowait), plus a wait that does not consume,
    so poll() sleeps until anything arrives instead of polling in slices."""

    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._cond = threading.Condition()

    def put(self, item: Any) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify()

    def get_nowait(self) -> Any:
        with self._cond:
            if not self._items:
                raise queue.Empty
            return self._items.popleft()

    def wait(self, timeout: float | None) -> None:
        with self._cond:
            self._cond.wait_for(lambda: bool(self._items), timeout)


def require_dask() -> None:
    if _IMPORT_ERROR is not None:
        raise OrchError("the dask executor needs Dask: pip install 'orchtui[dask]' "
                        f"({one_line(_IMPORT_ERROR)})")


def _dask_error(exc: BaseException) -> str:
    """One line from an exception Dask raised, whose message may hold a whole traceback."""
    text = str(exc)
    if "Traceback" in text:
        head = text.split("Traceback", 1)[0]
        lines = [ln for ln in text.splitlines() if ln.strip()]
        text = f"{head.strip()} ({lines[-1].strip()})" if lines else head
    text = " ".join(text.split())
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


class DaskExecutor(RealExecutor):
    mode = "dask"

    def __init__(self, scenario: Scenario, cpus: tuple[int, ...], scheduler: str | None = None,
                 memory_limit_bytes: int | None = None, start_timeout: float = START_TIMEOUT,
                 replace_wait: float = REPLACE_WAIT, context: ContextHook | None = None
                 ) -> None:
        require_dask()
        # Not RealExecutor.__init__: it would start local compute workers. Its thread state,
        # and its I/O workers (below).
        Executor.__init__(self, tuple(cpus))
        self._init_engine_threads(scenario, _Inbox(), context)
        self.memory_limit_bytes = memory_limit_bytes
        self.t0 = time.perf_counter()
        self.wall0 = time.time()

        self.scheduler = scheduler
        self.replace_wait = replace_wait
        self.topic = f"orchtui-{uuid.uuid4().hex[:12]}"
        self.plugin_name = f"{self.topic}-pin"
        self.boot = boot_id()
        self.jobs: dict[str, _Job] = {}  # dask key -> job, until its TaskFinished
        self.backlog: list[_Waiting] = []  # waiting for a worker
        self.by_address: dict[str, _Slot] = {}
        self.restarted: dict[str, str] = {}  # address -> why we killed it
        self.dead: dict[str, str] = {}  # address of a removed worker -> who it was
        # Set when every worker of the run is gone and no Nanny is left to replace one: every
        # call fails at once with this line (the CLI prints it) instead of waiting.
        self.fatal: str | None = None
        self._next_probe = 0.0
        self.cluster: Any = None
        self.client: Any = None
        self.slots: list[_Slot] = []
        try:
            self._open(memory_limit_bytes, start_timeout)
            if any(f.kind == "inout" and f.impl for f in scenario.functions):
                # Before the clock starts, as the real executor's: it restarts here.
                _ensure_resource_tracker()
                self._open_local_workers((), memory_limit_bytes)
                self.wall0 = time.time()
        except BaseException:
            self.close()
            raise
        atexit.register(self.close)

    # -- opening -------------------------------------------------------------------------------
    def _open(self, memory_limit_bytes: int | None, start_timeout: float) -> None:
        P = len(self.cpus)
        self._quiet_logs()
        if self.scheduler is None:
            self.cluster = _start_local_cluster(P, memory_limit_bytes)
            self.client = Client(self.cluster, set_as_default=False)
            self.slots = [_Slot(i, i) for i in range(P)]
            cpu_map: dict[Any, int] = dict(enumerate(self.cpus))
        else:
            try:
                self.client = Client(self.scheduler, set_as_default=False,
                                     timeout=CONNECT_TIMEOUT)
            except Exception as exc:
                raise OrchError(f"cannot reach the Dask scheduler at {self.scheduler}: "
                                f"{one_line(exc)}") from None
            chosen = self._choose_workers(P)
            self.slots = [_Slot(i, w["name"], w.get("nanny")) for i, w in enumerate(chosen)]
            cpu_map = self._pin_map(chosen)
        self.client.subscribe_topic(self.topic, self._on_topic)
        self.client.subscribe_topic("all", self._on_cluster)
        try:
            self.client.register_plugin(
                PinPlugin(self.topic, cpu_map,
                          ignore_sigint=self.scheduler is None or self.scheduler in _OURS),
                name=self.plugin_name)
        except Exception as exc:  # raised by a worker's set-up, e.g. orchtui not installed
            raise OrchError(f"the Dask workers could not set up orchtui's worker plugin "
                            f"(orchtui must be installed on every worker): {_dask_error(exc)}"
                            ) from None
        self._await_workers(start_timeout)
        if self.scheduler is not None:
            self.cpus = tuple(-1 if s.cpu is None else s.cpu for s in self.slots)
        # The clock starts once the workers are up, as the real executor's does after warming
        # its workers: a run's makespan does not include the cluster's start.
        self.t0 = time.perf_counter()
        self.wall0 = time.time()

    def _choose_workers(self, P: int) -> list[dict[str, Any]]:
        """The first P workers with one thread and CPU=1, by (host, name): the same ones for
        every run on an unchanged cluster, so a sweep's P=1 run uses one of its P=2 run's."""
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        fit = [{**w, "address": address} for address, w in workers.items() if _fits(w)]
        fit.sort(key=lambda w: (w.get("host", ""), str(w.get("name"))))
        if len(fit) < P:
            raise OrchError(
                f"the Dask cluster at {self.scheduler} has {len(fit)} worker(s) with one thread "
                f"and resource CPU=1; {P} processors need {P}. Start them as: dask worker "
                f"{self.scheduler} --nworkers N --nthreads 1 --resources CPU=1")
        return fit[:P]

    def _pin_map(self, chosen: list[dict[str, Any]]) -> dict[Any, int]:
        """A CPU for each chosen worker that was started unpinned, so that the plugin pins it
        on connect: one its mask allows that no other chosen worker on its machine has. A
        worker pinned at start (one-CPU mask, $ORCHTUI_CPU) keeps its CPU; one for which no
        CPU is left stays unpinned, and its lane says so."""
        try:
            facts = self.client.run(worker_facts, workers=[w["address"] for w in chosen])
        except Exception as exc:
            raise OrchError(f"the Dask workers could not run orchtui's set-up (orchtui must be "
                            f"installed on every worker): {_dask_error(exc)}") from None
        taken: dict[str, set[int]] = {}
        loose = []
        for w in chosen:
            f = facts[w["address"]]
            used = taken.setdefault(f["boot"], set())
            if f["env"] is not None:
                with contextlib.suppress(ValueError):  # the plugin reports a bad value
                    used.add(int(f["env"]))
            elif len(f["affinity"]) == 1:
                used.add(f["affinity"][0])
            else:
                loose.append((w, f))
        cpu_map: dict[Any, int] = {}
        for w, f in loose:
            used = taken[f["boot"]]
            cpu = next((c for c in f["affinity"] if c not in used), None)
            if cpu is None:  # more workers than CPUs on that machine: its lane says so
                continue
            used.add(cpu)
            # by address (this process) and by Nanny (the replacements it starts)
            cpu_map[w["address"]] = cpu
            if w.get("nanny"):
                cpu_map[w["nanny"]] = cpu
        return cpu_map

    def _await_workers(self, limit: float) -> None:
        """Each worker announces itself from PinPlugin.setup; the topic's history holds what was
        said before our subscription took effect."""
        end = time.monotonic() + limit
        while True:
            for _, msg in self.client.get_events(self.topic):
                if isinstance(msg, dict) and msg.get("op") == "ready":
                    self._worker_ready(msg)
            missing = [s for s in self.slots if s.address is None]
            if not missing:
                break
            if time.monotonic() > end:
                raise OrchError(f"Dask workers {', '.join(str(s.name) for s in missing)} did "
                                f"not report within {limit:g} s")
            time.sleep(0.05)
        for s in self.slots:
            if self.scheduler is None and s.cpu != self.cpus[s.index]:
                raise OrchError(f"Dask worker {s.name} could not pin itself to CPU "
                                f"{self.cpus[s.index]}: {s.lost_why or f'it is on {s.cpu}'}")

    def _quiet_logs(self) -> None:
        """Dask logs to stderr, which would draw over the TUI, even at CRITICAL (a result that
        cannot be deserialised, a comm closed at shutdown): mute its stream handlers in this
        process while the executor is open. Failures reach the engine as events anyway."""
        self._log_levels: list[tuple[logging.Handler, int]] = []
        for root in ("distributed", "bokeh"):
            for handler in logging.getLogger(root).handlers:
                if isinstance(handler, logging.StreamHandler):
                    self._log_levels.append((handler, handler.level))
                    handler.setLevel(_QUIET)

    # -- the interface -------------------------------------------------------------------------
    @property
    def lanes(self) -> tuple[str, ...]:
        """One label per processor, ``host/cpu N``."""
        return tuple(s.label for s in self.slots)

    @property
    def addresses(self) -> tuple[str | None, ...]:
        return tuple(s.address for s in self.slots)

    def in_flight(self) -> int:
        return (len(self.thread_jobs) + len(self.jobs) + len(self.backlog)
                + len(self.worker_jobs) + len(self.io_waiting))

    def _open_io_workers(self) -> None:
        """The real executor's local pool, with I/O workers only, opened mid-run (at the
        first inout call of a scenario without inout functions): the clock goes on from where
        it was, so times already reported stay right."""
        _ensure_resource_tracker()  # with the real stderr, as for the LocalCluster
        t = self.now()
        self._open_local_workers((), self.memory_limit_bytes)
        self.start_clock_at(t)

    def launch(self, task: Task) -> None:
        if task.kind == "inout" and self.pool is None and not self.closed:
            self._open_io_workers()
        super().launch(task)

    def warm(self, hook: str, arg: Any, timeout: float) -> None:
        """Compute calls run on the Dask workers: no local compute worker to warm."""

    def _launch_compute(self, task: Task) -> None:
        fn = task.function
        error = (self.fatal if self.fatal is not None
                 else None if fn is not None and fn.impl
                 else f"function {getattr(fn, 'name', '?')} has no impl to run")
        if error is not None:
            self.threads.put(TaskFinished(task.key, self.now(), False, error=error))
            self.thread_jobs[task.key] = None
            return
        wait = _Waiting(task, time.perf_counter() + self.replace_wait)
        if not self._submit(wait):
            self.backlog.append(wait)

    def _submit(self, wait: _Waiting) -> bool:
        """Hand the call to Dask; False if no worker may take it now (the caller keeps it
        waiting). A first attempt goes to its processor's worker; a retry to any of the run's
        workers that is up (Dask picks one with its CPU token free)."""
        task = wait.task
        fn = task.function
        assert fn is not None and fn.impl
        pinned = not task.pool and task.processor is not None and not wait.anywhere
        if pinned:
            address = self.slots[task.processor].address  # type: ignore[index]
            if address is None:
                return False
            addresses = [address]
        else:
            addresses = [s.address for s in self.slots if s.address is not None]
            if not addresses:
                return False
        dask_key = f"orchtui-{task.key}-{uuid.uuid4().hex[:12]}"
        job = _Job(task.key, dask_key, task.processor if pinned else None, None,
                   addresses[0] if pinned else None, self.now(), fn.timeout, task=task,
                   resubmitted=wait.resubmitted, attempt=wait.attempt, anywhere=wait.anywhere)
        try:
            job.future = self.client.submit(
                run_call, self.topic, dask_key, fn.impl, self.base_dir,
                CallArgs(task.args, task.kwargs, self._call_setup(task)),
                key=dask_key, workers=addresses, allow_other_workers=False,
                resources={"CPU": 1}, pure=False,
            )
        except Exception as exc:
            self.threads.put(TaskFinished(task.key, self.now(), False,
                                          error=f"could not submit to Dask: {one_line(exc)}"))
            self.thread_jobs[task.key] = None
            return True
        self.jobs[dask_key] = job
        job.future.add_done_callback(self._on_done)
        return True

    def poll(self, timeout: float | None = None) -> list[ExecEvent]:
        deadline = None if timeout is None else time.perf_counter() + timeout
        while True:
            out = self._drain_threads()
            if out or not self.in_flight() or self.closed:
                return out
            now = time.perf_counter()
            if deadline is not None and now >= deadline:
                return out
            wake = [deadline] if deadline is not None else []
            wake += [lim[0] for lim in self.thread_jobs.values() if lim is not None]
            wake += [j.deadline for j in self.jobs.values() if j.deadline is not None]
            wake += [w.until for w in self.backlog]
            if self.backlog:
                wake.append(self._next_probe)
            wait = max(0.0, min(wake) - now) if wake else None
            if self.worker_jobs:
                # I/O workers answer on their pipes, Dask and threads through the inbox: wait
                # on the pipes in short slices, looking at the inbox between them.
                got = self._pool_events(THREAD_SLICE if wait is None else min(wait, THREAD_SLICE))
                if got:
                    return got + self._drain_threads()
            else:
                self.threads.wait(wait)  # type: ignore[attr-defined]

    # -- what the Dask threads report (they only queue; the engine thread acts) -----------------
    def _on_topic(self, event: tuple[float, Any]) -> None:
        self.threads.put(_Note("event", event[1]))

    def _on_cluster(self, event: tuple[float, Any]) -> None:
        msg = event[1]
        if isinstance(msg, dict) and msg.get("action") == "remove-worker":
            self.threads.put(_Note("removed", msg))

    def _on_done(self, future: Any) -> None:
        """Runs on Dask's callback thread: fetch the value here, not on the engine thread."""
        try:
            value = future.result()
            if isinstance(value, CallFailed):
                outcome = (False, None, value.error, value.output)
            elif isinstance(value, CallDone):
                outcome = (True, value.value, None, value.output)
            else:
                outcome = (True, value, None, None)
        except KilledWorker:
            outcome = (False, None, "lost", None)
        except CancelledError:
            outcome = (False, None, "Dask cancelled the call (the scheduler was lost, or "
                                    "another client cancelled it)", None)
        except BaseException as exc:
            line = _dask_error(exc)
            if "serializ" in line.lower():
                outcome = (False, None, f"result could not be sent back: {line}", None)
            else:
                outcome = (False, None, f"Dask: {line}", None)
        self.threads.put(_Note("outcome", (future.key, *outcome)))

    # -- the engine thread ---------------------------------------------------------------------
    def _drain_threads(self) -> list[ExecEvent]:
        out: list[ExecEvent] = []
        for e in super()._drain_threads():
            if isinstance(e, _Note):
                out += self._handle(e)
            else:
                out.append(e)
        out += self._enforce_deadlines()
        out += self._retry_backlog()
        return out

    def _handle(self, note: _Note) -> list[ExecEvent]:
        if note.what == "outcome":
            dask_key, ok, value, error, output = note.data
            job = self.jobs.pop(dask_key, None)
            if job is None:  # already failed (worker lost, timeout) or closed
                return []
            if error == "lost":
                return self._lost(job)
            return [TaskFinished(job.key, self.now(), ok, value, error, job.t_return, output)]
        if note.what == "removed":
            return self._worker_removed(note.data)
        msg = note.data
        if not isinstance(msg, dict):
            return []
        op = msg.get("op")
        if op == "ready":
            return self._worker_ready(msg)
        job = self.jobs.get(msg.get("job", ""))
        if job is None:
            return []
        t = self._clock(msg, job)
        if op == "finished":
            job.t_return = t
            return []
        if op != "started" or job.started:
            return []
        job.started = True
        job.address = msg.get("address") or job.address
        if job.timeout is not None:
            job.deadline = time.perf_counter() + job.timeout
        slot = self.by_address.get(job.address or "")
        # a retry of a pinned call runs wherever Dask put it: say which processor that is
        moved = job.anywhere and job.task is not None and not job.task.pool
        return [DaskTaskStarted(job.key, t, msg.get("cpu"), msg.get("pid"),
                                tuple(msg.get("affinity") or ()),
                                slot.index if moved and slot else None,
                                slot.host if slot else None)]

    def _clock(self, msg: dict, job: _Job) -> float:
        slot = self.by_address.get(msg.get("address") or job.address or "")
        if slot is not None and slot.boot == self.boot:
            t = float(msg["pc"]) - self.t0
        else:
            t = float(msg["wall"]) - self.wall0
        return min(max(t, job.t_launch), self.now())

    def _worker_ready(self, msg: dict) -> list[ExecEvent]:
        name, nanny = msg.get("name"), msg.get("nanny")
        slot = next((s for s in self.slots
                     if s.name == name or (nanny is not None and s.nanny == nanny)), None)
        address = msg.get("address")
        # Announcements can arrive twice (the topic's history and the subscription); one from a
        # worker already removed is stale.
        if slot is None or not address or slot.address == address or address in self.dead:
            return []
        out: list[ExecEvent] = []
        if slot.address is not None:  # replaced before its removal reached us: it is gone
            out = self._worker_removed({"worker": slot.address})
        slot.address, slot.host, slot.boot = address, msg.get("host", ""), msg.get("boot", "")
        slot.name, slot.nanny = name, nanny
        slot.pid, slot.cpu = msg.get("pid"), msg.get("cpu")
        slot.created = None
        if slot.boot == self.boot and slot.pid:
            with contextlib.suppress(psutil.Error):
                slot.created = psutil.Process(slot.pid).create_time()
        slot.lost_at = None
        slot.lost_why = msg.get("error") or ""
        self.by_address[address] = slot
        return out

    def _worker_removed(self, msg: dict) -> list[ExecEvent]:
        address = msg.get("worker")
        slot = self.by_address.get(address or "")
        if slot is None or address is None:
            return []
        self.dead[address] = f"Dask worker {slot.name} ({slot.label}, pid {slot.pid})"
        out: list[ExecEvent] = []
        for dask_key, job in list(self.jobs.items()):
            if job.address == address:
                del self.jobs[dask_key]
                with contextlib.suppress(Exception):
                    job.future.cancel()  # an external scheduler would wait for the dead worker
                out += self._lost(job)
        del self.by_address[address]
        slot.address = None
        slot.lost_at = time.perf_counter()
        return out

    def _lost(self, job: _Job) -> list[ExecEvent]:
        """Its worker was lost. A call that had not started (it waited behind another on that
        worker) is submitted again, once: it never ran. One that had started runs again on
        another worker while its function's `retries` allow, else fails."""
        until = time.perf_counter() + self.replace_wait
        if not job.started and not job.resubmitted and job.task is not None:
            self.backlog.append(_Waiting(job.task, until, job.attempt, job.anywhere,
                                         resubmitted=True))
            return []
        error = self._lost_error(job)
        fn = job.task.function if job.task is not None else None
        retries = fn.retries if fn is not None else 0
        if job.started and job.task is not None and job.attempt <= retries:
            self.backlog.append(_Waiting(job.task, until, job.attempt + 1, anywhere=True))
            return [TaskRetried(job.key, self.now(), error, job.attempt, retries)]
        if job.started:
            error += (f"; attempt {job.attempt} of {retries + 1}, no retry left" if retries
                      else "; not retried (retries: 0)")
        return [TaskFinished(job.key, self.now(), False, error=error)]

    def _lost_error(self, job: _Job) -> str:
        address = job.address or ""
        who = self.dead.get(address)
        if who is None:
            slot = self.by_address.get(address)
            if slot is None and job.processor is not None:
                slot = self.slots[job.processor]
            who = (f"Dask worker {slot.name} ({slot.label}, pid {slot.pid})" if slot is not None
                   else "its Dask worker")
        why = self.restarted.get(address)
        what = "died" if why is None else f"was restarted ({why})"
        when = "mid-call" if job.started else "before the call started"
        return f"worker lost {when}: {who} {what}"

    def _enforce_deadlines(self) -> list[ExecEvent]:
        now = time.perf_counter()
        out: list[ExecEvent] = []
        for dask_key, job in list(self.jobs.items()):
            if job.deadline is not None and now >= job.deadline:
                del self.jobs[dask_key]
                out.append(TaskFinished(job.key, self.now(), False,
                                        error=f"timed out after {job.timeout:g} s"))
                self._kill_worker(job.address, f"{job.key} ran past its timeout")
        return out

    def _kill_worker(self, address: str | None, why: str) -> None:
        """Free the CPU of a call that cannot be interrupted: end its worker (the Nanny starts
        a replacement, which serves the same processor)."""
        slot = self.by_address.get(address or "")
        if slot is None or address is None:
            return
        self.restarted[address] = why
        if slot.boot == self.boot and slot.pid:
            _kill_tree(slot)
        else:
            client = self.client
            threading.Thread(target=lambda: client.restart_workers([address],
                                                                   raise_for_error=False),
                             daemon=True, name="orchtui-dask-restart").start()

    def _retry_backlog(self) -> list[ExecEvent]:
        if not self.backlog:
            return []
        now = time.perf_counter()
        if self.fatal is None and now >= self._next_probe:
            self._next_probe = now + PROBE_EVERY
            self.fatal = self._none_left()
        waiting, self.backlog = self.backlog, []
        out: list[ExecEvent] = []
        for wait in waiting:
            task = wait.task
            if self.fatal is None and self._submit(wait):
                continue
            if self.fatal is None and now < wait.until:
                self.backlog.append(wait)
                continue
            where = ("any worker" if task.pool or task.processor is None or wait.anywhere
                     else f"processor {task.processor} ({self.slots[task.processor].label})")
            error = self.fatal or (f"no Dask worker for {where}: lost and not replaced "
                                   f"within {self.replace_wait:g} s")
            out.append(TaskFinished(task.key, self.now(), False, error=error))
        return out

    def _none_left(self) -> str | None:
        """The line to fail every call with, once all the run's workers are gone and none of
        their Nannies is alive to start a replacement; None while one may still come."""
        if any(s.address is not None for s in self.slots):
            return None
        if any(s.nanny and _reachable(s.nanny) for s in self.slots):
            return None
        lost = ", ".join(f"{s.label} (pid {s.pid})" for s in self.slots)
        where = self.scheduler or "the local cluster"
        return (f"no Dask worker left: the run's {len(self.slots)} worker(s) on {where} were "
                f"lost ({lost}) and no Nanny is left to restart them")

    # -- closing -------------------------------------------------------------------------------
    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        atexit.unregister(self.close)
        client, cluster = self.client, self.cluster
        futures = [j.future for j in self.jobs.values() if j.future is not None]
        self.jobs.clear()
        self.backlog.clear()
        if client is not None:
            with contextlib.suppress(Exception):
                if futures:
                    client.cancel(futures)
            # Unsubscribe first: the scheduler reports our own departure on "all".
            for topic in (self.topic, "all"):
                with contextlib.suppress(Exception):
                    client.unsubscribe_topic(topic)
            if cluster is None:  # an external cluster outlives us: leave it as it was
                with contextlib.suppress(Exception):
                    client.unregister_worker_plugin(self.plugin_name)
            with contextlib.suppress(Exception):
                client.close(timeout=5)
        if cluster is not None:
            # A worker busy in a call cannot close gracefully, and its Nanny would wait 4 s
            # before killing it: kill what is left after a short grace, as the real executor
            # does (the nannies are closing by then, so nothing restarts).
            grace = threading.Timer(CLOSE_GRACE, self._kill_workers)
            grace.daemon = True
            grace.start()
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)
            grace.cancel()
            self._kill_workers()
        if self.pool is not None:
            self.pool.close()
        for handler, level in getattr(self, "_log_levels", ()):
            handler.setLevel(level)

    def _kill_workers(self) -> None:
        """The LocalCluster's workers (and whatever their calls started), by pid."""
        for slot in self.slots:
            if slot.pid is None or slot.boot != self.boot:
                continue
            _kill_tree(slot)


def _fits(worker: dict[str, Any]) -> bool:
    """A worker that can serve as one processor: one thread, and the resource CPU."""
    return worker.get("nthreads") == 1 and (worker.get("resources") or {}).get("CPU", 0) >= 1


def cluster_slots(scheduler: str) -> int:
    """How many processors the cluster at `scheduler` can serve (a sweep's cap)."""
    require_dask()
    try:
        with Client(scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT) as client:
            workers = client.scheduler_info(n_workers=-1)["workers"].values()
            return sum(_fits(w) for w in workers)
    except Exception as exc:
        raise OrchError(f"cannot reach the Dask scheduler at {scheduler}: {one_line(exc)}"
                        ) from None


def _ensure_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (the Nannies' queues need it) with the real
    stderr: it passes sys.stderr's file descriptor to its child, and inside the TUI sys.stderr
    is Textual's capture, whose descriptor is not one ("bad value(s) in fds_to_keep")."""
    from multiprocessing import resource_tracker

    saved = sys.stderr
    if sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


def _start_local_cluster(n: int, memory_limit_bytes: int | None = None) -> Any:
    """n single-thread worker processes with CPU=1 on 127.0.0.1, set up as in the module doc."""
    _ensure_resource_tracker()
    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        try:
            return LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, resources={"CPU": 1},
                # No dashboard; its HTTP server (health checks) on any free port, not 8787: a
                # second cluster would warn on stderr.
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                memory_limit=memory_limit_bytes or 0,  # 0: no limit, as local workers
                silence_logs=_QUIET,
            )
        except Exception as exc:
            raise OrchError(f"could not start a Dask LocalCluster: {one_line(exc)}") from None


# The scheduler addresses of the local clusters `local_cluster` keeps open (a sweep's): their
# workers are this process's, as a run's own LocalCluster's are.
_OURS: set[str] = set()


@contextlib.contextmanager
def local_cluster(n: int) -> Iterator[str]:
    """A LocalCluster of n workers that outlives the executors of several runs (a sweep): its
    scheduler's address, for them to connect to as to any cluster (so they pin its workers on
    connect). Closed at the end, and whatever of its workers is left is killed."""
    require_dask()
    cluster = _start_local_cluster(n)
    _OURS.add(cluster.scheduler_address)
    try:
        yield cluster.scheduler_address
    finally:
        _OURS.discard(cluster.scheduler_address)
        # its workers' processes, as its Nannies know them (their calls' children too)
        ours: list[psutil.Process] = []
        for nanny in list(getattr(cluster, "workers", {}).values()):
            pid = getattr(getattr(nanny, "process", None), "pid", None)
            with contextlib.suppress(psutil.Error):
                if pid:
                    proc = psutil.Process(pid)
                    ours += [proc, *proc.children(recursive=True)]
        with contextlib.suppress(Exception):
            cluster.close(timeout=10)
        for proc in ours:
            with contextlib.suppress(psutil.Error):
                proc.kill()


def _short_host(host: str) -> str:
    """node7.cluster.example.org -> node7, as lanes have little room; an IP address stays."""
    if not host or host.replace(".", "").isdigit() or ":" in host:
        return host
    return host.split(".", 1)[0]


def _reachable(address: str, timeout: float = 0.3) -> bool:
    """Whether something still listens at a Dask address (a Nanny that may restart its
    worker). A TCP connect only: no Dask handshake, so tls:// addresses work too."""
    try:
        host, port = get_address_host_port(address)
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def _process(slot: _Slot) -> psutil.Process | None:
    """The slot's worker process on this machine, if it still runs (not a reused pid)."""
    if slot.pid is None:
        return None
    try:
        proc = psutil.Process(slot.pid)
        if slot.created is not None and abs(proc.create_time() - slot.created) > 0.01:
            return None
        return proc if proc.status() != psutil.STATUS_ZOMBIE else None
    except psutil.Error:
        return None


def _kill_tree(slot: _Slot) -> None:
    """SIGKILL a local worker and what its calls started. No wait: its Nanny reaps it."""
    proc = _process(slot)
    if proc is None:
        return
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        family = [proc]
    for p in family:
        with contextlib.suppress(psutil.Error):
            p.send_signal(signal.SIGKILL)

