"""The sweep screen measuring on Dask (`orchtui sweep FILE --tui --executor dask`): the Dask rows
arrive next to the sim's. Starting a LocalCluster from the screen's thread, where sys.stderr is
Textual's capture, once failed in multiprocessing ("bad value(s) in fds_to_keep")."""

from __future__ import annotations

import os
import time
from pathlib import Path

import anyio
import psutil
import pytest

pytest.importorskip("distributed")

from orchtui.scenario.loader import load_scenario
from orchtui.tui.sweep_app import SweepApp

pytestmark = [
    pytest.mark.skipif(not os.sched_getaffinity(0) >= {0, 1}, reason="needs CPUs 0 and 1"),
    pytest.mark.anyio,  # anyio's pytest plugin runs the async test
]


FUNCS = "def work(n):\n    return sum(range(n))\n\n\ndef total(*xs):\n    return sum(xs)\n"
SCENARIO = """\
name: tiny
functions:
  - {name: work, kind: compute, impl: "funcs.py:work", cost: 0.05}
  - {name: total, kind: inout, impl: "funcs.py:total", cost: 0.001}
plan: |
  s1: work(100)
  s2: work(200)
  s3: total(s1, s2)
"""


async def test_the_sweep_screen_measures_on_dask_next_to_the_sim(tmp_path: Path):
    (tmp_path / "funcs.py").write_text(FUNCS)
    (tmp_path / "tiny.yaml").write_text(SCENARIO)
    scenario = load_scenario(tmp_path / "tiny.yaml")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    app = SweepApp(scenario, processors=[1, 2], policies=["llmorch"], real=True,
                   executor="dask")
    async with app.run_test(size=(120, 36)) as pilot:
        end = time.monotonic() + 90
        while app.sweep.measuring or len(app.sweep.rows) < 6:
            assert time.monotonic() < end, app.sweep.rows
            await pilot.pause(0.2)
        got = sorted((r.mode, r.policy, r.processors, r.status) for r in app.sweep.rows)
        assert got == [("dask", "llmorch", 1, "ok"), ("dask", "llmorch", 2, "ok"),
                       ("dask", "react", 1, "ok"), ("sim", "llmorch", 1, "ok"),
                       ("sim", "llmorch", 2, "ok"), ("sim", "react", 1, "ok")]
        table = app.sweep.query_one("#sweep-table")
        assert {str(k.value) for k in table.rows} == {"llmorch/sim", "llmorch/dask"}
    # the sweep's own local cluster is gone (multiprocessing's resource tracker and forkserver,
    # helpers of this interpreter started once, stay until it exits: the forkserver starts here
    # when this test runs first, as the I/O workers of the scenario's inout call need it)
    end = time.monotonic() + 10
    while True:
        left = [p for p in psutil.Process().children(recursive=True)
                if p.pid not in before and _alive(p)
                and not any(helper in " ".join(_cmdline(p))
                            for helper in ("resource_tracker", "multiprocessing.forkserver"))]
        if not left or time.monotonic() > end:
            break
        await anyio.sleep(0.1)
    assert not left, [_cmdline(p) for p in left]


def _alive(p: psutil.Process) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []
