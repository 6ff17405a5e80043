"""What a run writes when its outputs fail, and what it tells (issue 14, items 11, 13, 14).

`--trace /dev/full` (a disk that is full) and a trace path that cannot be opened: one line on
stderr, no traceback, and the exit code says what happened. `--headless --json` carries each
failed call's error text. SIGTERM exits 143; SIGHUP and SIGTERM to the TUI leave the terminal
off the alternate screen with mouse tracking off.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fault_scenarios.harness import FAULTS, ROOT, handles_sigterm, orchtui_command
from fault_scenarios.pty_run import ALT_ON, run_on_pty


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*orchtui_command(), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


# -- item 11: a trace that cannot be written --------------------------------------------------
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("json_out", [False, True])
def test_a_full_disk_keeps_the_summary(json_out: bool) -> None:
    done = cli("scenario", "seo_audit", "--headless", "--sim", "--trace", "/dev/full",
               *(["--json"] if json_out else []))
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("orchtui: /dev/full: cannot write the trace: "), line
    assert "incomplete" in line
    if json_out:
        assert json.loads(done.stdout)["status"] == "ok"
    else:
        assert "status: ok" in done.stdout  # the run's summary is there
    assert done.returncode == 1  # the run succeeded, its trace did not: not a success


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_chrome_trace_to_a_full_disk_keeps_the_summary() -> None:
    done = cli("scenario", "seo_audit", "--headless", "--sim", "--chrome-trace", "/dev/full")
    assert "status: ok" in done.stdout
    [line] = done.stderr.splitlines()
    assert line.startswith("orchtui: /dev/full: cannot write the Chrome trace: "), line
    assert done.returncode == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_trace_in_a_read_only_folder_is_refused_before_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    done = cli("scenario", "seo_audit", "--headless", "--sim", "--trace", str(folder / "t"))
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line == f"orchtui: {folder / 't'}: cannot write the trace: Permission denied"


def test_a_trace_into_a_missing_folder_is_refused_before_the_run(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "t.jsonl"
    done = cli("scenario", "seo_audit", "--headless", "--sim", "--trace", str(path))
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line == f"orchtui: {path}: cannot write the trace: No such file or directory"


def test_a_trace_writer_that_fails_says_so_once(tmp_path: Path) -> None:
    from orchtui.engine import events as ev
    from orchtui.engine.trace import TraceWriter

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    said: list[str] = []
    writer = TraceWriter("/dev/full", on_error=said.append)
    for n in range(5):
        writer.write(ev.Queued(float(n), "s1", "waits"))
    writer.close()
    assert len(said) == 1 and writer.error == said[0]


# -- item 14: --json carries the error text ----------------------------------------------------
def test_json_carries_each_failed_calls_error(tmp_path: Path) -> None:
    scenario = tmp_path / "fails.yaml"
    scenario.write_text(
        "name: fails\nprocessors: 1\nfunctions:\n  - {name: f, kind: inout, cost: 0.1}\n"
        "plan: |\n  s1: f()\n  s2: f()\nfaults:\n  s2: \"ValueError: the disk is on fire\"\n",
        encoding="utf-8")
    done = cli("scenario", str(scenario), "--headless", "--sim", "--json")
    assert done.returncode == 1, done.stderr
    calls = {c["id"]: c for c in json.loads(done.stdout)["calls"]}
    assert calls["s2"]["status"] == "failed"
    assert "the disk is on fire" in calls["s2"]["error"]
    assert "error" not in calls["s1"]


# -- a reader that closes stdout early (`orchtui … | head -1`) ----------------------------------
def _into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte: every write fails
    try:
        return subprocess.run([*orchtui_command(), *args], stdout=write,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
    finally:
        os.close(write)


@pytest.mark.parametrize("args", [
    ("scenario", "seo_audit", "--headless", "--sim", "--json"),
    ("scenario", "seo_audit", "--headless", "--sim"),
    ("plan", "seo_audit", "--json"),
    ("plan", "seo_audit"),
], ids=["run json", "run summary", "plan json", "plan table"])
def test_an_output_nobody_reads_is_not_a_success(args: tuple[str, ...]) -> None:
    """Exit 0 says every output asked for was written: with stdout closed, it was not (exit 1,
    whether the output is JSON or a table), and nothing is said on stderr."""
    done = _into_a_closed_pipe(*args)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""


def test_a_failed_run_whose_json_nobody_reads_still_fails(tmp_path: Path) -> None:
    scenario = tmp_path / "fails.yaml"
    scenario.write_text(
        "name: fails\nprocessors: 1\nfunctions:\n  - {name: f, kind: inout, cost: 0.1}\n"
        "plan: |\n  s1: f()\nfaults:\n  s1: \"ValueError: no\"\n", encoding="utf-8")
    done = _into_a_closed_pipe("scenario", str(scenario), "--headless", "--sim", "--json")
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""


@pytest.mark.parametrize("args", [
    ("scenario", "seo_audit", "--headless", "--sim", "--json"),
    ("scenario", "seo_audit", "--headless", "--sim"),
    ("plan", "seo_audit", "--json"),
], ids=["run json", "run summary", "plan json"])
def test_a_closed_stdout_is_an_output_nobody_reads(args: tuple[str, ...]) -> None:
    """Started with stdout closed (`orchtui … >&-`): as with a reader that left, exit 1 and
    nothing said (it was a traceback with --json, and exit 0 with the summary unwritten)."""
    done = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *orchtui_command(), *args],
                          stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_with_stderr_closed_what_it_would_say_stays_out_of_the_json() -> None:
    """Started with stderr closed (`2>&-`): the line about the trace is lost, not printed into
    stdout's JSON (print's file=None is stdout), and the exit code still says it."""
    done = subprocess.run(["sh", "-c", 'exec "$@" 2>&-', "sh", *orchtui_command(), "scenario",
                           "seo_audit", "--headless", "--sim", "--json", "--trace", "/dev/full"],
                          stdout=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
    assert json.loads(done.stdout)["status"] == "ok"
    assert done.returncode == 1


# -- stdout on a full disk (`orchtui … > out.json` with no room left) --------------------------
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [
    ("scenario", "seo_audit", "--headless", "--sim", "--json"),
    ("scenario", "seo_audit", "--headless", "--sim"),
    ("plan", "seo_audit", "--json"),
    ("plan", "seo_audit"),
    ("sweep", "hotpotqa_style", "--processors", "1", "--json"),
], ids=["run json", "run summary", "plan json", "plan table", "sweep json"])
def test_an_output_that_cannot_be_written_says_so_in_one_line(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*orchtui_command(), *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, timeout=60)
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("orchtui: cannot write the output to stdout: "), line
    assert done.returncode == 1


# -- item 13: signals -------------------------------------------------------------------------
def test_sigterm_exits_143_headless() -> None:
    proc = subprocess.Popen([*orchtui_command(), "scenario", str(FAULTS / "slow.yaml"),
                             "--headless"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, start_new_session=True)
    for _ in range(600):
        if handles_sigterm(proc.pid) or proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 143, err
    assert err.strip() == "orchtui: terminated"


@pytest.mark.skipif(not os.path.exists("/dev/ptmx"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGHUP, 129), (signal.SIGTERM, 143),
                                           (signal.SIGINT, 130)])
def test_a_signal_to_the_tui_restores_the_terminal(sig: int, code: int) -> None:
    run = run_on_pty(["scenario", "seo_audit", "--sim", "--speed", "1"],
                     until=lambda out: ALT_ON in out, then=sig, settle=1.5)
    assert run.returncode == code, run.output[-400:]
    assert run.terminal_restored(), run.output[-400:]


STUCK_APP = """
import asyncio, subprocess, sys, time
import orchtui.tui as tui

tui._SHUTDOWN_GRACE_S = 0.5

class StuckApp:
    # an app whose shutdown never ends: its loop is blocked, as when the terminal vanished
    # mid-write and Textual's writer and screen wait on each other
    return_code = None

    def exit(self, result=None, return_code=0):
        pass

    def run(self):
        async def main():
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            print(child.pid, flush=True)
            time.sleep(120)
        asyncio.run(main())

sys.exit(tui._run(StuckApp()))
"""


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGHUP, 129), (signal.SIGTERM, 143)])
def test_a_tui_stuck_in_its_shutdown_ends_with_its_children(sig: int, code: int) -> None:
    """After a signal, a screen that cannot close is not left running as an orphan: past the
    grace, the process kills what it started and exits as the signal says."""
    import psutil

    proc = subprocess.Popen([sys.executable, "-c", STUCK_APP], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout is not None
    try:
        child = int(proc.stdout.readline())
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:  # a failing run must not be left behind either
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == code, err
    assert "orchtui: the screen did not close within 0.5 s of the signal: ended it" in err
    with contextlib.suppress(psutil.NoSuchProcess):  # gone, or a zombie nobody reaped yet
        psutil.Process(child).wait(timeout=10)  # (raises TimeoutExpired while it lives on)
