"""The worker side of the Dask executor: what runs inside each Dask worker process.

* `PinPlugin`, a `distributed.WorkerPlugin`, pins every thread of the worker process to the
  worker's CPU when the worker starts (threads started later inherit the mask), then announces
  the worker on the executor's topic: name, address, host, boot id, pid, CPU.
* `run_call` wraps a compute call: it loads the function (`load_impl`, as the local workers do),
  logs ``started`` on the topic, calls it, logs ``finished``, and returns the value, or a
  `CallFailed` with the same one-line error the local workers give.

Events go `worker.log_event(topic, msg)` → scheduler → `client.subscribe_topic(topic, handler)`:
pushed, a few milliseconds end to end. Messages are small msgpack-able dicts.

Which CPU a worker pins itself to:
1. the executor's map, by worker name, address or Nanny address: its LocalCluster names
   workers 0..P-1; on a cluster it did not start, the executor gives each worker that has
   neither of the next two a CPU of its mask that no other chosen worker on that machine has;
2. else ``$ORCHTUI_CPU`` in the worker's environment;
3. else the worker's affinity as it was started, if that is one CPU (``taskset -c 3 dask worker
   ...``): kept as is;
4. else nothing: the worker is not pinned, and reports ``cpu`` None (the lane says so).

A worker pinned through the plugin stays pinned after the executor leaves (a mask cannot be
widened back reliably once threads have inherited it).

This module is imported on the workers, so a remote worker needs orchtui installed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from distributed import WorkerPlugin, get_worker

from orchtui.executors.workers import (
    _CAPTURE_LIMIT,
    _PR_SET_CHILD_SUBREAPER,
    _Capture,
    _descendants,
    _has_children,
    _prctl,
    _signal_all,
    describe_exception,
    describe_load_error,
    load_impl,
)

CPU_ENV = "ORCHTUI_CPU"
# The worker process's CPU mask before the plugin first pinned it. A later executor (the next
# run of a sweep) decides from this mask, not from the one CPU an earlier run left, and a
# worker it does not pin gets this mask back.
_original_mask: set[int] | None = None


def _mask() -> set[int]:
    return set(_original_mask) if _original_mask is not None else os.sched_getaffinity(0)


def boot_id() -> str:
    """Identifies this machine's current boot: processes that share it share CLOCK_MONOTONIC
    (time.perf_counter), so their times compare directly."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return f"{socket.gethostname()}-unknown-boot"


def pin_all_threads(cpus: set[int]) -> None:
    """Set the whole process's mask: every thread that exists now (a worker already runs a
    few), and, through the calling thread's mask, every thread started from it later."""
    os.sched_setaffinity(0, cpus)
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # a thread may exit while we iterate
            os.sched_setaffinity(int(tid), cpus)


def worker_facts() -> dict[str, Any]:
    """What the executor needs to pin a worker it did not start (run through `Client.run`
    before the plugin is registered): its machine, its CPU mask, and any CPU asked for."""
    return {"boot": boot_id(), "host": socket.gethostname(),
            "affinity": sorted(_mask()),
            "env": os.environ.get(CPU_ENV, "").strip() or None}


def worker_key(worker: Any) -> Any:
    """How the executor names a worker in the plugin's CPU map: its Nanny's address, which a
    replacement started by that Nanny keeps (a worker started without ``--name`` is named
    after its own address, which a replacement does not keep), else its name."""
    return getattr(worker, "nanny", None) or _plain(worker.name)


def _choose_cpu(worker: Any, cpus: Mapping[Any, int]) -> tuple[int | None, bool]:
    """(cpu, whether to pin to it)."""
    for key in (_plain(worker.name), getattr(worker, "address", None), worker_key(worker)):
        if key is not None and key in cpus:
            return cpus[key], True
    env = os.environ.get(CPU_ENV, "").strip()
    if env:
        return int(env), True
    affinity = _mask()
    if len(affinity) == 1:
        return next(iter(affinity)), False
    return None, False


class PinPlugin(WorkerPlugin):
    """Pins its worker to one CPU and announces it; see the module doc."""

    idempotent = False  # a new executor's map replaces an old one's

    def __init__(self, topic: str, cpus: Mapping[Any, int], ignore_sigint: bool = False) -> None:
        self.topic = topic
        self.cpus = dict(cpus)
        # The executor's own LocalCluster: Ctrl-C reaches the whole process group, and the
        # engine, not each worker, decides what it means (it closes the cluster).
        self.ignore_sigint = ignore_sigint

    def setup(self, worker: Any) -> None:
        if self.ignore_sigint:
            with contextlib.suppress(ValueError):  # only the main thread may set handlers
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        global _original_mask
        error = None
        try:
            cpu, pin = _choose_cpu(worker, self.cpus)
            if pin and cpu is not None:
                if _original_mask is None:
                    _original_mask = os.sched_getaffinity(0)
                pin_all_threads({cpu})
            elif _original_mask is not None and os.sched_getaffinity(0) != _original_mask:
                pin_all_threads(_original_mask)  # an earlier executor pinned it; this one not
        except Exception as exc:  # reported, so the executor can say why a lane is unpinned
            cpu, error = None, describe_exception(exc)
        worker.log_event(self.topic, {
            "op": "ready", "name": _plain(worker.name), "address": worker.address,
            "nanny": getattr(worker, "nanny", None),
            "host": socket.gethostname(), "boot": boot_id(), "pid": os.getpid(), "cpu": cpu,
            "affinity": sorted(os.sched_getaffinity(0)), "error": error,
        })


def _plain(name: Any) -> Any:
    return name if isinstance(name, (int, str)) else str(name)


@dataclass(frozen=True)
class CallArgs:
    """A call's arguments, in one object Dask does not look into (it would treat futures, keys
or task-like tuples inside user data specially)."""

    args: tuple
    kwargs: dict
    # (impl, payload): impl(payload) runs first, in the same thread, like the local workers'
    # set-up hook (orchtui.functions passes the call's context this way).
    setup: tuple[str, Any] | None = None


@dataclass(frozen=True)
class CallFailed:
    """What `run_call` returns when the function raised (or could not be loaded): the error
    travels as a value, one line, exactly as the local workers word it."""

    error: str
    output: str | None = None  # what the call printed, as CallDone.output


@dataclass(frozen=True)
class CallDone:
    """What `run_call` returns for a call that printed (stdout and stderr, bounded as on the
    local workers); a call that printed nothing returns its bare value."""

    value: Any
    output: str


# This worker's capture of what calls print, set up by its first call (`_call_worker`).
_capture: _Capture | None = None


def _call_worker() -> _Capture:
    """Set this worker up for calls, once: a capture for their fd 1 and 2, and (as on the local
    workers) a child subreaper, so the daemons a call's children leave are its to end."""
    global _capture
    if _capture is None:
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        _capture = _Capture(_CAPTURE_LIMIT, redirect=False)
    return _capture


def _children() -> frozenset[int]:
    return frozenset(p.pid for p in _descendants(os.getpid())) if _has_children() else frozenset()


def _end_call_children(before: frozenset[int]) -> None:
    """Kill what the call left running: this worker's descendants that were not there before
    the call (the daemons among them too: it is their subreaper), and reap its children among
    them. The worker's own children are left alone: it is Dask's process, not only ours."""
    end = time.monotonic() + 2.0
    while _has_children() and time.monotonic() < end:
        left = [p for p in _descendants(os.getpid()) if p.pid not in before]
        if not left:
            return
        _signal_all(left, signal.SIGKILL)
        for p in left:  # a killed child stays a zombie, and a descendant, until reaped
            with contextlib.suppress(OSError):
                os.waitpid(p.pid, os.WNOHANG)
        time.sleep(0.001)


# One loaded function per (impl, base_dir) per worker process, as in the local workers.
_functions: dict[tuple[str, str | None], Callable[..., Any]] = {}


def run_call(topic: str, job: str, impl: str, base_dir: str | None, call: CallArgs) -> Any:
    """Run one compute call on this Dask worker and report it on `topic`. What it prints goes
    with its result (`CallDone`, `CallFailed`), and what it leaves running ends with it, as on
    the local workers: a LocalCluster's worker writes to orchtui's own stdout."""
    capture = _call_worker()
    capture.take()  # what the worker itself wrote since the last call is not this call's
    before = _children()
    try:
        with capture.during():
            result = _run_call(topic, job, impl, base_dir, call)
    finally:
        _end_call_children(before)
    output = capture.take()
    if output is None:
        return result
    if isinstance(result, CallFailed):
        return CallFailed(result.error, output)
    return CallDone(result, output)


def _run_call(topic: str, job: str, impl: str, base_dir: str | None, call: CallArgs) -> Any:
    worker = get_worker()
    fn = _functions.get((impl, base_dir))
    if fn is None:
        try:
            fn = _functions[(impl, base_dir)] = load_impl(impl, base_dir)
        except BaseException as exc:
            return CallFailed(f"cannot load {impl!r}: {describe_load_error(exc)}")
    if call.setup is not None:
        try:
            hook = _functions.get((call.setup[0], None))
            if hook is None:
                hook = _functions[(call.setup[0], None)] = load_impl(call.setup[0], None)
            hook(call.setup[1])
        except BaseException as exc:
            return CallFailed(f"call set-up {call.setup[0]!r} failed: {describe_exception(exc)}")
    affinity = sorted(os.sched_getaffinity(0))  # this thread's own mask: the one that runs fn
    worker.log_event(topic, {
        "op": "started", "job": job, "pc": time.perf_counter(), "wall": time.time(),
        "pid": os.getpid(), "cpu": affinity[0] if len(affinity) == 1 else None,
        "affinity": affinity, "address": worker.address,
    })
    try:
        value = fn(*call.args, **call.kwargs)
    except BaseException as exc:  # SystemExit too: a function must not end its worker
        error = describe_exception(exc)
        del exc
        worker.log_event(topic, {"op": "finished", "job": job, "pc": time.perf_counter(),
                                 "wall": time.time(), "ok": False})
        return CallFailed(error)
    worker.log_event(topic, {"op": "finished", "job": job, "pc": time.perf_counter(),
                             "wall": time.time(), "ok": True})
    return value
