"""A call retried after its worker was lost, from the executor's TaskRetried to what the user
sees: the runner's Retried event, the record, the lanes (the lost attempt ends in ✗ on its
processor, the retry runs on another) and the recovery log. No Dask needed: a sim executor
that loses s1's first attempt stands in for it."""

from __future__ import annotations

from dataclasses import replace

from engine_helpers import scenario

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.engine.runner import Run, RunOptions
from orchtui.executors.base import ExecEvent, Task, TaskFinished, TaskRetried
from orchtui.executors.sim import SimExecutor
from orchtui.tui.describe import recovery_line
from orchtui.tui.lane_model import LaneModel

LOST = "worker lost mid-call: Dask worker 0 (vm/cpu 0, pid 42) died"


class LosesFirstAttempt(SimExecutor):
    """s1's first attempt ends with its worker lost; it runs again on processor 1."""

    def __init__(self, processors: int) -> None:
        super().__init__(processors, 0.0)
        self.tasks: dict[str, Task] = {}
        self.lost = False

    def launch(self, task: Task) -> None:
        self.tasks[task.key] = task
        super().launch(task)

    def poll(self, timeout: float | None = None) -> list[ExecEvent]:
        out: list[ExecEvent] = []
        for e in super().poll(timeout):
            if isinstance(e, TaskFinished) and e.key == "s1" and not self.lost:
                self.lost = True
                out.append(TaskRetried("s1", e.t, LOST, 1, 1))
                super().launch(replace(self.tasks["s1"], processor=1))
                self.started[-1] = replace(self.started[-1], processor=1)
            else:
                out.append(e)
        return out


PLAN = "s1: c()\ns2: c()\ns3: io(s1, s2)\n"


def test_a_retried_call_shows_its_lost_attempt_and_its_retry_elsewhere():
    sc = scenario(PLAN)
    events = list(Run(sc, LosesFirstAttempt(2), RunOptions(policy="llmorch", processors=2))
                  .events())
    assert events[-1].status == "ok"  # type: ignore[attr-defined]
    s1 = [e for e in events if getattr(e, "call", None) == "s1"
          and isinstance(e, ev.Started | ev.Retried | ev.Finished | ev.Failed)]
    assert [type(e).__name__ for e in s1] == ["Started", "Retried", "Started", "Finished"]
    first, retried, second, _ = s1
    assert first.processor == 0 and second.processor == 1
    assert (retried.processor, retried.error, retried.attempt, retried.retries) == (0, LOST, 1, 1)
    assert not any(isinstance(e, ev.Failed) for e in events)

    rec = RunRecord.from_events(events)
    assert rec.calls["s1"].processor == 1 and rec.calls["s1"].retried == (LOST,)
    assert rec.to_json()["calls"][0]["retried"] == [LOST]

    from orchtui.engine.trace import chrome_trace

    spans = [e for e in chrome_trace(events)["traceEvents"] if e.get("ph") == "X"
             and e["name"].startswith("s1 ")]
    assert sorted((e["name"], e["args"]["status"]) for e in spans) == [
        ("s1 c", "done"), ("s1 c (worker lost)", "lost")]

    lanes = LaneModel((0, 1), labels=("vm/cpu 0", "vm/cpu 1"))
    replay = RunRecord()
    for e in events:
        replay.apply(e)
        lanes.observe(e, replay)
    bars = [(lane.name, bar.key, bar.state) for lane in lanes.cpu_lanes
            for row in lane.rows for bar in row]
    assert ("vm/cpu 0", "s1", "lost") in bars and ("vm/cpu 1", "s1", "done") in bars

    line = recovery_line(retried)
    assert line is not None and line.tag == "retry"
    assert line.body.plain == (f"s1 attempt 1 lost: {LOST}; running it again on another worker "
                               "(retry 1 of 1)")


def test_a_lost_bar_ends_in_a_cross():
    from orchtui.tui.components.lanes_view import LanesView
    from orchtui.tui.lane_model import Bar

    view = LanesView()
    view.span, view.now = 10.0, 10.0
    cells = [(" ", None)] * 20
    view._paint(cells, Bar("s1", 0.0, 5.0, "lost"), 0, 20)
    assert "".join(ch for ch, _ in cells[:10]) == "s1       ✗"
    cells = [(" ", None)] * 20
    view._paint(cells, Bar("s1", 0.0, 5.0, "failed"), 0, 20)
    assert "✗" not in "".join(ch for ch, _ in cells)


def test_long_lane_labels_widen_the_label_column_within_a_bound():
    from orchtui.tui.components.lanes_view import LABEL_W, MAX_LABEL_W, LanesView

    view = LanesView()
    long = "node7/worker 40123 (not pinned)"
    view.model = LaneModel((0, 1), labels=("node7/cpu 0", long))
    view.changed()
    assert view.label_w == len(long) + 1 <= MAX_LABEL_W
    view.model = LaneModel((0, 1))
    view.changed()
    assert view.label_w == LABEL_W  # "cpu 0" lanes keep the usual column
