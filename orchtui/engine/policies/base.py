"""What every policy shares: call states, readiness, processor load and LLM turns.

A policy is a deterministic state machine. It never runs anything: the runner tells it what
completed, and it answers with decisions (submit a set, start a call on a processor, make a call
wait, take an LLM turn). So the same policy drives the sim, the real executor and Dask.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from orchtui.graph.frg import FRG


# -- decisions ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Submit:
    """A set of calls handed over together (the scheduler's sendcoord, or a round)."""

    calls: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Start:
    call: str
    processor: int | None  # None: inout, occupies no processor
    reason: str
    shared: bool = False
    pool: bool = False  # unpinned, time-sharing all allocated processors


@dataclass(frozen=True, slots=True)
class Wait:
    call: str
    reason: str


@dataclass(frozen=True, slots=True)
class Skip:
    call: str
    reason: str


@dataclass(frozen=True, slots=True)
class Turn:
    turn: str
    purpose: str


@dataclass(frozen=True, slots=True)
class Finish:
    pass


Decision = Submit | Start | Wait | Skip | Turn | Finish
_STATES = ("waiting", "submitted", "running", "done", "failed", "skipped")
Then = Callable[[], list[Decision]]


class Readiness:
    """The one place that knows when a call is ready: when every data predecessor is done.
    The plan may grow: `add` counts a new call's inputs that are not done yet."""

    def __init__(self, frg: FRG) -> None:
        self.frg = frg
        self.missing: dict[str, int] = {}
        self.done: set[str] = set()
        self.add(frg.ids)

    def add(self, calls: Iterable[str]) -> list[str]:
        """Calls joined the plan: return those ready at once, in the order given."""
        missing, done, preds = self.missing, self.done, self.frg.pred_lists
        if not done:  # nothing done yet (a plan's start): every input is missing, counted in C
            calls = calls if isinstance(calls, list | tuple) else list(calls)
            counts = list(map(len, map(preds.__getitem__, calls)))
            missing.update(zip(calls, counts, strict=True))
            return [c for c, n in zip(calls, counts, strict=True) if n == 0]
        ready = []
        for c in calls:
            mine = preds[c]
            n = sum(1 for p in mine if p not in done) if mine and done else len(mine)
            missing[c] = n
            if n == 0:
                ready.append(c)
        return ready

    def initial(self) -> list[str]:
        return [c for c in self.frg.ids if self.missing[c] == 0 and c not in self.done]

    def complete(self, call: str) -> list[str]:
        """Record that `call` is done; return the calls this made ready, in plan order."""
        self.done.add(call)
        ready = []
        missing = self.missing
        for s in self.frg.succ_lists[call]:
            left = missing[s] - 1
            missing[s] = left
            if left == 0:
                ready.append(s)
        return ready

    def undo(self, call: str) -> None:
        """`call` is done no more (recovery resets it)."""
        self.done.discard(call)
        for s in self.frg.succs(call):
            self.missing[s] += 1

    def is_ready(self, call: str) -> bool:
        return self.missing[call] == 0


class Policy:
    name: ClassVar[str]
    # shown in the TUI and the README: what this policy is, in one line
    summary: ClassVar[str]

    def __init__(
        self,
        frg: FRG,
        processors: int,
        costs: Mapping[str, float],
        llm_turns: bool = False,
        compute: str = "serial",
        seed: int | None = None,
        growing: str | None = None,
        plan_turn: bool = True,
    ) -> None:
        self.frg = frg
        # How the plan arrives: None, all of it before the run; "stream", call by call while
        # the model writes it; "turns", from the model's turns that this policy asks for (the
        # live baselines). While the plan is open the run cannot end.
        self.growing = growing
        self.plan_open = growing is not None
        # Whether this policy pays the planning turn itself: not when the plan streams in
        # during the run, or was translated before it began.
        self.plan_turn = plan_turn and growing is None
        self.accepting = False  # the plan turn is over: arriving calls may be scheduled
        self.P = processors
        self.costs = costs
        self.llm_turns = llm_turns
        self.compute_mode = compute
        self.rng = random.Random(seed) if seed is not None else None
        self.readiness = Readiness(frg)
        self.state: dict[str, str] = dict.fromkeys(frg.ids, "waiting")
        self.counts: dict[str, int] = dict.fromkeys(_STATES, 0)
        self.counts["waiting"] = len(frg.ids)
        self.where: dict[str, int | None] = {}
        self.load: list[list[str]] = [[] for _ in range(processors)]
        # unpinned compute calls running (a dict as an ordered set: thousands at once with
        # --compute eager, and a list's remove() made each completion cost O(running))
        self.pool: dict[str, None] = {}
        self._turns: dict[str, Then] = {}
        self._answered = False
        self.halted = False

    # -- the interface the runner calls -------------------------------------------------------
    def begin(self) -> list[Decision]:
        """Plan-ahead policies pay the planning turn, then schedule what is ready."""
        if self.plan_turn:
            return self.turn("plan", "translate the query into a plan", self._go)
        return self._go()

    def _go(self) -> list[Decision]:
        self.accepting = True
        return self.first()

    def first(self) -> list[Decision]:
        """The first decisions, once the plan (or its first calls) is there."""
        raise NotImplementedError

    def add_calls(self, calls: list[str]) -> list[Decision]:
        """Calls joined the plan (they are in the FRG already). Returns what to do next."""
        for c in calls:
            self.state[c] = "waiting"
        self.counts["waiting"] += len(calls)
        ready = self.readiness.add(calls)
        self.on_added(calls)
        if self.halted:
            # recovery is under way: its resume schedules them, or, if it fails, its
            # skip_descendants skips those whose inputs failed
            return []
        # A call whose input already failed (or was skipped) can never run: skip it now, as
        # skip_descendants did for the calls there at the failure.
        out: list[Decision] = []
        for c in calls:
            lost = [p for p in self.frg.preds(c) if self.state[p] in ("failed", "skipped")]
            if lost:
                self.set_state(c, "skipped")
                how = "failed" if self.state[lost[0]] == "failed" else "was skipped"
                out.append(Skip(c, f"depends on {lost[0]}, which {how}"))
        ready = [c for c in ready if self.state[c] == "waiting"]
        if not self.accepting or self.growing == "turns":
            return out  # scheduled by the plan turn, or by the turn's continuation
        return out + self.on_arrivals(ready) + (self.maybe_finish() if out else [])

    def close_plan(self) -> list[Decision]:
        """No more calls will arrive."""
        self.plan_open = False
        if self.halted or not self.accepting:
            return []
        return self.maybe_finish()

    def on_events(self, done: Iterable[str], failed: Iterable[str]) -> list[Decision]:
        """Calls completed (or failed) at one instant. Returns what to do next."""
        out: list[Decision] = []
        made_ready: list[tuple[str, list[str]]] = []
        for c in sorted(done, key=self.frg.index.__getitem__):
            self._release(c)
            self.set_state(c, "done")
            made_ready.append((c, self.readiness.complete(c)))
        failed = sorted(failed, key=self.frg.index.__getitem__)
        for c in failed:
            self._release(c)
            self.set_state(c, "failed")
        if not self.halted:
            for c in failed:
                out += self.skip_descendants(c)
            out += self.on_completions(made_ready, failed)
            out += self.maybe_finish()
        return out

    def on_turn_done(self, turn: str) -> list[Decision]:
        return self._turns.pop(turn)()

    def set_state(self, call: str, state: str) -> None:
        self.counts[self.state[call]] -= 1
        self.counts[state] += 1
        self.state[call] = state

    def n_running(self) -> int:
        return self.counts["running"]

    # -- recovery hooks -----------------------------------------------------------------------
    def halt(self) -> list[str]:
        """Stop starting calls; clear the ones scheduled but not started. Returns them."""
        self.halted = True
        cleared = [c for c, s in self.state.items() if s == "submitted"]
        for c in cleared:
            self.set_state(c, "waiting")
        self.clear_queues()
        return cleared

    def resume(self, reset: Iterable[str], points: list[str], cleared: list[str]
               ) -> list[Decision]:
        """Reset calls to waiting, then go on from the recovery points."""
        for c in sorted(reset, key=self.frg.index.__getitem__):
            if self.state[c] == "done":
                self.readiness.undo(c)
            self.set_state(c, "waiting")
        for c in self.frg.ids:  # calls skipped because of a failure that recovery now retries
            if self.state[c] in ("skipped", "failed"):
                self.set_state(c, "waiting")
        self.halted = False
        self._answered = False
        return self.on_resume(points, cleared) + self.maybe_finish()

    # -- for subclasses -----------------------------------------------------------------------
    def on_added(self, calls: list[str]) -> None:
        """Calls joined the plan (bookkeeping: bottom levels, ...)."""

    def on_arrivals(self, ready: list[str]) -> list[Decision]:
        """Calls that arrived with their inputs done. Default: as if a completion made them
        ready."""
        return self.on_completions([("", ready)], [])

    def on_completions(self, made_ready: list[tuple[str, list[str]]], failed: list[str]
                       ) -> list[Decision]:
        raise NotImplementedError

    def on_resume(self, points: list[str], cleared: list[str]) -> list[Decision]:
        """Default: every waiting call whose predecessors are done is ready again."""
        return self.on_completions([("", self.ready_waiting())], [])

    def clear_queues(self) -> None:
        """Forget calls queued inside the policy (halt)."""

    def ready_waiting(self) -> list[str]:
        return [c for c in self.frg.ids
                if self.state[c] == "waiting" and self.readiness.is_ready(c)]

    def start(self, call: str, processor: int | None, reason: str, shared: bool = False,
              pool: bool = False) -> Start:
        self.set_state(call, "running")
        if not self.frg.is_compute(call) or pool:
            processor = None
        if pool:
            self.pool[call] = None
        elif processor is not None:
            shared = shared or bool(self.load[processor])
            self.load[processor].append(call)
        self.where[call] = processor
        return Start(call, processor, reason, shared, pool)

    def _release(self, call: str) -> None:
        p = self.where.pop(call, None)
        if p is not None and call in self.load[p]:
            self.load[p].remove(call)
        self.pool.pop(call, None)

    def spare(self) -> list[int]:
        """Processors that run no compute call."""
        return [p for p in range(self.P) if not self.load[p]]

    def pick_spare(self, spare: list[int]) -> int:
        """The paper picks a random spare processor; we take the lowest index unless seeded."""
        return self.rng.choice(spare) if self.rng else spare[0]

    def skip_descendants(self, failed: str) -> list[Decision]:
        out: list[Decision] = []
        for d in sorted(self.frg.descendants(failed), key=self.frg.index.__getitem__):
            if self.state[d] in ("waiting", "submitted"):
                self.set_state(d, "skipped")
                out.append(Skip(d, f"depends on {failed}, which failed"))
        return out

    def turn(self, turn: str, purpose: str, then: Then) -> list[Decision]:
        """Pay an LLM turn, then continue. With no turn cost configured, continue at once."""
        if not self.llm_turns:
            return then()
        self._turns[turn] = then
        return [Turn(turn, purpose)]

    def maybe_finish(self) -> list[Decision]:
        """When every call is settled and nothing runs, pay the answer turn and finish. A
        policy whose plan comes from its own turns finishes without one: the model answered
        in the turn that closed the plan."""
        if self._answered or self._turns or self.plan_open:
            return []
        counts = self.counts  # the unsettled states, spelled out: this runs at every completion
        if counts["waiting"] or counts["submitted"] or counts["running"]:
            return []
        self._answered = True
        if self.growing == "turns":
            return [Finish()]
        return self.turn("answer", "compose the answer from the results", lambda: [Finish()])

    def fmt(self, calls: Iterable[str]) -> str:
        return "{" + ", ".join(calls) + "}"

    def kind_word(self, call: str) -> str:
        return "compute" if self.frg.is_compute(call) else "inout"
