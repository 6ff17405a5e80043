"""The FRG panel's layout on big plans: time and memory of `layout`, and of a selection.

    python bench/bench_frg.py [N ...] [--rounds R] [--trace]

Each size runs in a fresh interpreter (so that the peak RSS is that size's): the plan is a
bench_engine.random_dag(N) (each call uses 0-3 of the 20 before it, half compute), its FRG built
as the TUI gets it (the GraphReady event's calls), then `layout` timed. Printed per size: the
median layout time over R rounds (each round a fresh interpreter), the process's peak RSS and its
RSS just before the layout, and with --trace the layout's own peak of Python allocations
(tracemalloc, in a separate call: it slows what it watches). Where the layout draws only the
selected call's edges (frg_sparse), also the slowest selection (its lines, and the rows of a
120x40 panel around it) among the call with the most edges and 200 others. Run it with
PYTHONPATH at another tree to compare (e.g. a worktree of main).
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def one(n: int, trace: bool) -> dict[str, float | str]:
    sys.path.insert(0, str(HERE))
    import gc

    from bench_engine import random_dag

    from orchtui.engine.session import make_run
    from orchtui.plan import parse_plan
    from orchtui.scenario.model import FunctionSpec, Scenario
    from orchtui.tui.frg_layout import GraphCall, layout

    text = random_dag(n)
    sc = Scenario(name=f"dag{n}", plan=parse_plan(text), plan_text=text,
                  functions=(FunctionSpec("c", "compute", cost=1.0),
                             FunctionSpec("io", "inout", cost=0.5)))
    run = make_run(sc, "sim", processors=4)
    g = run.graph_event()
    calls = [GraphCall(d["id"], d["function"], d["rank"], tuple(d["deps"])) for d in g.calls]
    groups = g.exclusive_groups
    del run, g, sc, text
    gc.collect()
    out: dict[str, float | str] = {"rss_before_mb": _rss_mb()}
    t0 = time.perf_counter()
    lay = layout(calls, groups)
    out["layout_s"] = time.perf_counter() - t0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["kind"] = type(lay).__name__
    out["size"] = f"{lay.width}x{lay.height}"
    if getattr(lay, "sparse", False):
        rng = random.Random(0)
        busiest = max(calls, key=lambda c: len(lay.deps.get(c.id, ())) + len(
            lay.users.get(c.id, ())))
        worst = 0.0
        for c in [busiest, *rng.sample(calls, min(200, len(calls)))]:
            t0 = time.perf_counter()
            lines = lay.edge_lines(c.id)
            box = lay.nodes[c.id]  # and the rows a 120x40 panel around it paints
            for y in range(box.y - 20, box.y + 20):
                lines.row(y, box.x - 60, box.x + 60)
            worst = max(worst, time.perf_counter() - t0)
        out["select_worst_s"] = worst
    if trace:
        import tracemalloc

        del lay
        gc.collect()
        tracemalloc.start()
        lay = layout(calls, groups)
        out["layout_peak_alloc_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--one":
        print(json.dumps(one(int(args[1]), "--trace" in args)))
        return
    rounds, trace, sizes = 1, False, []
    it = iter(args)
    for a in it:
        if a == "--rounds":
            rounds = int(next(it))
        elif a == "--trace":
            trace = True
        elif a.isdigit():
            sizes.append(int(a))
        else:  # --help, or a word it does not know: say how to call it
            print(__doc__, file=sys.stderr if a not in ("-h", "--help") else sys.stdout)
            sys.exit(0 if a in ("-h", "--help") else 2)
    for n in sizes or [500, 1000, 2000, 10000, 100000]:
        results = []
        for r in range(rounds):
            cmd = [sys.executable, __file__, "--one", str(n)]
            if trace and r == 0:
                cmd.append("--trace")
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout))
        first = results[0]
        line = (f"{n:>7} calls  {first['kind']:<12} {first['size']:>14}  layout "
                f"{statistics.median(r['layout_s'] for r in results):7.2f} s  peak RSS "
                f"{max(r['peak_rss_mb'] for r in results):6.0f} MB (before layout "
                f"{first['rss_before_mb']:.0f} MB)")
        if "layout_peak_alloc_mb" in first:
            line += f"  layout allocs peak {first['layout_peak_alloc_mb']:.0f} MB"
        if "select_worst_s" in first:
            line += f"  slowest selection {max(r['select_worst_s'] for r in results) * 1e3:.1f} ms"
        print(line, flush=True)


if __name__ == "__main__":
    main()
