"""ReAct: one call at a time in plan order, with an LLM turn (thought) before each.

With a recorded plan the thought before each call is a modelled turn. Live (the plan grows from
the model's turns), each thought is a real model turn that names the next call, or answers."""

from __future__ import annotations

from orchtui.engine.policies.base import Decision, Policy


class ReAct(Policy):
    name = "react"
    summary = "one call at a time, in plan order; a thought (LLM turn) before each call"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cursor = 0  # plan order: calls before it are settled
        self.thoughts = 0  # live: model turns taken so far

    def begin(self) -> list[Decision]:  # ReAct plans nothing ahead: it starts thinking
        self.accepting = True
        return self._next()

    def on_completions(self, made_ready, failed) -> list[Decision]:
        return self._next()

    def on_resume(self, points, cleared) -> list[Decision]:
        self.cursor = 0
        return self._next()

    def _next(self) -> list[Decision]:
        if self.n_running() or self.counts["submitted"]:
            return []
        order = self.frg.order
        while self.cursor < len(order) and self.state[order[self.cursor]] != "waiting":
            self.cursor += 1
        if self.growing == "turns":
            return self._next_live(order)
        if self.cursor == len(order):
            return []
        c = order[self.cursor]
        self.set_state(c, "submitted")

        def act() -> list[Decision]:
            where = "on cpu slot 0" if self.frg.is_compute(c) else "(inout)"
            return [self.start(c, 0, f"ReAct: the next call in plan order, alone {where}")]

        return self.turn(f"think:{c}", f"ReAct: reason about the last observation, pick {c}", act)

    def _next_live(self, order: tuple[str, ...]) -> list[Decision]:
        if self.cursor < len(order):
            # the call the last thought chose (a repaired one, after recovery): run it alone
            c = order[self.cursor]
            where = "on cpu slot 0" if self.frg.is_compute(c) else "(inout)"
            return [self.start(c, 0, f"ReAct: the action the model chose, alone {where}")]
        if not self.plan_open:
            return self.maybe_finish()
        self.thoughts += 1
        return self.turn(f"think:{self.thoughts}",
                         "ReAct: think about the last observation, then act or finish",
                         self._next)
