"""Functions for the fault-injection scenarios (tests/test_reliability_faults.py).

Healthy ones do a little real work; each faulty one fails in its own way. Loaded by the real
executor as `faults.py:NAME`, relative to the scenario YAML.
"""

from __future__ import annotations

import ctypes
import os
import resource
import time


def crunch(n: int = 200_000) -> int:
    """Healthy compute: a short CPU loop."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def fetch(seconds: float = 0.05, *inputs: object) -> str:
    """Healthy inout: a short wait (stands for network or disk)."""
    time.sleep(seconds)
    return f"fetched after {seconds} s from {len(inputs)} inputs"


def raises(*_: object) -> None:
    raise ValueError("deliberate failure from faults.raises")


def os_exit(*_: object) -> None:
    os._exit(7)


def segfault(*_: object) -> None:
    # No core file: a deliberate crash should not litter the disk or wait for a dump handler.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    ctypes.string_at(0)


def hang(*_: object) -> None:
    time.sleep(3600)


def allocate(mb: int = 4096) -> int:
    """Ask for `mb` MB, 64 MB at a time: past a --memory-limit, this fails with MemoryError.

    The limit caps the worker's address space (RLIMIT_AS), so asking is what it refuses.
    bytes(n) is calloc'd fresh from mmap, so no page is touched: the call takes microseconds.
    bytearray(n) zero-filled every page, and 320 MB of page faults took 0.2-0.75 s on a busy
    2-CPU host, against the scenario's 1.5 s timeout (counted from submission, on a CPU
    shared with the run's other calls): the run then failed as a timeout, not MemoryError.
    Without the limit, 4096 MB of untouched pages are granted and the call succeeds, so the
    fault test still fails if the limit stops working."""
    chunks = [bytes(64 * 1024 * 1024) for _ in range(mb // 64)]
    return sum(len(c) for c in chunks)


def wait_to_be_killed(pidfile: str | None = None) -> None:
    """Write this worker's pid where the test can find it (`pidfile`, else the file named by
    $ORCHTUI_FAULT_PIDFILE), then wait for its SIGKILL."""
    path = pidfile or os.environ["ORCHTUI_FAULT_PIDFILE"]
    with open(path + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    time.sleep(60)


def slow_crunch(seconds: float = 0.3) -> int:
    """Healthy compute that lasts about `seconds` (for the signal runs)."""
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def pick(mode: str) -> str:
    """Recovery demo: the recovery point. Returns the mode the next call will use."""
    return mode


def use(mode: str) -> str:
    """Recovery demo: crashes its worker unless the mode it gets is 'safe'."""
    if mode != "safe":
        os._exit(3)
    return "used safely"


class Unshowable:
    """A result whose repr() and str() raise: the engine must still show and pass it on."""

    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")

    __str__ = __repr__


def unshowable() -> Unshowable:
    return Unshowable()


def huge_int() -> int:
    return 10**5000  # repr() refuses ints past 4300 digits


def surrogate() -> str:
    return "half a character: \ud800"


# --------------------------------------------------------------------------- hostile functions
# Functions that try to poison their worker (issue 14): each must fail or stay in its own call.


class PoisonedError(Exception):
    """An exception that cannot be described: its str() raises."""

    def __str__(self) -> str:
        raise RuntimeError("str exploded")


def poisoned(*_: object) -> None:
    raise PoisonedError()


def exit_3(*_: object) -> None:
    os._exit(3)


def fork_child_answers(delay: float = 0.3) -> str:
    """The forked child returns at once (into the worker's loop, with the worker's pipe); the
    parent returns later. Only the parent's value is this call's."""
    pid = os.fork()
    if pid == 0:
        return "from the forked child"
    time.sleep(delay)
    os.waitpid(pid, 0)
    return "from the parent"


def value(v: object) -> object:
    return v


def widen_affinity() -> list[int]:
    """Allow this process on every CPU the machine has, as a careless library might."""
    every = set(range(os.cpu_count() or 1))
    os.sched_setaffinity(0, every)
    return sorted(os.sched_getaffinity(0))


def affinity() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def start_daemon(pidfile: str | None = None) -> str:
    """Double-fork a daemon that sleeps for an hour holding stdout and stderr, write its pid
    to `pidfile` (else $ORCHTUI_FAULT_PIDFILE), return at once."""
    path = pidfile or os.environ["ORCHTUI_FAULT_PIDFILE"]
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            with open(path + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.replace(path + ".tmp", path)
            time.sleep(3600)
        os._exit(0)
    os.waitpid(pid, 0)
    end = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.01)
    return "daemon started"


def shout(mb: int = 50) -> str:
    """Print `mb` MB through Python, then a line written by C-level fd 2 and one by a child."""
    import subprocess
    import sys

    line = "x" * 1023 + "\n"
    print("SHOUT-BEGIN")
    for _ in range(mb * 1024):
        sys.stdout.write(line)
    os.write(2, b"SHOUT-FD2\n")
    subprocess.run(["echo", "SHOUT-CHILD"], check=True)
    return "shouted"


def whisper() -> str:
    print("WHISPER-LINE")
    os.write(2, b"WHISPER-FD2\n")
    return "whispered"
