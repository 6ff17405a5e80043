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

    def first(self) -> list[Decision]:
        return self._admit(self.readiness.initial())

    def on_added(self, calls: list[str]) -> None:
        """Bottom levels of the plan so far. New calls come in topological order and only
        after their inputs, so their own levels are final at once; each may lengthen the paths
        of the calls before it, which are raised in turn, and the queue is reordered."""
        new = set(calls)
        for c in reversed(calls):
            self.bottom[c] = self.costs.get(c, 0.0) + max(
                (self.bottom[s] for s in self.frg.succ_lists[c]), default=0.0)
        stack = [(p, c) for c in calls for p in self.frg.pred_lists[c] if p not in new]
        raised = False
        while stack:
            p, c = stack.pop()
            level = self.costs.get(p, 0.0) + self.bottom[c]
            if level > self.bottom[p]:
                self.bottom[p] = level
                raised = True
                stack.extend((q, p) for q in self.frg.pred_lists[p])
        if raised and self.queue:
            self.queue = [(-round(self.bottom[c], 9), i, c) for _, i, c in self.queue]
            heapq.heapify(self.queue)

    def _level(self, c: str) -> str:
        text = f"{self.bottom[c]:.2f}s"
        return text + " so far: the plan is still growing" if self.plan_open else text

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
            why = f"highest bottom level among ready compute calls ({self._level(c)}"
            why += f"; next: {rivals})" if rivals else ")"
            out.append(self.start(c, p, f"{why}: free processor {p}"))
        busy = ", ".join(f"{p} runs {'+'.join(calls)}" for p, calls in enumerate(self.load))
        for c in admitted:
            if self.state[c] == "submitted":
                out.append(Wait(c, f"{c} waits: every processor is busy ({busy}); queued by "
                                   f"bottom level {self._level(c)}"))
        return out


def bottom_levels(frg, costs) -> dict[str, float]:
    """A call's bottom level: its own cost plus the largest bottom level among its successors."""
    bottom: dict[str, float] = {}
    for c in reversed(frg.order):
        succ = [bottom[s] for s in frg.succ_lists[c]]
        bottom[c] = costs.get(c, 0.0) + max(succ, default=0.0)
    return bottom
