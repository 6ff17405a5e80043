"""The model's side of live turns (orchtui.engine.runner.TurnTaker): each turn is one model
call, asked in the paradigm's own words. The run loop is the runner's; these only build the
messages, call the model and read its reply.

- `ReActAgent`: ReAct's Thought / Action / Observation. Each turn the model replies
  `Thought: ...` then `Action: f(args)` (plan syntax, literal arguments) or `Finish: answer`.
- `ToolCallingAgent`: OpenAI tool calling with `parallel_tool_calls`: a reply's tool calls are
  one round; their results go back as `tool` messages.
- `Answerer`: a plan-ahead run's answer turn, composing the answer from the results.
"""

from __future__ import annotations

import json
import re
from typing import Any

from orchtui.engine.runner import Outcome, TurnReply
from orchtui.errors import OrchError, PlanError
from orchtui.llm.backend import ChatBackend, LLMError, Message
from orchtui.llm.prompts import functions_block
from orchtui.llm.tools import Loader, tools_for
from orchtui.llm.translate import format_plan_error
from orchtui.plan.model import Call, Lit
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

ANSWER_SYSTEM = """\
You answered a query by running a plan of function calls. Given the query and the results of \
the plan's last calls, state the answer in one or two sentences."""

_ACTION = re.compile(r"^\s*Action\s*(?:\d+)?\s*:\s*(.+)$", re.M)
_FINISH = re.compile(r"^\s*(?:Finish|Final Answer)\s*:\s*(.*)", re.M | re.S)
_THOUGHT = re.compile(r"^\s*Thought\s*:\s*(.+)$", re.M)


def observation(ok: bool, value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text if ok else f"Error: {value}"
    return text if len(text) <= OBSERVATION_CHARS else text[:OBSERVATION_CHARS] + " …"


class _Agent:
    plans = True
    purpose = ""

    def __init__(self, scenario: Scenario, backend: ChatBackend,
                 max_turns: int = MAX_TURNS) -> None:
        self.scenario = scenario
        self.backend = backend
        self.max_turns = max_turns
        self.turns = 0
        self.n = 0  # calls named so far: they are s1, s2, ...

    def _complete(self, messages: list[Message], tools: list[dict[str, Any]] | None = None):
        self.turns += 1
        if self.turns > self.max_turns:
            raise OrchError(f"the model gave no answer in {self.max_turns} turns")
        try:
            return self.backend.complete(messages, purpose=self.purpose, tools=tools)
        except LLMError as err:
            raise OrchError(f"{self.purpose} turn failed: {err}") from None

    def _next_id(self) -> str:
        self.n += 1
        return f"s{self.n}"


class ReActAgent(_Agent):
    purpose = "react"

    def __init__(self, scenario: Scenario, backend: ChatBackend,
                 max_turns: int = MAX_TURNS) -> None:
        super().__init__(scenario, backend, max_turns)
        self.names = [f.name for f in scenario.functions]
        self.messages: list[Message] = [
            {"role": "system", "content": REACT_SYSTEM.format(
                functions=functions_block(scenario.functions))},
            {"role": "user", "content": f"Query: {' '.join(scenario.query.split())}"},
        ]

    def take(self, turn: str, purpose: str, outcomes: list[Outcome]) -> TurnReply:
        for o in outcomes:
            self.messages.append({"role": "user",
                                  "content": f"Observation: {observation(o.ok, o.value)}"})
        text = self._complete(self.messages).text
        self.messages.append({"role": "assistant", "content": text})
        action = _ACTION.search(text)
        finish = _FINISH.search(text)
        if finish and (not action or finish.start() < action.start()):
            return TurnReply(answer=finish.group(1).strip())
        if not action:
            return self._problem("reply with `Action: f(args)` or `Finish: answer`.")
        thought = _THOUGHT.search(text)
        cid = f"s{self.n + 1}"
        try:
            call = parse_plan(f"{cid}: {action.group(1).strip()}", functions=self.names).calls[0]
        except PlanError as err:
            problem = format_plan_error(err)
            if "undefined id" in problem or "its own result" in problem:
                problem += (" (ReAct actions take literal arguments: copy the values from the "
                            "observations)")
            return self._problem(problem)
        if call.refs:
            return self._problem("use literal arguments: copy the values from the "
                                 "observations (ReAct actions take literal arguments)")
        self.n += 1
        return TurnReply(calls=(Call(call.id, call.function, call.args, call.kwargs, (),
                                     thought.group(1).strip() if thought else None,
                                     text=action.group(1).strip()),))

    def _problem(self, problem: str) -> TurnReply:
        """A bad action is an observation for the model: it is asked again."""
        self.messages.append({"role": "user", "content": f"Observation: Error: {problem}"})
        return TurnReply()


class ToolCallingAgent(_Agent):
    purpose = "parallelfc"

    def __init__(self, scenario: Scenario, backend: ChatBackend,
                 max_turns: int = MAX_TURNS, load: Loader | None = None) -> None:
        super().__init__(scenario, backend, max_turns)
        self.tools = tools_for(scenario, load)
        self.messages: list[dict[str, Any]] = [
            {"role": "system", "content": PFC_SYSTEM},
            {"role": "user", "content": " ".join(scenario.query.split())},
        ]
        self.asked: list[tuple[str, str | None]] = []  # last round: (tool call id, our id)
        self.answers: dict[str, str] = {}  # tool call id -> its answer, when known at once

    def take(self, turn: str, purpose: str, outcomes: list[Outcome]) -> TurnReply:
        got = {o.call: observation(o.ok, o.value) for o in outcomes}
        for tc_id, cid in self.asked:  # the last round's results, in the order asked
            content = got.get(cid, "Error: no result") if cid else self.answers[tc_id]
            self.messages.append({"role": "tool", "tool_call_id": tc_id, "content": content})
        self.asked, self.answers = [], {}
        reply = self._complete(self.messages, self.tools)
        if not reply.tool_calls:
            return TurnReply(answer=reply.text.strip())
        self.messages.append({"role": "assistant", "content": reply.text or None,
                              "tool_calls": [{"id": tc.id, "type": "function", "function": {
                                  "name": tc.name, "arguments": tc.arguments}}
                                  for tc in reply.tool_calls]})
        calls: list[Call] = []
        for tc in reply.tool_calls:
            try:
                kwargs = json.loads(tc.arguments or "{}")
                if not isinstance(kwargs, dict):
                    raise ValueError("the arguments must be a JSON object")
                self.scenario.function(tc.name)
            except KeyError:
                self._refuse(tc.id, f"Error: no tool named {tc.name}")
                continue
            except ValueError as err:
                self._refuse(tc.id, f"Error: bad arguments: {err}")
                continue
            cid = self._next_id()
            shown = ", ".join(f"{a}={v!r}" for a, v in kwargs.items())
            calls.append(Call(cid, tc.name, (), tuple((k, Lit(v)) for k, v in kwargs.items()),
                              (), None, text=f"{tc.name}({shown})"))
            self.asked.append((tc.id, cid))
        return TurnReply(calls=tuple(calls))

    def _refuse(self, tc_id: str, answer: str) -> None:
        self.asked.append((tc_id, None))
        self.answers[tc_id] = answer


class Answerer:
    """A plan-ahead run's answer turn: one model call, from the query and the results."""

    plans = False

    def __init__(self, scenario: Scenario, backend: ChatBackend) -> None:
        self.scenario = scenario
        self.backend = backend

    def take(self, turn: str, purpose: str, outcomes: list[Outcome]) -> TurnReply:
        results = "\n".join(f"{o.call}: {observation(o.ok, o.value)}" for o in outcomes)
        messages: list[Message] = [
            {"role": "system", "content": ANSWER_SYSTEM},
            {"role": "user", "content": f"Query: {' '.join(self.scenario.query.split())}\n"
                                        f"Results:\n{results}\nAnswer:"}]
        try:
            reply = self.backend.complete(messages, purpose="answer")
        except LLMError as err:
            raise OrchError(f"answer turn failed: {err}") from None
        return TurnReply(answer=reply.text.strip())
