"""OpenAI parallel function calling: rounds with a barrier, an LLM turn before each round."""

from __future__ import annotations

from orchtui.engine.policies.base import Decision, Submit
from orchtui.engine.policies.rounds import BaselineCompute


class ParallelFC(BaselineCompute):
    name = "parallelfc"
    summary = "rounds of every call ready at the round's start; the next round waits for all"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.round = 0
        self.round_left = 0  # calls of the current round not yet settled

    def begin(self) -> list[Decision]:
        return self._round()

    def _round(self) -> list[Decision]:
        ready = self.ready_waiting()
        if not ready:
            return []
        self.round += 1
        k = self.round
        self.round_left = len(ready)
        for c in ready:
            self.set_state(c, "submitted")

        def launch() -> list[Decision]:
            why = f"round {k}"
            return [Submit(tuple(ready), f"round {k}: every call ready at the round's start; "
                                         "the next round waits for all of them (barrier)"),
                    *self.launch(ready, why)]

        return self.turn(f"round:{k}", f"parallel function calling: request round {k}", launch)

    def on_events(self, done, failed) -> list[Decision]:
        done, failed = list(done), list(failed)
        self.round_left -= len(done) + len(failed)
        return super().on_events(done, failed)

    def on_completions(self, made_ready, failed) -> list[Decision]:
        out = self.next_serial()
        if self.round_left <= 0:
            out += self._round()
        return out

    def on_resume(self, points, cleared) -> list[Decision]:
        return self._round()
