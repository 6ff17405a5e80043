"""The event stream (DESIGN §7): everything the engine decides or observes, as immutable values.

`t` is seconds since the run started: virtual seconds in the sim. Events serialise to one JSON
object per line with "event" (the class name) and "t", and read back into the same classes, so a
trace replays in the TUI exactly as the live run showed.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    t: float
    registry: ClassVar[dict[str, type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Event.registry[cls.__name__] = cls

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"event": type(self).__name__}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            data[f.name] = round(value, 6) if f.name in _TIMES and value is not None else value
        return data


_TIMES = {"t", "duration", "makespan", "cost"}


def event_to_line(event: Event) -> str:
    return json.dumps(event.to_json(), ensure_ascii=False, default=str)


def event_from_json(data: dict[str, Any]) -> Event:
    """Rebuild an event from its JSON form. Raises ValueError for an unknown or malformed one."""
    name = data.get("event")
    cls = Event.registry.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown event {name!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: _tuples(v) for k, v in data.items() if k in names}
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise ValueError(f"malformed {name}: {err}") from None


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


# -- the run ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunStarted(Event):
    scenario: str
    policy: str
    processors: int
    cpus: tuple[int, ...]  # OS CPU ids of the allocated processors (indices in the sim)
    mode: str  # "sim" | "real"
    compute: str = "serial"  # the baselines' compute mode: "serial" | "eager"
    seed: int | None = None
    llm: str = "recorded"  # "recorded" | "none" | the model's name
    # a label per processor where "cpu N" is not enough: "host/cpu N" on a Dask cluster
    lanes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TranslationAttempt(Event):
    attempt: int
    kind: str  # "translate" | "repair" | "retranslate"
    temperature: float
    ok: bool
    error: str | None = None
    source: str = "llm"  # "llm" | "recorded"


@dataclass(frozen=True)
class PlanReady(Event):
    source: str  # "recorded" | "llm"
    text: str
    # what the parser read leniently: {"line", "col", "kind", "message"} each (PlanWarning);
    # a default, so that traces written before it replay
    warnings: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class GraphReady(Event):
    # each call: {"id", "function", "kind", "rank", "deps", "thought", "text", "cost"}
    calls: tuple[dict[str, Any], ...]
    # R2 as groups: the compute calls of one rank, every pair of which is exclusive. Pairs would
    # be quadratic in size; groups say the same thing.
    exclusive_groups: tuple[tuple[str, ...], ...]


# -- scheduling and coordination --------------------------------------------------------------
@dataclass(frozen=True)
class Scheduled(Event):
    """The scheduler's sendcoord: a set of calls submitted together."""

    calls: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Queued(Event):
    call: str
    reason: str


@dataclass(frozen=True)
class Dispatched(Event):
    call: str
    processor: int | None  # None: an inout call, which occupies no processor
    reason: str
    shared: bool = False  # placed on a processor that already runs a compute call
    pool: bool = False  # unpinned: time-shares every allocated processor (--compute eager)


@dataclass(frozen=True)
class Started(Event):
    call: str
    processor: int | None
    cpu: int | None  # the OS CPU id the worker is pinned to
    pid: int | None
    affinity: tuple[int, ...] = ()  # what the worker read from os.sched_getaffinity(0) itself


@dataclass(frozen=True)
class Finished(Event):
    call: str
    duration: float
    preview: str


@dataclass(frozen=True)
class Failed(Event):
    call: str
    error: str


@dataclass(frozen=True)
class Skipped(Event):
    call: str
    reason: str


@dataclass(frozen=True)
class TurnStarted(Event):
    """An LLM turn: planning, ReAct's thought before a call, a round's request, the answer."""

    turn: str
    purpose: str


@dataclass(frozen=True)
class TurnFinished(Event):
    turn: str
    duration: float


# -- recovery -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecoveryStarted(Event):
    failed: tuple[str, ...]
    points: tuple[str, ...]
    attempt: int
    reset: tuple[str, ...] = ()  # the recovery points and their descendants
    cleared: tuple[str, ...] = ()  # scheduled calls that had not started


@dataclass(frozen=True)
class CallRepaired(Event):
    call: str
    before: str
    after: str
    source: str = "llm"  # "llm" | "recorded"


@dataclass(frozen=True)
class RecoveryFailed(Event):
    reason: str


@dataclass(frozen=True)
class RunFinished(Event):
    makespan: float
    status: str  # "ok" | "failed" | "cancelled"
    answer: str = ""
