"""LLMOrch: the paper's call scheduler (Alg. 2) and execution coordinator (Alg. 3).

The two are separate objects that talk only through the paper's four interfaces:
  sendcoord(S)  scheduler -> coordinator: a set of calls to run concurrently
  recvsched()   the coordinator takes the sets the scheduler sent
  sendsched(C)  coordinator -> scheduler: the calls completed since last time
  recvcoord()   the scheduler takes those completions
The paper runs them as threads; here they take turns deterministically, so that a run can be
replayed and stepped, but neither reads the other's state.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable

from orchtui.engine.policies.base import Decision, Policy, Readiness, Submit, Wait
from orchtui.graph.frg import FRG


class Channel:
    """The two one-way queues between scheduler and coordinator."""

    def __init__(self) -> None:
        self.to_coord: deque[tuple[tuple[str, ...], str]] = deque()
        self.to_sched: deque[tuple[str, ...]] = deque()


class Scheduler:
    """Alg. 2. Submits the rank-1 calls, then, each time a call completes, the set of calls that
    this completion made ready.

    The paper also restricts each set to rank(κ') + 1. Taken literally that deadlocks when a
    call's last predecessor to finish is not at rank − 1 (s5 needs s2 at rank 1 and s4 at rank 3:
    if s2 finishes last, rank(s5) = 4 ≠ 2, and s5 is never submitted). So readiness alone decides.
    """

    def __init__(self, frg: FRG, readiness: Readiness, channel: Channel,
                 on_submit: Callable[[tuple[str, ...]], None]) -> None:
        self.frg = frg
        self.readiness = readiness
        self.channel = channel
        self.on_submit = on_submit  # marks calls as scheduled in the shared call states

    def sendcoord(self, calls: list[str], reason: str) -> None:
        if calls:
            self.on_submit(tuple(calls))
            self.channel.to_coord.append((tuple(calls), reason))

    def recvcoord(self) -> list[str]:
        completed: list[str] = []
        while self.channel.to_sched:
            completed.extend(self.channel.to_sched.popleft())
        return completed

    def start(self) -> None:
        ranks = self.frg.ranks
        rank1 = [c for c in self.frg.ids if ranks[c] == 1]  # none yet when streaming
        self.sendcoord(rank1, "rank 1: calls with no data dependencies")

    def step(self) -> None:
        """Alg. 2 lines 5–10 for the completions the coordinator has sent."""
        for done in self.recvcoord():
            ready = self.readiness.complete(done)
            if ready:  # (the reason is not worth building for an empty set)
                self.sendcoord(ready, f"made ready by {done}: all their inputs are done")

    def resubmit(self, points: list[str], others: list[str]) -> None:
        """Runtime recovery: scheduling resumes from the recovery points. Ready calls that are not
        descendants of a recovery point (cleared from the queue, or made ready while recovery
        waited) follow as their own set: no completion would ever submit them again."""
        self.sendcoord(points, "recovery: resume from the repaired recovery points")
        self.sendcoord(others, "recovery: calls whose inputs are done and unaffected")


class QueuedSet:
    """One submitted set in the coordinator's FIFO.

    Alg. 3 splits the head set S' into M (compute calls with an exclusion partner in S') and I
    (the rest) each time it is taken, and pushes the unplaced part of M back as a new head set.
    Recomputing the split from scratch costs O(|S'|) per completion, quadratic for a 10,000-call
    set, so the split is maintained incrementally: partners of a compute call are the calls of
    the same rank, so a call is in M exactly while its rank is held by two or more calls here.
    """

    def __init__(self, calls: tuple[str, ...], reason: str, frg: FRG) -> None:
        self.frg = frg
        self.reason = reason
        self.order: deque[str] = deque(calls)
        self.members: set[str] = set(calls)
        by_rank: dict[int, set[str]] = {}
        single: set[str] = set()
        kinds, ranks = frg.kinds, frg.ranks
        for c in calls:
            if kinds[c] == "compute":
                group = by_rank.get(ranks[c])
                if group is None:
                    by_rank[ranks[c]] = {c}
                else:
                    group.add(c)
            else:
                single.add(c)
        for group in by_rank.values():
            if len(group) == 1:
                single |= group
        self.by_rank = by_rank
        self.single = single
        self.remainder = False  # True once it is the pushed-back remainder of M
        self.explained_as: str | None = None  # why its calls wait, as last said (by position)

    def __len__(self) -> int:
        return len(self.members)

    def take_i(self) -> list[str]:
        """I: the inout calls, and the compute calls with no partner in the set (plan order)."""
        if not self.single:
            return []
        calls = sorted(self.single, key=self.frg.index.__getitem__)
        for c in calls:
            self.remove(c)
        return calls

    def take_m(self, k: int) -> list[str]:
        """The first k calls of M, in the set's order."""
        taken: list[str] = []
        while self.order and len(taken) < k:
            c = self.order.popleft()
            if c in self.members:
                taken.append(c)
        for c in taken:
            self.remove(c)
        return taken

    def remove(self, c: str) -> None:
        self.members.discard(c)
        self.single.discard(c)
        group = self.by_rank.get(self.frg.ranks[c])
        if group is not None and c in group:  # a compute call
            group.discard(c)
            if len(group) == 1:  # its last partner left: it is no longer in M
                self.single |= group

    def calls(self) -> list[str]:
        return [c for c in self.order if c in self.members]


class Coordinator:
    """Alg. 3. Keeps the submitted sets in a FIFO; each time a processor is spare it takes the
    head set S': the calls in S' with an exclusion partner in S' (M) get a spare processor each,
    the rest (I: inout calls, and compute calls with no partner in S') all go to one spare
    processor. What M cannot place goes back to the head of the FIFO, and later sets wait
    behind it (head-of-line blocking, as in the paper)."""

    def __init__(self, frg: FRG, channel: Channel, policy: LLMOrch) -> None:
        self.frg = frg
        self.channel = channel
        self.policy = policy  # for processor state and starting calls; never the scheduler's
        self.fifo: deque[QueuedSet] = deque()
        self.unexplained: list[QueuedSet] = []  # sets queued since the last explanation

    def recvsched(self) -> None:
        while self.channel.to_coord:
            calls, reason = self.channel.to_coord.popleft()
            qs = QueuedSet(calls, reason, self.frg)
            self.fifo.append(qs)
            self.unexplained.append(qs)

    def sendsched(self, completed: list[str]) -> None:
        if completed:
            self.channel.to_sched.append(tuple(completed))

    def coordinate(self) -> list[Decision]:
        pol = self.policy
        out: list[Decision] = []
        while self.fifo:
            spare = pol.spare()
            if not spare:
                break
            head = self.fifo[0]
            I = head.take_i()  # noqa: E741 (the paper's name)
            if I:
                p = pol.pick_spare(spare)
                computes = [c for c in I if self.frg.is_compute(c)]
                for c in I:
                    out.append(self._start(c, p, self._i_reason(c, p, computes)))
                if computes:  # they hold p now
                    spare = pol.spare()
            M = head.take_m(len(spare))
            for c, p in zip(M, spare, strict=False):
                out.append(self._start(c, p, f"exclusive with the other compute calls of rank "
                                              f"{self.frg.ranks[c]} in its set: gets its own "
                                              f"spare processor {p}"))
            if head:
                head.remainder = True  # the rest of M waits for the next spare processor
                break
            self.fifo.popleft()
        return out + self._explain_waiting()

    def _start(self, c: str, p: int, reason: str) -> Decision:
        return self.policy.start(c, p, reason)

    def _i_reason(self, c: str, p: int, computes: list[str]) -> str:
        if not self.frg.is_compute(c):
            return (f"inout calls first: started at once (placed on spare processor {p}, "
                    f"which it does not occupy)")
        if len(computes) == 1:
            return f"compute with no exclusive partner in its set: runs on spare processor {p}"
        # name at most three: with thousands sharing, listing them all in every reason would
        # cost O(|I|²) in time and text
        shown = [d for d in computes[:4] if d != c][:3]
        more = len(computes) - 1 - len(shown)
        others = ", ".join(shown) + (f" and {more} more" if more else "")
        return (f"compute with no exclusive partner in its set: shares processor {p} with "
                f"{others} (paper: the first constraint is broken when processors are short)")

    def _explain_waiting(self) -> list[Decision]:
        """A Wait for each queued call whose reason for waiting changed.

        The reason depends only on the set's place in the FIFO (the remainder at the head, the
        head, behind it), the same for all its calls. Only the head set and the sets queued
        since last time can have a new one, so only they are looked at: looking at the whole
        FIFO on every completion would be quadratic in a long run."""
        out: list[Decision] = []
        if not self.fifo:
            self.unexplained.clear()
            return out
        busy = None  # what runs where: said only when some call's reason changed
        head = self.fifo[0]
        looked = [head, *(qs for qs in self.unexplained if qs is not head and len(qs))]
        self.unexplained.clear()
        for qs in looked:
            key = ("remainder" if qs.remainder else "head") if qs is head else "behind"
            if qs.explained_as == key:
                continue
            qs.explained_as = key
            if busy is None and key != "behind":
                busy = "; ".join(f"{p} runs {_names(calls)}" for p, calls in
                                 enumerate(self.policy.load) if calls)
            for c in qs.calls():
                if key == "remainder":
                    reason = (f"{c} waits: exclusive with the other compute calls of rank "
                              f"{self.frg.ranks[c]}, no spare processor ({busy})")
                elif key == "head":
                    reason = f"{c} waits: no spare processor ({busy})"
                else:
                    reason = f"{c} waits behind an earlier set at the head of the FIFO"
                out.append(Wait(c, reason))
        return out

    def clear(self) -> list[str]:
        cleared = [c for qs in self.fifo for c in qs.calls()]
        self.fifo.clear()
        self.channel.to_coord.clear()
        self.unexplained.clear()
        return cleared


def _names(calls: list[str]) -> str:
    """The calls on one processor, as `s1+s2`; at most three named."""
    return "+".join(calls) if len(calls) <= 3 else f"{'+'.join(calls[:3])}+{len(calls) - 3} more"


class LLMOrch(Policy):
    name = "llmorch"
    summary = "scheduler submits ready sets; coordinator spreads exclusive compute calls over " \
              "spare processors and holds the rest"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.channel = Channel()
        # Both hold this policy weakly: with strong references, the policy and its coordinator
        # would form a cycle, and a finished run (its FRG, its states) would wait for the cyclic
        # collector, which the sim pauses, to be freed.
        me = weakref.proxy(self)
        self.scheduler = Scheduler(self.frg, self.readiness, self.channel,
                                   lambda calls: me._submitted(calls))
        self.coordinator = Coordinator(self.frg, self.channel, me)

    def _submitted(self, calls: tuple[str, ...]) -> None:
        for c in calls:
            self.set_state(c, "submitted")

    def first(self) -> list[Decision]:
        self.scheduler.start()
        return self._coordinate()

    def on_arrivals(self, ready: list[str]) -> list[Decision]:
        # A growing plan: the scheduler submits the set an arrival made ready, as it submits
        # the set a completion made ready (Alg. 2, with arrivals as a second source of sets).
        self.scheduler.sendcoord(ready, "arrived with every input done (the plan is still "
                                        "streaming)")
        return self._coordinate()

    def on_events(self, done, failed) -> list[Decision]:
        # Completions feed the readiness tracker through the scheduler (Alg. 2), not directly.
        out: list[Decision] = []
        if len(done) > 1:
            done = sorted(done, key=self.frg.index.__getitem__)
        if len(failed) > 1:
            failed = sorted(failed, key=self.frg.index.__getitem__)
        for c in done:
            self._release(c)
            self.set_state(c, "done")
        for c in failed:
            self._release(c)
            self.set_state(c, "failed")
        self.coordinator.sendsched(done)
        if self.halted:
            # recovery is under way: the completions still count, but nothing is scheduled
            for c in self.scheduler.recvcoord():
                self.readiness.complete(c)
            return out
        for c in failed:
            out += self.skip_descendants(c)
        self.scheduler.step()
        out += self._coordinate()
        out += self.maybe_finish()
        return out

    def _coordinate(self) -> list[Decision]:
        pending = list(self.channel.to_coord)
        self.coordinator.recvsched()
        out: list[Decision] = [Submit(calls, reason) for calls, reason in pending]
        return out + self.coordinator.coordinate()

    def on_completions(self, made_ready, failed) -> list[Decision]:  # pragma: no cover
        raise AssertionError("LLMOrch overrides on_events")

    def clear_queues(self) -> None:
        self.coordinator.clear()

    def on_resume(self, points: list[str], cleared: list[str]) -> list[Decision]:
        # also calls made ready while recovery waited for running calls: nothing submitted them
        others = [c for c in self.ready_waiting() if c not in points]
        self.scheduler.resubmit(points, others)
        return self._coordinate()
