"""Long-lived worker processes, each pinned to a set of CPUs, that run compute calls.

The engine hands a call to `WorkerPool.submit`, then collects `JobStarted` / `JobFinished`
events with `WorkerPool.poll`. A worker runs one call at a time; a second call for the same
CPUs while the first one runs gets a second worker (the policy chose to share the processor).

Workers come from the multiprocessing *forkserver*, never from a plain fork: the engine and the
TUI run threads, and forking a threaded process can deadlock the child. Consequences worth
knowing:

* Workers are children of the forkserver process, which is itself a child of the main process
  and is shared by everything in this interpreter that uses the forkserver context. It (and
  multiprocessing's resource tracker) stays alive until the main process exits; `close()`
  removes every worker, but not those two helpers.
* The forkserver preloads this module once, so a new worker does not pay its import.
* Each worker also watches its pipe from a sleeping thread: if the engine dies without
  closing the pool (SIGKILL, OOM killer), the worker kills what it started and exits, even in
  the middle of a call.
* The BLAS/OpenMP thread-count variables are set when the worker starts. A library that the
  forkserver had already imported (e.g. numpy pulled in by ``__main__``) has read them already.

Each worker owns one duplex Pipe. Messages are small tuples (see the ``_MSG_*`` tags), because
per-call overhead is measured in microseconds. The pool is not thread-safe: call it from one
thread (the engine's); `close()` may also run from `atexit`.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import importlib.util
import multiprocessing
import os
import resource
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from types import ModuleType, TracebackType
from typing import Any

import psutil

__all__ = ["JobFinished", "JobStarted", "WorkerPool"]


@dataclass(frozen=True, slots=True)
class JobStarted:
    """A worker is about to call the job's function. `t` was taken in the worker."""

    job: str
    t: float
    pid: int
    cpu: int | None
    affinity: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class JobFinished:
    """A job ended. `t` was taken in the engine on receipt; `t_return` in the worker."""

    job: str
    t: float
    ok: bool
    value: object
    error: str | None
    t_return: float | None


Event = JobStarted | JobFinished

# Worker -> engine message tags (first element of each tuple).
_MSG_READY = 0  # (tag, None) after set-up, or (tag, "error text") if set-up failed
_MSG_STARTED = 1  # (tag, t, cpu, affinity)
_MSG_FINISHED = 2  # (tag, ok, value, error, t_return)

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
_TERMINATE_GRACE_S = 0.5
_REAP_TIMEOUT_S = 2.0
_WARM_TIMEOUT_S = 30.0
_MAX_ERROR_CHARS = 500
_PR_SET_PDEATHSIG = 1


# --------------------------------------------------------------------------- shared helpers


def one_line(exc: BaseException) -> str:
    """`Type: message` on a single line (tracebacks and multi-line messages do not fit a TUI)."""
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    line = f"{name}: {text}" if text else name
    if len(line) > _MAX_ERROR_CHARS:
        line = line[: _MAX_ERROR_CHARS - 3] + "..."
    return line


def _innermost_location(tb: TracebackType | None) -> str | None:
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return f"{os.path.basename(code.co_filename)}:{tb.tb_lineno} in {code.co_name}"


def _user_location(tb: TracebackType | None) -> str | None:
    """Innermost frame outside the import machinery and this module, if any: where in a
    function's own file its loading failed."""
    where = None
    while tb is not None:
        code = tb.tb_frame.f_code
        name = code.co_filename
        machinery = name.startswith("<frozen") or f"{os.sep}importlib{os.sep}" in name
        if not (machinery or name == __file__):
            where = f"{os.path.basename(name)}:{tb.tb_lineno} in {code.co_name}"
        tb = tb.tb_next
    return where


def describe_load_error(exc: BaseException) -> str:
    where = _user_location(exc.__traceback__)
    return f"{one_line(exc)} (at {where})" if where else one_line(exc)


def describe_exception(exc: BaseException) -> str:
    """`ValueError: bad input (at file.py:12 in func)`: what went wrong and where."""
    where = _innermost_location(exc.__traceback__)
    return f"{one_line(exc)} (at {where})" if where else one_line(exc)


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _signal_all(procs: Iterable[psutil.Process], sig: int) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(sig)


def _is_path_impl(module_part: str) -> bool:
    return module_part.endswith(".py") or "/" in module_part or os.sep in module_part


# --------------------------------------------------------------------------- worker side


def _pin(cpus: tuple[int, ...]) -> None:
    # Threads started before this point (by imports in the forkserver) keep their own mask,
    # so pin every thread, not only the process's main one.
    os.sched_setaffinity(0, cpus)
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # a thread may exit while we iterate
            os.sched_setaffinity(int(tid), cpus)


def _die_with_parent() -> None:
    # If the forkserver dies (the main process was killed), do not outlive it.
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch_engine(fd: int) -> None:
    """End this worker (and what it started) as soon as the engine's end of the pipe closes.

    The engine normally ends workers itself; this covers an engine killed outright, while the
    worker is busy in a function and so not reading its pipe. POLLRDHUP fires on the peer's
    close only, never on ordinary data, so this thread stays asleep during normal work.
    """
    poller = select.poll()
    poller.register(fd, select.POLLRDHUP)
    while True:
        try:
            poller.poll()
        except InterruptedError:
            continue
        _signal_all(_descendants(os.getpid()), signal.SIGKILL)
        os._exit(1)


def _set_up_worker(cpus: tuple[int, ...], memory_limit_bytes: int | None) -> None:
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    # Ctrl-C reaches the whole foreground process group; the parent decides when we die.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _pin(cpus)
    if memory_limit_bytes is not None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_limit_bytes if hard == resource.RLIM_INFINITY else min(
            memory_limit_bytes, hard
        )
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


# One module per file, however many of its functions are used: they share its state.
_file_modules: dict[str, ModuleType] = {}


def _load_file_module(path: str) -> ModuleType:
    module = _file_modules.get(path)
    if module is not None:
        return module
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)  # so the file's sibling imports resolve
    stem = os.path.splitext(os.path.basename(path))[0]
    # Unique: two scenarios may both have a funcs.py.
    name = f"_orchtui_impl_{len(_file_modules)}_{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickle look the module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    _file_modules[path] = module
    return module


def _attribute(module: Any, func: str, where: str) -> Any:
    try:
        return getattr(module, func)
    except AttributeError:
        raise AttributeError(f"no function {func!r} in {where}") from None


def load_impl(impl: str, base_dir: str | None) -> Callable[..., Any]:
    """Resolve `"module:function"` or `"path/to/file.py:function"` to the callable."""
    module_part, sep, func = impl.rpartition(":")
    if not sep or not module_part or not func:
        raise ValueError("expected 'module:function' or 'file.py:function'")
    if _is_path_impl(module_part):
        path = module_part
        if not os.path.isabs(path):
            path = os.path.join(base_dir or os.getcwd(), path)
        path = os.path.normpath(path)
        fn = _attribute(_load_file_module(path), func, path)
    else:
        if base_dir is not None and base_dir not in sys.path:
            sys.path.append(base_dir)  # last: a scenario's module must not shadow installed ones
        fn = _attribute(importlib.import_module(module_part), func, f"module {module_part}")
    if not callable(fn):
        raise TypeError(f"{func} is not callable")
    return fn


def _send_result(conn: Connection, ok: bool, value: object, error: str | None,
                 t_return: float | None) -> None:
    try:
        data = ForkingPickler.dumps((_MSG_FINISHED, ok, value, error, t_return))
    except Exception as exc:  # any failure to pickle: report it, keep the worker
        error = f"result could not be sent back: {one_line(exc)}"
        data = ForkingPickler.dumps((_MSG_FINISHED, False, None, error, t_return))
    conn.send_bytes(data)


def _worker_main(conn: Connection, cpus: tuple[int, ...], memory_limit_bytes: int | None) -> None:
    """Entry point of a worker process: set up, then run jobs until the pipe closes."""
    try:
        _set_up_worker(cpus, memory_limit_bytes)
        # Started after pinning, so it inherits the worker's affinity.
        threading.Thread(target=_watch_engine, args=(conn.fileno(),), daemon=True,
                         name="orchtui-engine-watch").start()
    except Exception as exc:
        conn.send((_MSG_READY, describe_exception(exc)))
        return
    conn.send((_MSG_READY, None))
    with contextlib.suppress(EOFError, OSError):  # the engine went away: nobody to report to
        _serve(conn)
    # Scripts a function left running in the background must not outlive the worker.
    _signal_all(_descendants(os.getpid()), signal.SIGKILL)


def _serve(conn: Connection) -> None:
    # Locals, not attribute look-ups: this loop is the per-call overhead.
    recv, send, clock, getaffinity = conn.recv, conn.send, time.perf_counter, os.sched_getaffinity
    cache: dict[tuple[str, str | None], Callable[..., Any]] = {}
    while True:
        try:
            msg = recv()
        except (EOFError, OSError):
            return
        except Exception as exc:  # bytes arrived but could not be unpickled
            error = f"arguments could not be received: {one_line(exc)}"
            send((_MSG_FINISHED, False, None, error, None))
            continue
        if msg is None:
            return
        impl, base_dir, args, kwargs, setup = msg
        if setup is not None:
            # The call's context (orchtui.functions.context), set before the function runs.
            try:
                hook = cache.get((setup[0], None)) or load_impl(setup[0], None)
                cache[(setup[0], None)] = hook
                hook(setup[1])
            except BaseException as exc:
                send((_MSG_FINISHED, False, None,
                      f"call set-up {setup[0]!r} failed: {describe_exception(exc)}", None))
                continue
        key = (impl, base_dir)
        fn = cache.get(key)
        if fn is None:
            try:
                fn = cache[key] = load_impl(impl, base_dir)
            except BaseException as exc:
                error = f"cannot load {impl!r}: {describe_load_error(exc)}"
                send((_MSG_FINISHED, False, None, error, None))
                continue
        affinity = tuple(sorted(getaffinity(0)))
        t = clock()
        send((_MSG_STARTED, t, affinity[0] if len(affinity) == 1 else None, affinity))
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # SystemExit too: a function must not end its worker
            t_return = clock()
            _send_result(conn, False, None, describe_exception(exc), t_return)
            del exc  # drop the traceback's frames (and their locals) now
            continue
        t_return = clock()
        _send_result(conn, True, value, None, t_return)
        del value


# --------------------------------------------------------------------------- engine side


class _Worker:
    """The engine's handle on one worker process."""

    __slots__ = ("conn", "cpus", "deadline", "job", "pid", "process", "ready", "sentinel",
                 "setup_error", "timeout")

    def __init__(self, process: Any, conn: Connection, cpus: frozenset[int]) -> None:
        self.process = process
        self.pid: int = process.pid  # kept: the Process object is closed once reaped
        self.conn = conn
        self.cpus = cpus
        self.sentinel: int = process.sentinel
        self.ready = False
        self.setup_error: str | None = None
        self.job: str | None = None
        self.deadline: float | None = None
        self.timeout: float | None = None


def _exit_description(exitcode: int | None) -> str:
    if exitcode is None:
        return "exit status unknown"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class WorkerPool:
    """Pinned worker processes that run `impl(*args, **kwargs)` calls; see the module doc."""

    def __init__(self, memory_limit_bytes: int | None = None) -> None:
        self._memory_limit = memory_limit_bytes
        self._ctx = multiprocessing.get_context("forkserver")
        # Only takes effect if the forkserver is not running yet; keeps the default __main__.
        self._ctx.set_forkserver_preload(["__main__", __name__])
        self._idle: dict[frozenset[int], list[_Worker]] = {}
        self._busy: dict[str, _Worker] = {}
        self._by_conn: dict[Connection, _Worker] = {}
        self._by_sentinel: dict[int, _Worker] = {}
        self._queued: list[Event] = []  # failures found in submit(), delivered by poll()
        self._closed = False
        atexit.register(self.close)

    # -- public API ------------------------------------------------------------------------

    def submit(self, job: str, cpus: frozenset[int], impl: str, base_dir: str | None,
               args: tuple, kwargs: dict, timeout: float | None,
               setup: tuple[str, Any] | None = None) -> None:
        """Run impl(*args, **kwargs) on an idle worker whose affinity is exactly `cpus`
        (start one if none is idle; reuse idle ones). A worker runs one job at a time, so two
        jobs submitted for the same single CPU at once get two workers on that CPU.
        `setup`, if given, is (impl, payload): the worker calls impl(payload) first, in the
        same thread (orchtui.functions uses it to pass the call's context).
        """
        t_submit = time.perf_counter()
        if self._closed:
            raise RuntimeError("WorkerPool is closed")
        if job in self._busy or any(e.job == job for e in self._queued):
            raise ValueError(f"job {job!r} is already pending")
        if not cpus:
            raise ValueError("cpus must not be empty")
        msg = (impl, self._absolute_base_dir(impl, base_dir), args, kwargs, setup)
        try:
            data = ForkingPickler.dumps(msg)
        except Exception as exc:
            self._queue_failure(job, f"arguments could not be sent: {one_line(exc)}")
            return
        worker = self._dispatch(data, frozenset(cpus))
        worker.job = job
        worker.timeout = timeout
        worker.deadline = None if timeout is None else t_submit + timeout
        self._busy[job] = worker

    def poll(self, timeout: float | None) -> list[Event]:
        """Wait up to `timeout` seconds (None = until something happens) for events from the
        workers, and return all that are available, in arrival order. Returns [] at once when
        nothing is in flight."""
        if self._closed or not self.pending():
            return []
        events, self._queued = self._queued, []
        give_up = None if timeout is None else time.perf_counter() + timeout
        while True:
            wait_s = self._wait_seconds(give_up, have_events=bool(events))
            ready = wait([*self._by_conn, *self._by_sentinel], wait_s)
            if self._closed:  # close() ran meanwhile (atexit, another thread)
                return []
            events += self._handle_ready(ready)
            events += self._enforce_deadlines()
            if events or not self._busy:
                break
            if give_up is not None and time.perf_counter() >= give_up:
                break
        if len(events) > 1:
            events.sort(key=_arrival_key)
        return events

    def pending(self) -> int:
        """Jobs submitted whose JobFinished has not been returned by poll() yet."""
        return len(self._busy) + len(self._queued)

    def warm(self, cpus_list: list[frozenset[int]]) -> None:
        """Make sure an idle, set-up worker exists for each entry (a CPU set listed twice gets
        two), so that the first calls do not pay process start-up."""
        if self._closed:
            raise RuntimeError("WorkerPool is closed")
        wanted: dict[frozenset[int], int] = {}
        for cpus in cpus_list:
            wanted[frozenset(cpus)] = wanted.get(frozenset(cpus), 0) + 1
        started: list[_Worker] = []
        for cpus, count in wanted.items():
            idle = self._idle.setdefault(cpus, [])
            for _ in range(count - len(idle)):
                worker = self._start_worker(cpus)
                idle.append(worker)
                started.append(worker)
        self._await_ready(started)

    def close(self) -> None:
        """Terminate every worker (SIGTERM, then SIGKILL after a grace) and its descendants,
        and reap them. Idempotent; safe from atexit and after errors."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        workers = list(self._by_conn.values())
        family = [p for w in workers for p in _descendants(w.pid)]
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.process.terminate()
        _signal_all(family, signal.SIGTERM)
        grace_end = time.monotonic() + _TERMINATE_GRACE_S
        alive = [w.sentinel for w in workers]
        while alive and (left := grace_end - time.monotonic()) > 0:
            done = set(wait(alive, left))
            alive = [s for s in alive if s not in done]
        for worker in workers:
            if worker.sentinel in alive:
                with contextlib.suppress(Exception):
                    worker.process.kill()
            self._reap(worker)
        _signal_all(family, signal.SIGKILL)
        self._idle.clear()
        self._busy.clear()
        self._by_conn.clear()
        self._by_sentinel.clear()
        self._queued.clear()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- dispatch ----------------------------------------------------------------------------

    @staticmethod
    def _absolute_base_dir(impl: str, base_dir: str | None) -> str | None:
        # The worker's cwd is the forkserver's, not necessarily ours: resolve paths here.
        if base_dir is not None:
            return base_dir if os.path.isabs(base_dir) else os.path.abspath(base_dir)
        module_part = impl.rpartition(":")[0]
        if _is_path_impl(module_part) and not os.path.isabs(module_part):
            return os.getcwd()
        return None

    def _dispatch(self, data: Any, cpus: frozenset[int]) -> _Worker:
        idle = self._idle.get(cpus)
        while idle:
            worker = idle.pop()
            try:
                worker.conn.send_bytes(data)
                return worker
            except OSError:  # it died while idle; replace it
                self._forget(worker)
                self._reap(worker)
        worker = self._start_worker(cpus)
        # Buffered by the pipe until the worker is set up. If it dies first, poll() reports
        # that as the job's failure, with the reason.
        with contextlib.suppress(OSError):
            worker.conn.send_bytes(data)
        return worker

    def _start_worker(self, cpus: frozenset[int]) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_worker_main,
            args=(child_conn, tuple(sorted(cpus)), self._memory_limit),
            name=f"orchtui-worker-cpus{'-'.join(map(str, sorted(cpus)))}",
            # Not daemonic: a daemonic worker could not start a multiprocessing child of its own.
            # Our atexit hook (registered after multiprocessing's, so run before it) reaps them.
            daemon=False,
        )
        process.start()
        child_conn.close()
        worker = _Worker(process, parent_conn, cpus)
        self._by_conn[parent_conn] = worker
        self._by_sentinel[worker.sentinel] = worker
        return worker

    def _await_ready(self, workers: list[_Worker]) -> None:
        waiting = {w.conn: w for w in workers}
        end = time.monotonic() + _WARM_TIMEOUT_S
        while waiting and (left := end - time.monotonic()) > 0:
            for conn in wait(list(waiting), left):
                worker = waiting.pop(conn)
                if not self._read_ready(worker):
                    self._forget(worker)
                    self._reap(worker)

    def _read_ready(self, worker: _Worker) -> bool:
        """Consume the worker's set-up report; False if it could not set up."""
        try:
            tag, error = worker.conn.recv()
        except (EOFError, OSError):
            return False
        worker.ready = tag == _MSG_READY and error is None
        worker.setup_error = error
        return worker.ready

    def _queue_failure(self, job: str, error: str) -> None:
        self._queued.append(JobFinished(job, time.perf_counter(), False, None, error, None))

    # -- polling ---------------------------------------------------------------------------

    def _wait_seconds(self, give_up: float | None, have_events: bool) -> float | None:
        if have_events:
            return 0.0
        now = time.perf_counter()
        limit = None if give_up is None else give_up - now
        for worker in self._busy.values():
            if worker.deadline is not None:
                until = worker.deadline - now
                limit = until if limit is None else min(limit, until)
        return None if limit is None else max(0.0, limit)

    def _handle_ready(self, ready: list[Any]) -> list[Event]:
        events: list[Event] = []
        dead: list[_Worker] = []
        for obj in ready:
            worker = self._by_conn.get(obj) if isinstance(obj, Connection) else None
            if worker is not None:
                if worker not in dead and not self._drain(worker, events, known_ready=True):
                    dead.append(worker)
            elif (worker := self._by_sentinel.get(obj)) is not None and worker not in dead:
                # Results it sent before dying still count; read them first.
                self._drain(worker, events, known_ready=False)
                dead.append(worker)
        for worker in dead:
            if worker.conn in self._by_conn:
                events.extend(self._bury(worker))
        return events

    def _drain(self, worker: _Worker, events: list[Event], known_ready: bool) -> bool:
        """Read every message waiting on the worker's pipe; False if the pipe is closed."""
        conn = worker.conn
        try:
            # After a death, check first: a grandchild holding the pipe open would block recv().
            while known_ready or conn.poll():
                known_ready = False
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    return False
                except Exception as exc:  # only a result can fail to unpickle here
                    msg = (_MSG_FINISHED, False, None,
                           f"result could not be received: {one_line(exc)}", None)
                self._on_message(worker, msg, time.perf_counter(), events)
        except (EOFError, OSError):
            return False
        return True

    def _on_message(self, worker: _Worker, msg: tuple, t_recv: float,
                    events: list[Event]) -> None:
        tag = msg[0]
        job = worker.job
        if tag == _MSG_STARTED:
            if job is not None:
                events.append(JobStarted(job, msg[1], worker.pid, msg[2], msg[3]))
        elif tag == _MSG_FINISHED:
            if job is not None:
                events.append(JobFinished(job, t_recv, msg[1], msg[2], msg[3], msg[4]))
                self._release(worker)
        elif tag == _MSG_READY:
            worker.ready = msg[1] is None
            worker.setup_error = msg[1]

    def _release(self, worker: _Worker) -> None:
        if worker.job is not None:
            del self._busy[worker.job]
        worker.job = worker.deadline = worker.timeout = None
        self._idle.setdefault(worker.cpus, []).append(worker)

    def _enforce_deadlines(self) -> list[Event]:
        now = time.perf_counter()
        late = [w for w in self._busy.values() if w.deadline is not None and w.deadline <= now]
        events: list[Event] = []
        for worker in late:
            job = worker.job
            assert job is not None
            self._forget(worker)
            self._kill(worker)
            events.append(JobFinished(job, time.perf_counter(), False, None,
                                      f"timed out after {float(worker.timeout or 0.0)} s", None))
        return events

    def _bury(self, worker: _Worker) -> list[Event]:
        """A worker's pipe closed or its process ended: reap it, fail its job if any."""
        job = worker.job
        self._forget(worker)
        if worker.process.exitcode is None:
            # The pipe closes a moment before the forkserver reports the exit status.
            worker.process.join(_REAP_TIMEOUT_S)
        exitcode = worker.process.exitcode
        if exitcode is None:  # closed its pipe yet still runs: useless, end it
            self._kill(worker)
            reason = "lost its pipe"
        else:
            self._reap(worker)
            reason = _exit_description(exitcode)
        if job is None:
            return []
        if worker.setup_error is not None:
            error = f"worker could not start (pid {worker.pid}): {worker.setup_error}"
        else:
            error = f"worker crashed (pid {worker.pid}, {reason})"
        return [JobFinished(job, time.perf_counter(), False, None, error, None)]

    # -- process bookkeeping -----------------------------------------------------------------

    def _forget(self, worker: _Worker) -> None:
        """Remove the worker from every table (it will not be used again)."""
        self._by_conn.pop(worker.conn, None)
        self._by_sentinel.pop(worker.sentinel, None)
        if worker.job is not None:
            self._busy.pop(worker.job, None)
        idle = self._idle.get(worker.cpus)
        if idle and worker in idle:
            idle.remove(worker)

    def _kill(self, worker: _Worker) -> None:
        # Its children (scripts it ran) would otherwise keep the CPU busy after a timeout.
        family = _descendants(worker.pid)
        with contextlib.suppress(Exception):
            worker.process.kill()
        _signal_all(family, signal.SIGKILL)
        self._reap(worker)

    @staticmethod
    def _reap(worker: _Worker) -> None:
        """Wait for a worker that is dead or was signalled; SIGKILL it if it lingers."""
        process = worker.process
        with contextlib.suppress(Exception):
            process.join(_TERMINATE_GRACE_S)
            if process.exitcode is None:
                process.kill()
                process.join(_REAP_TIMEOUT_S)
        with contextlib.suppress(Exception):
            worker.conn.close()
        with contextlib.suppress(Exception):
            process.close()


def _arrival_key(event: Event) -> float:
    # Worker-side clocks order events across workers as they happened; the engine's receipt
    # time stands in for failures that have no worker-side time.
    if isinstance(event, JobStarted):
        return event.t
    return event.t_return if event.t_return is not None else event.t
