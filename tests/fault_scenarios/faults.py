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
    """Touch `mb` MB: past a --memory-limit, this fails with MemoryError."""
    chunks = [bytearray(64 * 1024 * 1024) for _ in range(mb // 64)]
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
