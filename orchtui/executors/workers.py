"""Long-lived worker processes, each pinned to a set of CPUs, that run function calls
(compute calls on one CPU each; inout calls on I/O workers allowed on all of the engine's).

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

A function cannot poison its worker (issue 14):

* Its stdout and stderr (fd 1 and 2) go to a per-call capture, bounded (`_Capture`), carried
  with the result as `JobFinished.output`; never to the engine's streams.
* Each worker is a session leader and a child subreaper: whatever a call leaves running,
  double-forked daemons included, is killed when the call ends (`_end_children`).
* Every call message starts with a random token that its answer must carry, and a process the
  function forks gets its copy of the pipe replaced by /dev/null (`os.register_at_fork`); a
  forked child that returns into the worker's loop exits there.
* After a call that changed the worker's CPU affinity, the worker pins itself again.
* Describing an exception never raises (`one_line`).

Each worker owns one duplex Pipe. Messages are small tuples (see the ``_MSG_*`` tags), because
per-call overhead is measured in microseconds: a call of a function whose last call was quick
gets one message back (its start time travels with the result); the engine waits on one epoll
set for the pool's life. The pool is not thread-safe: call it from one thread (the engine's);
`close()` may also run from `atexit`.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import hashlib
import importlib
import importlib.util
import io
import math
import multiprocessing
import os
import pickle
import random
import resource
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

from orchtui.executors.forkserver import THREAD_VARS, is_path_impl
from orchtui.executors.forkserver import start_forkserver as start_forkserver
from orchtui.executors.framing import FramedPipe

if TYPE_CHECKING:
    import psutil

__all__ = ["JobFinished", "JobStarted", "WorkerPool", "start_forkserver"]


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
    output: str | None = None  # what the call wrote to stdout/stderr (bounded), if anything


Event = JobStarted | JobFinished

# Engine -> worker: token + pickle((impl, base_dir, args, kwargs, call)); b"" ends the worker.
# Worker -> engine message tags (first element of each tuple):
_MSG_READY = 0  # (tag, None | "set-up error", affinity)
_MSG_STARTED = 1  # (tag, token, t): only for calls of functions not known to be quick
# (tag, token, ok, value, error, t_start, t_return, affinity if it changed, output)
_MSG_FINISHED = 2

_TERMINATE_GRACE_S = 0.5
_REAP_TIMEOUT_S = 2.0
_WARM_TIMEOUT_S = 30.0
_MAX_ERROR_CHARS = 500
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_CAPTURE_LIMIT = 64 * 1024  # bytes of a call's stdout/stderr kept; the rest is counted
_QUICK_S = 0.002  # a call shorter than this sends its start time with its result only
# A call that sends its start with its result only, and is still running this long after it was
# sent, has its start reported by the engine (the time it was sent): a live lane then shows it
# running, not nothing until it ends. Far below a frame of the TUI; far above a quick call.
_ANNOUNCE_S = 0.02
_TOKEN_BYTES = 8  # every call message starts with a fresh random token; answers carry it
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_dumps, _loads = pickle.dumps, pickle.loads


# --------------------------------------------------------------------------- shared helpers


def _safe_text(exc: BaseException) -> str:
    # A user's exception may raise from __str__ (or return a non-str): describing it must not
    # fail, or the error report itself is lost (a hung run, a crashed worker).
    try:
        text = str(exc)
        return text if isinstance(text, str) else ""
    except BaseException:
        return ""


def _type_name(exc: BaseException) -> str:
    try:
        name = type(exc).__name__
        return name if isinstance(name, str) else "exception"
    except BaseException:
        return "exception"


def one_line(exc: BaseException) -> str:
    """`Type: message` on a single line (tracebacks and multi-line messages do not fit a TUI).
    Never raises: an exception whose str() fails is described by its type name alone."""
    text = " ".join(_safe_text(exc).split())
    name = _type_name(exc)
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


def _has_children() -> bool:
    """Whether this process has a child, running or exited (one cheap syscall)."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def _descendants(pid: int) -> list[psutil.Process]:
    # psutil is imported here, when a process has descendants to end: rarely (see
    # _has_children), and the forkserver, booting while the CLI imports the engine, is
    # ready sooner without it.
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill_descendants() -> None:
    """SIGKILL every descendant of this worker. As a subreaper (see _set_up_worker), it
    adopts the orphans among them: no child means no descendant, and nothing to scan."""
    if _has_children():
        _signal_all(_descendants(os.getpid()), signal.SIGKILL)


def _signal_all(procs: Iterable[psutil.Process], sig: int) -> None:
    if not procs:
        return
    import psutil

    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(sig)


# --------------------------------------------------------------------------- worker side


def _pin(cpus: tuple[int, ...]) -> None:
    # Threads started before this point (by imports in the forkserver) keep their own mask,
    # so pin every thread, not only the process's main one.
    os.sched_setaffinity(0, cpus)
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # a thread may exit while we iterate
            os.sched_setaffinity(int(tid), cpus)


def _prctl(option: int, arg: int) -> None:
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, arg, 0, 0, 0)


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
        _kill_descendants()
        os._exit(1)


def _set_up_worker(cpus: tuple[int, ...], memory_limit_bytes: int | None,
                   batch: bool = False) -> None:
    for var in THREAD_VARS:
        os.environ[var] = "1"
    # Ctrl-C reaches the whole foreground process group; the parent decides when we die.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Its own session: nothing a function starts belongs to orchtui's process group or
    # terminal. As a subreaper, it adopts the daemons its functions' children leave behind
    # (double fork), so that they can be found and ended with the call.
    with contextlib.suppress(OSError):
        os.setsid()
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    # If the forkserver dies (the main process was killed), do not outlive it.
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    _pin(cpus)
    if batch:
        # A batch process never preempts another on waking (sched(7)). Without it, the worker
        # that the engine's write of a call wakes on the engine's own CPU takes that CPU at
        # once, and the engine, which coordinates every processor, waits for it: measured,
        # about 25 µs of every write. Its share of the CPU over time is unchanged.
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    if memory_limit_bytes is not None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_limit_bytes if hard == resource.RLIM_INFINITY else min(
            memory_limit_bytes, hard
        )
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class _Capture:
    """The worker's fd 1 and 2 (so C code and child processes too) go into a pipe that a
    thread drains into a bounded buffer: what a call printed is carried with its result and
    never reaches orchtui's own streams. A pipe, not a file: 50 MB of prints cost 64 KiB."""

    def __init__(self, limit: int, redirect: bool = True) -> None:
        read_fd, self.write_fd = os.pipe()
        if redirect:
            self.redirect()
        os.set_blocking(read_fd, False)
        self.fd = read_fd
        self.limit = limit
        self.head = bytearray()
        self.more = 0
        self.has_bytes = select.poll()  # asked after a call: does the pipe hold bytes?
        self.has_bytes.register(read_fd, select.POLLIN)
        # Held from a read to its append: take() drains under it, so it sees every byte.
        self.lock = threading.Lock()
        threading.Thread(target=self._drain_forever, daemon=True,
                         name="orchtui-capture").start()

    def redirect(self) -> None:
        """From now on, fd 1 and 2 write into the capture."""
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(self.write_fd, 1)
        os.dup2(self.write_fd, 2)

    @contextlib.contextmanager
    def during(self) -> Iterator[None]:
        """fd 1 and 2 write into the capture inside the block, then where they wrote before:
        for a process that is not only ours (a Dask worker), whose own output stays its own."""
        saved = os.dup(1), os.dup(2)
        self.redirect()
        try:
            yield
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            for fd, old in zip((1, 2), saved, strict=True):
                os.dup2(old, fd)
                os.close(old)

    def _drain_forever(self) -> None:
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while True:
            with contextlib.suppress(InterruptedError):
                poller.poll()
            with self.lock:
                self._read()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except (BlockingIOError, InterruptedError):
                return
            if not data:
                return
            room = self.limit - len(self.head)
            if room > 0:
                self.head += data[:room]
            self.more += max(0, len(data) - max(room, 0))

    def take(self) -> str | None:
        """What was written since the last take(), bounded, or None if nothing was."""
        for stream in (sys.stdout, sys.stderr):
            try:  # noqa: SIM105 (contextlib.suppress costs more, and this runs after every call)
                stream.flush()
            except Exception:
                pass
        with self.lock:
            # Ask first: reading an empty pipe raises, and building that error costs more than
            # the question, after every call that printed nothing (most of them).
            if self.has_bytes.poll(0):
                self._read()
            if not self.head and not self.more:
                return None
            text = self.head.decode("utf-8", "replace")
            if self.more:
                text += f"\n… {self.more} bytes more"
            self.head = bytearray()
            self.more = 0
        return text


def _end_children() -> None:
    """Kill whatever the call left running: children, and (as a subreaper) the daemons they
    left. One cheap syscall when there are none, which is the usual case."""
    if not _has_children():
        return
    end = time.monotonic() + _REAP_TIMEOUT_S
    while time.monotonic() < end:
        # Again and again: a child may fork while it is being killed.
        _signal_all(_descendants(os.getpid()), signal.SIGKILL)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        time.sleep(0.001)


def _detach_from_pipe(fd: int) -> None:
    """In a process a function forked: its copy of the worker's pipe becomes /dev/null, so
    it can neither answer for a call nor take one (the engine also checks each answer's
    token). Registered with os.register_at_fork."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, fd)
        os.close(null)


def file_module_name(path: str) -> str:
    """The module name a function file is loaded under, the same in every process: a result
    whose class is defined in the file unpickles in the engine (which loads the file then)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    # Unique: two scenarios may both have a funcs.py.
    digest = hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"_orchtui_impl_{digest}_{stem}"


def _impl_file(impl: str, base_dir: str | None) -> str | None:
    """The absolute path of a `file.py:function` impl's file, None for a module impl."""
    module_part = impl.rpartition(":")[0]
    if not is_path_impl(module_part):
        return None
    path = module_part if os.path.isabs(module_part) else os.path.join(
        base_dir or os.getcwd(), module_part)
    return os.path.normpath(path)


# One module per file, however many of its functions are used: they share its state.
_file_modules: dict[str, ModuleType] = {}


def _load_file_module(path: str) -> ModuleType:
    module = _file_modules.get(path)
    if module is not None:
        return module
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)  # so the file's sibling imports resolve
    name = file_module_name(path)
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
    path = _impl_file(impl, base_dir)
    if path is not None:
        fn = _attribute(_load_file_module(path), func, path)
    else:
        if base_dir is not None and base_dir not in sys.path:
            sys.path.append(base_dir)  # last: a scenario's module must not shadow installed ones
        fn = _attribute(importlib.import_module(module_part), func, f"module {module_part}")
    if not callable(fn):
        raise TypeError(f"{func} is not callable")
    return fn


# The functions this worker has loaded, by (impl, base_dir).
_functions: dict[tuple[str, str | None], Callable[..., Any]] = {}


def preload(impls: list[tuple[str, str | None]]) -> int:
    """Run as a job: load `impls` into this worker now, so that their first calls do not pay
    their import. Failures are left for the calls to report. Returns how many loaded."""
    for key in impls:
        if key not in _functions:
            with contextlib.suppress(Exception):
                _functions[key] = load_impl(*key)
    return sum(key in _functions for key in impls)


def _result_bytes(token: bytes, ok: bool, value: object, error: str | None,
                  t_start: float | None, t_return: float | None, affinity: object,
                  output: str | None) -> bytes:
    try:
        return _dumps((_MSG_FINISHED, token, ok, value, error, t_start, t_return, affinity,
                       output), _PROTOCOL)
    except BaseException as exc:  # any failure to pickle: report it, keep the worker
        error = f"result could not be sent back: {one_line(exc)}"
        return _dumps((_MSG_FINISHED, token, False, None, error, t_start, t_return, affinity,
                       output), _PROTOCOL)


def _with_output(msg: tuple, text: str) -> tuple:
    """A finished call's message with `text` added to its output, bounded as a capture."""
    if not text or msg[0] != _MSG_FINISHED:
        return msg
    text = (msg[8] or "") + text
    if len(text) > _CAPTURE_LIMIT:
        more = len(text[_CAPTURE_LIMIT:].encode("utf-8", "replace"))
        text = f"{text[:_CAPTURE_LIMIT]}\n… {more} bytes more"
    return (*msg[:8], text)


def _worker_main(conn: Connection, cpus: tuple[int, ...], memory_limit_bytes: int | None,
                 context: tuple[str, Any] | None = None, batch: bool = False) -> None:
    """Entry point of a worker process: set up, then run jobs until the pipe closes.
    `context`: (impl of a hook, payload) given by the pool's owner; `batch`: run under
    SCHED_BATCH; see WorkerPool."""
    try:
        _set_up_worker(cpus, memory_limit_bytes, batch)
        capture = _Capture(_CAPTURE_LIMIT)
        enter: Callable[..., Any] | None = None
        payload = None
        if context is not None:
            enter, payload = load_impl(context[0], None), context[1]
        os.register_at_fork(after_in_child=functools.partial(_detach_from_pipe, conn.fileno()))
        # Started after pinning, so it inherits the worker's affinity.
        threading.Thread(target=_watch_engine, args=(conn.fileno(),), daemon=True,
                         name="orchtui-engine-watch").start()
    except Exception as exc:
        conn.send((_MSG_READY, describe_exception(exc), ()))
        return
    affinity = tuple(sorted(os.sched_getaffinity(0)))
    conn.send((_MSG_READY, None, affinity))
    with contextlib.suppress(EOFError, OSError):  # the engine went away: nobody to report to
        _serve(conn, cpus, capture, enter, payload)
    # Scripts a function left running in the background must not outlive the worker.
    _kill_descendants()


def _serve(conn: Connection, cpus: tuple[int, ...], capture: _Capture,
           enter: Callable[..., Any] | None, payload: Any) -> None:
    # Locals, not attribute look-ups: this loop is the per-call overhead.
    pipe = FramedPipe(conn.fileno())
    recv_bytes, send_bytes, loads, dumps = pipe.recv, pipe.send, _loads, _dumps
    clock, getaffinity, take = time.perf_counter, os.sched_getaffinity, capture.take
    pid = os.getpid()
    pinned = set(cpus)
    cache = _functions
    # Functions whose last call was short: they send no separate "started" message (the start
    # time travels with the result), one message back per call instead of two.
    quick: set[tuple[str, str | None]] = set()
    while True:
        data = recv_bytes()
        if not data:
            return
        token = data[:_TOKEN_BYTES]
        try:
            impl, base_dir, args, kwargs, call = loads(data[_TOKEN_BYTES:])
        except BaseException as exc:  # bytes arrived but could not be unpickled
            error = f"arguments could not be received: {one_line(exc)}"
            send_bytes(_result_bytes(token, False, None, error, None, None, None, take()))
            continue
        key = (impl, base_dir)
        fn = cache.get(key)
        if fn is None:
            try:
                fn = cache[key] = load_impl(impl, base_dir)
            except BaseException as exc:
                error = f"cannot load {impl!r}: {describe_load_error(exc)}"
                send_bytes(_result_bytes(token, False, None, error, None, None, None, take()))
                del exc
                continue
        if enter is not None and call is not None:
            try:
                enter((payload, *call, impl))
            except BaseException as exc:
                error = f"call set-up failed: {describe_exception(exc)}"
                send_bytes(_result_bytes(token, False, None, error, None, None, None, take()))
                del exc
                continue
        t = clock()
        if key not in quick:
            send_bytes(dumps((_MSG_STARTED, token, t), _PROTOCOL))
        try:
            value = fn(*args, **kwargs)
            ok, error = True, None
        except BaseException as exc:  # SystemExit too: a function must not end its worker
            value, ok, error = None, False, describe_exception(exc)
            del exc  # drop the traceback's frames (and their locals) now
        t_return = clock()
        if os.getpid() != pid:  # a process the function forked came back here: not its call
            os._exit(0)
        if t_return - t < _QUICK_S:
            quick.add(key)
        else:
            quick.discard(key)
        _end_children()
        changed = None
        if getaffinity(0) != pinned:  # the function moved its worker: put it back
            with contextlib.suppress(OSError):
                _pin(cpus)
            now = getaffinity(0)
            changed = None if now == pinned else tuple(sorted(now))
        send_bytes(_result_bytes(token, ok, value, error, t, t_return, changed, take()))
        del value


# --------------------------------------------------------------------------- engine side


class _Worker:
    """The engine's handle on one worker process."""

    __slots__ = ("affinity", "announce", "conn", "cpus", "deadline", "impl", "job", "pid",
                 "pipe", "process", "quick", "ready", "sentinel", "setup_error", "started",
                 "t_sent", "timeout", "token")

    def __init__(self, process: Any, conn: Connection, cpus: frozenset[int]) -> None:
        self.process = process
        self.pid: int = process.pid  # kept: the Process object is closed once reaped
        self.conn = conn
        self.pipe = FramedPipe(conn.fileno())  # what the engine reads and writes per call
        self.cpus = cpus
        self.sentinel: int = process.sentinel
        self.ready = False
        self.setup_error: str | None = None
        self.affinity: tuple[int, ...] = tuple(sorted(cpus))  # as the worker reports it
        self.job: str | None = None
        self.token = b""  # of the job in flight: an answer without it is not for this job
        self.started = False  # JobStarted of the job in flight was reported
        self.t_sent = 0.0  # when the job in flight was submitted
        self.deadline: float | None = None
        self.timeout: float | None = None
        self.impl: tuple[str, str | None] = ("", None)  # of the job in flight
        # The worker's own list of functions whose last call was quick (they send no start
        # message), kept the same way from what their results say; and when the engine
        # reports the start of the job in flight itself, if it is one of them.
        self.quick: set[tuple[str, str | None]] = set()
        self.announce: float | None = None


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
    """Pinned worker processes that run `impl(*args, **kwargs)` calls; see the module doc.

    `context`, if given, is (hook impl, payload) from the pool's owner (the pool knows nothing
    of what it means): each worker loads the hook once and gets the payload once, when it
    starts; before a call submitted with `call=(id, cost, kind)` it runs
    `hook((payload, id, cost, kind, impl))` (orchtui.functions learns the run this way).

    Workers for the CPU sets in `batch` run under SCHED_BATCH: for CPU-bound calls, whose
    start and end the engine must see at once, not for I/O waits that must wake promptly."""

    def __init__(self, memory_limit_bytes: int | None = None,
                 context: tuple[str, Any] | None = None,
                 batch: Iterable[frozenset[int]] = ()) -> None:
        self._memory_limit = memory_limit_bytes
        self._context = context
        self._batch = frozenset(batch)
        self._ctx = multiprocessing.get_context("forkserver")
        # the server every worker is forked from, with its preloads, unless the CLI started it
        start_forkserver(None if context is None else context[0])
        self._idle: dict[frozenset[int], list[_Worker]] = {}
        self._busy: dict[str, _Worker] = {}
        self._workers: set[_Worker] = set()
        # One epoll set for the life of the pool, not a new selector per wait; used directly,
        # not through `selectors`, whose wrapping costs more than the wait on a short call.
        self._epoll = select.epoll()
        # Call tokens from a generator seeded by the OS once, not a system call per call: as
        # unguessable to a worker (which never sees this process's state), a microsecond less.
        self._token_bits = random.Random(os.urandom(32)).getrandbits
        self._watched: dict[int, tuple[_Worker, bool]] = {}  # fd -> (worker, is its pipe)
        self._queued: list[Event] = []  # failures found in submit(), delivered by poll()
        # module name -> file, of the function files submitted: see file_module_name
        self._files: dict[str, str] = {}
        self._seen_impls: set[tuple[str, str | None]] = set()
        # (impl, base_dir) as submitted -> absolute base_dir, when that does not depend on the
        # cwd (a call's path work, done once)
        self._resolved: dict[tuple[str, str | None], str | None] = {}
        self._timeouts = False  # some job ever had a timeout: deadlines must be watched
        self._announcing = False  # some job's start was ever left to the engine to report
        self._closed = False
        atexit.register(self.close)

    # -- public API ------------------------------------------------------------------------

    def submit(self, job: str, cpus: frozenset[int], impl: str, base_dir: str | None,
               args: tuple, kwargs: dict, timeout: float | None,
               call: tuple[str, float, str] | None = None) -> None:
        """Run impl(*args, **kwargs) on an idle worker whose affinity is exactly `cpus`
        (start one if none is idle; reuse idle ones). A worker runs one job at a time, so two
        jobs submitted for the same single CPU at once get two workers on that CPU.
        `call`: (call id, declared cost, kind) for the context hook, if the pool has one.
        """
        t_submit = time.perf_counter()
        if self._closed:
            raise RuntimeError("WorkerPool is closed")
        if job in self._busy or (self._queued and any(e.job == job for e in self._queued)):
            raise ValueError(f"job {job!r} is already pending")
        if not cpus:
            raise ValueError("cpus must not be empty")
        resolved = self._resolved.get((impl, base_dir), "")
        if resolved == "":  # not resolved yet ("" is never a resolved base dir)
            resolved = self._absolute_base_dir(impl, base_dir)
            if resolved is None or resolved == base_dir:  # not relative to the cwd: keep it
                self._resolved[(impl, base_dir)] = resolved
            if (impl, resolved) not in self._seen_impls:
                self._seen_impls.add((impl, resolved))
                path = _impl_file(impl, resolved)
                if path is not None:
                    self._files[file_module_name(path)] = path
        base_dir = resolved
        msg = (impl, base_dir, args, kwargs, call)
        token = self._token_bits(8 * _TOKEN_BYTES).to_bytes(_TOKEN_BYTES, "little")
        try:
            data = token + _dumps(msg, _PROTOCOL)
        except Exception as exc:
            self._queue_failure(job, f"arguments could not be sent: {one_line(exc)}")
            return
        worker = self._dispatch(data, frozenset(cpus))
        worker.job = job
        worker.token = token
        worker.started = False
        worker.t_sent = t_submit
        worker.timeout = timeout
        worker.deadline = None if timeout is None else t_submit + timeout
        if timeout is not None:
            self._timeouts = True
        key = worker.impl = (impl, base_dir)
        if key in worker.quick:
            worker.announce = t_submit + _ANNOUNCE_S
            self._announcing = True
        else:
            worker.announce = None
        self._busy[job] = worker

    def poll(self, timeout: float | None) -> list[Event]:
        """Wait up to `timeout` seconds (None = until something happens) for events from the
        workers, and return all that are available, in arrival order. Returns [] at once when
        nothing is in flight."""
        if self._closed or not self.pending():
            return []
        events, self._queued = self._queued, []
        give_up = None if timeout is None else time.perf_counter() + timeout
        epoll, watched = self._epoll.poll, self._watched
        while True:
            wait_s = self._wait_seconds(give_up, have_events=bool(events))
            # whole milliseconds up, as selectors does: a shorter wait would spin
            ready = epoll(-1 if wait_s is None else math.ceil(wait_s * 1e3) * 1e-3)
            if self._closed:  # close() ran meanwhile (atexit, another thread)
                return []
            if ready:
                events += self._handle_ready([watched[fd] for fd, _ in ready if fd in watched])
            if self._timeouts and any(w.deadline is not None for w in self._busy.values()):
                events += self._enforce_deadlines()
            if self._announcing:
                events += self._announce_starts()
            if events or not self._busy:
                break
            if give_up is not None and time.perf_counter() >= give_up:
                break
        if len(events) > 1:
            events.sort(key=_arrival_key)
        return events

    def has_idle(self, cpus: frozenset[int]) -> bool:
        """Whether a call for `cpus` would go to a worker that exists (not start one)."""
        return bool(self._idle.get(cpus))

    def pending(self) -> int:
        """Jobs submitted whose JobFinished has not been returned by poll() yet."""
        return len(self._busy) + len(self._queued)

    def warm(self, cpus_list: list[frozenset[int]], wait_ready: bool = True) -> None:
        """Make sure an idle, set-up worker exists for each entry (a CPU set listed twice gets
        two), so that the first calls do not pay process start-up. Without `wait_ready`, they
        are started and set themselves up while the caller goes on (a call sent to one waits
        in its pipe until it is ready); with it, the idle workers of these sets that have not
        said they are ready yet (started now or before) are waited for."""
        if self._closed:
            raise RuntimeError("WorkerPool is closed")
        wanted: dict[frozenset[int], int] = {}
        for cpus in cpus_list:
            wanted[frozenset(cpus)] = wanted.get(frozenset(cpus), 0) + 1
        for cpus, count in wanted.items():
            idle = self._idle.setdefault(cpus, [])
            for _ in range(count - len(idle)):
                idle.append(self._start_worker(cpus))
        if wait_ready:
            self._await_ready([w for cpus in wanted for w in self._idle[cpus] if not w.ready])

    def preload(self, impls: dict[frozenset[int], list[tuple[str, str | None]]],
                timeout: float) -> None:
        """Load functions ((impl, base_dir), as given to submit) into every idle worker of
        each CPU set, before any call: what the first calls would otherwise pay, on every
        worker at once. One that fails to load, or loads past `timeout`, is its calls' to
        report (a worker past the timeout is replaced)."""
        jobs = 0
        for cpus, wanted in impls.items():
            keys = [(impl, self._absolute_base_dir(impl, base)) for impl, base in wanted]
            for _ in range(len(self._idle.get(cpus, ())) if keys else 0):
                self.submit(f"preload:{jobs}", cpus, f"{__name__}:preload", None, (keys,), {},
                            timeout)
                jobs += 1
        while self.pending():
            self.poll(timeout)

    def close(self) -> None:
        """Terminate every worker (SIGTERM, then SIGKILL after a grace) and its descendants,
        and reap them. Idempotent; safe from atexit and after errors."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        workers = list(self._workers)
        # Only a worker in the middle of a call can have descendants: after each call, a worker
        # ends what it started (_end_children). An idle one has none to look for (a scan of
        # /proc each, a few ms at the end of every run).
        family = [p for w in workers if w.job is not None for p in _descendants(w.pid)]
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
        self._workers.clear()
        self._queued.clear()
        with contextlib.suppress(Exception):
            self._epoll.close()

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
        if is_path_impl(module_part) and not os.path.isabs(module_part):
            return os.getcwd()
        return None

    def _dispatch(self, data: bytes, cpus: frozenset[int]) -> _Worker:
        idle = self._idle.get(cpus)
        while idle:
            worker = idle.pop()
            try:
                worker.pipe.send(data)
                return worker
            except OSError:  # it died while idle; replace it
                self._forget(worker)
                self._reap(worker)
        worker = self._start_worker(cpus)
        # Buffered by the pipe until the worker is set up. If it dies first, poll() reports
        # that as the job's failure, with the reason.
        with contextlib.suppress(OSError):
            worker.pipe.send(data)
        return worker

    def _start_worker(self, cpus: frozenset[int]) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_worker_main,
            args=(child_conn, tuple(sorted(cpus)), self._memory_limit, self._context,
                  cpus in self._batch),
            name=f"orchtui-worker-cpus{'-'.join(map(str, sorted(cpus)))}",
            # Not daemonic: a daemonic worker could not start a multiprocessing child of its own.
            # Our atexit hook (registered after multiprocessing's, so run before it) reaps them.
            daemon=False,
        )
        process.start()
        child_conn.close()
        worker = _Worker(process, parent_conn, cpus)
        self._workers.add(worker)
        for fd, is_pipe in ((parent_conn.fileno(), True), (worker.sentinel, False)):
            self._epoll.register(fd, select.EPOLLIN)
            self._watched[fd] = (worker, is_pipe)
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
            msg = _loads(worker.pipe.recv())
        except (EOFError, OSError):
            return False
        self._on_ready(worker, msg)
        return worker.ready

    @staticmethod
    def _on_ready(worker: _Worker, msg: tuple) -> None:
        worker.ready = msg[0] == _MSG_READY and msg[1] is None
        worker.setup_error = msg[1]
        if worker.ready and msg[2]:
            worker.affinity = tuple(msg[2])

    def _queue_failure(self, job: str, error: str) -> None:
        self._queued.append(JobFinished(job, time.perf_counter(), False, None, error, None))

    # -- polling ---------------------------------------------------------------------------

    def _wait_seconds(self, give_up: float | None, have_events: bool) -> float | None:
        if have_events:
            return 0.0
        now = time.perf_counter()
        limit = None if give_up is None else give_up - now
        for worker in self._busy.values() if self._timeouts or self._announcing else ():
            for when in (worker.deadline, None if worker.started else worker.announce):
                if when is not None:
                    limit = when - now if limit is None else min(limit, when - now)
        return None if limit is None else max(0.0, limit)

    def _handle_ready(self, ready: list[tuple[_Worker, bool]]) -> list[Event]:
        events: list[Event] = []
        dead: list[_Worker] = []
        for worker, is_conn in ready:
            if worker in dead or worker not in self._workers:
                continue
            if is_conn:
                if not self._drain(worker, events, known_ready=True):
                    dead.append(worker)
            else:
                # Results it sent before dying still count; read them first.
                self._drain(worker, events, known_ready=False)
                dead.append(worker)
        for worker in dead:
            if worker in self._workers:
                events.extend(self._bury(worker))
        return events

    def _drain(self, worker: _Worker, events: list[Event], known_ready: bool) -> bool:
        """Read the messages waiting on the worker's pipe; False if the pipe is closed."""
        pipe = worker.pipe
        try:
            # After a death, check first: a grandchild holding the pipe open would block recv().
            while known_ready or pipe.poll():
                known_ready = False
                try:
                    data = pipe.recv()
                except (EOFError, OSError):
                    return False
                try:
                    msg = _loads(data)
                except KeyboardInterrupt:  # a signal to us (the CLI raises it), not the value
                    raise
                except BaseException as exc:  # only a result can fail to unpickle here
                    # BaseException: a value may call sys.exit() as it is unpickled.
                    msg = self._loads_with_files(data, exc, worker.token)
                # A call ends the exchange: nothing more is due from an idle worker (and an
                # extra poll() of its pipe per call is what we save), unless it was read already.
                if self._on_message(worker, msg, time.perf_counter(), events) and \
                        not pipe.buffered():
                    break
        except (EOFError, OSError):
            return False
        return True

    def _loads_with_files(self, data: bytes, exc: BaseException, token: bytes) -> tuple:
        """A result whose class lives in a function file: load the file here too (as the
        worker did, under the same name), then unpickle again. Otherwise, the call fails."""
        name = getattr(exc, "name", None)
        path = self._files.get(name) if isinstance(name, str) else None
        if path is not None and name not in sys.modules:
            printed = io.StringIO()
            try:
                # The file's own code runs here as it loads: what it prints is the call's
                # output, as in its worker, not ours (`--json` must stay JSON). Python's
                # streams only: fd 1 may be the TUI's screen, written by another thread.
                with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                    _load_file_module(path)
                msg = _loads(data)
            except KeyboardInterrupt:
                raise
            except BaseException as again:  # the file's code may call sys.exit() as it loads
                exc = again
            else:
                return _with_output(msg, printed.getvalue())
        return (_MSG_FINISHED, token, False, None,
                f"result could not be received: {one_line(exc)}", None, None, None, None)

    def _on_message(self, worker: _Worker, msg: tuple, t_recv: float,
                    events: list[Event]) -> bool:
        """Turn one message into events; True if it ended the worker's job."""
        tag = msg[0]
        if tag == _MSG_READY:
            self._on_ready(worker, msg)
            return False
        job = worker.job
        if job is None or msg[1] != worker.token:
            return False  # not for the job in flight (a forged or stale answer): ignored
        affinity = worker.affinity
        cpu = affinity[0] if len(affinity) == 1 else None
        if tag == _MSG_STARTED:
            if not worker.started:  # (the engine may have reported it: _announce_starts)
                worker.started = True
                events.append(JobStarted(job, msg[2], worker.pid, cpu, affinity))
            return False
        if tag != _MSG_FINISHED:
            return False
        _tag, _token, ok, value, error, t_start, t_return, changed, output = msg
        if t_start is not None and not worker.started:
            events.append(JobStarted(job, t_start, worker.pid, cpu, affinity))
        if t_start is not None and t_return is not None:  # as the worker judges it
            if t_return - t_start < _QUICK_S:
                worker.quick.add(worker.impl)
            else:
                worker.quick.discard(worker.impl)
        if changed is not None:  # it could not be re-pinned: later calls report the truth
            worker.affinity = tuple(changed)
        events.append(JobFinished(job, t_recv, ok, value, error, t_return, output))
        self._release(worker)
        return True

    def _release(self, worker: _Worker) -> None:
        if worker.job is not None:
            del self._busy[worker.job]
        worker.job = worker.deadline = worker.timeout = None
        worker.token = b""
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
            events += self._unreported_start(worker)
            events.append(JobFinished(job, time.perf_counter(), False, None,
                                      f"timed out after {float(worker.timeout or 0.0)} s", None))
        return events

    def _announce_starts(self) -> list[Event]:
        """The starts of calls that send theirs with their results only (their function's
        last call was quick) and are running longer than _ANNOUNCE_S."""
        now = time.perf_counter()
        events: list[Event] = []
        for worker in self._busy.values():
            if worker.announce is not None and worker.announce <= now:
                events += self._unreported_start(worker)
                worker.announce = None
        return events

    @staticmethod
    def _unreported_start(worker: _Worker) -> list[Event]:
        """The start of a job whose worker did not report it, if it has not been reported: a
        call of a function whose last call was quick sends its start with its result only, and
        one that runs long (_announce_starts), times out or crashes has none before. A set-up
        worker starts a call as it gets it: the time it was sent."""
        if worker.started or not worker.ready or worker.job is None:
            return []
        worker.started = True
        affinity = worker.affinity
        cpu = affinity[0] if len(affinity) == 1 else None
        return [JobStarted(worker.job, worker.t_sent, worker.pid, cpu, affinity)]

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
        return [*self._unreported_start(worker),
                JobFinished(job, time.perf_counter(), False, None, error, None)]

    # -- process bookkeeping -----------------------------------------------------------------

    def _forget(self, worker: _Worker) -> None:
        """Remove the worker from every table (it will not be used again)."""
        if worker in self._workers:
            self._workers.discard(worker)
            for fd in (worker.conn.fileno(), worker.sentinel):
                self._watched.pop(fd, None)
                with contextlib.suppress(Exception):
                    self._epoll.unregister(fd)
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
