"""The event stream (DESIGN §7): everything the engine decides or observes, as immutable values.

`t` is seconds since the run started: virtual seconds in the sim. Events serialise to one JSON
object per line with "event" (the class name) and "t", and read back into the same classes, so a
trace replays in the TUI exactly as the live run showed.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from orchtui.text import inert, is_inert, redact


# slots: a long sim run makes hundreds of thousands of events, and the TUI keeps them all
@dataclass(frozen=True, slots=True)
class Event:
    t: float
    registry: ClassVar[dict[str, type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # not super(): slots=True replaces the class, which a zero-argument super() would miss.
        # The replacement registers itself last, so the registry holds the final class.
        object.__init_subclass__(**kwargs)
        Event.registry[cls.__name__] = cls

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"event": type(self).__name__}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _OMITTED_WHEN_EMPTY and not value:
                continue  # traces of runs that print nothing stay as they were
            if value is None and f.name in _OMITTED_WHEN_NONE:
                continue  # (a failure's duration: traces without one stay as they were)
            data[f.name] = round(value, 6) if f.name in _TIMES and value is not None else value
        return data


_TIMES = {"t", "duration", "makespan", "cost"}
_OMITTED_WHEN_EMPTY = {"output"}
_OMITTED_WHEN_NONE = {"duration"}


def event_to_line(event: Event) -> str:
    """The event as one JSON line, as every trace writes it: with anything shaped like an API
    key redacted (a model reply or an error body may echo one)."""
    return redact(json.dumps(event.to_json(), ensure_ascii=False, default=str))


def inert_event(event: Event) -> Event:
    """The event with every text in it made inert (orchtui.text): what a screen shows of a
    result, an error, a model's reply or a replayed trace is never obeyed by the terminal."""
    changed = {}
    for name in _field_names(type(event)):
        value = getattr(event, name)
        if value is None or type(value) in _SCALARS:  # no text in it (most fields)
            continue
        clean = _inert_value(value)
        if clean is not value:
            changed[name] = clean
    return dataclasses.replace(event, **changed) if changed else event


# A live run's screen makes every event inert as it comes, tens of thousands a second: the
# field names of a class are looked up once, and numbers are passed over without a call.
_SCALARS = frozenset((bool, int, float))


@functools.cache
def _field_names(cls: type[Event]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _inert_value(value: Any) -> Any:
    # Returns `value` itself when nothing in it needs escaping, so most events are not copied.
    if isinstance(value, str):
        return value if is_inert(value) else inert(value)
    if isinstance(value, tuple):
        items = [_inert_value(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else tuple(items)
    if isinstance(value, dict):
        pairs = [(_inert_value(k), _inert_value(v)) for k, v in value.items()]
        same = all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(),
                                                                     strict=True))
        return value if same else dict(pairs)
    return value


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
@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class TranslationAttempt(Event):
    attempt: int
    kind: str  # "translate" | "repair" | "retranslate"
    temperature: float
    ok: bool
    error: str | None = None
    source: str = "llm"  # "llm" | "recorded"


@dataclass(frozen=True, slots=True)
class PlanReady(Event):
    source: str  # "recorded" | "llm"
    text: str
    # what the parser read leniently: {"line", "col", "kind", "message"} each (PlanWarning);
    # a default, so that traces written before it replay
    warnings: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class GraphReady(Event):
    # each call: {"id", "function", "kind", "rank", "deps", "thought", "text", "cost"}
    calls: tuple[dict[str, Any], ...]
    # R2 as groups: the compute calls of one rank, every pair of which is exclusive. Pairs would
    # be quadratic in size; groups say the same thing.
    exclusive_groups: tuple[tuple[str, ...], ...]


# -- scheduling and coordination --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Scheduled(Event):
    """The scheduler's sendcoord: a set of calls submitted together."""

    calls: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Queued(Event):
    call: str
    reason: str


@dataclass(frozen=True, slots=True)
class Dispatched(Event):
    call: str
    processor: int | None  # None: an inout call, which occupies no processor
    reason: str
    shared: bool = False  # placed on a processor that already runs a compute call
    pool: bool = False  # unpinned: time-shares every allocated processor (--compute eager)


@dataclass(frozen=True, slots=True)
class Started(Event):
    call: str
    processor: int | None
    cpu: int | None  # the OS CPU id the worker is pinned to
    pid: int | None
    affinity: tuple[int, ...] = ()  # what the worker read from os.sched_getaffinity(0) itself


@dataclass(frozen=True, slots=True)
class Finished(Event):
    call: str
    duration: float
    preview: str
    output: str = ""  # what the function printed (stdout and stderr, bounded)


@dataclass(frozen=True, slots=True)
class Failed(Event):
    call: str
    error: str
    output: str = ""  # what the function printed before it failed (bounded)
    # How long the function ran before it raised, by the worker's clock, when the engine took
    # the failure later (a paused or paced real run). None: it ended at `t` (a timeout or a
    # crash, judged by the engine; arguments that could not be bound; the sim).
    duration: float | None = None


@dataclass(frozen=True, slots=True)
class Retried(Event):
    """An attempt of a call ended without a result through no fault of its own (its Dask worker
    was lost mid-call); the call runs again elsewhere. Its bar ends in ✗ on `processor`."""

    call: str
    processor: int | None
    error: str
    attempt: int  # the attempt that ended, from 1
    retries: int  # the function's `retries:`


@dataclass(frozen=True, slots=True)
class Skipped(Event):
    call: str
    reason: str


@dataclass(frozen=True, slots=True)
class TurnStarted(Event):
    """An LLM turn: planning, ReAct's thought before a call, a round's request, the answer."""

    turn: str
    purpose: str


@dataclass(frozen=True, slots=True)
class TurnFinished(Event):
    turn: str
    duration: float


# -- recovery -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RecoveryStarted(Event):
    failed: tuple[str, ...]
    points: tuple[str, ...]
    attempt: int
    reset: tuple[str, ...] = ()  # the recovery points and their descendants
    cleared: tuple[str, ...] = ()  # scheduled calls that had not started


@dataclass(frozen=True, slots=True)
class CallRepaired(Event):
    call: str
    before: str
    after: str
    source: str = "llm"  # "llm" | "recorded"


@dataclass(frozen=True, slots=True)
class RecoveryFailed(Event):
    reason: str


@dataclass(frozen=True, slots=True)
class RunFinished(Event):
    makespan: float
    status: str  # "ok" | "failed" | "cancelled"
    answer: str = ""
    error: str = ""  # why the run failed when no call's failure says it (a broken plan stream)
