"""A run interrupted mid-way (Ctrl-C, SIGTERM) closes its trace with RunFinished(status
cancelled): a replay says the run was cancelled, and the calls running then are "cancelled",
not "skipped". A trace that ends without RunFinished (the run was killed) replays with a
warning that says so."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from fault_scenarios.harness import run_cli, trace_events

from orchtui.cli.main import main

WAIT = "import time\n\n\ndef wait(seconds):\n    time.sleep(seconds)\n    return seconds\n"


def _when_started(trace: Path, sig: int):
    """Send `sig` once the trace shows a call started (the run is under way)."""
    def during(proc: subprocess.Popen) -> None:
        for _ in range(1200):  # a bound on a hung start, not a measure of time
            if trace.exists() and '"event": "Started"' in trace.read_text():
                break
            if proc.poll() is not None:
                return
            time.sleep(0.05)
        proc.send_signal(sig)
    return during


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_closes_its_trace_as_cancelled(tmp_path, capsys, sig, code):
    (tmp_path / "w.py").write_text(WAIT)
    scenario = tmp_path / "long.yaml"
    scenario.write_text("name: long\nprocessors: 1\nfunctions:\n"
                        "  - {name: wait, kind: inout, impl: 'w.py:wait', cost: 60}\n"
                        "plan: |\n  s1: wait(60)\n  s2: wait(s1)\n")
    trace = tmp_path / "t.jsonl"
    r = run_cli(["scenario", str(scenario), "--headless", "--trace", str(trace)],
                during=_when_started(trace, sig))
    assert r.returncode == code and not r.leftover, r.stderr
    last = trace_events(trace)[-1]
    assert (last["event"], last["status"]) == ("RunFinished", "cancelled")
    assert main(["replay", str(trace), "--headless"]) == 0
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert err == "" and record["status"] == "cancelled"
    assert [(c["id"], c["status"]) for c in record["calls"]] == [
        ("s1", "cancelled"), ("s2", "skipped")]
    assert record["calls"][0]["end"] == last["t"]


def test_a_trace_without_its_end_replays_with_a_warning(tmp_path, capsys):
    trace = tmp_path / "t.jsonl"
    assert main(["scenario", "seo_audit", "--sim", "--headless", "--json",
                 "--trace", str(trace)]) == 0
    capsys.readouterr()
    lines = trace.read_text().splitlines(keepends=True)
    assert json.loads(lines[-1])["event"] == "RunFinished"
    trace.write_text("".join(lines[:-1]))  # as a killed run leaves it
    assert main(["replay", str(trace), "--headless"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["status"] == "running"
    assert err == (f"orchtui: warning: {trace}: the trace ends before its run finished (no "
                   "RunFinished: the run was killed, or is still running)\n")
    # a whole trace: no warning
    trace.write_text("".join(lines))
    assert main(["replay", str(trace), "--headless"]) == 0
    assert capsys.readouterr().err == ""
