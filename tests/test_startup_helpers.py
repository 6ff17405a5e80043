"""multiprocessing's two helpers, which a real run starts first thing (the forkserver that every
worker is forked from, and the resource tracker), stay out of the way of the CLI (issue 15's
start-up): they do not hold its stdout, so a reader of it (`orchtui … --json | jq`) gets its end
of file when the CLI exits rather than when they have torn down too; and the resource tracker,
whose work only begins once the CLI has gone, runs 10 nicer than the CLI, so that its boot does
not take CPU from the CLI's. Checked on the processes of a running CLI, not by timing them."""

from __future__ import annotations

import json
import os
import time
from subprocess import Popen

import psutil
import pytest
from fault_scenarios.harness import FAULTS, run_cli

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")

HELPERS = {"forkserver": "multiprocessing.forkserver",
           "tracker": "multiprocessing.resource_tracker"}


def _helpers(pid: int) -> dict[str, psutil.Process]:
    found = {}
    for child in psutil.Process(pid).children():
        cmdline = " ".join(child.cmdline())
        for name, module in HELPERS.items():
            if module in cmdline:
                found[name] = child
    return found


def test_the_helpers_leave_the_cli_stdout_alone_and_the_tracker_runs_nicer() -> None:
    seen: dict[str, dict] = {}

    def look(proc: Popen) -> None:
        end = time.monotonic() + 30
        while time.monotonic() < end and proc.poll() is None:
            try:
                helpers = _helpers(proc.pid)
                cli = {"stdout": os.readlink(f"/proc/{proc.pid}/fd/1"),
                       "stderr": os.readlink(f"/proc/{proc.pid}/fd/2"),
                       "nice": psutil.Process(proc.pid).nice()}
                # (while it starts them, the CLI's own fd 1 is its stderr: look again after)
                if len(helpers) == len(HELPERS) and cli["stdout"] != cli["stderr"]:
                    seen["cli"] = cli
                    for name, helper in helpers.items():
                        seen[name] = {"stdout": os.readlink(f"/proc/{helper.pid}/fd/1"),
                                      "nice": helper.nice()}
                    return
            except (psutil.Error, OSError):  # a process came or went meanwhile: look again
                pass
            time.sleep(0.005)

    result = run_cli(["scenario", str(FAULTS / "slow.yaml"), "--headless", "--json"],
                     during=look)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ok"
    assert not result.leftover
    assert set(seen) == {"cli", *HELPERS}, "the helpers were not seen while the CLI ran"
    cli = seen["cli"]
    for name in HELPERS:
        # what they would print goes where the CLI's own diagnostics go
        assert seen[name]["stdout"] == cli["stderr"], (name, seen)
    assert seen["forkserver"]["nice"] == cli["nice"]
    assert seen["tracker"]["nice"] == min(19, cli["nice"] + 10)
