"""Streaming dispatch (LLMCompiler's, which LLMOrch lacks): parse the plan while the model is
still writing it and start each call as soon as it is complete and its inputs are done, so that
execution overlaps generation.

`iter_calls` is the incremental parser. A call is complete once the line holding its closing
bracket has ended: the parser's rule that a call ends at its closing bracket means nothing on
later lines can change it. A call that does not parse is only an error once the stream has
moved past it (the next call began, or the stream ended); until then it may still be growing.

`StreamingRun` runs the llmcompiler policy's eager dataflow on a growing graph and emits the
same events as `orchtui.engine.runner.Run`, with two differences a consumer should know:
GraphReady comes once per arriving call and holds only that call (the graph grows; RunRecord
adds the calls up), and PlanReady comes when the stream ends, with the whole text. There is no
recovery here: a call that fails skips its descendants, and a plan that stops parsing ends the
run (calls already started have run: LLMCompiler streams without a safety net too).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from orchtui.engine import events as ev
from orchtui.engine.runner import RunOptions, preview
from orchtui.errors import OrchError, PlanError
from orchtui.executors.base import Executor, Task, TaskFinished, TaskRetried, TaskStarted
from orchtui.llm.backend import ChatBackend, LLMError
from orchtui.llm.extract import plan_text_from_reply
from orchtui.llm.prompts import translation_messages
from orchtui.llm.translate import format_plan_error
from orchtui.plan.binding import BindError, bind_call
from orchtui.plan.model import Call, PlanWarning
from orchtui.plan.parser import parse_plan, starts_call
from orchtui.scenario.model import Scenario


class StreamParser:
    """Feed text as it arrives; get back the calls completed by it, in plan order."""

    def __init__(self, functions: Collection[str] | None = None) -> None:
        self.functions = functions
        self.text = ""
        self.calls: list[Call] = []  # the calls handed out so far
        self.warnings: tuple[PlanWarning, ...] = ()  # what the whole plan was read leniently as
        self._scanned = 0  # length of the text already looked at for complete calls

    def feed(self, piece: str) -> list[Call]:
        self.text += piece
        end = self.text.rfind("\n") + 1
        if end <= self._scanned:
            return []  # no new complete line
        self._scanned = end
        return self._take(self._complete(self.text[:end]))

    def finish(self) -> list[Call]:
        """The stream ended: the rest must parse (raises PlanError)."""
        plan = parse_plan(plan_text_from_reply(self.text), functions=self.functions)
        self.warnings = plan.warnings
        return self._take(list(plan.calls))

    def _take(self, calls: list[Call]) -> list[Call]:
        known = {c.id for c in self.calls}
        for old, new in zip(self.calls, calls, strict=False):
            if old.id != new.id or old != new:
                raise PlanError(f"the streamed plan changed call {old.id} after it started",
                                new.line, new.col)
        fresh = [c for c in calls[len(self.calls):] if c.id not in known]
        self.calls.extend(fresh)
        return fresh

    def _complete(self, text: str) -> list[Call]:
        text = plan_text_from_reply(text)
        try:
            plan = parse_plan(text, functions=self.functions)
        except PlanError as err:
            if "has no function calls" in err.message:
                return []
            # Whatever follows the last call's first line may still be growing: parse what
            # comes before it, which is final.
            lines = text.split("\n")
            starts = [n for n, line in enumerate(lines) if starts_call(line)]
            if not starts:
                return []
            if err.line and err.line < starts[-1] + 1 and not _may_grow(err):
                raise
            if len(starts) < 2:
                return []
            prefix = "\n".join(lines[: starts[-1]])
            try:
                return list(parse_plan(prefix, functions=self.functions).calls)
            except PlanError as err2:
                if _may_grow(err2):
                    return []
                raise
        calls = list(plan.calls)
        # A last call whose brackets the parser closed because the text ended may still be
        # growing (its next line has not arrived): it is complete only once a line follows.
        if calls and any(w.kind == "unclosed" and w.line >= calls[-1].line
                         for w in plan.warnings):
            calls.pop()
        return calls


def _may_grow(err: PlanError) -> bool:
    """Errors that more text could cure: a later call defines the id."""
    return "refers to undefined id" in err.message


def iter_calls(tokens: Iterable[str], functions: Collection[str] | None = None
               ) -> Iterator[Call]:
    """Yield each call of a streamed plan as soon as it is complete. Raises PlanError when the
    plan cannot parse (as soon as that is certain)."""
    parser = StreamParser(functions)
    for piece in tokens:
        yield from parser.feed(piece)
    yield from parser.finish()


# -- the run ------------------------------------------------------------------------------------
class StreamingRun:
    """Eager dataflow over a plan that is still arriving (see the module docstring)."""

    def __init__(self, scenario: Scenario, executor: Executor, options: RunOptions,
                 backend: ChatBackend, temperature: float = 0.0) -> None:
        if not scenario.query.strip():
            raise OrchError("--stream translates the scenario's query, and this scenario has none")
        if executor.mode == "sim":
            # Tokens arrive in wall time; the sim's clock is virtual: their overlap means nothing.
            raise OrchError("--stream measures how execution overlaps generation in real time: "
                            "run it on the real executor, not --sim")
        self.scenario = scenario
        self.executor = executor
        self.options = options
        self.backend = backend
        self.temperature = temperature
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def events(self) -> Iterator[ev.Event]:
        sc, ex, opt = self.scenario, self.executor, self.options
        kinds = sc.kinds
        yield ev.RunStarted(ex.now(), sc.name, "llmcompiler", ex.processors, tuple(ex.cpus),
                            ex.mode, opt.compute, opt.seed, self.backend.label)
        yield ev.TurnStarted(ex.now(), "plan", "translate the query (streamed: each call "
                                               "starts as soon as it is complete)")
        t_plan = ex.now()
        tokens: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        threading.Thread(target=self._read_stream, args=(tokens,), daemon=True,
                         name="orchtui-plan-stream").start()
        parser = StreamParser(list(kinds))
        calls: dict[str, Call] = {}
        ranks: dict[str, int] = {}
        status: dict[str, str] = {}  # waiting, running, done, failed, skipped
        results: dict[str, Any] = {}
        started: dict[str, float] = {}
        serial: deque[str] = deque()  # compute calls queued for the one executor thread
        serial_busy: list[str] = []
        streaming, broken = True, False

        def arrive(call: Call) -> Iterator[ev.Event]:
            calls[call.id] = call
            ranks[call.id] = 1 + max((ranks[r] for r in call.refs), default=0)
            kind = kinds.get(call.function, "inout")
            group = tuple(c for c in calls if kinds.get(calls[c].function) == "compute"
                          and ranks[c] == ranks[call.id] and kind == "compute")
            yield ev.GraphReady(ex.now(), ({
                "id": call.id, "function": call.function, "kind": kind,
                "rank": ranks[call.id], "deps": list(call.refs), "thought": call.thought,
                "text": call.text, "cost": sc.costs.get(call.id, sc.function(call.function).cost),
            },), (group,) if len(group) > 1 else ())
            status[call.id] = "waiting"
            if any(status.get(r) in ("failed", "skipped") for r in call.refs):
                status[call.id] = "skipped"
                yield ev.Skipped(ex.now(), call.id, "depends on a call that failed")

        def ready() -> list[str]:
            return [c for c in calls if status[c] == "waiting"
                    and all(status.get(r) == "done" for r in calls[c].refs)]

        def start(cid: str, processor: int | None, reason: str, pool: bool = False
                  ) -> Iterator[ev.Event]:
            call = calls[cid]
            fn = sc.function(call.function)
            status[cid] = "running"
            yield ev.Dispatched(ex.now(), cid, processor, reason, False, pool)
            try:
                args: tuple[Any, ...] = ()
                kwargs: dict[str, Any] = {}
                if ex.mode != "sim":
                    bound, kwargs = bind_call(call, results)
                    args = tuple(bound)
            except BindError as err:
                status[cid] = "failed"
                yield ev.Failed(ex.now(), cid, str(err))
                yield from skip_after(cid)
                return
            ex.launch(Task(cid, fn.kind, processor=processor, pool=pool,
                           cost=sc.costs.get(cid, fn.cost), function=fn, args=args,
                           kwargs=kwargs))

        def dispatch() -> Iterator[ev.Event]:
            for cid in ready():
                status[cid] = "submitted"
                reason = "arrived and ready: eager dataflow (task fetching unit)"
                yield ev.Scheduled(ex.now(), (cid,), reason)
                if kinds.get(calls[cid].function) != "compute":
                    yield from start(cid, None, f"inout: started at once ({reason})")
                elif opt.compute == "eager":
                    yield from start(cid, None, "compute, started at once unpinned: the OS "
                                                "time-shares all processors", pool=True)
                else:
                    serial.append(cid)
                    if serial_busy:
                        yield ev.Queued(ex.now(), cid, "compute tools run one after another "
                                        f"in the executor's one thread: behind {serial_busy[0]}")
            if serial and not serial_busy:
                cid = serial.popleft()
                serial_busy.append(cid)
                yield from start(cid, 0, "compute runs in the executor's one thread, one call "
                                         "after another: its turn has come")

        def skip_after(cid: str) -> Iterator[ev.Event]:
            todo = [c for c in calls if cid in calls[c].refs]
            while todo:
                c = todo.pop(0)
                if status.get(c) in ("waiting", "submitted"):
                    if c in serial:
                        serial.remove(c)
                    status[c] = "skipped"
                    yield ev.Skipped(ex.now(), c, f"depends on {cid}, which failed")
                    todo += [d for d in calls if c in calls[d].refs]

        while True:
            if self.cancelled:
                yield ev.RunFinished(ex.now(), ex.now(), "cancelled", "")
                return
            idle = not ex.in_flight() and not serial_busy
            while streaming:
                try:
                    # Nothing running: wait for the model. Else take what has come, and go on
                    # watching the calls.
                    what, value = tokens.get(timeout=0.05) if idle else tokens.get_nowait()
                except queue.Empty:
                    break
                idle = False
                try:
                    if what == "text":
                        new = [] if broken else parser.feed(value)
                    elif what == "end":
                        streaming = False
                        new = [] if broken else parser.finish()
                    else:  # the endpoint failed
                        streaming = False
                        raise value
                except (PlanError, LLMError) as err:
                    message = (format_plan_error(err) if isinstance(err, PlanError)
                               else str(err))
                    if not broken:
                        broken = True
                        yield ev.TranslationAttempt(ex.now(), 1, "translate", self.temperature,
                                                    False, message, self.backend.source)
                    new = []
                for call in new:
                    yield from arrive(call)
                if not streaming:
                    yield ev.TurnFinished(ex.now(), "plan", ex.now() - t_plan)
                    if not broken:
                        yield ev.TranslationAttempt(ex.now(), 1, "translate",
                                                    self.temperature, True, None,
                                                    self.backend.source)
                    yield ev.PlanReady(ex.now(), "llm", plan_text_from_reply(parser.text),
                                       tuple(w.to_json() for w in parser.warnings))
            if not broken:
                yield from dispatch()
            if not streaming and not ex.in_flight() and not serial_busy:
                break
            for e in ex.poll(timeout=0.002 if streaming else 0.1):
                if isinstance(e, TaskStarted):
                    started[e.key] = e.t
                    proc = 0 if e.key in serial_busy else None
                    yield ev.Started(e.t, e.key, proc, e.cpu, e.pid, tuple(e.affinity))
                    continue
                if isinstance(e, TaskRetried):  # its Dask worker was lost: it runs again
                    proc = 0 if e.key in serial_busy else None
                    yield ev.Retried(e.t, e.key, proc, e.error, e.attempt, e.retries)
                    continue
                assert isinstance(e, TaskFinished)
                if e.key in serial_busy:
                    serial_busy.remove(e.key)
                if e.ok:
                    status[e.key], results[e.key] = "done", e.value
                    yield ev.Finished(e.t, e.key, e.t - started.get(e.key, e.t),
                                      preview(e.value))
                else:
                    status[e.key] = "failed"
                    yield ev.Failed(e.t, e.key, e.error or "failed")
                    yield from skip_after(e.key)
        ok = not broken and bool(calls) and all(s == "done" for s in status.values())
        sinks = [c for c in calls if not any(c in calls[d].refs for d in calls)]
        answer = "\n".join(preview(results[c], 2000) for c in sinks[-3:] if c in results)
        yield ev.RunFinished(ex.now(), ex.now(), "ok" if ok else "failed", answer if ok else "")

    def _read_stream(self, out: queue.SimpleQueue[tuple[str, Any]]) -> None:
        try:
            for piece in self.backend.stream(translation_messages(self.scenario),
                                             purpose="translate",
                                             temperature=self.temperature):
                out.put(("text", piece))
                if self.cancelled:
                    break
            out.put(("end", None))
        except LLMError as err:
            out.put(("error", err))
