"""Per-call overhead of WorkerPool: no-op jobs, one at a time, on a worker pinned to one CPU.

Prints the median and p90, in µs, of
  dispatch: submit() called          -> JobStarted.t (worker, just before the call)
  return:   JobFinished.t_return     -> JobFinished.t (engine, on receipt)
and, for reference, a raw multiprocessing Pipe round trip to an echo process.

    .venv/bin/python bench/bench_workers.py [--n 1000] [--cpu 1]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from multiprocessing.connection import Connection

from orchtui.executors.workers import JobFinished, JobStarted, WorkerPool

NOOP = "operator:truth"  # a stdlib no-op-ish callable: nothing to load from disk


def pinned_echo(conn: Connection, cpu: int) -> None:
    """The raw Pipe baseline's far end: pinned to `cpu`, sends back what it gets."""
    os.sched_setaffinity(0, {cpu})
    try:
        while True:
            conn.send(conn.recv())
    except EOFError:
        pass


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(name: str, seconds: list[float]) -> None:
    us = [s * 1e6 for s in seconds]
    print(f"{name:<34} median {statistics.median(us):7.1f} µs   p90 {_percentile(us, 0.9):7.1f} µs")


def bench_pool(n: int, cpu: int) -> tuple[list[float], list[float]]:
    cpus = frozenset({cpu})
    dispatch: list[float] = []
    back: list[float] = []
    with WorkerPool() as pool:
        pool.warm([cpus])
        for i in range(n + 50):  # the first 50 warm caches and the import of the function
            t_submit = time.perf_counter()
            pool.submit(f"j{i}", cpus, NOOP, None, (None,), {}, None)
            started = finished = None
            while finished is None:
                for event in pool.poll(None):
                    if isinstance(event, JobStarted):
                        started = event
                    elif isinstance(event, JobFinished):
                        finished = event
            assert started is not None and finished.ok and finished.t_return is not None
            if i >= 50:
                dispatch.append(started.t - t_submit)
                back.append(finished.t - finished.t_return)
    return dispatch, back


def bench_pipe(n: int, cpu: int) -> list[float]:
    ctx = multiprocessing.get_context("forkserver")
    here, there = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=pinned_echo, args=(there, cpu))
    proc.start()
    there.close()
    msg = ("j", None, (None,), {})
    rtt = []
    try:
        for i in range(n + 50):
            t0 = time.perf_counter()
            here.send(msg)
            here.recv()
            if i >= 50:
                rtt.append(time.perf_counter() - t0)
    finally:
        here.close()
        proc.join(5)
    return rtt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    opts = parser.parse_args()
    dispatch, back = bench_pool(opts.n, opts.cpu)
    rtt = bench_pipe(opts.n, opts.cpu)
    print(f"{opts.n} no-op jobs on a worker pinned to CPU {opts.cpu}")
    _report("submit -> JobStarted.t", dispatch)
    _report("t_return -> JobFinished.t", back)
    _report("raw Pipe round trip (reference)", rtt)


if __name__ == "__main__":
    main()
