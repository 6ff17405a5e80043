"""Traces: events as JSON lines (`--trace`; read back by trace_reader), and Chrome trace format
(`--chrome-trace`, for Perfetto): one track per processor, I/O tracks, an LLM track."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.errors import OrchError
from orchtui.files import open_output
from orchtui.text import redact


class TraceWriter:
    """Writes events as they happen, flushing each line, so a crash keeps what came before.

    Opening fails with an OrchError (before anything has run). A write that fails later (a full
    disk, a closed pipe) does not end the run: the writer stops, keeps the reason in `error`,
    and calls `on_error` once with it, so the run's summary still comes."""

    def __init__(self, path: str | Path,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.error: str | None = None
        self._on_error = on_error
        try:
            self.file: IO[str] | None = open_output(self.path)
        except OSError as err:
            raise OrchError(f"{path}: cannot write the trace: {err.strerror or err}") from None

    def write(self, event: ev.Event) -> None:
        if self.file is None:
            return
        try:
            self.file.write(ev.event_to_line(event) + "\n")
            self.file.flush()
        except OSError as err:
            self._failed(err)

    def close(self) -> None:
        if self.file is None:
            return
        try:
            self.file.close()
        except OSError as err:  # the last buffered line could not be flushed
            self._failed(err)
        self.file = None

    def _failed(self, err: OSError) -> None:
        file, self.file = self.file, None
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()
        if self.error is None:
            self.error = (f"{self.path}: cannot write the trace: {err.strerror or err}; "
                          "it is incomplete")
            if self._on_error is not None:
                self._on_error(self.error)


def read_trace(path: str | Path) -> list[ev.Event]:
    """The events of a JSONL trace, every field checked (engine.trace_reader, which also says
    what a torn last line lost); an OrchError names the file and line."""
    from orchtui.engine.trace_reader import read_trace as read_checked

    return read_checked(path).events


def chrome_trace(events: Iterable[ev.Event]) -> dict[str, Any]:
    """Chrome trace format: complete ("X") events in µs, one thread per track."""
    events = list(events)
    rec = RunRecord.from_events(events)
    out: list[dict[str, Any]] = []
    tracks: dict[str, int] = {}

    def tid(name: str) -> int:
        if name not in tracks:
            tracks[name] = len(tracks) + 1
            out.append({"ph": "M", "name": "thread_name", "pid": 1, "tid": tracks[name],
                        "args": {"name": name}})
            out.append({"ph": "M", "name": "thread_sort_index", "pid": 1, "tid": tracks[name],
                        "args": {"sort_index": tracks[name]}})
        return tracks[name]

    for p, cpu in enumerate(rec.cpus):
        tid(f"cpu {cpu}" if rec.mode != "sim" else f"cpu {p}")
    io_free: list[float] = []  # end time of the last call on each I/O track
    calls = sorted((c for c in rec.calls.values() if c.start is not None and c.end is not None),
                   key=lambda c: (c.start, c.id))
    for c in calls:
        if c.kind == "compute" and c.processor is not None:
            track = f"cpu {c.cpu if c.cpu is not None and rec.mode != 'sim' else c.processor}"
        elif c.kind == "compute":
            track = "shared (OS time-sharing)"
        else:
            slot = next((n for n, end in enumerate(io_free) if end <= c.start), None)
            if slot is None:
                slot = len(io_free)
                io_free.append(0.0)
            io_free[slot] = c.end
            track = "I/O" if slot == 0 else f"I/O {slot + 1}"
        out.append({"ph": "X", "name": f"{c.id} {c.function}", "cat": c.kind, "pid": 1,
                    "tid": tid(track), "ts": c.start * 1e6, "dur": (c.end - c.start) * 1e6,
                    "args": {"status": c.status, "rank": c.rank, "preview": c.preview,
                             "error": c.error, "reason": c.reason}})
    for c in rec.calls.values():  # attempts whose Dask worker was lost: they ran again
        for (start, end, processor, cpu), error in zip(c.lost, c.retried, strict=False):
            track = f"cpu {cpu if cpu is not None and rec.mode != 'sim' else processor}"
            out.append({"ph": "X", "name": f"{c.id} {c.function} (worker lost)",
                        "cat": c.kind, "pid": 1, "tid": tid(track), "ts": start * 1e6,
                        "dur": (end - start) * 1e6, "args": {"status": "lost", "error": error}})
    for name, start, end in rec.turns:
        if end is not None:
            out.append({"ph": "X", "name": name, "cat": "llm", "pid": 1, "tid": tid("LLM"),
                        "ts": start * 1e6, "dur": (end - start) * 1e6})
    out.append({"ph": "M", "name": "process_name", "pid": 1,
                "args": {"name": f"orchtui {rec.scenario} {rec.policy} P={rec.processors} "
                                 f"({rec.mode})"}})
    return {"traceEvents": out, "displayTimeUnit": "ms"}


def write_chrome_trace(events: Iterable[ev.Event], path: str | Path) -> None:
    try:
        with open_output(path) as f:
            f.write(redact(json.dumps(chrome_trace(events))))
    except OSError as err:
        raise OrchError(f"{path}: cannot write the Chrome trace: {err.strerror or err}") from None


def drain(run_events: Iterator[ev.Event], *sinks) -> list[ev.Event]:
    """Consume a run's events, passing each to every sink (callables)."""
    out = []
    for e in run_events:
        out.append(e)
        for sink in sinks:
            sink(e)
    return out
