"""The interface every executor offers the runner. The policy never sees it; the TUI never
sees it either."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from orchtui.scenario.model import FunctionSpec


# slots: the engine makes one Task and two reports for every call, hundreds of thousands in a
# long sim, and a frozen dataclass with slots is built in two thirds of the time
@dataclass(frozen=True, slots=True)
class Task:
    """Something to run: a call of the plan, or an LLM turn."""

    key: str  # the call id, or "turn:<name>"
    kind: str  # "inout" | "compute" | "llm"
    processor: int | None = None  # index into the allocated CPUs; None for inout and llm
    pool: bool = False  # unpinned compute: time-shares every allocated CPU
    cost: float = 0.0  # declared seconds (the sim's duration)
    function: FunctionSpec | None = None
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    fault: str | None = None  # sim: fail with this error (a labelled, injected fault)


@dataclass(frozen=True, slots=True)
class TaskStarted:
    key: str
    t: float  # seconds since the executor opened
    cpu: int | None = None
    pid: int | None = None
    affinity: tuple[int, ...] = ()
    # Where it runs when that is not where the policy placed it: a retry after a lost worker.
    processor: int | None = None


@dataclass(frozen=True, slots=True)
class TaskRetried:
    """An attempt ended without a result through no fault of the call (its Dask worker was
    lost mid-call); the call runs again, as attempt `attempt + 1` of at most `retries + 1`."""

    key: str
    t: float
    error: str  # why the attempt ended, one line
    attempt: int
    retries: int


@dataclass(frozen=True, slots=True)
class TaskFinished:
    key: str
    t: float
    ok: bool
    value: Any = None
    error: str | None = None
    t_return: float | None = None  # when the function returned, in the worker (overhead bench)
    output: str | None = None  # what the call printed (stdout and stderr, bounded), if anything


ExecEvent = TaskStarted | TaskFinished | TaskRetried


@dataclass(frozen=True, slots=True)
class ContextHook:
    """How functions learn about the run they serve, given to an executor by its caller (the
    executor knows nothing of what it means: it imports no function library). Each worker
    loads `enter` ("module:function") and receives `payload` once; before each call it runs
    `enter((payload, call_id, cost, kind, impl))`. `payload` must pickle."""

    enter: str
    payload: Any


class Executor(ABC):
    mode: str  # "sim" | "real" | "dask"

    def __init__(self, cpus: tuple[int, ...]) -> None:
        self.cpus = cpus  # the OS CPU ids of processors 0..P-1 (indices in the sim)

    @property
    def processors(self) -> int:
        return len(self.cpus)

    @abstractmethod
    def now(self) -> float:
        """Seconds since the executor opened (virtual in the sim)."""

    @abstractmethod
    def launch(self, task: Task) -> None: ...

    @abstractmethod
    def poll(self, timeout: float | None = None) -> list[ExecEvent]:
        """Wait for something to happen, and return it. [] when nothing is in flight, or when
        `timeout` passes first (real executors only; the sim never waits)."""

    @abstractmethod
    def in_flight(self) -> int: ...

    @abstractmethod
    def start_clock_at(self, seconds: float) -> None:
        """Make now() read `seconds` from here on: time spent before the executor opened (a
        translation) counts in the run."""

    def warm(self, hook: str, arg: Any, timeout: float) -> None:  # noqa: B027 (optional)
        """Run `hook(arg)` ("module:function") once in each worker, then restart the clock: a
        cost that belongs to no call (importing a model client). No local workers: nothing."""

    def close(self) -> None:  # noqa: B027 (optional)
        """Release workers and threads. Idempotent."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
