"""Where a screen's events come from: a live run of the engine, or a recorded trace. Both hand
out events whose text is inert (results, errors, model replies are shown, never obeyed).

The UI knows nothing else about them: not the executor, not the policy. A source is pulled from
one thread at a time (the feed's worker, or the UI itself when a test drives it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from orchtui.engine import events as ev
from orchtui.engine.runner import Run


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

    def emitted(self) -> Iterator[ev.Event]:
        # hands on what the engine's one run loop (Run.events) emits, made inert
        events = self.run.events()
        try:
            for e in events:
                yield ev.inert_event(e)
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # closing this closes the run's generator, as before

    def graph(self) -> ev.GraphReady | None:
        try:
            return ev.inert_event(self.run.graph_event())
        except Exception:  # a run that builds its graph later (a plan still to translate)
            return None

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
