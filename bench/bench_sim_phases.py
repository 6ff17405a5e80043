"""Where a long sim spends its time, phase by phase, old tree against new, in one process.

    python bench/bench_sim_phases.py SCENARIO --old /tmp/old-tree [--new .] [--rounds 5]

The phases of `orchtui scenario SCENARIO --sim --headless --json` (with the collector paused,
as the CLI pauses it): load_scenario, make_run, the event loop (Run.events folded by
RunRecord.apply) and RunRecord.json_text. Each tree's orchtui is imported once, under its own
copy of sys.modules (a lazy import inside a function then finds its own tree's module), and
the trees take turns round by round, alternating which goes first: on a shared, noisy machine
both see the same load, which separate processes a minute apart do not. The two JSON outputs
must be the same bytes. Quoted: the median of the rounds, and the least.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

PHASES = ("load", "make_run", "loop", "json", "total")


def _ours(name: str) -> bool:
    return name == "orchtui" or name.startswith("orchtui.")


def import_tree(tree: Path, warm_up: Path) -> tuple[dict[str, ModuleType], tuple[Any, ...]]:
    """The tree's orchtui modules and its (load_scenario, make_run, RunRecord). A small run
    first imports whatever the pipeline imports lazily."""
    for name in [m for m in sys.modules if _ours(m)]:
        del sys.modules[name]
    sys.path.insert(0, str(tree))
    try:
        scenario = importlib.import_module("orchtui.scenario")
        session = importlib.import_module("orchtui.engine.session")
        record = importlib.import_module("orchtui.engine.record")
        if not str(scenario.__file__).startswith(str(tree)):
            raise SystemExit(f"{tree}: imported orchtui from {scenario.__file__}")
        pipeline = (scenario.load_scenario, session.make_run, record.RunRecord)
        _phases(pipeline, warm_up)
    finally:
        sys.path.remove(str(tree))
    return {m: mod for m, mod in sys.modules.items() if _ours(m)}, pipeline


def _phases(pipeline: tuple[Any, ...], path: Path) -> tuple[dict[str, float], str]:
    load, make_run, record = pipeline
    clock = time.process_time  # CPU seconds: the phases wait on nothing, and other jobs
    # sharing the machine then cost less noise than in wall time
    gc.collect()
    gc.disable()
    try:
        t0 = clock()
        scenario = load(path)
        t1 = clock()
        run = make_run(scenario, "sim")
        t2 = clock()
        rec = record()
        for e in run.events():
            rec.apply(e)
        t3 = clock()
        text = "".join(rec.json_text())
        t4 = clock()
    finally:
        gc.enable()
    return dict(zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True)), text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--old", type=Path, required=True, help="the tree to compare against")
    ap.add_argument("--new", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    warm_up = args.new / "scenarios" / "seo_audit.yaml"
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    loaded = {name: import_tree(tree, warm_up) for name, tree in trees.items()}
    times: dict[str, dict[str, list[float]]] = {n: {p: [] for p in PHASES} for n in trees}
    outputs: dict[str, str] = {}
    for r in range(args.rounds):
        for name in (("old", "new") if r % 2 == 0 else ("new", "old")):
            modules, pipeline = loaded[name]
            for m in [m for m in sys.modules if _ours(m)]:
                del sys.modules[m]
            sys.modules.update(modules)
            measured, outputs[name] = _phases(pipeline, args.scenario)
            for phase, seconds in measured.items():
                times[name][phase].append(seconds)
    if outputs["old"] != outputs["new"]:
        print("the two trees' JSON differs", file=sys.stderr)
        return 1
    print(f"{args.scenario.name}: median of {args.rounds} interleaved rounds [least]")
    print(f"{'phase':10} {'old s':>8} {'new s':>8}  change")
    for phase in PHASES:
        old, new = times["old"][phase], times["new"][phase]
        mo, mn = statistics.median(old), statistics.median(new)
        print(f"{phase:10} {mo:8.3f} {mn:8.3f}  {100 * (mn / mo - 1):+6.1f}%   "
              f"[{min(old):.3f} {min(new):.3f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
