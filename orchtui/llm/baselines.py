"""The baselines with a live model (DESIGN §4): their LLM turns are real model calls, measured.

- `ReActRun`: ReAct's thought / action / observation loop. Each turn the model replies
  `Thought: ...` then `Action: f(args)` (plan syntax, literal arguments) or `Finish: answer`;
  the action runs on the executor and its result comes back as `Observation: ...`.
- `ParallelFCRun`: OpenAI tool calling with `parallel_tool_calls`. Each round's tool calls run
  concurrently (inout at once; compute one after another in one thread as an asyncio executor
  runs blocking tools, or all at once unpinned with --compute eager), their results go back as
  `tool` messages, and the next round waits for all of them (the barrier).

Both emit the events of orchtui.engine.runner.Run: TurnStarted/TurnFinished around each model
call, GraphReady/Scheduled/Dispatched/Started/Finished/Failed for each call as it is decided,
RunFinished with the model's answer. Neither has recovery: a failed call is an observation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from orchtui.engine import events as ev
from orchtui.engine.runner import RunOptions, preview
from orchtui.errors import PlanError
from orchtui.executors.base import Executor, Task, TaskFinished, TaskRetried, TaskStarted
from orchtui.llm.backend import ChatBackend, LLMError, Message
from orchtui.llm.prompts import functions_block
from orchtui.llm.tools import tools_for
from orchtui.llm.translate import format_plan_error
from orchtui.plan.binding import bind_call
from orchtui.plan.parser import parse_plan
from orchtui.scenario.model import Scenario

MAX_TURNS = 24
OBSERVATION_CHARS = 4000  # results go back to the model cut to this length

REACT_SYSTEM = """\
Answer the user's query by calling functions one at a time. Each turn, reply with exactly:
Thought: <what you know and what you need next>
Action: <one function call, e.g. search("Texas")>
You will get `Observation: <its result>`. When you can answer, reply:
Thought: <why>
Finish: <the answer>
Use only these functions, with literal arguments (copy the numbers you need from the \
observations):
{functions}"""

PFC_SYSTEM = """\
Answer the user's query with the tools. Call the tools whose inputs you already have in \
parallel, in one reply. When you have what you need, answer in plain text."""

_ACTION = re.compile(r"^\s*Action\s*(?:\d+)?\s*:\s*(.+)$", re.M)
_FINISH = re.compile(r"^\s*(?:Finish|Final Answer)\s*:\s*(.*)", re.M | re.S)
_THOUGHT = re.compile(r"^\s*Thought\s*:\s*(.+)$", re.M)


class _LoopRun:
    """What both loops share: launching a call and watching the executor."""

    policy = ""

    def __init__(self, scenario: Scenario, executor: Executor, options: RunOptions,
                 backend: ChatBackend, max_turns: int = MAX_TURNS) -> None:
        self.scenario = scenario
        self.executor = executor
        self.options = options
        self.backend = backend
        self.max_turns = max_turns
        self.cancelled = False
        self.n = 0  # calls made so far: they are s1, s2, ...
        self.started: dict[str, float] = {}
        self.status: dict[str, str] = {}
        self.fn_of: dict[str, str] = {}  # call id -> function
        self.where: dict[str, int | None] = {}  # call id -> processor it was dispatched to
        self.texts: dict[str, str] = {}  # call id -> the call as the model wrote it
        # declared calls not yet launched: (id, function spec, args, kwargs)
        self.pending: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = []
        self.results: dict[str, tuple[bool, Any]] = {}

    def cancel(self) -> None:
        self.cancelled = True

    def _begin(self) -> ev.RunStarted:
        ex = self.executor
        return ev.RunStarted(ex.now(), self.scenario.name, self.policy, ex.processors,
                             tuple(ex.cpus), ex.mode, self.options.compute, self.options.seed,
                             self.backend.label)

    def _ask(self, turn: str, purpose: str, messages: Sequence[Message],
             tools: list[dict[str, Any]] | None = None) -> Iterator[ev.Event]:
        """One model turn; its reply is left in self.reply."""
        ex = self.executor
        t = ex.now()
        yield ev.TurnStarted(t, turn, purpose)
        self.reply = self.backend.complete(messages, purpose=self.policy, tools=tools)
        yield ev.TurnFinished(ex.now(), turn, ex.now() - t)

    def _call(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any], text: str,
              rank: int, thought: str | None, why: str) -> Iterator[ev.Event]:
        """Declare the call (GraphReady), then start it."""
        ex, sc = self.executor, self.scenario
        self.n += 1
        cid = f"s{self.n}"
        fn = sc.function(function)
        yield ev.GraphReady(ex.now(), ({
            "id": cid, "function": function, "kind": fn.kind, "rank": rank, "deps": [],
            "thought": thought, "text": text, "cost": fn.cost},), ())
        yield ev.Scheduled(ex.now(), (cid,), why)
        self.status[cid] = "submitted"
        self.fn_of[cid] = function
        self.pending.append((cid, fn, args, kwargs))
        self.texts[cid] = text

    def _launch(self, cid: str, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                processor: int | None, pool: bool, reason: str) -> ev.Event:
        self.status[cid] = "running"
        self.where[cid] = processor
        self.executor.launch(Task(cid, fn.kind, processor=processor, pool=pool, cost=fn.cost,
                                  function=fn, args=args, kwargs=kwargs))
        return ev.Dispatched(self.executor.now(), cid, processor, reason, False, pool)

    def _watch(self, results: dict[str, tuple[bool, Any]]) -> Iterator[ev.Event]:
        for e in self.executor.poll(timeout=0.1):
            if isinstance(e, TaskStarted):
                self.started[e.key] = e.t
                yield ev.Started(e.t, e.key, self.where.get(e.key), e.cpu, e.pid,
                                 tuple(e.affinity))
            elif isinstance(e, TaskRetried):  # its Dask worker was lost: it runs again
                yield ev.Retried(e.t, e.key, self.where.get(e.key), e.error, e.attempt,
                                 e.retries)
            elif isinstance(e, TaskFinished):
                d = e.t - self.started.get(e.key, e.t)
                results[e.key] = (e.ok, e.value if e.ok else e.error)
                self.status[e.key] = "done" if e.ok else "failed"
                yield (ev.Finished(e.t, e.key, d, preview(e.value)) if e.ok
                       else ev.Failed(e.t, e.key, e.error or "failed"))

    def _end(self, status: str, answer: str) -> ev.RunFinished:
        ex = self.executor
        return ev.RunFinished(ex.now(), ex.now(), status, answer)


def observation(ok: bool, value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text if ok else f"Error: {value}"
    return text if len(text) <= OBSERVATION_CHARS else text[:OBSERVATION_CHARS] + " …"


class ReActRun(_LoopRun):
    policy = "react"

    def events(self) -> Iterator[ev.Event]:
        sc, ex = self.scenario, self.executor
        yield self._begin()
        names = [f.name for f in sc.functions]
        messages: list[Message] = [
            {"role": "system", "content": REACT_SYSTEM.format(
                functions=functions_block(sc.functions))},
            {"role": "user", "content": f"Query: {' '.join(sc.query.split())}"},
        ]
        for turn in range(1, self.max_turns + 1):
            if self.cancelled:
                yield self._end("cancelled", "")
                return
            try:
                yield from self._ask(f"think:{turn}", "ReAct: think, then act or finish",
                                     messages)
            except LLMError as err:
                yield ev.RecoveryFailed(ex.now(), str(err))
                yield self._end("failed", "")
                return
            text = self.reply.text
            messages.append({"role": "assistant", "content": text})
            action = _ACTION.search(text)
            finish = _FINISH.search(text)
            if finish and (not action or finish.start() < action.start()):
                ok = bool(self.status) and all(s == "done" for s in self.status.values())
                yield self._end("ok" if ok or not self.status else "failed",
                                finish.group(1).strip())
                return
            if not action:
                messages.append({"role": "user", "content": "Observation: Error: reply with "
                                 "`Action: f(args)` or `Finish: answer`."})
                continue
            thought = _THOUGHT.search(text)
            try:
                call = parse_plan(f"s{self.n + 1}: {action.group(1).strip()}",
                                  functions=names).calls[0]
                if call.refs:
                    raise PlanError("use literal arguments: copy the values from the "
                                    "observations")
                args, kwargs = bind_call(call, {})
            except Exception as err:  # a bad action is an observation for the model
                problem = format_plan_error(err) if isinstance(err, PlanError) else str(err)
                if "undefined id" in problem or "its own result" in problem:
                    problem += " (ReAct actions take literal arguments: copy the values from " \
                               "the observations)"
                messages.append({"role": "user", "content": f"Observation: Error: {problem}"})
                continue
            yield from self._call(call.function, tuple(args), kwargs, action.group(1).strip(),
                                  turn, thought.group(1).strip() if thought else None,
                                  "ReAct: the action the model chose, alone")
            cid, fn, a, kw = self.pending.pop()
            where = 0 if fn.kind == "compute" else None
            yield self._launch(cid, fn, a, kw, where, False, "ReAct: one call at a time, " + (
                "on processor 0" if where == 0 else "inout"))
            results: dict[str, tuple[bool, Any]] = {}
            while cid not in results:
                if self.cancelled:
                    yield self._end("cancelled", "")
                    return
                yield from self._watch(results)
            ok, value = results[cid]
            messages.append({"role": "user", "content": f"Observation: {observation(ok, value)}"})
        yield self._end("failed", "")


class ParallelFCRun(_LoopRun):
    policy = "parallelfc"

    def events(self) -> Iterator[ev.Event]:
        sc, ex = self.scenario, self.executor
        yield self._begin()
        tools = tools_for(sc)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": PFC_SYSTEM},
            {"role": "user", "content": " ".join(sc.query.split())},
        ]
        for k in range(1, self.max_turns + 1):
            if self.cancelled:
                yield self._end("cancelled", "")
                return
            try:
                yield from self._ask(f"round:{k}", f"parallel function calling: round {k}",
                                     messages, tools)
            except LLMError as err:
                yield ev.RecoveryFailed(ex.now(), str(err))
                yield self._end("failed", "")
                return
            reply = self.reply
            if not reply.tool_calls:
                ok = all(s == "done" for s in self.status.values())
                yield self._end("ok" if ok else "failed", reply.text.strip())
                return
            messages.append({"role": "assistant", "content": reply.text or None,
                             "tool_calls": [{"id": tc.id, "type": "function", "function": {
                                 "name": tc.name, "arguments": tc.arguments}}
                                 for tc in reply.tool_calls]})
            answers: dict[str, str] = {}
            ids: dict[str, str] = {}  # tool call id -> our call id
            for tc in reply.tool_calls:
                try:
                    kwargs = json.loads(tc.arguments or "{}")
                    if not isinstance(kwargs, dict):
                        raise ValueError("the arguments must be a JSON object")
                    sc.function(tc.name)
                except KeyError:
                    answers[tc.id] = f"Error: no tool named {tc.name}"
                    continue
                except ValueError as err:
                    answers[tc.id] = f"Error: bad arguments: {err}"
                    continue
                ids[tc.id] = f"s{self.n + 1}"
                shown = ", ".join(f"{a}={v!r}" for a, v in kwargs.items())
                yield from self._call(tc.name, (), kwargs, f"{tc.name}({shown})", k, None,
                                      f"round {k}: the tool calls of one model reply run "
                                      "together; the next round waits for all (barrier)")
            yield from self._run_round(k)
            for tc in reply.tool_calls:
                if tc.id in ids:
                    ok, value = self.results[ids[tc.id]]
                    answers[tc.id] = observation(ok, value)
                messages.append({"role": "tool", "tool_call_id": tc.id,
                                 "content": answers[tc.id]})
            if self.cancelled:
                yield self._end("cancelled", "")
                return
        yield self._end("failed", "")

    def _run_round(self, k: int) -> Iterator[ev.Event]:
        self.results: dict[str, tuple[bool, Any]] = {}
        serial = [p for p in self.pending if p[1].kind == "compute"
                  and self.options.compute != "eager"]
        for cid, fn, args, kwargs in self.pending:
            if fn.kind != "compute":
                yield self._launch(cid, fn, args, kwargs, None, False,
                                   f"inout: started at once (round {k})")
            elif self.options.compute == "eager":
                yield self._launch(cid, fn, args, kwargs, None, True,
                                   "compute, started at once unpinned: the OS time-shares "
                                   "all processors")
        for cid, *_ in serial[1:]:
            yield ev.Queued(self.executor.now(), cid, "compute tools run one after another "
                            "in the executor's one thread (asyncio)")
        want = {p[0] for p in self.pending}
        self.pending = []
        running_serial: str | None = None
        while not want <= set(self.results):
            if (running_serial is None or running_serial in self.results) and serial:
                cid, fn, args, kwargs = serial.pop(0)
                running_serial = cid
                yield self._launch(cid, fn, args, kwargs, 0, False,
                                   "compute runs in the executor's one thread, one call "
                                   "after another: its turn has come")
            if self.cancelled:
                return
            yield from self._watch(self.results)
