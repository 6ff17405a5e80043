"""LLMCompiler: plan ahead, then eager dataflow: a call starts as soon as it is ready."""

from __future__ import annotations

from orchtui.engine.policies.base import Decision, Submit
from orchtui.engine.policies.rounds import BaselineCompute


class LLMCompiler(BaselineCompute):
    name = "llmcompiler"
    summary = "plan once; each call starts as soon as its inputs are ready (eager dataflow)"

    def first(self) -> list[Decision]:
        return self._dispatch(self.readiness.initial(), "no dependencies")

    def on_arrivals(self, ready: list[str]) -> list[Decision]:
        # LLMCompiler's streaming: the task fetching unit takes a call as soon as it is parsed
        return self._dispatch(ready, "arrived while the plan streams, inputs done")

    def _dispatch(self, calls: list[str], why: str) -> list[Decision]:
        calls = [c for c in calls if self.state[c] == "waiting"]
        if not calls:
            return []
        return [Submit(tuple(calls), f"ready: {why} (task fetching unit, eager dataflow)"),
                *self.launch(calls, "ready")]

    def on_completions(self, made_ready, failed) -> list[Decision]:
        ready = [c for _, calls in made_ready for c in calls]
        done = ", ".join(k for k, _ in made_ready if k)
        out = self.next_serial()
        return out + self._dispatch(ready, f"{done} done" if done else "inputs done")
