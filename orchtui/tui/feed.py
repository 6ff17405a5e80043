"""Feeding the UI from the engine (STYLE.md: a worker thread, a queue, a timer that drains it).

The feed pulls events from a source while the app plays, up to a bounded backlog (back-pressure:
a sim run is not computed far ahead of what is shown), and only up to a target count while the
app is paused. In a real run that means pausing holds the engine's generator: it decides nothing
new until the user steps or plays.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from textual.worker import get_current_worker

from orchtui.engine import events as ev
from orchtui.tui.sources import EventSource

BACKLOG = 50_000  # events pulled ahead of the screen at most
POLL = 0.05  # seconds a waiting worker sleeps before it looks at cancellation again


class EngineCrashed:
    """Put in the queue when the source raised: the app shows the error instead of hanging."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


Item = ev.Event | EngineCrashed
CHUNK = 256  # events put in the queue together when the source never blocks (sim, replay)


class Feed:
    """Pulls from a source into a queue. `pump()` is the worker's body; `drain()` is the app's
    timer side. A feed is used once: a restart makes a new one."""

    def __init__(self, source: EventSource, backlog: int = BACKLOG) -> None:
        self.source = source
        self.backlog = backlog
        # Appended by the worker, popped by the app: a deque's ends are thread-safe. An append
        # or a pop costs about 0.05 µs where a Queue's put or get (its lock and condition)
        # costs 1.3: at 50,000 events a second, the two threads spent an eighth of a CPU on
        # the queue alone. The app never waits on it: it drains it once a frame.
        self.queue: deque[Item | list[Item]] = deque()
        self._cond = threading.Condition()
        self._playing = False
        self._target = 0  # while paused, pull until this many events have been pulled
        self.pulled = 0
        self.taken = 0  # events the app has drained
        self.exhausted = threading.Event()  # the source ended (or failed) and was closed
        self.pulling = False  # the worker is pulling (not held by a pause or the backlog)
        self.started = False  # a worker runs `pump`
        self._stop = threading.Event()
        self._iter: Iterator[ev.Event] | None = None
        # when the worker began and finished pulling (perf_counter): the run's own duration with
        # the UI attached, for the overhead measurement
        self.began = self.ended = 0.0
        self.began_cpu = self.ended_cpu = 0.0  # the worker thread's CPU time
        # Called (on the worker's thread) when items arrive and the app has not been told since
        # it last drained: the app then draws when there is something to show, instead of
        # polling the queue at a fixed rate.
        self.on_arrival: Callable[[], None] | None = None
        self._told = False

    # -- control, from the app ----------------------------------------------------------------
    def set_playing(self, playing: bool) -> None:
        with self._cond:
            self._playing = playing
            self._cond.notify_all()

    def want(self, count: int) -> None:
        """Make sure at least `count` events in all get pulled, even while paused."""
        with self._cond:
            if count > self._target:
                self._target = count
                self._cond.notify_all()

    def stop(self) -> None:
        """Stop pulling; the source is cancelled and closed by the worker."""
        self._stop.set()
        self.source.cancel()
        with self._cond:
            self._cond.notify_all()

    def drain(self, limit: int) -> list[Item]:
        """What the worker has pulled, up to about `limit` events (a chunk is not split)."""
        out: list[Item] = []
        pending = self.queue
        self._told = False  # before popping: an item put after this tells the app again
        while pending and len(out) < limit:
            got = pending.popleft()
            if type(got) is list:
                out.extend(got)
            else:
                out.append(got)  # type: ignore[arg-type]
        self.taken += len(out)
        return out

    # -- the producer ---------------------------------------------------------------------------
    def _may_pull(self) -> bool:
        return self._room() > 0

    def _room(self) -> int:
        """How many events may be pulled now."""
        if self._stop.is_set():
            return 0
        room = self._target - self.pulled
        if self._playing:
            room = max(room, self.backlog - (self.pulled - self.taken))
        return room

    def pump(self) -> None:
        """The worker's body: pull while allowed, poll for cancellation, close the source at the
        end. Never blocks without a timeout (a blocked worker would hang the app's exit)."""
        worker = get_current_worker()
        # A source that never blocks (the sim, a replay) is pulled in chunks, with the checks
        # once a chunk: per event, they would cost the engine a tenth of its time. A real run's
        # events go one by one (the next may be seconds away), checked after each: a pause
        # holds the engine before it decides anything new.
        chunked = self.source.paced
        pending = self.queue
        self.began, self.began_cpu = time.perf_counter(), time.thread_time()
        try:
            self._iter = _guarded(self.source.emitted())
            while not (worker.is_cancelled or self._stop.is_set()):
                room = self._room()
                self.pulling = room > 0
                if room <= 0:
                    with self._cond:
                        if self._room() <= 0:
                            self._cond.wait(POLL)
                    continue
                if chunked:
                    want = min(room, CHUNK)
                    chunk: list[Item] = list(itertools.islice(self._iter, want))
                    self.pulled += len(chunk)
                    if chunk:
                        pending.append(chunk)
                        if not self._told:
                            self._tell()
                    exhausted = len(chunk) < want
                else:
                    exhausted = True
                    for item in self._iter:
                        self.pulled += 1
                        pending.append(item)
                        if not self._told:
                            self._tell()
                        if self._room() <= 0 or self._stop.is_set() or worker.is_cancelled:
                            exhausted = False
                            break
                if exhausted:
                    self.ended, self.ended_cpu = time.perf_counter(), time.thread_time()
                    break
        except Exception as err:  # an engine bug: show it, do not hang
            pending.append(EngineCrashed(err))
        finally:
            self.pulling = False
            self._finish()
            self._tell()  # the end of the source is news too

    def _tell(self) -> None:
        if self.on_arrival is not None:
            self._told = True
            self.on_arrival()

    def pull_now(self, limit: int) -> list[Item]:
        """Pull synchronously on the caller's thread (a feed without a worker, for tests and
        for deterministic stepping): at most `limit` events, as `_may_pull` allows."""
        out: list[Item] = []
        if self.exhausted.is_set():
            return out
        if self._iter is None:
            self._iter = _guarded(self.source.emitted())
        try:
            while len(out) < limit and self._may_pull():
                try:
                    event = next(self._iter)
                except StopIteration:
                    self._finish()
                    break
                self.pulled += 1
                self.taken += 1
                out.append(event)
        except Exception as err:
            out.append(EngineCrashed(err))
            self._finish()
        return out

    def close(self) -> None:
        """End a feed whose worker never ran (or that has none): close the source here."""
        self._stop.set()
        self.source.cancel()
        self._finish()

    def _finish(self) -> None:
        if self.exhausted.is_set():
            return
        try:
            if self._iter is not None and hasattr(self._iter, "close"):
                self._iter.close()  # type: ignore[union-attr]
        finally:
            self.source.close()
            self.exhausted.set()


def _guarded(events: Iterator[ev.Event]) -> Iterator[Item]:
    """The source's events, then, if it raises, the error as an item: the events before it are
    still shown, and the app says what broke instead of hanging."""
    try:
        yield from events
    except Exception as err:
        yield EngineCrashed(err)
