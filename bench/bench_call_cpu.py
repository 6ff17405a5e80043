"""Where a fine-grained call's time goes, two checkouts side by side (issue 15).

    python bench/bench_call_cpu.py [--calls 2000] [--rounds 5] TREE [TREE ...]

Each round runs, for each tree in turn (interleaved, so that the host's drift hits all alike),
a fresh interpreter with that tree's orchtui: `--calls` no-op compute calls with llmorch at
P=2, real, twice. Per call it reports the makespan, the engine process's CPU time and the
workers' CPU time (all workers together), medians over rounds. Run it from outside the trees:
`python -m orchtui` and imports put the working directory first on `sys.path`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_tree(calls: int) -> dict[str, float]:
    """In this interpreter (the tree's orchtui on sys.path): the second of two runs."""
    import psutil
    from bench_all import noop_calls  # beside this file; imports the tree's orchtui

    from orchtui.engine.record import RunRecord
    from orchtui.engine.session import make_run

    sc = noop_calls(calls)
    out: dict[str, float] = {}
    for _ in range(2):
        run = make_run(sc, mode="real", policy="llmorch", processors=2)
        try:
            workers = [psutil.Process(w.pid) for w in run.executor.pool._workers]
            w0 = sum(sum(p.cpu_times()[:2]) for p in workers)
            cpu = time.process_time()
            rec = RunRecord.from_events(run.events())
            cpu = time.process_time() - cpu
            wcpu = sum(sum(p.cpu_times()[:2]) for p in workers) - w0
        finally:
            run.executor.close()
        assert rec.status == "ok", rec.status
        out = {"makespan_us": (rec.makespan or 0.0) / calls * 1e6,
               "engine_cpu_us": cpu / calls * 1e6, "workers_cpu_us": wcpu / calls * 1e6}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:  # a child: one tree, its sample as JSON
        print(json.dumps(one_tree(args.calls)))
        return 0
    samples: dict[Path, list[dict[str, float]]] = {t: [] for t in args.trees}
    for n in range(args.rounds):
        print(f"round {n + 1}/{args.rounds}", file=sys.stderr, flush=True)
        for tree in args.trees:
            env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
            done = subprocess.run([sys.executable, __file__, "--one", "--calls",
                                   str(args.calls)], env=env, capture_output=True, text=True,
                                  check=True)
            samples[tree].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{args.calls} no-op compute calls, llmorch, real, P=2: per call, medians of "
          f"{args.rounds} interleaved rounds")
    for tree, got in samples.items():
        med = {k: statistics.median(s[k] for s in got) for k in got[0]}
        print(f"  {tree}: makespan {med['makespan_us']:.1f} µs, engine CPU "
              f"{med['engine_cpu_us']:.1f} µs, workers' CPU {med['workers_cpu_us']:.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
