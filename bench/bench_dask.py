"""Local pinned workers (the real executor) vs Dask distributed (the dask executor), in one run.

    python bench/bench_dask.py [--calls 200] [--repeats 3] [--work 0.5] [--kinds real,dask,cli]

Three executors, side by side:
  real  the local pinned pool (the default executor);
  dask  --executor dask with no address: a LocalCluster the executor starts per run;
  cli   --executor dask --scheduler ADDRESS on the deployment shape: a `dask scheduler` and
        `dask worker ADDRESS --nworkers 2 --nthreads 1 --resources CPU=1` started here as
        separate processes with the `dask` command (once, before the measurements; each run
        connects to them and pins its 2 workers on connect).

1. Per-call overhead, as the engine sees it: no-op compute calls, one at a time, on processor 0
   of each executor. Medians (and p90) of
     dispatch: launch() → TaskStarted.t (taken in the worker, just before the call)
     return:   TaskFinished.t_return (the worker, just after) → TaskFinished.t (the engine, with
               the value)
   and the whole round trip launch() → TaskFinished.t.
2. Makespan of a KITTI-style plan under llmorch at P=2: 8 compute calls of ~`--work` s of real
   CPU work each (a pure-Python loop, calibrated here), then 2 inout averages and a
   difference.
   Each repeat runs every executor back to back, in a rotating order (fresh executors,
   start-up excluded, as in a run); medians over the repeats, and the ratios to real.
   Also each executor's start-up time (workers warm / LocalCluster up / connected and pinned).

The machine is small (2 cores) and shared: quote medians and ratios, not single numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from orchtui.engine import events as ev
from orchtui.engine.runner import Run, RunOptions
from orchtui.executors.base import Executor, Task, TaskFinished, TaskStarted
from orchtui.executors.real import RealExecutor
from orchtui.scenario.loader import plan_only_scenario
from orchtui.scenario.model import FunctionSpec, Scenario

HERE = Path(__file__).resolve()
CPUS = (0, 1)
COMPUTE_CALLS = {f"s{i}" for i in range(1, 9)}
# the `dask` command of this interpreter's environment
DASK = str(Path(sys.executable).with_name("dask")) if Path(sys.executable).with_name(
    "dask").exists() else "dask"


# -- the functions (run in the workers, loaded as bench_dask.py:name) ------------------------
def noop() -> None:
    return None


def stereo(pair: int, iterations: int) -> float:
    """Real CPU work: a pure-Python loop whose length was calibrated to ~--work seconds. No
    numpy: how fast numpy runs depends on the process's malloc state (the page faults of
    megabyte temporaries vary 30x between two fresh processes), which would swamp what is
    compared here, the executors' own cost."""
    acc = pair
    for i in range(iterations):
        acc = (acc * 1103515245 + i) & 0xFFFFFFFF
    return acc / 0xFFFFFFFF


def average(values: list[float]) -> float:
    return sum(values) / len(values)


def difference(a: float, b: float) -> float:
    return a - b


# -- helpers ----------------------------------------------------------------------------------
def q(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def calibrate(seconds: float) -> int:
    """Iterations for `seconds` of `stereo` on an unloaded CPU: the fastest of several tries
    (the others were slowed by whatever else ran)."""
    n = 100_000
    while True:
        t = time.perf_counter()
        stereo(0, n)
        if time.perf_counter() - t > 0.05:
            break
        n *= 2
    best = min(_timed(n) for _ in range(7))
    return max(1, int(n * seconds / best))


def _timed(n: int) -> float:
    t = time.perf_counter()
    stereo(0, n)
    return time.perf_counter() - t


def spec(name: str, kind: str) -> FunctionSpec:
    return FunctionSpec(name, kind, impl=f"{HERE.name}:{name}")  # type: ignore[arg-type]


def kitti_scenario(iterations: int) -> Scenario:
    lines = [f"s{i}: stereo({i}, {iterations})" for i in range(1, 9)]
    lines += ["s9: average([s1, s2, s3, s4])", "s10: average([s5, s6, s7, s8])",
              "s11: difference(s9, s10)"]
    text = "\n".join(lines) + "\n"
    sc = plan_only_scenario(text, HERE.parent / "kitti_style.txt", compute={"stereo"})
    return replace(sc, name="kitti-style",
                   functions=(spec("stereo", "compute"), spec("average", "inout"),
                              spec("difference", "inout")))


@contextlib.contextmanager
def dask_cli_cluster(workers: int = 2) -> Iterator[str]:
    """`dask scheduler` and `dask worker` as separate process groups on 127.0.0.1; yields the
    scheduler's address; both groups are killed at the end, whatever happens."""
    from distributed import Client

    groups: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "scheduler.json"
        env = {**os.environ, "PYTHONPATH": str(HERE.parents[1])}  # the workers import orchtui

        def start(*args: str) -> None:
            groups.append(subprocess.Popen([DASK, *args], stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, env=env, cwd=tmp,
                                           start_new_session=True))
        try:
            start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                  "--scheduler-file", str(file))
            end = time.monotonic() + 60
            while not file.exists() or not file.read_text().strip():
                if time.monotonic() > end:
                    raise SystemExit("bench: dask scheduler did not start")
                time.sleep(0.1)
            address = json.loads(file.read_text())["address"]
            start("worker", address, "--nworkers", str(workers), "--nthreads", "1",
                  "--resources", "CPU=1", "--host", "127.0.0.1", "--no-dashboard")
            with Client(address, timeout=30) as client:
                client.wait_for_workers(workers, timeout=60)
            yield address
        finally:
            for proc in groups:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in groups:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def open_executor(kind: str, scenario: Scenario, address: str | None = None
                  ) -> tuple[Executor, float]:
    # Dask is imported only here: the real executor's forkserver preloads this module, and
    # must not pay for importing Dask.
    from orchtui.executors.dask_executor import DaskExecutor

    t = time.perf_counter()
    ex: Executor = (RealExecutor(scenario, CPUS) if kind == "real"
                    else DaskExecutor(scenario, CPUS) if kind == "dask"
                    else DaskExecutor(scenario, CPUS, scheduler=address))
    return ex, time.perf_counter() - t


# -- 1. per-call overhead ---------------------------------------------------------------------
def overhead(ex: Executor, n: int, warm: int = 20) -> dict[str, list[float]]:
    fn = spec("noop", "compute")
    out: dict[str, list[float]] = {"dispatch": [], "return": [], "round trip": []}
    for i in range(n + warm):
        t_launch = ex.now()
        ex.launch(Task(f"c{i}", "compute", processor=0, function=fn))
        started = finished = None
        while finished is None:
            for e in ex.poll(5.0):
                if isinstance(e, TaskStarted):
                    started = e
                elif isinstance(e, TaskFinished):
                    finished = e
        assert finished.ok, finished.error
        if i >= warm and started is not None and finished.t_return is not None:
            out["dispatch"].append(started.t - t_launch)
            out["return"].append(finished.t - finished.t_return)
            out["round trip"].append(finished.t - t_launch)
    return out


# -- 2. makespan ------------------------------------------------------------------------------
def makespan(ex: Executor, scenario: Scenario) -> tuple[float, float]:
    """(makespan, gap): gap = makespan − (the compute calls' summed durations) / P, the time
    that orchestration and imbalance add to perfectly packed work; less sensitive than the
    makespan to how fast the (shared) CPUs ran the work itself."""
    events = list(Run(scenario, ex, RunOptions(policy="llmorch", processors=2)).events())
    done = events[-1]
    assert isinstance(done, ev.RunFinished) and done.status == "ok", done
    busy = sum(e.duration for e in events
               if isinstance(e, ev.Finished) and e.call in COMPUTE_CALLS)
    return done.makespan, done.makespan - busy / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=float, default=0.5, help="seconds per compute call")
    parser.add_argument("--kinds", default="real,dask,cli",
                        help="which executors: real, dask (LocalCluster), cli (dask command)")
    opts = parser.parse_args()
    kinds = [k.strip() for k in opts.kinds.split(",") if k.strip()]
    with contextlib.ExitStack() as stack:
        t = time.perf_counter()
        address = stack.enter_context(dask_cli_cluster()) if "cli" in kinds else None
        if address:
            print(f"0. `dask scheduler` + `dask worker --nworkers 2` up in "
                  f"{time.perf_counter() - t:.2f} s at {address}")
        measure_all(opts, kinds, address)


def measure_all(opts: argparse.Namespace, kinds: list[str], address: str | None) -> None:
    empty = Scenario(name="bench", functions=(), plan=None, path=HERE)
    print(f"1. per-call overhead: {opts.calls} no-op compute calls, one at a time, processor 0")
    for kind in kinds:
        ex, took = open_executor(kind, empty, address)
        try:
            res = overhead(ex, opts.calls)
        finally:
            ex.close()
        cells = "   ".join(f"{k} {statistics.median(v) * 1e3:7.3f} ms (p90 {q(v, 0.9) * 1e3:.3f})"
                           for k, v in res.items())
        print(f"   {kind:<5} {cells}")

    iterations = calibrate(opts.work)
    scenario = kitti_scenario(iterations)
    ideal = 8 * opts.work / 2
    print(f"2. KITTI-style plan, llmorch, P=2: 8 compute calls x ~{opts.work:g} s "
          f"({iterations} iterations), 2 inout averages, 1 difference; ideal ~{ideal:.2f} s")
    spans: dict[str, list[float]] = {k: [] for k in kinds}
    gaps: dict[str, list[float]] = {k: [] for k in kinds}
    starts: dict[str, list[float]] = {k: [] for k in kinds}
    for r in range(opts.repeats):
        for kind in kinds[r % len(kinds):] + kinds[:r % len(kinds)]:  # rotate the order
            ex, took = open_executor(kind, scenario, address)
            try:
                span, gap = makespan(ex, scenario)
            finally:
                ex.close()
            spans[kind].append(span)
            gaps[kind].append(gap)
            starts[kind].append(took)
            print(f"   repeat {r + 1} {kind:<5} makespan {span:.3f} s   gap {gap * 1e3:6.1f} ms"
                  f"   (start-up {took:.2f} s)")
    for kind in kinds:
        print(f"   median {kind:<5} makespan {statistics.median(spans[kind]):.3f} s   "
              f"gap {statistics.median(gaps[kind]) * 1e3:6.1f} ms   "
              f"start-up {statistics.median(starts[kind]):.2f} s")
    if "real" not in kinds:
        return
    for kind in kinds:
        if kind == "real":
            continue
        ratio = statistics.median(spans[kind]) / statistics.median(spans["real"])
        extra = statistics.median(gaps[kind]) - statistics.median(gaps["real"])
        print(f"   {kind} / real: makespan x{ratio:.3f}, gap {extra * 1e3:+.1f} ms")


if __name__ == "__main__":
    main()
