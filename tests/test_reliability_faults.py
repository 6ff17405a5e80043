"""Fault injection in real runs (tests/fault_scenarios/).

Each fault scenario runs two healthy compute calls, one inout call and one faulty call (s4),
plus s5 which uses s4's result. Through the real CLI (`--headless --json --trace`), for each
fault: s4 fails with a clear one-line error, s1-s3 are done, s5 is skipped, the exit code is 1,
and no process the run started is left. With a repairer, recovery runs after a real crash and
the run completes.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from fault_scenarios.harness import (
    FAULT_MATRIX,
    FAULTS,
    CliResult,
    Fault,
    FaultRun,
    describe,
    run_cli,
    run_fault,
    trace_events,
)

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")

POLICIES = ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path")


@pytest.fixture(scope="module")
def llmorch_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FaultRun]:
    """Every fault under llmorch, three CLI runs at a time (each allocates both CPUs)."""
    tmp = tmp_path_factory.mktemp("faults")
    with ThreadPoolExecutor(3) as pool:
        futures = {f.name: pool.submit(run_fault, f, tmp) for f in FAULT_MATRIX}
        return {name: fut.result() for name, fut in futures.items()}


@pytest.mark.parametrize("fault", FAULT_MATRIX, ids=lambda f: f.name)
def test_fault_fails_its_call_only(fault: Fault, llmorch_runs: dict[str, FaultRun]) -> None:
    run = llmorch_runs[fault.name]
    assert run.problem() is None, run.problem()


@pytest.mark.slow
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("fault", FAULT_MATRIX, ids=lambda f: f.name)
def test_fault_under_every_policy(fault: Fault, policy: str, tmp_path: Path) -> None:
    run = run_fault(fault, tmp_path, policy)
    assert run.problem() is None, run.problem()


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["parallelfc", "llmcompiler"])
@pytest.mark.parametrize("fault", FAULT_MATRIX, ids=lambda f: f.name)
def test_fault_with_eager_compute(fault: Fault, policy: str, tmp_path: Path) -> None:
    run = run_fault(fault, tmp_path, policy, ("--compute", "eager"))
    assert run.problem() is None, run.problem()


def test_healthy_baseline_runs_clean() -> None:
    r = run_cli(["scenario", str(FAULTS / "healthy.yaml"), "--headless", "--json"])
    assert r.returncode == 0, r.stderr
    assert {c["status"] for c in r.json()["calls"]} == {"done"}
    assert not r.leftover


# --------------------------------------------------------------------------- recovery


class FakeRepairer:
    """Runtime recovery's LLM side, recorded: rewrites the recovery call s1 to pick "safe"."""

    source = "recorded"

    def __init__(self) -> None:
        self.seen: list[tuple[str, list[tuple[str, str]]]] = []

    def repair(self, call, failed, scenario, dialect):
        from orchtui.plan.model import Lit

        self.seen.append((call.id, [(c.id, error) for c, error in failed]))
        return replace(call, args=(Lit("safe"),), text=f'{call.id}: pick("safe")')


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_recovery_runs_after_a_real_crash() -> None:
    from orchtui.engine.record import RunRecord
    from orchtui.engine.session import make_run
    from orchtui.scenario import load_scenario

    before = _children()
    repairer = FakeRepairer()
    run = make_run(load_scenario(FAULTS / "recovery.yaml"), mode="real", repairer=repairer)
    try:
        events = list(run.events())
    finally:
        run.executor.close()
    names = [type(e).__name__ for e in events]
    failed = [e for e in events if type(e).__name__ == "Failed"]
    assert [e.call for e in failed] == ["s2"]
    assert re.fullmatch(r"worker crashed \(pid \d+, exit code 3\)", failed[0].error)
    started = next(e for e in events if type(e).__name__ == "RecoveryStarted")
    assert started.points == ("s1",) and started.failed == ("s2",)
    assert repairer.seen == [("s1", [("s2", failed[0].error)])]
    assert "CallRepaired" in names and "RecoveryFailed" not in names
    assert names.index("CallRepaired") < len(names) - 1
    rec = RunRecord.from_events(events)
    assert rec.status == "ok", rec.status
    assert {c.status for c in rec.calls.values()} == {"done"}
    finished = [e for e in events if type(e).__name__ == "Finished" and e.call == "s2"]
    assert finished and "used safely" in finished[-1].preview
    # The workers are gone; only the forkserver and resource tracker (once per process) stay.
    assert len(_children() - before) <= 2


@pytest.mark.parametrize("output", ["--json", "--summary"])
def test_results_the_engine_cannot_show(output: str, tmp_path: Path) -> None:
    """A 5000-digit int, an object whose repr() raises, a lone surrogate: passed on bare they
    work; formatted into a string they fail their call only. No traceback anywhere."""
    trace = tmp_path / "trace.jsonl"
    args = ["scenario", str(FAULTS / "bad_results.yaml"), "--headless", "--trace", str(trace)]
    r = run_cli(args + (["--json"] if output == "--json" else []))
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 1, r.stderr
    events = [e for e in trace_events(trace) if e["event"] in ("Finished", "Failed")]
    status = {e["call"]: e["event"] for e in events}
    assert status == {"s1": "Finished", "s2": "Finished", "s3": "Finished", "s4": "Finished",
                      "s5": "Failed", "s6": "Failed", "s7": "Finished"}, status
    errors = {e["call"]: e["error"] for e in events if e["event"] == "Failed"}
    assert "ValueError" in errors["s5"] and "repr exploded" in errors["s6"]
    assert "\ud800" in next(e["preview"] for e in events if e["call"] == "s3")
    assert not r.leftover


class RefusingRepairer:
    """A repairer that cannot repair (the model gave nothing usable)."""

    source = "recorded"

    def repair(self, call, failed, scenario, dialect):
        from orchtui.errors import OrchError

        raise OrchError(f"no repair for {call.id}")


def test_failed_recovery_still_ends_the_run() -> None:
    from orchtui.engine.record import RunRecord
    from orchtui.engine.session import make_run
    from orchtui.scenario import load_scenario

    run = make_run(load_scenario(FAULTS / "recovery.yaml"), mode="real",
                   repairer=RefusingRepairer())
    try:
        events = list(run.events())
    finally:
        run.executor.close()
    names = [type(e).__name__ for e in events]
    assert "RecoveryStarted" in names and "RecoveryFailed" in names
    rec = RunRecord.from_events(events)
    assert rec.status == "failed"
    status = {c.id: c.status for c in rec.calls.values()}
    assert status == {"s1": "done", "s2": "failed", "s3": "done", "s4": "done"}, status


# --------------------------------------------------------------------------- poisoned workers
# Issue 14: functions that try to poison the worker they run on, or orchtui's own streams.


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliResult, list[dict], Path]:
    """hostile.yaml on one pinned CPU (--cpus 0), through the CLI, --headless --json."""
    tmp = tmp_path_factory.mktemp("hostile")
    trace, pidfile = tmp / "trace.jsonl", tmp / "daemon.pid"
    r = run_cli(["scenario", str(FAULTS / "hostile.yaml"), "--headless", "--json", "--cpus",
                 "0", "--trace", str(trace)], timeout=30, ORCHTUI_FAULT_PIDFILE=str(pidfile))
    return r, trace_events(trace) if trace.exists() else [], pidfile


def _results(events: list[dict]) -> dict[str, str]:
    return {e["call"]: e["preview"] for e in events if e["event"] == "Finished"}


def test_hostile_run_ends_cleanly(hostile: tuple[CliResult, list[dict], Path]) -> None:
    r, _events, _ = hostile
    assert r.returncode == 0, r.stderr
    assert {c["status"] for c in r.json()["calls"]} == {"done"}
    assert "Traceback" not in r.stderr
    assert not r.leftover, describe(r.leftover)


def test_a_forked_child_cannot_answer_for_any_call(
        hostile: tuple[CliResult, list[dict], Path]) -> None:
    results = _results(hostile[1])
    assert "from the parent" in results["s1"], results
    assert "second" in results["s2"] and "child" not in results["s2"], results


def test_a_function_that_widens_its_affinity_leaves_the_worker_pinned(
        hostile: tuple[CliResult, list[dict], Path]) -> None:
    events = hostile[1]
    results = _results(events)
    assert results["s3"] == "[0, 1]", results  # it did widen its worker...
    assert results["s4"] == "[0]", results  # ...and the next call on it ran pinned again
    started = {e["call"]: e for e in events if e["event"] == "Started"}
    assert started["s4"]["cpu"] == 0 and started["s4"]["affinity"] == [0], started["s4"]


def test_a_daemon_ends_with_its_call(hostile: tuple[CliResult, list[dict], Path]) -> None:
    """The daemon held stdout, so the CLI's reader waited for it (`orchtui ... | cat`)."""
    r, _, pidfile = hostile
    assert pidfile.exists(), "the daemon never started"
    assert not psutil.pid_exists(int(pidfile.read_text())) or psutil.Process(
        int(pidfile.read_text())).status() == psutil.STATUS_ZOMBIE
    assert r.seconds < 25  # run_cli waits for EOF: an hour, had the daemon lived


def test_what_a_function_prints_goes_to_its_call(
        hostile: tuple[CliResult, list[dict], Path]) -> None:
    r, events, _ = hostile
    assert "WHISPER" not in r.stdout and "WHISPER" not in r.stderr
    output = {e["call"]: e.get("output", "") for e in events if e["event"] == "Finished"}
    for call in ("s6", "s7"):  # compute and inout alike
        assert "WHISPER-LINE" in output[call] and "WHISPER-FD2" in output[call], output
    assert output["s2"] == "", output  # nothing printed: no output in the trace


def test_50_mb_of_prints_leave_json_valid_and_are_bounded(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    r = run_cli(["scenario", str(FAULTS / "shout.yaml"), "--headless", "--json", "--trace",
                 str(trace)], timeout=60)
    assert r.returncode == 0, r.stderr[-500:]
    data = r.json()  # nothing but the summary on stdout
    assert {c["status"] for c in data["calls"]} == {"done"}
    assert "SHOUT" not in r.stderr and len(r.stderr) < 2000
    output = {e["call"]: e["output"] for e in trace_events(trace) if e["event"] == "Finished"}
    for call in ("s1", "s2"):
        text = output[call]
        assert text.startswith("SHOUT-BEGIN\n") and len(text) < 70_000, text[:80]
        more = re.search(r"… (\d+) bytes more$", text)
        assert more and int(more.group(1)) > 50 * 2**20 - 70_000, text[-80:]
    assert not r.leftover


def test_a_function_file_loaded_by_the_engine_prints_to_its_call(tmp_path: Path) -> None:
    """s1 returns an instance of a class of its own file, so the engine loads that file to
    unpickle it; what the file prints as it loads is kept with s1, as a worker's prints are."""
    trace = tmp_path / "trace.jsonl"
    r = run_cli(["scenario", str(FAULTS / "loud_results.yaml"), "--headless", "--json",
                 "--trace", str(trace)], timeout=60)
    assert r.returncode == 0, r.stderr[-500:]
    assert "LOUD-IMPORT" not in r.stdout and "LOUD-IMPORT" not in r.stderr
    assert {c["status"] for c in r.json()["calls"]} == {"done"}
    finished = {e["call"]: e for e in trace_events(trace) if e["event"] == "Finished"}
    assert finished["s2"]["preview"] == "3"
    assert "LOUD-IMPORT on stdout" in finished["s1"]["output"], finished["s1"]
    assert "LOUD-IMPORT on stderr" in finished["s1"]["output"], finished["s1"]
    assert not r.leftover


def test_a_value_that_exits_when_unpickled_fails_its_call_only(tmp_path: Path) -> None:
    """s2's value calls sys.exit(3) as the engine unpickles it: s2 fails, the run goes on."""
    r = run_cli(["scenario", str(FAULTS / "unpickle_exit.yaml"), "--headless", "--json"],
                timeout=60)
    assert r.returncode == 1, r.stderr[-500:]
    assert "Traceback" not in r.stderr
    calls = {c["id"]: c for c in r.json()["calls"]}
    assert {k: c["status"] for k, c in calls.items()} == {
        "s1": "done", "s2": "failed", "s3": "skipped"}, calls
    assert calls["s2"]["error"].startswith("result could not be received: "), calls["s2"]
    assert not r.leftover


def test_traces_without_output_replay_and_empty_output_is_not_written() -> None:
    from orchtui.engine.events import Finished, event_from_json

    old = {"event": "Finished", "t": 1.0, "call": "s1", "duration": 0.5, "preview": "x"}
    assert event_from_json(old) == Finished(1.0, "s1", 0.5, "x", "")
    assert "output" not in Finished(1.0, "s1", 0.5, "x").to_json()
    assert Finished(1.0, "s1", 0.5, "x", "hi\n").to_json()["output"] == "hi\n"
