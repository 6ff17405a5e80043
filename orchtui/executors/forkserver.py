"""multiprocessing's two helper processes, which every worker needs: the forkserver (every worker
is forked from it) and the resource tracker. The CLI starts them first thing for a real run, so
that the server boots (a fresh interpreter importing the workers module: about a tenth of a
second) while the command imports the engine. This module imports only what starting them
takes: importing the workers module first (dataclasses, ctypes, hashlib, and psutil then)
started the server about 25 ms later.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from multiprocessing import forkserver, resource_tracker

# Set to 1 in the forkserver and in every worker (a pinned worker runs on one CPU).
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
WORKERS_MODULE = f"{__package__}.workers"  # what a worker runs


def is_path_impl(module_part: str) -> bool:
    """Whether an impl's module part names a file (`lib/x.py`) rather than a module."""
    return module_part.endswith(".py") or "/" in module_part or os.sep in module_part


def preload_modules(context_impl: str | None, also: Sequence[str] = ()) -> list[str]:
    """What the forkserver imports once for every worker: the default __main__, the module
    every worker imports to receive its pipe (multiprocessing's, for the forkserver's file
    descriptors), the workers module, the context hook's module (every worker loads it), and
    `also`."""
    preload = ["__main__", "multiprocessing.popen_forkserver", WORKERS_MODULE]
    module = "" if context_impl is None else context_impl.rpartition(":")[0]
    if module and not is_path_impl(module):
        preload.append(module)
    return preload + [m for m in also if m not in preload]


def start_forkserver(context_impl: str | None = None, also: Sequence[str] = ()) -> None:
    """Start the forkserver and the resource tracker, once per process (later calls do
    nothing). `context_impl`: the context hook a pool will be given ("module:function"),
    preloaded; `also`: more modules to preload (see preload_modules)."""
    # Workers set these themselves, but the forkserver they fork from may have loaded a BLAS
    # that read them (a preloaded __main__ may import numpy): set before it starts.
    for var in THREAD_VARS:
        os.environ[var] = "1"
    multiprocessing.get_context("forkserver").set_forkserver_preload(
        preload_modules(context_impl, also))
    with _stdout_to_stderr():
        # The forkserver inherits this mask: SIGINT stays blocked in it, so a Ctrl-C sent to
        # the whole process group while it imports its preloads cannot print a traceback from
        # it. SIGTERM is not blocked there: the pool ends its workers with SIGTERM. The
        # resource tracker shields itself, then unblocks both signals in the caller, so it
        # starts first.
        resource_tracker.ensure_running()
        _in_background(getattr(getattr(resource_tracker, "_resource_tracker", None), "_pid",
                               None))
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            forkserver.ensure_running()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _in_background(pid: int | None) -> None:
    """Lower the resource tracker's priority (10 nicer than this process). It only cleans up
    after this process has gone, but its boot (a fresh interpreter importing multiprocessing:
    50-60 ms of CPU here) ran while this process imports the engine and the forkserver boots:
    on a machine of two CPUs the clock of a real run started about 35 ms later for it (median
    of 8 interleaved rounds)."""
    if pid is None:  # (multiprocessing has kept the tracker's pid there since Python 3.8)
        return
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10))


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Helpers started in this block get this process's stderr as their stdout. They write
    nothing to stdout, but they hold whatever they inherit until they have torn down, after
    this process has exited (the forkserver ends once this process and every worker have
    closed its pipe): a reader of our stdout (`orchtui … --json | jq`, a script capturing it)
    waited those tens of ms for its end of file. Only while this process runs a single
    thread: no other thread can write to fd 1 in the meantime (its bytes would go to
    stderr)."""
    if threading.active_count() != 1:
        yield
        return
    try:
        saved = os.dup(1)  # not inherited by the helpers (os.dup makes it close-on-exec)
    except OSError:  # no stdout: nothing to keep from them
        yield
        return
    try:
        # (Nothing is flushed in this block: what sys.stdout holds reaches fd 1 later.)
        os.dup2(2, 1)
    except OSError:  # no stderr: leave fd 1 as it is
        os.close(saved)
        yield
        return
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
