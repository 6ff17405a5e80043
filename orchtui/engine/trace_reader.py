"""Reading a JSONL trace back, trusting nothing in it.

A trace may be cut short (the run was killed mid-line), edited by hand, or written to hurt: it
is read line by line with a bound on each line and on the whole, every field of every event is
checked against the event's declared type (finite numbers, known events, nothing nested deeper
than the event allows), and the calls it names must have been declared. Bad input is one
`FILE:LINE: message` (an OrchError, exit 2); a torn last line is dropped with a warning.
"""

from __future__ import annotations

import functools
import json
import math
import types
import typing
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from orchtui.engine import events as ev
from orchtui.errors import OrchError
from orchtui.files import open_input

MAX_LINE_BYTES = 64 * 1024 * 1024  # a GraphReady of 100,000 calls is about 20 MB
MAX_TRACE_BYTES = 1024 * 1024 * 1024
MAX_PROCESSORS = 1024
MAX_INT = 2**53  # beyond it a JSON number no longer round-trips through a float
MAX_TIME = 1e9  # seconds (about 30 years): a bound that keeps arithmetic on times finite
KINDS = ("inout", "compute")
STATUSES = ("ok", "failed", "cancelled")
_CALL_KEYS = {"id": str, "function": str, "kind": str, "rank": int, "deps": list,
              "thought": (str, type(None)), "text": str, "cost": float}
_CALL_EVENTS = (ev.Queued, ev.Dispatched, ev.Started, ev.Finished, ev.Failed, ev.Skipped,
                ev.CallRepaired)


@dataclass(frozen=True)
class TraceRead:
    events: list[ev.Event]
    warnings: list[str]


class _Bad(ValueError):
    """A field that is not what its event declares; the message names the field."""


def read_trace(path: str | Path) -> TraceRead:
    """The events of a JSONL trace, and warnings (a torn last line). Raises OrchError naming
    the file and line."""
    try:
        f = open_input(path)
    except OSError as err:
        raise OrchError(f"{path}: cannot read the trace: {err.strerror or err}") from None
    with f:
        return _Reader(str(path)).read(f)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.events: list[ev.Event] = []
        self.warnings: list[str] = []
        self.calls: set[str] = set()
        self.processors: int | None = None

    def fail(self, line: int, message: str, col: int = 0) -> OrchError:
        where = f"{self.source}:{line}:" + (f"{col}:" if col else "")
        return OrchError(f"{where} {message}")

    def read(self, f: typing.BinaryIO) -> TraceRead:
        total = 0
        n = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            n += 1
            total += len(raw)
            if len(raw) > MAX_LINE_BYTES:
                raise self.fail(n, f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB")
            if total > MAX_TRACE_BYTES:
                raise self.fail(n, f"trace larger than {MAX_TRACE_BYTES // (1024 ** 3)} GB")
            torn = not raw.endswith(b"\n")
            try:
                self.line(raw, n)
            except _Torn as err:
                if not torn:
                    raise self.fail(n, err.message, err.col) from None
                self.warnings.append(f"{self.source}:{n}: the last line is incomplete (the run "
                                     f"was cut short?): replaying the {len(self.events)} "
                                     "events before it")
                break
        if not self.events:
            raise OrchError(f"{self.source}: the trace holds no events")
        cut = bool(self.warnings)  # a torn last line already says the run was cut short
        if (not cut and type(self.events[0]) is ev.RunStarted
                and type(self.events[-1]) is not ev.RunFinished):
            # killed (SIGKILL, a crash) or still being written: an interrupted run writes
            # RunFinished(status cancelled)
            self.warnings.append(f"{self.source}: the trace ends before its run finished (no "
                                 "RunFinished: the run was killed, or is still running)")
        return TraceRead(self.events, self.warnings)

    def line(self, raw: bytes, n: int) -> None:
        if not raw.strip():
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _Torn("not UTF-8 text", err.start + 1) from None
        try:
            data = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as err:
            raise _Torn(f"not JSON: {err.msg}", err.colno) from None
        except _Bad as err:
            raise self.fail(n, str(err)) from None
        except RecursionError:
            raise self.fail(n, "nested too deeply") from None
        if not isinstance(data, dict):
            raise self.fail(n, f"expected a JSON object (an event), not {_kind(data)}")
        try:
            self.events.append(self.event(data))
        except _Bad as err:
            raise self.fail(n, str(err)) from None

    def event(self, data: dict[str, Any]) -> ev.Event:
        name = data.get("event")
        cls = ev.Event.registry.get(name) if isinstance(name, str) else None
        if cls is None:
            shown = repr(name)[:40] if name is not None else "missing"
            raise _Bad(f"event: unknown event {shown} (one of {', '.join(ev.Event.registry)})")
        schema = _schema(cls)
        kwargs: dict[str, Any] = {}
        for field_name, hint, required in schema:
            if field_name not in data:
                if required:
                    raise _Bad(f"{name}: missing field {field_name!r}")
                continue
            kwargs[field_name] = _typed(data[field_name], hint, f"{name}.{field_name}")
        unknown = set(data) - {f for f, _, _ in schema} - {"event"}
        if unknown:
            raise _Bad(f"{name}: unknown field {sorted(unknown)[0][:40]!r}")
        self.check(cls, kwargs, name)
        return cls(**kwargs)

    def check(self, cls: type, kw: dict[str, Any], name: str) -> None:
        """Values the types allow but a run cannot produce, and that would break a replay."""
        for key in ("t", "duration", "makespan"):
            if key in kw and not 0 <= kw[key] <= MAX_TIME:
                raise _Bad(f"{name}.{key}: must be between 0 and {MAX_TIME:g} s")
        if cls is ev.RunStarted:
            if self.events:
                raise _Bad("RunStarted: a second run in one trace")
            p = kw["processors"]
            if not 1 <= p <= MAX_PROCESSORS:
                raise _Bad(f"RunStarted.processors: must be 1 to {MAX_PROCESSORS}")
            if len(kw["cpus"]) != p:
                raise _Bad(f"RunStarted.cpus: {len(kw['cpus'])} CPUs for {p} processors")
            if kw.get("lanes") and len(kw["lanes"]) != p:
                raise _Bad(f"RunStarted.lanes: {len(kw['lanes'])} labels for {p} processors")
            self.processors = p
            return
        if self.processors is None:
            raise _Bad(f"{name}: the trace must begin with RunStarted")
        if cls is ev.GraphReady:
            for n, call in enumerate(kw["calls"]):
                self.graph_call(call, f"GraphReady.calls[{n}]")
            declared = self.calls
            for group in kw["exclusive_groups"]:
                for cid in group:
                    if cid not in declared:
                        raise _Bad(f"GraphReady.exclusive_groups: {cid[:40]!r} is not a call")
        elif cls in _CALL_EVENTS and kw["call"] not in self.calls:
            raise _Bad(f"{name}.call: {kw['call'][:40]!r} is not a call of the graph")
        if "processor" in kw and kw["processor"] is not None and not (
                0 <= kw["processor"] < self.processors):
            raise _Bad(f"{name}.processor: {kw['processor']} is not one of the run's "
                       f"{self.processors} processors")
        if cls is ev.RunFinished and kw["status"] not in STATUSES:
            raise _Bad(f"RunFinished.status: must be one of {', '.join(STATUSES)}")

    def graph_call(self, call: dict[str, Any], where: str) -> None:
        for key, want in _CALL_KEYS.items():
            if key not in call:
                raise _Bad(f"{where}: missing key {key!r}")
            value = call[key]
            if want is float:
                ok = isinstance(value, int | float) and not isinstance(value, bool)
            elif want is int:
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, want)
            if not ok:
                raise _Bad(f"{where}.{key}: expected {_want(want)}, not {_kind(value)}")
        unknown = set(call) - set(_CALL_KEYS)
        if unknown:
            raise _Bad(f"{where}: unknown key {sorted(unknown)[0][:40]!r}")
        cid = call["id"]
        if call["kind"] not in KINDS:
            raise _Bad(f"{where}.kind: must be inout or compute")
        if not 1 <= call["rank"] <= MAX_INT:
            raise _Bad(f"{where}.rank: must be at least 1")
        if not 0 <= call["cost"] <= MAX_TIME:
            raise _Bad(f"{where}.cost: must be between 0 and {MAX_TIME:g} s")
        for dep in call["deps"]:
            if not isinstance(dep, str):
                raise _Bad(f"{where}.deps: expected call ids, not {_kind(dep)}")
            # Declared before: a trace's graph is acyclic by construction, as a plan's is.
            if dep not in self.calls:
                raise _Bad(f"{where}.deps: {dep[:40]!r} is not an earlier call")
        self.calls.add(cid)


class _Torn(ValueError):
    """A line that is not JSON: fatal, unless it is the last line and unfinished."""

    def __init__(self, message: str, col: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.col = col


@functools.cache
def _schema(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """Each field of an event class: its name, its type, and whether a trace must give it."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name], f.default is MISSING and f.default_factory is MISSING)
                 for f in fields(cls))


def _no_constant(name: str) -> Any:
    raise _Bad(f"{name} is not a finite number")


def _typed(value: Any, hint: Any, where: str) -> Any:
    """`value` checked against the type `hint` (lists become tuples), or _Bad."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        inner = [o for o in options if o is not type(None)]
        return _typed(value, inner[0], where)
    if origin is tuple:
        if not isinstance(value, list):
            raise _Bad(f"{where}: expected a list, not {_kind(value)}")
        item = typing.get_args(hint)[0]
        return tuple(_typed(v, item, f"{where}[{n}]") for n, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise _Bad(f"{where}: expected an object, not {_kind(value)}")
        return dict(value)  # its keys are checked by the event's own rules (graph_call)
    if hint is bool:
        if not isinstance(value, bool):
            raise _Bad(f"{where}: expected true or false, not {_kind(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
            raise _Bad(f"{where}: expected a whole number, not {_kind(value)}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value) or abs(value) > MAX_TIME * 1e3:
            raise _Bad(f"{where}: expected a finite number, not {_kind(value)}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _Bad(f"{where}: expected text, not {_kind(value)}")
        return value
    raise _Bad(f"{where}: cannot be read")  # a field type this reader does not know yet


def _want(want: Any) -> str:
    if isinstance(want, tuple):
        return " or ".join(_want(w) for w in want)
    return {str: "text", int: "a whole number", float: "a number",
            list: "a list", type(None): "null"}.get(want, want.__name__)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        text = repr(value)
        return f"the number {text[:20]}" + ("…" if len(text) > 20 else "")
    if isinstance(value, str):
        return f"text {value[:20]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
