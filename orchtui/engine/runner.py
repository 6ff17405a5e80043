"""The runner: the one run loop. It applies a policy's decisions on an executor, turns what the
executor observes into events, recovers failed calls (paper §III-D) and produces the answer.

Its plan comes from a plan source: a fixed plan (recorded, or translated before the run), a
`PlanStream` whose calls arrive while the model writes (the FRG grows under the policy), or a
`TurnTaker` whose live model turns name the calls (ReAct, tool calling). The model's side of
those lives in orchtui.llm; the loop, the events and the recovery are here, once.

`Run.events()` is a generator, so a consumer sets the pace: the headless CLI drains it, the TUI
pulls one event per step when stepping, a test collects it into a list.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from orchtui.engine import events as ev
from orchtui.engine.policies import (
    POLICY_CLASSES,
    Decision,
    Finish,
    Skip,
    Start,
    Submit,
    Turn,
    Wait,
)
from orchtui.engine.recovery import recovery_plan
from orchtui.errors import OrchError
from orchtui.executors.base import Executor, Task, TaskFinished, TaskRetried, TaskStarted
from orchtui.graph.frg import FRG
from orchtui.plan.binding import BindError, bind_call
from orchtui.plan.model import Call
from orchtui.scenario.model import Scenario

PREVIEW = 120


class EngineError(OrchError):
    """The engine itself got stuck: a bug, reported instead of hanging."""


class Repairer(Protocol):
    """Runtime recovery's LLM side: repair one recovery call (paper §III-D)."""

    source: str  # "llm" | "recorded"

    def repair(self, call: Call, failed: list[tuple[Call, str]], scenario: Scenario,
               dialect: str) -> Call:
        """Return the repaired call (same id, same function kind). Raise OrchError if it
        cannot."""
        ...


@dataclass(frozen=True)
class RunOptions:
    policy: str = "llmorch"
    processors: int = 2
    compute: str = "serial"  # the baselines' compute mode: "serial" | "eager"
    seed: int | None = None
    recovery_attempts: int = 2
    plan_source: str = "recorded"  # "recorded" | "llm"
    llm_label: str = "recorded"
    # Injected sim faults stand for failures caused by a call's inputs: when True, a fault no
    # longer fires once runtime recovery has reset the call (so a recovery demo can succeed in
    # the sim). When False, it fires every time (to test that attempts are bounded).
    transient_faults: bool = False


@dataclass
class _State:
    results: dict[str, Any] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)
    said_waiting: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamUpdate:
    """What a streamed plan brought: calls completed by the latest text, the end, or a break."""

    calls: tuple[Call, ...] = ()
    ended: bool = False
    text: str = ""  # once ended: the plan text as the model wrote it
    error: str | None = None  # the stream broke or stopped parsing: one line
    warnings: tuple[dict[str, Any], ...] = ()  # once ended: what was read leniently


class PlanStream(Protocol):
    """Calls arriving while the model writes the plan (implemented on the model side).

    A replayed stream is clocked: `open` returns the delay until its first piece, and the
    runner waits that long on the executor's clock (virtual in the sim), then calls `due` for
    the piece and the delay to the next one. A live stream returns None from `open` and is
    polled: its pieces come when the model writes them."""

    source: str  # "llm" | "recorded"

    def open(self) -> float | None: ...

    def due(self) -> tuple[StreamUpdate, float | None]: ...

    def poll(self, timeout: float) -> list[StreamUpdate]: ...

    def cancel(self) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """A call's result as a model turn sees it."""

    call: str
    ok: bool
    value: Any  # the result, or the error text


@dataclass(frozen=True)
class TurnReply:
    calls: tuple[Call, ...] = ()  # calls the model asked for in this turn
    answer: str | None = None  # the model answered: no more calls


class TurnTaker(Protocol):
    """Live model turns, taken when a policy decides a turn (`Turn`). `plans`: the turns
    write the plan (ReAct's thoughts, tool-calling rounds); else they only answer."""

    plans: bool

    def take(self, turn: str, purpose: str, outcomes: list[Outcome]) -> TurnReply:
        """Raise OrchError when the model cannot be reached or gives up."""
        ...


TICK = "stream:next"  # the executor task that waits for a replayed stream's next piece


class Run:
    """The one run loop (DESIGN §1): it alone drives an executor, turns observations into
    events, recovers and answers, whatever the plan source: a fixed plan (recorded or
    translated), a plan streaming in (`stream`), or a live model's turns (`turns`)."""

    def __init__(self, scenario: Scenario, executor: Executor, options: RunOptions,
                 repairer: Repairer | None = None,
                 prelude: list[ev.Event] | None = None, *,
                 stream: PlanStream | None = None, turns: TurnTaker | None = None) -> None:
        if options.policy not in POLICY_CLASSES:
            raise OrchError(f"unknown policy {options.policy!r} "
                            f"(one of {', '.join(POLICY_CLASSES)})")
        self.growing = "stream" if stream else "turns" if turns and turns.plans else None
        if self.growing is None and scenario.plan is None:
            raise OrchError("the scenario has no plan: translate its query first (--llm)")
        self.scenario = scenario
        self.executor = executor
        self.options = options
        self.repairer = repairer
        self.stream = stream
        self.turns = turns
        self.prelude = prelude or []  # e.g. translation attempts made before the run
        dialect = scenario.plan.dialect if scenario.plan else "llmorch"
        self.frg = FRG(scenario.kinds, dialect)
        self.calls: dict[str, Call] = {}
        self.costs: dict[str, float] = {}
        if self.growing is None:
            self._grow(scenario.plan.calls)  # type: ignore[union-attr]
            self.frg.adopt(scenario.plan)  # type: ignore[arg-type]
        self.cancelled = False
        self.recovered: set[str] = set()  # calls that runtime recovery has reset
        self.answer: str | None = None  # the model's answer, when a live turn gave one
        self.error = ""  # why the run failed, when no call's failure says it
        self.reported: set[str] = set()  # calls whose outcome a live turn has seen
        self.streaming = False
        self._running_on: dict[str, int | None] = {}  # call -> processor of its latest start

    def cancel(self) -> None:
        """Ask the run to stop at the next event (Ctrl-C, quitting the TUI)."""
        self.cancelled = True
        if self.stream is not None:
            self.stream.cancel()

    def cancelled_event(self) -> ev.RunFinished:
        """The last event of a cancelled run. The loop yields it at its next turn; a caller
        whose loop an interrupt broke (Ctrl-C, SIGTERM) writes it itself, so that its trace
        says how the run ended."""
        now = self.executor.now()
        return ev.RunFinished(now, now, "cancelled", "")

    def _grow(self, calls: tuple[Call, ...] | list[Call]) -> list[str]:
        added = self.frg.add_calls(calls)
        known, costs, cost = self.calls, self.costs, self.scenario.cost
        for c in calls:
            cid = c.id
            known[cid] = c
            costs[cid] = cost(cid, c.function)
        return added

    # -- the loop -----------------------------------------------------------------------------
    def events(self) -> Iterator[ev.Event]:
        sc, opt, ex = self.scenario, self.options, self.executor
        # A prelude made before the run (translation) may carry earlier times.
        t_start = min([ex.now(), *(e.t for e in self.prelude)])
        label = opt.llm_label
        yield ev.RunStarted(t_start, sc.name, opt.policy, ex.processors, tuple(ex.cpus),
                            ex.mode, opt.compute, opt.seed, label,
                            tuple(getattr(ex, "lanes", ())))
        yield from self.prelude
        if self.growing is None:
            yield ev.PlanReady(ex.now(), opt.plan_source, sc.plan_text,
                               tuple(w.to_json() for w in sc.plan.warnings))  # type: ignore[union-attr]
            yield self.graph_event()
        live_turns = self.turns is not None
        policy = POLICY_CLASSES[opt.policy](
            self.frg, ex.processors, self.costs, llm_turns=sc.llm_turn > 0 or live_turns,
            compute=opt.compute, seed=opt.seed, growing=self.growing,
            # a live plan-ahead run translated its plan before the run (the prelude)
            plan_turn=not (live_turns and self.growing is None),
        )
        self.policy = policy
        st = self.st = _State()
        attempts = 0
        pending: deque[Decision] = deque()
        if self.stream is not None:
            self.streaming = True
            self.t_plan = ex.now()
            yield ev.TurnStarted(ex.now(), "plan", "translate the query (streamed: calls are "
                                                    "scheduled as they arrive)")
            delay = self.stream.open()
            self.stream_live = delay is None
            if delay is not None:
                ex.launch(Task(TICK, "llm", cost=delay))
        pending.extend(policy.begin())
        finished = False
        while not finished:
            while pending:
                decision = pending.popleft()
                kind = type(decision)
                # the two decisions of every call first, without a generator each: a long
                # run takes hundreds of thousands of them
                if kind is Start:
                    yield from self._start(decision, pending)
                elif kind is Wait:
                    queued = self._queued(decision)
                    if queued is not None:
                        yield queued
                elif kind is Finish:
                    finished = True
                else:
                    yield from self._apply(decision, pending)
            if finished:
                break
            if self.cancelled:
                yield self.cancelled_event()
                return
            if self.streaming and self.stream_live:
                # the model's pieces: wait for them when nothing runs, else only look
                updates = self.stream.poll(0.0 if ex.in_flight() else 0.05)  # type: ignore
                for u in updates:
                    yield from self._stream_update(u, pending)
                if pending or not ex.in_flight():
                    continue
            if ex.in_flight() == 0:
                stuck = [c for c in self.frg.ids if c not in st.status]
                raise EngineError(f"{opt.policy} stopped with calls neither run nor skipped: "
                                  f"{', '.join(stuck[:10])}")
            done, failed, turns, ticks = [], [], [], []
            live = self.streaming and self.stream_live
            yield from self._observe(done, failed, turns, ticks, 0.002 if live else 0.1)
            for name in turns:
                pending.extend(policy.on_turn_done(name))
            if failed and self.repairer and attempts < opt.recovery_attempts:
                attempts += 1
                # _recover has handed done and failed to the policy, whatever its outcome
                yield from self._recover(failed, done, attempts, pending)
            elif done or failed:
                pending.extend(policy.on_events(done, failed))
            # Calls that arrived at this instant join after the completions: a recovery
            # started by them must not wipe decisions already taken about the new calls.
            for _ in ticks:
                yield from self._tick(pending)
        yield self._run_finished()

    def graph_event(self, calls: list[str] | None = None) -> ev.GraphReady:
        """The graph: every call so far, or the ones given (the graph grew by them). The
        exclusive groups are always the whole graph's."""
        frg = self.frg
        kinds, ranks, preds, costs = frg.kinds, frg.ranks, frg.pred_lists, self.costs
        # a list comprehension over the calls themselves: the whole plan is one event
        described = tuple([
            {"id": (c := k.id), "function": k.function, "kind": kinds[c],
             "rank": ranks[c], "deps": list(preds[c]), "thought": k.thought,
             "text": k.text, "cost": costs[c]}
            for k in (frg.plan.calls if calls is None else map(frg.call, calls))
        ])
        return ev.GraphReady(self.executor.now(), described, frg.exclusive_groups())

    # -- the plan source ----------------------------------------------------------------------
    def _arrive(self, calls: tuple[Call, ...], pending: deque[Decision]) -> Iterator[ev.Event]:
        """Calls joined the plan: grow the FRG, say so, and let the policy schedule them."""
        fresh = [c for c in calls if c.id not in self.frg]
        dup = [c.id for c in calls if c.id in self.frg]
        if dup:
            raise OrchError(f"the model named call {dup[0]} twice")
        added = self._grow(fresh)
        if added:
            yield self.graph_event(added)
            pending.extend(self.policy.add_calls(added))

    def _stream_update(self, u: StreamUpdate, pending: deque[Decision]) -> Iterator[ev.Event]:
        ex, stream = self.executor, self.stream
        assert stream is not None
        error = u.error
        if u.calls and error is None:
            try:
                yield from self._arrive(u.calls, pending)
            except (OrchError, ValueError) as err:
                error = str(err)
        if error is None and not u.ended:
            return
        self.streaming = False
        yield ev.TurnFinished(ex.now(), "plan", ex.now() - self.t_plan)
        yield ev.TranslationAttempt(ex.now(), 1, "translate", 0.0, error is None, error,
                                    stream.source)
        if error is None:
            yield ev.PlanReady(ex.now(), stream.source, u.text, u.warnings)
        else:
            stream.cancel()
            # The calls that arrived run on (LLMCompiler streams without a safety net too);
            # the run fails with the reason, said once.
            self.error = f"the plan stream broke: {error}"
        pending.extend(self.policy.close_plan())

    # -- live model turns ---------------------------------------------------------------------
    def _live_turn(self, d: Turn, pending: deque[Decision]) -> Iterator[ev.Event]:
        ex, st = self.executor, self.st
        assert self.turns is not None
        t = ex.now()
        yield ev.TurnStarted(t, d.turn, d.purpose)
        if d.turn == "answer":  # a plan-ahead run answers from its sinks
            sinks = [c for c in self.frg.ids if not self.frg.succs(c) and c in st.results]
            outcomes = [Outcome(c, True, st.results[c]) for c in sinks]
        else:
            outcomes = [Outcome(c, st.status[c] == "done",
                                st.results[c] if st.status[c] == "done" else st.errors[c])
                        for c in self.frg.ids
                        if c not in self.reported and st.status.get(c) in ("done", "failed")]
            self.reported.update(o.call for o in outcomes)
        try:
            reply = self.turns.take(d.turn, d.purpose, outcomes)
        except OrchError as err:
            yield ev.TurnFinished(ex.now(), d.turn, ex.now() - t)
            self.error = str(err)
            yield ev.RecoveryFailed(ex.now(), self.error)
            pending.clear()
            pending.append(Finish())
            return
        yield ev.TurnFinished(ex.now(), d.turn, ex.now() - t)
        if reply.calls:
            try:
                yield from self._arrive(reply.calls, pending)
            except (OrchError, ValueError) as err:
                self.error = str(err)
                pending.clear()
                pending.append(Finish())
                return
        if reply.answer is not None:
            self.answer = reply.answer
            pending.extend(self.policy.close_plan())
        pending.extend(self.policy.on_turn_done(d.turn))

    # -- decisions ----------------------------------------------------------------------------
    def _start(self, d: Start, pending: deque[Decision]) -> tuple[ev.Event, ...]:
        """Dispatch a call: its event, and its task launched (or its failure, when its
        arguments cannot be bound)."""
        ex, st = self.executor, self.st
        t = ex.now()
        st.said_waiting.pop(d.call, None)
        dispatched = ev.Dispatched(t, d.call, d.processor, d.reason, d.shared, d.pool)
        try:
            task = self._task(d)
        except BindError as err:
            st.status[d.call] = "failed"
            st.errors[d.call] = str(err)
            pending.extend(self.policy.on_events([], [d.call]))
            return dispatched, ev.Failed(t, d.call, str(err))
        ex.launch(task)
        return (dispatched,)

    def _queued(self, d: Wait) -> ev.Queued | None:
        """A waiting call's reason, said once for as long as it stays the same."""
        said = self.st.said_waiting
        if said.get(d.call) == d.reason:
            return None
        said[d.call] = d.reason
        return ev.Queued(self.executor.now(), d.call, d.reason)

    def _apply(self, d: Decision, pending: deque[Decision]) -> Iterator[ev.Event]:
        """The decisions other than Start, Wait and Finish (the loop takes those itself)."""
        ex, st = self.executor, self.st
        t = ex.now()
        if isinstance(d, Submit):
            yield ev.Scheduled(t, d.calls, d.reason)
        elif isinstance(d, Skip):
            st.status[d.call] = "skipped"
            yield ev.Skipped(t, d.call, d.reason)
        elif isinstance(d, Turn) and self.turns is not None:
            yield from self._live_turn(d, pending)
        elif isinstance(d, Turn):
            key = f"turn:{d.turn}"
            st.started[key] = t
            # launched before it is said, as a call is: a caller that pauses on the event (a
            # stepped real run) must not hold the turn back, or it ends late
            ex.launch(Task(key, "llm", cost=self.scenario.llm_turn))
            yield ev.TurnStarted(t, d.turn, d.purpose)

    def _task(self, d: Start) -> Task:
        call = self.calls[d.call]
        fn = self.scenario.function(call.function)
        args: tuple[Any, ...] = ()
        kwargs: dict[str, Any] = {}
        if self.executor.mode != "sim":
            try:
                bound_args, kwargs = bind_call(call, self.st.results)
            except BindError:
                raise
            except Exception as err:  # a result str() fails on: a user object, a huge int
                raise BindError(f"{call.id}: cannot compute its arguments: "
                                f"{_one_line(err)}") from None
            args = tuple(bound_args)
        # positional: a call's every launch builds one, and keywords cost a third more
        return Task(d.call, fn.kind, d.processor, d.pool, self.costs[d.call], fn, args, kwargs,
                    None if (self.options.transient_faults and d.call in self.recovered)
                    else self.scenario.faults.get(d.call))

    # -- observations -------------------------------------------------------------------------
    def _observe(self, done: list[str], failed: list[str], turns: list[str],
                 ticks: list[float], timeout: float = 0.1) -> list[ev.Event]:
        """Poll the executor once and turn what happened into events. Completed and failed
        calls, finished LLM turns, and the moments a replayed stream's next piece came, are
        appended for the caller to hand to the policy. (A list, not a generator: the sim polls
        hundreds of thousands of times.)"""
        out: list[ev.Event] = []
        for e in self.executor.poll(timeout=timeout):
            key = e.key
            if key == TICK:
                if isinstance(e, TaskFinished) and self.streaming:
                    ticks.append(e.t)
            # isinstance, not type(...) is: executors send subclasses (DaskTaskStarted); an
            # exact type still passes isinstance's first, pointer-equality test
            elif isinstance(e, TaskStarted):
                if not key.startswith("turn:"):
                    out.append(self._started(e))
            elif isinstance(e, TaskRetried):
                # not a failure: the call runs again, and the policy still counts it running
                out.append(ev.Retried(e.t, key, self._running_on.get(key), e.error, e.attempt,
                                      e.retries))
            elif key.startswith("turn:"):
                name = key[5:]
                out.append(ev.TurnFinished(e.t, name, e.t - self.st.started.pop(key, e.t)))
                turns.append(name)
            else:
                out.append(self._finished(e))
                (done if e.ok else failed).append(key)
        return out

    def _started(self, e: TaskStarted) -> ev.Event:
        self.st.started[e.key] = e.t
        # a retry may run on another processor than the policy chose
        processor = e.processor if e.processor is not None else self.policy.where.get(e.key)
        self._running_on[e.key] = processor
        return ev.Started(e.t, e.key, processor, e.cpu, e.pid, tuple(e.affinity))

    def _finished(self, e: TaskFinished) -> ev.Event:
        st = self.st
        # the call's start and processor are let go once it ends: kept, they were two dicts
        # of every call of a long run
        start = st.started.pop(e.key, e.t)
        # The function's own return where the executor knows it (a real or Dask worker's
        # stamp): the engine takes a result only when its caller pulls the next event, which a
        # paused or paced screen does late. The event keeps the time the engine took it.
        end = e.t if e.t_return is None else min(e.t, max(start, e.t_return))
        duration = end - start
        self._running_on.pop(e.key, None)
        if e.ok:
            st.status[e.key] = "done"
            st.results[e.key] = e.value
            return ev.Finished(e.t, e.key, duration, preview(e.value), e.output or "")
        st.status[e.key] = "failed"
        st.errors[e.key] = e.error or "failed"
        # a raised exception has the worker's stamp; a timeout or a crash is the engine's
        return ev.Failed(e.t, e.key, e.error or "failed", e.output or "",
                         None if e.t_return is None else duration)

    def _tick(self, pending: deque[Decision]) -> Iterator[ev.Event]:
        """A replayed stream's next piece is due."""
        assert self.stream is not None
        update, delay = self.stream.due()
        if delay is not None and not update.ended and update.error is None:
            self.executor.launch(Task(TICK, "llm", cost=delay))
        yield from self._stream_update(update, pending)

    def _run_finished(self) -> ev.RunFinished:
        st = self.st
        ok = not self.error and all(st.status.get(c) == "done" for c in self.frg.ids)
        if ok and self.answer is not None:
            answer = self.answer
        elif ok:
            # the last three sinks, looked for from the end: not a list of them all
            succs, sinks = self.frg.succ_lists, []
            for c in reversed(self.frg.ids):
                if not succs[c] and c in st.results:
                    sinks.append(c)
                    if len(sinks) == 3:
                        break
            answer = "\n".join(preview(st.results[c], 2000) for c in reversed(sinks))
        else:
            answer = ""
        return ev.RunFinished(self.executor.now(), self.executor.now(),
                              "ok" if ok else "failed", answer, self.error)

    # -- runtime recovery (paper §III-D) ------------------------------------------------------
    def _recover(self, failed: list[str], done: list[str], attempt: int,
                 pending: deque[Decision]) -> Iterator[ev.Event]:
        """Clear unstarted calls, trace back to the recovery points, have the LLM repair them,
        reset them and their descendants, and resume from them (paper §III-D).

        Calls already running go on. Only those that recovery resets are waited for first: their
        results would be stale, and a processor they hold is not yet free. Returns (as the
        generator's value) whether scheduling resumed."""
        ex, st, policy = self.executor, self.st, self.policy
        assert self.repairer is not None
        pending.clear()
        cleared = policy.halt()
        policy.on_events(done, failed)  # halted: bookkeeping only, nothing starts
        failed = sorted(failed, key=self.frg.index.__getitem__)
        turns_done: list[str] = []
        while True:
            plan = recovery_plan(self.frg, failed)
            stale = [c for c in plan.reset if policy.state[c] == "running"]
            if not stale:
                break
            if ex.in_flight() == 0:  # the policy counts calls the executor never got: no wait
                raise EngineError(f"{self.options.policy} counts {', '.join(stale)} as "
                                  "running, but nothing is in flight")
            more_done: list[str] = []
            more_failed: list[str] = []
            ticks: list[float] = []
            yield from self._observe(more_done, more_failed, turns_done, ticks)
            policy.on_events(more_done, more_failed)  # halted: bookkeeping only
            for _ in ticks:  # halted: the calls join the graph, resume schedules them
                yield from self._tick(pending)
            failed = sorted([*failed, *more_failed], key=self.frg.index.__getitem__)
        yield ev.RecoveryStarted(ex.now(), tuple(failed), tuple(plan.points), attempt,
                                 tuple(plan.reset), tuple(cleared))
        failures = [(self.calls[c], st.errors.get(c, "failed")) for c in failed]
        scenario = self.scenario
        if self.growing is not None:  # the model sees the plan as it has grown so far
            scenario = scenario.with_plan(self.frg.plan, _plan_text(self.frg))
        try:
            for p in plan.points:
                before = self.calls[p]
                after = self.repairer.repair(before, failures, scenario, self.frg.dialect)
                self._check_repair(before, after)
                self.calls[p] = after
                yield ev.CallRepaired(ex.now(), p, before.text or _text(before),
                                      after.text or _text(after), self.repairer.source)
        except OrchError as err:
            yield ev.RecoveryFailed(ex.now(), str(err))
            # The failures stand: their descendants are skipped, and every other call goes on,
            # among them those cleared by halt() and those made ready while recovery waited.
            policy.halted = False
            for c in failed:
                pending.extend(policy.skip_descendants(c))
            pending.extend(policy.on_resume([], cleared))
            for name in turns_done:  # continued now that the policy runs again
                pending.extend(policy.on_turn_done(name))
            pending.extend(policy.maybe_finish())
            return False
        self.recovered.update(plan.reset)
        for c in plan.reset:
            st.results.pop(c, None)
            st.status.pop(c, None)
            st.errors.pop(c, None)
            st.said_waiting.pop(c, None)
        for c in self.frg.ids:
            if st.status.get(c) == "skipped":
                del st.status[c]
        pending.extend(policy.resume(plan.reset, plan.points, cleared))
        for name in turns_done:  # continued now that the policy runs again
            pending.extend(policy.on_turn_done(name))
        return True

    def _check_repair(self, before: Call, after: Call) -> None:
        if after.id != before.id:
            raise OrchError(f"the repair of {before.id} changed its id to {after.id}")
        kinds = self.scenario.kinds
        if after.function not in kinds:
            raise OrchError(f"the repair of {before.id} calls unknown function {after.function}")
        if kinds[after.function] != kinds[before.function]:
            raise OrchError(f"the repair of {before.id} changed the function's kind "
                            f"({before.function} is {kinds[before.function]}, {after.function} "
                            f"is {kinds[after.function]})")
        if set(after.refs) != set(before.refs):
            raise OrchError(f"the repair of {before.id} changed its references: the FRG must "
                            "stay unchanged during runtime recovery")


def _plan_text(frg: FRG) -> str:
    from orchtui.plan.printer import format_plan

    return format_plan(frg.plan)


def _text(call: Call) -> str:
    from orchtui.plan.printer import format_call

    return format_call(call)


def preview(value: Any, limit: int = PREVIEW) -> str:
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception as err:  # a function's result: an int past 4300 digits, a broken __repr__
        text = f"<{type(value).__name__} that cannot be shown: {_one_line(err)}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(err: BaseException) -> str:
    return " ".join(f"{type(err).__name__}: {err}".split())[:300]
