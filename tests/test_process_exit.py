"""How a process ends after a big sim run: the collector does not rescan what the run left
(orchtui/engine/gcpause.py), and its last pass at shutdown skips it (orchtui/exits.py), while
the output is flushed and the atexit handlers run as always."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import pytest

from orchtui.engine.gcpause import collector_paused

ROOT = Path(__file__).resolve().parents[1]


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_what_lives_through_a_pause_is_no_longer_young() -> None:
    was = gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        kept = [_Node() for _ in range(2000)]
    assert gc.isenabled() == was
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert not any(id(n) in young for n in kept)


def test_garbage_made_during_a_pause_is_still_collected() -> None:
    with collector_paused():
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        gone = weakref.ref(a)
        del a, b
    assert gone() is not None
    gc.collect()
    assert gone() is None


def test_a_heap_frozen_before_a_pause_stays_frozen() -> None:
    # the TUI freezes its start-up heap; a sweep it runs pauses the collector
    done = _run("""
        import gc
        from orchtui.engine.gcpause import collector_paused
        kept = [[] for _ in range(1000)]
        gc.freeze()
        before = gc.get_freeze_count()
        with collector_paused():
            more = [[] for _ in range(1000)]
        print(before > 0 and gc.get_freeze_count() == before)
    """)
    assert done.stdout.strip() == "True", done.stderr


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, env=_env())


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


_SCRIPT = """
    import atexit, sys
    from orchtui import exits

    class Noisy:
        def __del__(self):
            sys.stderr.write("freed\\n")

    a, b = Noisy(), Noisy()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    del a, b
    atexit.register(lambda: print("atexit ran"))
    sys.stdout.write("x" * 100000)  # still in the buffer
    exits.leave_to_os({leave})
    exits.end_process(3)
"""


@pytest.mark.parametrize("leave", [True, False])
def test_end_process_flushes_runs_atexit_and_leaves_cycles_to_the_os_only_when_asked(
        leave: bool) -> None:
    done = _run(_SCRIPT.format(leave=leave))
    assert done.returncode == 3
    assert done.stdout == "x" * 100000 + "atexit ran\n"
    # without leave_to_os, the collector's last pass frees the cycle (its finalizers run)
    assert ("freed" in done.stderr) == (not leave)


def test_a_sim_run_from_the_command_prints_its_whole_json(tmp_path: Path) -> None:
    lines = [f"s{i}: c({', '.join(f's{j}' for j in range(max(1, i - 3), i))})"
             for i in range(1, 3001)]
    plan = "\n".join("  " + ln for ln in lines)
    path = tmp_path / "dag.yaml"
    path.write_text("functions:\n  - name: c\n    kind: compute\nplan: |\n" + plan + "\n")
    done = subprocess.run([sys.executable, "-m", "orchtui", "scenario", str(path), "--sim",
                           "--headless", "--json"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=_env())
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)  # well over a pipe's buffer: flushed in full
    assert out["status"] == "ok" and len(out["calls"]) == 3000
