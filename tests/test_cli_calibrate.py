"""`orchtui calibrate FILE` when things go wrong: a call of the calibration run fails, or the
measured costs cannot be written back. One line, exit 1, and the scenario as it was."""

from __future__ import annotations

import resource
import signal
import subprocess
from pathlib import Path

from fault_scenarios.harness import orchtui_command

SCENARIO = """\
name: cal
processors: 1
functions:
  - {name: f, kind: compute, impl: "tools.py:%s", cost: 0.5}
plan: |
  s1: f()
"""
TOOLS = "def ok():\n    return 1\n\n\ndef boom():\n    raise ValueError('boom')\n"


def scenario(tmp_path: Path, func: str) -> Path:
    (tmp_path / "tools.py").write_text(TOOLS, encoding="utf-8")
    path = tmp_path / "cal.yaml"
    path.write_text(SCENARIO % func, encoding="utf-8")
    return path


def calibrate(path: Path, file_size_limit: int | None = None
              ) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_size_limit is not None:  # a disk with no room past this size
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run([*orchtui_command(), "calibrate", str(path)], capture_output=True,
                          text=True, cwd=path.parent, timeout=120, preexec_fn=limit)


def test_costs_that_cannot_be_written_leave_the_scenario_whole(tmp_path: Path) -> None:
    path = scenario(tmp_path, "ok")
    before = path.read_text(encoding="utf-8")
    done = calibrate(path, file_size_limit=len(before) // 2)
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"orchtui: {path}: cannot write the costs: "), line
    assert done.returncode == 1
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == [
        "cal.yaml", "tools.py"]  # no temporary file left


def test_a_calibration_run_that_fails_is_a_failure_not_bad_input(tmp_path: Path) -> None:
    path = scenario(tmp_path, "boom")
    before = path.read_text(encoding="utf-8")
    done = calibrate(path)
    [line] = done.stderr.splitlines()
    assert line.startswith("orchtui: calibration run failed (s1 failed: ValueError: boom"), line
    assert done.returncode == 1
    assert path.read_text(encoding="utf-8") == before


def test_costs_are_written_back(tmp_path: Path) -> None:
    path = scenario(tmp_path, "ok")
    path.chmod(0o640)
    done = calibrate(path)
    assert done.returncode == 0, done.stderr
    assert "cost: 0.5}" not in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o777 == 0o640  # the file's mode is kept
