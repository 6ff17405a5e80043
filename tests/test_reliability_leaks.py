"""No file descriptor, process or thread leaks across many consecutive real runs in one
process (make_run + events() + executor.close()), healthy ones and faulty ones mixed.

The first run starts multiprocessing's forkserver and resource tracker, once for the process:
counts are taken after it, so those two are the fixed allowance.
"""

from __future__ import annotations

import os

import pytest
from fault_scenarios.harness import LEAK_MIX, leak_loop

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")


def check(runs: int) -> None:
    report = leak_loop(runs)
    assert report.fds[1] == report.fds[0], report
    assert report.children[1] == report.children[0] <= 2, report
    assert report.threads[1] == report.threads[0], report
    assert report.lost == 0, report
    assert sum(report.statuses.values()) == runs
    healthy = report.statuses.get("healthy:ok", 0)
    assert healthy == sum(1 for n in range(runs) if LEAK_MIX[n % len(LEAK_MIX)] == "healthy")
    assert all(key.split(":")[-1] in ("ok", "failed", "dropped") for key in report.statuses)
    assert report.rss_mb[1] - report.rss_mb[0] < 50, report


def test_no_leaks_over_consecutive_runs() -> None:
    check(len(LEAK_MIX))  # every scenario of the mix once


@pytest.mark.slow
def test_no_leaks_over_100_runs() -> None:
    check(100)
