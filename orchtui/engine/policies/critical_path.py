"""critical-path (ours): inout calls start at once; ready compute calls wait in a queue ordered
by bottom level and start whenever a processor is free, one per processor, pinned."""

from __future__ import annotations

import heapq

from orchtui.engine.policies.base import Decision, Policy, Wait


class CriticalPath(Policy):
    name = "critical-path"
    summary = "inout at once; ready compute calls by longest remaining path, one per processor"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.bottom = bottom_levels(self.frg, self.costs)
        self.queue: list[tuple[float, int, str]] = []

    def begin(self) -> list[Decision]:
        return self.turn("plan", "translate the query into a plan",
                         lambda: self._admit(self.readiness.initial()))

    def on_completions(self, made_ready, failed) -> list[Decision]:
        return self._admit([c for _, calls in made_ready for c in calls])

    def clear_queues(self) -> None:
        self.queue.clear()

    def _admit(self, calls: list[str]) -> list[Decision]:
        out: list[Decision] = []
        admitted: list[str] = []
        for c in calls:
            if self.state[c] != "waiting":
                continue
            if self.frg.is_compute(c):
                self.set_state(c, "submitted")
                admitted.append(c)
                # rounded, so that equal path lengths summed in another order (0.1 + 0.2 vs
                # 0.3) tie, and the tie goes to plan order
                heapq.heappush(self.queue, (-round(self.bottom[c], 9), self.frg.index[c], c))
            else:
                out.append(self.start(c, None, "inout: started at once, occupies no processor"))
        while self.queue and self.spare():
            _, _, c = heapq.heappop(self.queue)
            p = self.spare()[0]
            # the heap's two smallest are among its first three entries: O(1), not O(queue)
            rivals = ", ".join(f"{d} {self.bottom[d]:.2f}s"
                               for _, _, d in sorted(self.queue[:3])[:2])
            why = f"highest bottom level among ready compute calls ({self.bottom[c]:.2f}s"
            why += f"; next: {rivals})" if rivals else ")"
            out.append(self.start(c, p, f"{why}: free processor {p}"))
        busy = ", ".join(f"{p} runs {'+'.join(calls)}" for p, calls in enumerate(self.load))
        for c in admitted:
            if self.state[c] == "submitted":
                out.append(Wait(c, f"{c} waits: every processor is busy ({busy}); queued by "
                                   f"bottom level {self.bottom[c]:.2f}s"))
        return out


def bottom_levels(frg, costs) -> dict[str, float]:
    """A call's bottom level: its own cost plus the largest bottom level among its successors."""
    bottom: dict[str, float] = {}
    for c in reversed(frg.order):
        succ = [bottom[s] for s in frg.succ_lists[c]]
        bottom[c] = costs.get(c, 0.0) + max(succ, default=0.0)
    return bottom
