"""OpenAI parallel function calling: rounds with a barrier, an LLM turn before each round.

With a recorded plan, a round is every call ready at its start, and its turn is modelled. Live
(the plan grows from the model's turns), each round's turn is a real model reply whose tool
calls are the round."""

from __future__ import annotations

from orchtui.engine.policies.base import Decision, Submit, Wait
from orchtui.engine.policies.rounds import BaselineCompute


class ParallelFC(BaselineCompute):
    name = "parallelfc"
    summary = "rounds of every call ready at the round's start; the next round waits for all"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.round = 0
        self.round_left = 0  # calls of the current round not yet settled
        # calls made ready since the last round started: the next round's calls. Kept as they
        # come, not found by scanning every call at each round (O(calls × rounds): a 10,000-call
        # chain has 10,000 rounds)
        self.ready: dict[str, None] = dict.fromkeys(self.readiness.initial())

    def begin(self) -> list[Decision]:  # no plan ahead: the first round's turn asks for calls
        self.accepting = True
        return self._round()

    def _round(self) -> list[Decision]:
        if self.growing == "turns":
            if not self.plan_open:
                return self.maybe_finish()
            self.round += 1
            return self.turn(f"round:{self.round}",
                             f"parallel function calling: request round {self.round}",
                             self._live_round)
        ready = self._take_ready()
        if not ready:
            return []
        self.round += 1
        k = self.round
        self.round_left = len(ready)
        for c in ready:
            self.set_state(c, "submitted")

        def launch() -> list[Decision]:
            return self._launch_round(ready, k)

        return self.turn(f"round:{k}", f"parallel function calling: request round {k}", launch)

    def _take_ready(self) -> list[str]:
        ready = sorted((c for c in self.ready
                        if self.state[c] == "waiting" and self.readiness.is_ready(c)),
                       key=self.frg.index.__getitem__)
        self.ready.clear()
        return ready

    def _launch_round(self, ready: list[str], k: int) -> list[Decision]:
        return [Submit(tuple(ready), f"round {k}: every call ready at the round's start; "
                                     "the next round waits for all of them (barrier)"),
                *self.launch(ready, f"round {k}")]

    def _live_round(self) -> list[Decision]:
        """Live: the tool calls of the model's reply (they just arrived) are the round."""
        self.ready.update(dict.fromkeys(self.ready_waiting()))
        ready = self._take_ready()
        if not ready:  # no tool call: the model answered (plan closed), or must be asked again
            return self._round()
        self.round_left = len(ready)
        for c in ready:
            self.set_state(c, "submitted")
        return self._launch_round(ready, self.round)

    def on_events(self, done, failed) -> list[Decision]:
        done, failed = list(done), list(failed)
        self.round_left -= len(done) + len(failed)
        return super().on_events(done, failed)

    def on_completions(self, made_ready, failed) -> list[Decision]:
        for _, calls in made_ready:
            self.ready.update(dict.fromkeys(calls))
        out = self.next_serial()
        if self.round_left <= 0:
            return out + self._round()
        # the barrier: a call ready mid-round waits for the model's next round
        return out + [Wait(c, f"{c} is ready, but waits for round {self.round} to end "
                              "(barrier: the model asks for the next calls only then)")
                      for _, calls in made_ready for c in calls]

    def on_resume(self, points, cleared) -> list[Decision]:
        if self.growing == "turns":
            # The repair was the model's new word: the reset calls rejoin the round, which
            # still waits for its calls that recovery left running. No new turn.
            running = self.n_running()
            self.ready.update(dict.fromkeys(self.ready_waiting()))
            ready = self._take_ready()
            if not ready and not running:
                return self._round()
            self.round_left = len(ready) + running
            for c in ready:
                self.set_state(c, "submitted")
            return self._launch_round(ready, self.round) if ready else []
        self.ready.update(dict.fromkeys(self.ready_waiting()))
        return self._round()
