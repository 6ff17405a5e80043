"""`orchtui replay` on malformed, huge, torn and hostile traces (issue 14, items 10 and 13).

Every bad trace exits 2 with one `FILE:LINE: message` line and no traceback; a trace cut short
mid-line replays up to the torn line with a warning; /dev/zero and a FIFO are refused at once;
and whatever the reader accepts, everything that shows a run (the record, the JSON summary, the
Chrome trace, the TUI's lanes and log lines) takes without raising.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
import threading
from pathlib import Path

import pytest
from fault_scenarios.harness import ROOT, orchtui_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchtui.engine import events as ev
from orchtui.engine import trace_reader
from orchtui.engine.record import RunRecord
from orchtui.engine.session import make_run
from orchtui.engine.trace import chrome_trace, drain
from orchtui.engine.trace_reader import read_trace
from orchtui.errors import OrchError
from orchtui.scenario.loader import find_scenario, load_scenario
from orchtui.tui.describe import decision_line, recovery_line
from orchtui.tui.lane_model import LaneModel

POLICIES = ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path")
LOCATED = re.compile(r"orchtui: (?P<file>.+?):(?P<line>\d+):(?:\d+:)? \S.*")


def sim_events(name: str = "seo_audit", policy: str = "llmorch") -> list[ev.Event]:
    run = make_run(load_scenario(find_scenario(name)), "sim", policy)
    try:
        return drain(run.events())
    finally:
        run.executor.close()


def lines_of(events: list[ev.Event]) -> list[str]:
    return [ev.event_to_line(e) for e in events]


def write(path: Path, lines: list[str], end: str = "\n") -> Path:
    path.write_text("\n".join(lines) + end, encoding="utf-8")
    return path


def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*orchtui_command(), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def shown_everywhere(events: list[ev.Event]) -> None:
    """Everything that shows a run, fed these events: none may raise."""
    rec = RunRecord.from_events(events)
    json.dumps(rec.to_json())
    rec.lower_bound()
    json.dumps(chrome_trace(events))
    started = events[0]
    assert isinstance(started, ev.RunStarted)
    lanes = LaneModel(started.cpus, labels=started.lanes)
    live = RunRecord()
    for e in events:
        e = ev.inert_event(e)
        live.apply(e)
        lanes.observe(e, live)
        decision_line(e, live.cpus, {c: r.kind for c, r in live.calls.items()})
        recovery_line(e)
    lanes.rows()


# -- valid traces -----------------------------------------------------------------------------
@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_round_trips(tmp_path: Path, policy: str) -> None:
    lines = lines_of(sim_events("parallelqa_83", policy))
    read = read_trace(write(tmp_path / "t.jsonl", lines))
    assert lines_of(read.events) == lines and read.warnings == []
    shown_everywhere(read.events)


def test_torn_last_line_replays_what_came_before(tmp_path: Path) -> None:
    lines = lines_of(sim_events())
    torn = write(tmp_path / "torn.jsonl", [*lines[:-1], lines[-1][: len(lines[-1]) // 2]],
                 end="")
    done = cli("replay", str(torn), "--headless")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "seo_audit"
    [warning] = done.stderr.splitlines()
    assert warning.startswith(f"orchtui: warning: {torn}:{len(lines)}: ")
    assert "incomplete" in warning


# -- bad traces -------------------------------------------------------------------------------
def corrupt(lines: list[str], n: int, change) -> list[str]:
    data = json.loads(lines[n])
    change(data)
    return [*lines[:n], json.dumps(data), *lines[n + 1:]]


def bad_traces() -> dict[str, tuple[list[str], int]]:
    """name -> (lines, the line the error must name)."""
    lines = lines_of(sim_events())
    kinds = [json.loads(x)["event"] for x in lines]
    fin = kinds.index("Finished")
    disp = kinds.index("Dispatched")
    graph = kinds.index("GraphReady")
    return {
        "t is text": (corrupt(lines, fin, lambda d: d.update(t="soon")), fin + 1),
        "NaN": ([*lines[:fin], lines[fin].replace('"duration": ', '"duration": NaN, "x": '),
                 *lines[fin + 1:]], fin + 1),
        "Infinity": (corrupt(lines, fin, lambda d: d.update(duration=1e400)), fin + 1),
        "missing field": (corrupt(lines, fin, lambda d: d.pop("call")), fin + 1),
        "unknown field": (corrupt(lines, fin, lambda d: d.update(extra=1)), fin + 1),
        "unknown event": (corrupt(lines, fin, lambda d: d.update(event="Explode")), fin + 1),
        "no event": (corrupt(lines, fin, lambda d: d.pop("event")), fin + 1),
        "deep nesting": ([*lines[:fin], '{"event": "Finished", "t": 1, "call": "s1", '
                          '"duration": 1, "preview": ' + "[" * 100_000 + "]" * 100_000 + "}",
                          *lines[fin + 1:]], fin + 1),
        "nested preview": (corrupt(lines, fin, lambda d: d.update(preview=[[["x"]]])), fin + 1),
        "unknown call": (corrupt(lines, fin, lambda d: d.update(call="s99")), fin + 1),
        "processor out of range": (corrupt(lines, disp, lambda d: d.update(processor=10**6)),
                                   disp + 1),
        "negative time": (corrupt(lines, fin, lambda d: d.update(t=-5)), fin + 1),
        "bool for int": (corrupt(lines, 0, lambda d: d.update(processors=True)), 1),
        "no RunStarted first": (lines[1:], 1),
        "dep on a later call": (corrupt(lines, graph, lambda d: d["calls"][0].update(
            deps=[d["calls"][-1]["id"]])), graph + 1),
        "call kind": (corrupt(lines, graph, lambda d: d["calls"][0].update(kind="gpu")),
                      graph + 1),
        "not JSON mid-file": ([*lines[:3], "{not json", *lines[3:]], 4),
        "a list, not an event": ([*lines[:3], "[1, 2]", *lines[3:]], 4),
        "huge int": (corrupt(lines, 0, lambda d: d.update(processors=10**400)), 1),
    }


BAD = bad_traces()


@pytest.mark.parametrize("name", list(BAD))
def test_bad_trace_is_one_located_line(tmp_path: Path, name: str) -> None:
    lines, at = BAD[name]
    path = write(tmp_path / "bad.jsonl", lines)
    with pytest.raises(OrchError) as info:
        read_trace(path)
    assert str(info.value).startswith(f"{path}:{at}:"), str(info.value)
    assert "\n" not in str(info.value)


def test_bad_traces_through_the_cli(tmp_path: Path) -> None:
    for name in ("t is text", "deep nesting", "unknown event", "processor out of range"):
        lines, at = BAD[name]
        path = write(tmp_path / f"{name.replace(' ', '_')}.jsonl", lines)
        done = cli("replay", str(path), "--headless")
        assert done.returncode == 2, (name, done.stderr)
        assert done.stdout == "" and "Traceback" not in done.stderr
        [line] = done.stderr.splitlines()
        m = LOCATED.fullmatch(line)
        assert m and m["file"] == str(path) and int(m["line"]) == at, line


def test_an_empty_trace_is_refused(tmp_path: Path) -> None:
    done = cli("replay", str(write(tmp_path / "empty.jsonl", [], end="")), "--headless")
    assert done.returncode == 2 and "no events" in done.stderr


def test_a_line_past_the_bound_is_refused(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trace_reader, "MAX_LINE_BYTES", 4096)
    lines = lines_of(sim_events())
    path = write(tmp_path / "long.jsonl", [lines[0], "x" * 10_000, *lines[1:]])
    with pytest.raises(OrchError, match=rf"^{re.escape(str(path))}:2: line longer than"):
        read_trace(path)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused_at_once() -> None:
    done = cli("replay", "/dev/zero", "--headless", timeout=10)
    assert done.returncode == 2
    assert done.stderr.strip() == ("orchtui: /dev/zero: cannot read the trace: a character "
                                   "device, not a regular file")


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "trace.fifo"
    os.mkfifo(fifo)
    for args in (["replay", str(fifo), "--headless"], ["plan", str(fifo)],
                 ["scenario", str(fifo), "--headless", "--sim"]):
        done = cli(*args, timeout=10)  # the old code blocked here on open()
        assert done.returncode == 2, (args, done.stderr)
        [line] = done.stderr.splitlines()
        assert "FIFO" in line and "not a regular file" in line, line


def test_a_trace_to_a_fifo_nobody_reads_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    done = cli("scenario", "seo_audit", "--headless", "--sim", "--trace", str(fifo),
               timeout=20)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"orchtui: {fifo}: cannot write the trace: a FIFO"), line


def test_a_trace_to_a_fifo_someone_reads_is_written(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    for _ in range(100):  # the reader has opened its end
        if reader.is_alive():
            break
    threading.Event().wait(0.2)
    done = cli("scenario", "seo_audit", "--headless", "--sim", "--trace", str(fifo),
               timeout=20)
    reader.join(10)
    assert done.returncode == 0, done.stderr
    assert got and got[0].count(b"\n") > 10


# -- whatever is accepted can be shown ---------------------------------------------------------
VALID = lines_of(sim_events("parallelqa_83", "llmorch"))
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                   st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
                   st.lists(st.integers(-3, 3), max_size=3), st.just("s1"), st.just(-1),
                   st.just(0), st.just(10**9), st.dictionaries(st.text(max_size=5),
                                                               st.integers(), max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_traces_are_refused_or_shown(tmp_path: Path, data: st.DataObject) -> None:
    lines = list(VALID)
    for _ in range(data.draw(st.integers(1, 3))):
        n = data.draw(st.integers(0, len(lines) - 1))
        obj = json.loads(lines[n])
        target = obj
        calls = obj.get("calls")  # an earlier round may have mutated it into anything
        if (obj.get("event") == "GraphReady" and isinstance(calls, list) and calls
                and data.draw(st.booleans())):
            target = calls[data.draw(st.integers(0, len(calls) - 1))]
        if not isinstance(target, dict) or not target:
            continue
        key = data.draw(st.sampled_from(sorted(target)))
        target[key] = data.draw(VALUES)
        lines[n] = json.dumps(target if target is obj else obj)
    path = write(tmp_path / "m.jsonl", lines)
    try:
        read = read_trace(path)
    except OrchError as err:
        assert re.match(rf"{re.escape(str(path))}(:\d+:|: )", str(err)), str(err)
        return
    shown_everywhere(read.events)


def accepted_mutations(count: int, seed: int, folder: Path) -> list[list[ev.Event]]:
    """Traces the reader accepts although one of their values was changed at random."""
    rnd = random.Random(seed)
    values = [None, True, 0, -1, 1, 3, 10**9, 0.0, 1e9, "", "s1", "x" * 500, "\x1b[2J",
              [], ["s1"], {}]
    out: list[list[ev.Event]] = []
    while len(out) < count:
        lines = list(VALID)
        n = rnd.randrange(len(lines))
        obj = json.loads(lines[n])
        target = rnd.choice(obj["calls"]) if obj["event"] == "GraphReady" else obj
        target[rnd.choice(sorted(target))] = rnd.choice(values)
        lines[n] = json.dumps(obj)
        try:
            out.append(read_trace(write(folder / "a.jsonl", lines)).events)
        except OrchError:
            continue
    return out


@pytest.mark.anyio
async def test_the_tui_replays_whatever_the_reader_accepts(tmp_path: Path) -> None:
    from orchtui.tui.app import AppOptions, OrchApp

    for events in accepted_mutations(6, seed=14, folder=tmp_path):
        app = OrchApp(None, AppOptions(step=True, threaded=False, speed=math.inf),
                      replay=events)
        async with app.run_test(size=(120, 36)) as pilot:
            app.show_all()
            await pilot.pause()
            await pilot.press("tab", "down", "down")
            await pilot.pause()
            assert app.error is None, app.error


