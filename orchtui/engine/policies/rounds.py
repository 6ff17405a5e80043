"""How the two baselines run compute calls (DESIGN §4).

serial: one after another in one thread, as an asyncio event loop runs blocking tools; the
        thread is shown on processor 0.
eager:  all at once in unpinned processes that time-share every allocated processor.
"""

from __future__ import annotations

from collections import deque

from orchtui.engine.policies.base import Decision, Policy, Wait


class BaselineCompute(Policy):
    """Starts inout calls at once and compute calls serially or eagerly."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.serial_queue: deque[str] = deque()
        self.serial_running: str | None = None

    def launch(self, calls: list[str], why: str) -> list[Decision]:
        out: list[Decision] = []
        serial: list[str] = []
        for c in calls:
            if not self.frg.is_compute(c):
                out.append(self.start(c, None, f"inout: started at once ({why})"))
            elif self.compute_mode == "eager":
                out.append(self.start(c, None, f"compute, started at once unpinned: the OS "
                                               f"time-shares all processors ({why})", pool=True))
            else:
                if self.state[c] != "submitted":
                    self.set_state(c, "submitted")
                self.serial_queue.append(c)
                serial.append(c)
        started = self.next_serial()
        # the ones still queued (not `c in self.serial_queue`: O(queue) each, quadratic)
        queued = [Wait(c, f"compute tools run one after another in the executor's one thread "
                          f"(asyncio): queued behind {self.serial_running}")
                  for c in serial if self.state[c] == "submitted"]
        return out + started + queued

    def next_serial(self) -> list[Decision]:
        if self.serial_running is not None and self.state[self.serial_running] == "running":
            return []
        self.serial_running = None
        if not self.serial_queue:
            return []
        c = self.serial_queue.popleft()
        self.serial_running = c
        return [self.start(c, 0, "compute runs in the executor's one thread (asyncio), "
                                 "one call after another: its turn has come")]

    def clear_queues(self) -> None:
        self.serial_queue.clear()
