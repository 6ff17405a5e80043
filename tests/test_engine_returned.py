"""A call's duration is its function's, even when the engine takes the result late (a paused or
paced screen pulls the next event only when it lets the engine run)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.engine.runner import Run, RunOptions
from orchtui.executors.real import RealExecutor
from orchtui.scenario.loader import parse_scenario
from orchtui.tui.lane_model import LaneModel

TESTS = Path(__file__).resolve().parent

SCENARIO = f"""
name: held
processors: 1
policy: llmorch
functions:
  - name: sleep
    kind: compute
    impl: {TESTS / "workerfuncs.py"}:sleep_then_return
    cost: 0.05
plan: |
  s1: sleep(0.2, 1)
  s2: sleep(0.2, s1)
"""


def test_a_result_taken_late_keeps_the_function_s_duration(tmp_path: Path) -> None:
    sc = parse_scenario(SCENARIO, tmp_path / "held.yaml")
    cpu = sorted(os.sched_getaffinity(0))[0]
    run = Run(sc, RealExecutor(sc, (cpu,)), RunOptions(policy="llmorch", processors=1))
    events: list[ev.Event] = []
    try:
        for e in run.events():
            events.append(e)
            if isinstance(e, ev.Started):
                time.sleep(0.5)  # the screen is paused: the engine waits to be pulled
    finally:
        run.executor.close()
    record, lanes = RunRecord(), LaneModel()
    for e in events:
        record.apply(e)
        if isinstance(e, ev.RunStarted):
            lanes = LaneModel(e.cpus, labels=e.lanes)
        lanes.observe(e, record)
    assert record.status == "ok", record.error
    assert [e.t for e in events] == sorted(e.t for e in events)  # the stream stays in order
    started = {e.call: e.t for e in events if isinstance(e, ev.Started)}
    bars = {b.key: b for b in lanes.bars}
    for e in (e for e in events if isinstance(e, ev.Finished)):
        # the worker's stamp of the return, before the engine took it
        assert e.duration < e.t - started[e.call], e
        end = started[e.call] + e.duration
        assert record.calls[e.call].end == end == bars[e.call].end
