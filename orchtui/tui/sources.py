"""Where a screen's events come from: a live run of the engine, or a recorded trace. Both hand
out events whose text is inert (results, errors, model replies are shown, never obeyed).

The UI knows nothing else about them: not the executor, not the policy. A source is pulled from
one thread at a time (the feed's worker, or the UI itself when a test drives it)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Protocol

from orchtui.engine import events as ev
from orchtui.engine.runner import Run
from orchtui.text import is_inert


class EventSource(Protocol):
    paced: bool  # True: events carry virtual time to be played at a speed (sim, replays)

    def emitted(self) -> Iterator[ev.Event]: ...

    def graph(self) -> ev.GraphReady | None:
        """The graph, when it is known before the run (to lay it out ahead)."""

    def lanes(self) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
        """The processors' CPU ids and lane labels RunStarted will carry, when known before the
        run (the lanes then have their rows, and the screen its layout, before it starts)."""

    def cancel(self) -> None:
        """Ask a running source to wind down soon (any thread)."""

    def close(self) -> None:
        """Release what the source holds (the executor's workers). Idempotent."""


class LiveSource:
    """A run of the engine. In the sim, virtual time is played at a speed; in a real run events
    arrive when they happen."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.paced = run.executor.mode == "sim"
        self._closed = False
        self._graph: tuple[ev.GraphReady, ev.GraphReady] | None = None  # (as built, inert)

    def emitted(self) -> Iterator[ev.Event]:
        # hands on what the engine's one run loop (Run.events) emits, made inert
        events = self.run.events()
        try:
            for e in events:
                yield self._same_graph(e) if type(e) is ev.GraphReady else ev.inert_event(e)
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # closing this closes the run's generator, as before

    def graph(self) -> ev.GraphReady | None:
        try:
            built = self.run.graph_event()
        except Exception:  # a run that builds its graph later (a plan still to translate)
            return None
        self._graph = (built, inert_graph(built))
        return self._graph[1]

    def _same_graph(self, e: ev.GraphReady) -> ev.GraphReady:
        """The run's GraphReady: the graph handed out ahead, with its calls (the same objects:
        the screen then does not take in a big graph twice), when it is the same graph."""
        ahead = self._graph
        if ahead is not None and e.calls == ahead[0].calls \
                and e.exclusive_groups == ahead[0].exclusive_groups:
            return dataclasses.replace(ahead[1], t=e.t)
        return inert_graph(e)

    def lanes(self) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
        executor = self.run.executor  # what the run loop's RunStarted reads them from
        cpus = getattr(executor, "cpus", None)
        if cpus is None:  # an executor that knows them only once it runs
            return None
        return tuple(cpus), tuple(getattr(executor, "lanes", ()))

    def cancel(self) -> None:
        self.run.cancel()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.run.executor.close()


# JSON's escapes of the characters a terminal would obey (orchtui.text), tab and newline apart;
# the others it leaves as they are, for is_inert to find
_ESCAPED_CONTROL = re.compile(r"\\(?:[bfr]|u00[01])")


def inert_graph(e: ev.GraphReady) -> ev.GraphReady:
    """ev.inert_event for a GraphReady, whose calls' texts are a plan's (100,000 calls: a
    million strings). Their JSON, one C-speed pass, shows whether any holds a character to
    escape; only then are they walked one by one."""
    try:
        text = json.dumps([e.calls, e.exclusive_groups], ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # not JSON's shape: walked as any event is
        return ev.inert_event(e)
    if _ESCAPED_CONTROL.search(text) is None and is_inert(text):
        return e
    return ev.inert_event(e)


class ReplaySource:
    """A recorded trace, played back on its own clock."""

    paced = True

    def __init__(self, events: list[ev.Event]) -> None:
        self.recorded = [ev.inert_event(e) for e in events]

    def emitted(self) -> Iterator[ev.Event]:
        return iter(self.recorded)

    def graph(self) -> ev.GraphReady | None:
        return next((e for e in self.recorded if isinstance(e, ev.GraphReady)), None)

    def lanes(self) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
        return None  # a replay is played from its start: its RunStarted comes first

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass
