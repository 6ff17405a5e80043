"""Per-call cost of the real executor (issue 15) and of containing inout calls (issue 14).

    python bench/bench_per_call.py [--n 1000] [--rounds 5] [--inout 200] [--coarse 20]

Executor level, no runner or policy: N no-op compute calls at P=2 (one in flight per
processor, as a policy keeps them), against the same work done
  * over raw multiprocessing Pipes to two pinned echo processes (the floor), and
  * LLMCompiler-style: asyncio + ProcessPoolExecutor(2), every call submitted at once.
Then 8 equal CPU-bound calls at P=2 against two plain pinned processes doing the same work,
and one no-op inout call at a time, on an I/O worker process.

Rounds are interleaved so that the host's drift hits every contender alike; the figures are
medians over rounds, in µs per call. The machine is small and shared: compare ratios taken in
the same run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import operator
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_workers import pinned_echo  # noqa: E402  (beside this file)

from orchtui.engine.session import function_context  # noqa: E402
from orchtui.executors.base import Task, TaskFinished  # noqa: E402
from orchtui.executors.real import RealExecutor  # noqa: E402
from orchtui.scenario.model import FunctionSpec, Scenario  # noqa: E402

NOOP = "operator:truth"
CPUS = (0, 1)


def pipe_round(n: int) -> float:
    """Seconds per call: two pinned echo processes, one message in flight on each."""
    ctx = multiprocessing.get_context("forkserver")
    ends, procs = [], []
    for cpu in CPUS:
        here, there = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=pinned_echo, args=(there, cpu))
        proc.start()
        there.close()
        ends.append(here)
        procs.append(proc)
    msg = (NOOP, None, (None,), {}, ("c", 0.0, "compute"))
    for end in ends:  # warm
        end.send(msg)
        end.recv()
    sent = 0
    t0 = time.perf_counter()
    for end in ends:
        end.send(msg)
        sent += 1
    done = 0
    while done < n:
        for end in wait(ends):
            end.recv()
            done += 1
            if sent < n:
                end.send(msg)
                sent += 1
    seconds = (time.perf_counter() - t0) / n
    for end, proc in zip(ends, procs, strict=True):
        end.close()
        proc.join(5)
    return seconds


def _scenario(kind: str) -> Scenario:
    return Scenario(name="bench", functions=(FunctionSpec("noop", kind, impl=NOOP, cost=0.0),),
                    plan=None)


def executor_round(n: int, ex: RealExecutor) -> float:
    """Seconds per call: the real executor, one no-op compute call in flight per processor."""
    fn = ex.scenario.functions[0]
    sent = done = 0

    def launch(processor: int) -> None:
        nonlocal sent
        ex.launch(Task(f"c{sent}", "compute", processor=processor, function=fn, args=(None,)))
        where[f"c{sent}"] = processor
        sent += 1

    where: dict[str, int] = {}
    t0 = time.perf_counter()
    for p in range(len(CPUS)):
        launch(p)
    while done < n:
        for e in ex.poll(None):
            if isinstance(e, TaskFinished):
                assert e.ok, e.error
                done += 1
                if sent < n:
                    launch(where.pop(e.key))
    return (time.perf_counter() - t0) / n


def asyncio_pool_round(n: int, pool: ProcessPoolExecutor) -> float:
    """Seconds per call: LLMCompiler's way, asyncio tasks on a ProcessPoolExecutor, all
    submitted at once (independent calls are all ready)."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(pool, operator.truth, None)
                               for _ in range(n)))

    t0 = time.perf_counter()
    asyncio.run(main())
    return (time.perf_counter() - t0) / n


def inout_round(n: int, ex: RealExecutor) -> float:
    """Seconds per call: no-op inout calls one at a time, launch to TaskFinished."""
    fn = ex.scenario.functions[0]
    t0 = time.perf_counter()
    for i in range(n):
        ex.launch(Task(f"io{i}", "inout", function=fn, args=(None,)))
        while not any(isinstance(e, TaskFinished) for e in ex.poll(None)):
            pass
    return (time.perf_counter() - t0) / n



BURN = str(ROOT / "bench" / "scenarios" / "cpu.py") + ":burn"


def _burn_all(cpu: int, units: int, count: int) -> None:
    os.sched_setaffinity(0, {cpu})
    sys.path.insert(0, str(ROOT / "bench" / "scenarios"))
    from cpu import burn  # type: ignore[import-not-found]

    for _ in range(count):
        burn(units)


def plain_coarse(units: int, calls: int) -> float:
    """Seconds: the same CPU work split over two plain pinned processes (forked: they start
    in about a millisecond, and import nothing they do not need)."""
    ctx = multiprocessing.get_context("fork")
    t0 = time.perf_counter()
    procs = [ctx.Process(target=_burn_all, args=(cpu, units, calls // len(CPUS)))
             for cpu in CPUS]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return time.perf_counter() - t0


def executor_coarse(units: int, calls: int, ex: RealExecutor) -> float:
    """Seconds: `calls` equal CPU-bound calls on the real executor, one per processor."""
    fn = FunctionSpec("burn", "compute", impl=BURN)
    queue = [Task(f"b{i}", "compute", processor=i % len(CPUS), function=fn, args=(units,))
             for i in range(calls)]
    busy: dict[int, str] = {}
    t0 = time.perf_counter()
    while queue or busy:
        for p in range(len(CPUS)):
            if p not in busy and (task := next((t for t in queue if t.processor == p), None)):
                queue.remove(task)
                busy[p] = task.key
                ex.launch(task)
        for e in ex.poll(None):
            if isinstance(e, TaskFinished):
                assert e.ok, e.error
                busy = {p: k for p, k in busy.items() if k != e.key}
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--inout", type=int, default=200)
    parser.add_argument("--coarse", type=int, default=20, help="burn units per coarse call "
                        "(about 12 ms each); 0 skips the coarse rows")
    opts = parser.parse_args()
    if not set(CPUS) <= os.sched_getaffinity(0):
        raise SystemExit("needs CPUs 0 and 1")
    rows: dict[str, list[float]] = {}
    compute = RealExecutor(_scenario("compute"), CPUS, context=function_context(
        _scenario("compute")))
    io_workers = RealExecutor(_scenario("inout"), CPUS, context=function_context(
        _scenario("inout")))
    pool = ProcessPoolExecutor(len(CPUS), mp_context=multiprocessing.get_context("forkserver"))
    try:
        executor_round(100, compute)
        asyncio_pool_round(100, pool)
        inout_round(20, io_workers)
        for _ in range(opts.rounds):
            rows.setdefault("pipe", []).append(pipe_round(opts.n))
            rows.setdefault("executor", []).append(executor_round(opts.n, compute))
            rows.setdefault("asyncio+pool", []).append(asyncio_pool_round(opts.n, pool))
            rows.setdefault("inout: I/O worker", []).append(inout_round(opts.inout, io_workers))
            if opts.coarse:
                rows.setdefault("coarse: plain", []).append(plain_coarse(opts.coarse, 8))
                rows.setdefault("coarse: executor", []).append(
                    executor_coarse(opts.coarse, 8, compute))
    finally:
        compute.close()
        io_workers.close()
        pool.shutdown()
    med = {k: statistics.median(v) * 1e6 for k, v in rows.items()}
    print(f"{opts.n} no-op compute calls at P=2, medians of {opts.rounds} interleaved rounds "
          f"(µs per call):")
    print(f"  raw Pipe round trip          {med['pipe']:7.1f}")
    print(f"  orchtui real executor        {med['executor']:7.1f}   "
          f"{med['executor'] / med['pipe']:.2f}× the pipe")
    print(f"  asyncio + ProcessPoolExecutor {med['asyncio+pool']:6.1f}   "
          f"executor is {med['executor'] / med['asyncio+pool']:.2f}× of it")
    if opts.coarse:
        ratios = [e / p for e, p in zip(rows["coarse: executor"], rows["coarse: plain"],
                                         strict=True)]
        print(f"8 equal CPU-bound calls ({opts.coarse} units) at P=2: executor "
              f"{statistics.median(ratios):.3f}× two plain pinned processes (median of the "
              f"per-round ratios; {med['coarse: plain'] / 1e6:.2f} s plain)")
    print(f"{opts.inout} no-op inout calls, one at a time (µs per call):")
    print(f"  on an I/O worker process     {med['inout: I/O worker']:7.1f}")


if __name__ == "__main__":
    main()
