"""When the run screen draws a frame: a timer on the asyncio loop that the app re-arms after
each frame, and that the engine's thread can bring forward when an event arrives.

Each wake-up of the loop costs the process about 0.15 ms on a small host, and a Textual interval
timer about twice that, whether anything is drawn or not: at a fixed 30 a second that is 5-8 ms
of CPU a second, taken from a real run's calls. A real run mostly waits on its calls, so the
app asks for the next frame when something will change (the lanes' cursor reaches its next
cell) and the feed wakes it when events come (once per drain, however many came).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable


class FrameTimer:
    """Calls `frame()` when due; `frame()` returns the seconds until the next one is due.

    `min_gap`: frames brought forward by `wake()` come at most this often. Runs on the loop of
    the thread that made it; `wake_threadsafe` may be called from any thread."""

    def __init__(self, frame: Callable[[], float], on_error: Callable[[Exception], None],
                 *, min_gap: float, gather: float = 0.0) -> None:
        self._frame = frame
        self._on_error = on_error
        self.min_gap = min_gap
        self.gather = gather
        self._loop = asyncio.get_running_loop()
        self._handle: asyncio.TimerHandle | None = None
        self._at = math.inf  # when the armed frame runs
        self._last = -math.inf  # when the last frame ran (loop time)
        self._stopped = False

    def start(self, delay: float = 0.0) -> None:
        self._arm(self._loop.time() + delay)

    def stop(self) -> None:
        self._stopped = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def wake(self, gather: float = 0.0) -> None:
        """A frame soon: in `gather` seconds, and at least `min_gap` after the last one."""
        self._arm(max(self._loop.time() + gather, self._last + self.min_gap))

    def wake_threadsafe(self) -> None:
        """Events came: a frame after `gather` seconds, so that the events that come with
        these (a call ends, the next is decided and starts) are shown in the same frame."""
        # a closed loop: the app is gone, there is nothing to draw
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.wake, self.gather)

    def _arm(self, when: float) -> None:
        if self._stopped or when >= self._at:
            return
        if self._handle is not None:
            self._handle.cancel()
        self._at = when
        self._handle = self._loop.call_at(when, self._run)

    def _run(self) -> None:
        self._handle = None
        self._at = math.inf
        self._last = self._loop.time()
        try:
            delay = self._frame()
        except Exception as err:  # as Textual's own timers do: the app reports it
            self._on_error(err)
            return
        self._arm(self._last + delay)
