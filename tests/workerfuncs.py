"""Functions run inside WorkerPool workers by tests/test_workers.py (loaded as a file)."""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import threading
import time


def noop() -> None:
    return None


def add(a: int, b: int) -> int:
    return a + b


def sleep_then_return(seconds: float, value: object) -> object:
    time.sleep(seconds)
    return value


def raises(message: str = "bad input") -> None:
    raise ValueError(message)


def os_exit(code: int = 3) -> None:
    os._exit(code)


def segfault() -> None:
    # No core file: a deliberate crash should not litter the disk or wait for a dump handler.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    ctypes.string_at(0)


def hang() -> None:
    time.sleep(3600)


def quick_unless(mode: str) -> str:
    """Returns at once (so its worker knows it as quick, and sends no separate start for its
    next call), unless told to hang, to end its worker, or to wait for a file."""
    if mode == "hang":
        time.sleep(3600)
    if mode.startswith("until:"):  # runs until the file it names exists (a minute at most)
        gate = mode.partition(":")[2]
        for _ in range(6000):
            if os.path.exists(gate):
                break
            time.sleep(0.01)
    if mode == "exit":
        os._exit(3)
    return mode


def unpicklable_result() -> object:
    return threading.Lock()


def report_affinity() -> tuple[int, ...]:
    return tuple(sorted(os.sched_getaffinity(0)))


def child_affinity() -> tuple[int, ...]:
    """The affinity a Python script started by the function sees."""
    code = "import os; print(','.join(map(str, sorted(os.sched_getaffinity(0)))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return tuple(int(c) for c in out.stdout.strip().split(","))


def spawn_sleeper() -> int:
    """Start a long-lived child and return its pid (for the no-process-left-behind test)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    return proc.pid


def spawn_then_hang(pidfile: str) -> None:
    """Start a long-lived child, write its pid to `pidfile`, and never return."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    with open(pidfile + ".tmp", "w") as f:
        f.write(str(proc.pid))
    os.replace(pidfile + ".tmp", pidfile)
    time.sleep(3600)


def spin(seconds: float) -> int:
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def alloc(n_bytes: int) -> int:
    return len(bytearray(n_bytes))


def env_threads() -> dict[str, str | None]:
    names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
    return {name: os.environ.get(name) for name in names}


def getpid() -> int:
    return os.getpid()


class Poisoned(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str exploded")


def raises_poisoned() -> None:
    raise Poisoned()


def fork_and_both_return(delay: float) -> str:
    pid = os.fork()
    if pid == 0:
        return "child"
    time.sleep(delay)
    os.waitpid(pid, 0)
    return "parent"


def widen() -> list[int]:
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return sorted(os.sched_getaffinity(0))


def print_lots(n_bytes: int) -> str:
    import sys

    sys.stdout.write("A" * n_bytes)
    os.write(2, b"|fd2")
    return "printed"


def class_instance() -> object:
    return Record(7)


class Record:
    def __init__(self, n: int) -> None:
        self.n = n
