"""Events in words: the log lines and the header's "last event". One place, so that the decision
log, the recovery log and the step status say the same thing the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from orchtui.engine import events as ev
from orchtui.engine.record import CallRecord
from orchtui.text import counted
from orchtui.tui import theme

DECISIONS = (ev.PlanReady, ev.Scheduled, ev.Queued, ev.Dispatched, ev.Finished, ev.Failed,
             ev.Skipped, ev.TurnStarted, ev.RunFinished)
RECOVERY = (ev.TranslationAttempt, ev.RecoveryStarted, ev.CallRepaired, ev.RecoveryFailed,
            ev.Retried)
# The same, to look up by an event's exact type (a fold asks for every event it shows)
LOGGED = frozenset(DECISIONS)
RECOVERY_LOGGED = frozenset(RECOVERY)

# Events that carry a coordinator decision: the unit of a step in a real run, where observations
# (a call started, a turn ended) arrive in between on their own time.
DECISION_STEPS = (ev.Scheduled, ev.Queued, ev.Dispatched, ev.Skipped, ev.TurnStarted,
                  ev.RecoveryStarted, ev.CallRepaired, ev.RecoveryFailed, ev.RunFinished)


Part = tuple[str, Style | str]


@dataclass(frozen=True, slots=True)  # slots: one per decision, tens of thousands a run
class LogLine:
    t: float
    tag: str  # a short verb, coloured: what kind of decision
    tag_style: Style
    # the body as (text, style) pieces: a rich Text costs more to build than everything else a
    # frame does with an event, and the log needs only the plain text until a line is on screen
    parts: tuple[Part, ...]

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.parts)

    @property
    def body(self) -> Text:
        """The body, styled (built when a line is drawn; the log caches what it draws)."""
        return _body(*self.parts)


def where(processor: int | None, pool: bool, cpus: tuple[int, ...], kind: str = "") -> str:
    """A placement in the words of the lanes: `cpu 3`, `I/O`, `shared (OS)`."""
    if pool:
        return "shared (OS)"
    if processor is None:
        return "I/O" if kind != "compute" else "?"
    cpu = cpus[processor] if 0 <= processor < len(cpus) else processor
    return f"cpu {cpu}"


def id_list(calls: Sequence[str], limit: int = 12) -> str:
    """Call ids, the first `limit` of them: a group of a big plan holds thousands."""
    shown = ", ".join(calls[:limit])
    return shown + (f" (+{len(calls) - limit} more)" if len(calls) > limit else "")


def _body(*parts: Part) -> Text:
    text = Text()
    for part, style in parts:
        text.append(part, style)
    return text


_BOLD = Style(bold=True)
_DIM = Style(color=theme.MUTED)


def decision_line(e: ev.Event, cpus: tuple[int, ...], kinds: Mapping[str, str]
                  ) -> LogLine | None:
    """The decision log's line for an event, or None if the log does not show it."""
    match e:
        case ev.PlanReady() if e.warnings:
            return LogLine(e.t, "warning", Style(color=theme.STATE_COLOUR["recovering"], bold=True),
                           ((f"plan read leniently ({len(e.warnings)}): ", _BOLD),
                            (plan_warnings_text(e.warnings), "")))
        case ev.Scheduled():
            return LogLine(e.t, "schedule", theme.fg("scheduled"),
                           ((id_list(e.calls), _BOLD), ("  " + e.reason, "")))
        case ev.Queued():
            return LogLine(e.t, "wait", theme.fg("queued"),
                           ((e.call, _BOLD), ("  " + e.reason, "")))
        case ev.Dispatched():
            place = where(e.processor, e.pool, cpus, kinds.get(e.call, ""))
            extra = " (shared)" if e.shared else ""
            return LogLine(e.t, "dispatch", theme.fg("running"),
                           ((e.call, _BOLD), (f" → {place}{extra}", theme.fg("running")),
                            ("  " + e.reason, "")))
        case ev.Finished():
            return LogLine(e.t, "done", theme.fg("done"),
                           ((e.call, _BOLD), (f" in {e.duration:.2f} s", ""),
                            ("  " + e.preview, _DIM)))
        case ev.Failed():
            return LogLine(e.t, "FAILED", Style(color=theme.STATE_COLOUR["failed"], bold=True),
                           ((e.call, _BOLD), ("  " + e.error, theme.fg("failed"))))
        case ev.Skipped():
            return LogLine(e.t, "skip", theme.fg("skipped"),
                           ((e.call, _BOLD), ("  " + e.reason, "")))
        case ev.TurnStarted():
            return LogLine(e.t, "LLM turn", Style(color=theme.LLM),
                           ((e.turn, _BOLD), ("  " + e.purpose, "")))
        case ev.RunFinished():
            style = theme.fg("done" if e.status == "ok" else "failed")
            return LogLine(e.t, "finished", Style.combine([style, _BOLD]),
                           ((e.status, _BOLD), (f"  makespan {e.makespan:.2f} s", "")))
    return None


def plan_warnings_text(warnings: tuple[dict, ...]) -> str:
    """The plan's warnings on one line: `LINE:COL what was assumed; ...`."""
    return "; ".join(f"{w.get('line', '?')}:{w.get('col', '?')} {w.get('message', '')}"
                     for w in warnings if isinstance(w, dict))


def recovery_line(e: ev.Event) -> LogLine | None:
    """The recovery log's line for an event, or None."""
    orange = theme.fg("recovering")
    match e:
        case ev.TranslationAttempt():
            verdict = ("ok", theme.fg("done")) if e.ok else (f"error: {e.error}",
                                                              theme.fg("failed"))
            return LogLine(e.t, e.kind, orange,
                           ((f"attempt {e.attempt}", _BOLD),
                            (f" at temperature {e.temperature:g} ({e.source}): ", ""),
                            verdict))
        case ev.RecoveryStarted():
            body: list[Part] = [
                (f"attempt {e.attempt}", _BOLD),
                (f": {id_list(e.failed)} failed; trace back to {id_list(e.points)}", "")]
            if e.reset:
                body.append((f"; reset {id_list(e.reset)}", _DIM))
            if e.cleared:
                body.append((f"; cleared unstarted {id_list(e.cleared)}", _DIM))
            return LogLine(e.t, "recover", orange, tuple(body))
        case ev.CallRepaired():
            return LogLine(e.t, "repaired", theme.fg("done"),
                           ((e.call, _BOLD), (f" ({e.source})  ", ""),
                            (_one_line(e.before), _DIM), (" → ", ""),
                            (_one_line(e.after), "")))
        case ev.RecoveryFailed():
            return LogLine(e.t, "gave up", Style(color=theme.STATE_COLOUR["failed"], bold=True),
                           ((e.reason, ""),))
        case ev.Retried():
            return LogLine(e.t, "retry", orange,
                           ((e.call, _BOLD),
                            (f" attempt {e.attempt} lost: {_one_line(e.error)}", ""),
                            (f"; running it again on another worker (retry {e.attempt} "
                             f"of {e.retries})", _DIM)))
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def summary(e: ev.Event, cpus: tuple[int, ...], calls: Mapping[str, CallRecord]) -> str:
    """One short phrase for any event: the header's "last event"."""
    match e:
        case ev.RunStarted():
            return f"run started: {e.policy} on {e.processors} processors ({e.mode})"
        case ev.PlanReady():
            return f"plan ready ({e.source})"
        case ev.GraphReady():
            return (f"graph ready: {counted(len(e.calls), 'call')}, "
                    f"{counted(len(e.exclusive_groups), 'exclusive group')}")
        case ev.Scheduled():
            return f"scheduled {id_list(e.calls, 6)}"
        case ev.Queued():
            return f"{e.call} queued"
        case ev.Dispatched():
            return f"{e.call} dispatched to {where(e.processor, e.pool, cpus)}"
        case ev.Started():
            c = calls.get(e.call)
            place = where(e.processor, bool(c and c.pool), cpus, c.kind if c else "")
            pid = f", pid {e.pid}" if e.pid else ""
            return f"{e.call} started on {place}{pid}"
        case ev.Finished():
            return f"{e.call} finished in {e.duration:.2f} s"
        case ev.Failed():
            return f"{e.call} failed"
        case ev.Retried():
            return f"{e.call} retried: attempt {e.attempt} lost its worker"
        case ev.Skipped():
            return f"{e.call} skipped"
        case ev.TurnStarted():
            return f"LLM turn {e.turn} started"
        case ev.TurnFinished():
            return f"LLM turn {e.turn} finished in {e.duration:.2f} s"
        case ev.TranslationAttempt():
            return f"translation attempt {e.attempt}: {'ok' if e.ok else 'error'}"
        case ev.RecoveryStarted():
            return f"recovery {e.attempt} started"
        case ev.CallRepaired():
            return f"{e.call} repaired"
        case ev.RecoveryFailed():
            return "recovery gave up"
        case ev.RunFinished():
            return f"run finished: {e.status}, makespan {e.makespan:.2f} s"
    return type(e).__name__
