"""A call's duration is its function's, even when the engine takes the result late (a paused or
paced screen pulls the next event only when it lets the engine run)."""

from __future__ import annotations

import json
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


def _held_run(tmp_path: Path, text: str) -> tuple[list[ev.Event], RunRecord, LaneModel]:
    """Run `text` for real, the caller pausing 0.5 s after each start and each turn's start
    (a paused screen), and fold its events into a record and the lanes."""
    sc = parse_scenario(text, tmp_path / "held.yaml")
    cpu = sorted(os.sched_getaffinity(0))[0]
    run = Run(sc, RealExecutor(sc, (cpu,)), RunOptions(policy="llmorch", processors=1))
    events: list[ev.Event] = []
    try:
        for e in run.events():
            events.append(e)
            if isinstance(e, ev.Started | ev.TurnStarted):
                time.sleep(0.5)
    finally:
        run.executor.close()
    record, lanes = RunRecord(), LaneModel()
    for e in events:
        record.apply(e)
        if isinstance(e, ev.RunStarted):
            lanes = LaneModel(e.cpus, labels=e.lanes)
        lanes.observe(e, record)
    return events, record, lanes


def test_a_result_taken_late_keeps_the_function_s_duration(tmp_path: Path) -> None:
    events, record, lanes = _held_run(tmp_path, SCENARIO)
    assert record.status == "ok", record.error
    assert [e.t for e in events] == sorted(e.t for e in events)  # the stream stays in order
    started = {e.call: e.t for e in events if isinstance(e, ev.Started)}
    bars = {b.key: b for b in lanes.bars}
    for e in (e for e in events if isinstance(e, ev.Finished)):
        # the worker's stamp of the return, before the engine took it
        assert e.duration < e.t - started[e.call], e
        end = started[e.call] + e.duration
        assert record.calls[e.call].end == end == bars[e.call].end


FAILING = f"""
name: held_failure
processors: 1
policy: llmorch
llm_turn: 0.1
functions:
  - name: boom
    kind: compute
    impl: {TESTS / "workerfuncs.py"}:raises
    cost: 0.05
  - name: stall
    kind: compute
    impl: {TESTS / "workerfuncs.py"}:hang
    cost: 0.05
    timeout: 0.3
plan: |
  s1: boom("held")
  s2: stall()
"""


def test_a_failure_taken_late_ends_when_the_function_raised(tmp_path: Path) -> None:
    """s1 raises at once: its bar ends then (the worker's stamp), not when the engine took the
    failure. s2 times out: the engine judged that, so it ends at the event's time. A turn
    runs while the screen is paused on its start, as a call does."""
    events, record, lanes = _held_run(tmp_path, FAILING)
    failed = {e.call: e for e in events if isinstance(e, ev.Failed)}
    started = {e.call: e.t for e in events if isinstance(e, ev.Started)}
    assert set(failed) == {"s1", "s2"} and "held" in failed["s1"].error
    bars = {b.key: b for b in lanes.bars}
    raised = failed["s1"]
    assert raised.duration is not None and raised.duration < raised.t - started["s1"]
    end = started["s1"] + raised.duration
    assert record.calls["s1"].end == end == bars["s1"].end
    timed_out = failed["s2"]
    assert timed_out.duration is None and "timed out" in timed_out.error
    assert record.calls["s2"].end == timed_out.t == bars["s2"].end
    # the trace keeps the duration of a raise, and reads it back
    line = ev.event_to_line(raised)
    assert '"duration": ' in line and '"duration"' not in ev.event_to_line(timed_out)
    assert ev.event_from_json(json.loads(line)) == ev.Failed(
        round(raised.t, 6), "s1", raised.error, raised.output, round(raised.duration, 6))
    # the plan turn ran while the caller paused on its start: it took its 0.1 s, not 0.5 s more
    plan = next(e for e in events if isinstance(e, ev.TurnFinished) and e.turn == "plan")
    assert plan.duration < 0.5
