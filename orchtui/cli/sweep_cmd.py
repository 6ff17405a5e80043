"""`orchtui sweep FILE`: speedup vs processor count for each policy."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from orchtui.cli.inputs import COMPUTE_HELP, FILE_HELP, SEED_HELP, load_input, print_plan_warnings
from orchtui.cli.llm_setup import prepare
from orchtui.cli.run_cmd import with_overrides
from orchtui.engine.session import parse_int_list
from orchtui.engine.sweep import SweepRow, measured_cap, speedup, sweep
from orchtui.errors import OrchError
from orchtui.scenario.model import POLICIES
from orchtui.scenario.trust import require_trust
from orchtui.text import inert, safe_line


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="speedup vs processor count for each policy")
    p.add_argument("file", help=FILE_HELP)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--sim", action="store_true", help="simulate (the default)")
    mode.add_argument("--real", action="store_true",
                      help="measure real runs (P is capped at the CPUs this process may use)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="dask: measure runs on Dask workers, each run on P of them, next to the "
                        "sim's curve (with --scheduler, an existing cluster; else a local one)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --executor dask: an existing Dask scheduler, e.g. "
                        "tcp://host:8786")
    p.add_argument("--processors", default="1-8", metavar="RANGE", help="e.g. 1-8 or 1,2,4")
    p.add_argument("--policies", metavar="A,B", help=f"default: all ({','.join(POLICIES)})")
    p.add_argument("--compute", choices=("serial", "eager"), default="serial", help=COMPUTE_HELP)
    p.add_argument("--seed", type=int, help=SEED_HELP)
    p.add_argument("--strict", action="store_true",
                   help="refuse a plan read leniently (a plan warning becomes an error, exit 2)")
    p.add_argument("--llm-turn", type=float, metavar="SECONDS",
                   help="override the scenario's llm_turn")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--tui", action="store_true", help="show the sweep screen of the TUI")
    p.add_argument("--plot", metavar="FILE",
                   help="draw speedup vs processors per policy, with the lower bound's line, "
                        "to FILE (.svg, .png or .pdf; pip install 'orchtui[plots]')")
    p.set_defaults(func=run)


def parse_range(text: str) -> list[int]:
    out = parse_int_list(text, "--processors", "1-8 or 1,2,4")
    if not out or min(out) < 1:
        raise OrchError(f"--processors: {text!r} must name processor counts ≥ 1")
    return sorted(set(out))


def run(args: argparse.Namespace) -> int:
    scenario = with_overrides(load_input(args.file, strict=args.strict), args)
    print_plan_warnings(scenario.plan)
    processors = parse_range(args.processors)
    policies = [p.strip() for p in args.policies.split(",")] if args.policies else list(POLICIES)
    for p in policies:
        if p not in POLICIES:
            raise OrchError(f"--policies: unknown policy {p!r} (one of {', '.join(POLICIES)})")
    plot = None
    if args.plot:
        from orchtui.plots import check_path, require_matplotlib

        if args.tui:
            raise OrchError("--plot writes a file: leave out --tui")
        plot = check_path(args.plot, "--plot")
        require_matplotlib("--plot")
    mode = choose_sweep_mode(args)
    if mode != "sim" and any(not f.impl for f in scenario.functions):
        raise OrchError(f"--{'real' if mode == 'real' else 'executor dask'}: the scenario's "
                        "functions need an impl to run for real")
    if mode != "sim":
        require_trust(scenario)  # before the sweep screen opens
    # the runs' model side, as `orchtui scenario` has it without --llm: the recorded plan and
    # repairs, so that each run recovers from a failed call as that one does
    setup = prepare(scenario, args)
    make = setup.run_maker()
    scenario = setup.scenario  # with its plan, where the recorded translation wrote it
    if args.tui:
        from orchtui.tui import run_sweep_app

        return run_sweep_app(scenario, processors=processors, policies=policies,
                             real=mode != "sim", executor=mode if mode != "sim" else "real",
                             scheduler=args.scheduler, run_maker=make)
    console = Console(stderr=True)
    if mode != "sim":
        kept, cap, why = measured_cap(mode, processors, args.scheduler)
        if not kept:
            raise OrchError(f"--processors {args.processors}: {why} serve at most {cap}")
        if len(kept) < len(processors):
            console.print(f"{mode} sweep: P capped at {cap}, {why}")
        processors = kept
    rows = sweep(scenario, mode, processors, policies, args.compute, args.seed, args.scheduler,
                 make)
    baseline = next(rows)
    results = [baseline, *rows]
    # A measured sweep shows the sim's curve next to it (the sim takes moments).
    sim = [] if mode == "sim" else list(sweep(scenario, "sim", processors, policies,
                                              args.compute, args.seed, make=make))
    if plot is not None:
        from orchtui.plots.speedup import plot_sweep

        plot_sweep(results, baseline, plot, f"{scenario.name}: speedup vs processors ({mode})")
        console.print(f"speedup plot written: {plot}")
    if args.json:
        out = _json_rows(results)
        if sim:
            by_key = {(r.policy, r.processors): r for r in sim}
            for row, r in zip(out["rows"], results, strict=True):
                twin = by_key.get((r.policy, r.processors))
                if twin is not None:
                    row["sim_makespan"] = _r(twin.makespan)
                    row["sim_speedup"] = _r(speedup(sim[0], twin))
            out["sim"] = _json_rows(sim)
        print(json.dumps({"mode": mode, **out}))
        return _failures(results)
    table = Table(title=Text(f"{inert(scenario.name, newlines=False)}: makespan and speedup "
                             f"vs react at P=1 ({baseline.makespan:.2f} s), {mode}"),
                  title_justify="left")
    table.add_column("P", justify="right")
    for policy in policies:
        table.add_column(policy, justify="right")
    for p in processors:
        cells = []
        for policy in policies:
            row = next((r for r in results if r.policy == policy and r.processors == p), None)
            twin = next((r for r in sim if r.policy == policy and r.processors == p), None)
            cell = f"{row.makespan:.2f}s {speedup(baseline, row):.2f}×" if row else ""
            if row and row.status != "ok":
                cell += f" {row.status}"
            if twin is not None:
                cell += f" (sim {speedup(sim[0], twin):.2f}×)"
            cells.append(cell)
        table.add_row(str(p), *cells)
    Console().print(table)
    return _failures(results)


def _failures(rows: list[SweepRow]) -> int:
    """Exit 1, and one line saying why, when a run of the sweep failed: its speedup is that
    of a run that ended early."""
    failed = [r for r in rows if r.status != "ok"]
    if not failed:
        return 0
    first = failed[0]
    print(f"orchtui: {len(failed)} of {len(rows)} runs failed; the first, {first.policy} at "
          f"P={first.processors}: {safe_line(first.error or first.status)}", file=sys.stderr)
    return 1


def choose_sweep_mode(args: argparse.Namespace) -> str:
    if args.scheduler and args.executor != "dask":
        raise OrchError("--scheduler goes with --executor dask")
    if args.executor == "dask":
        if args.sim:
            raise OrchError("--executor dask measures runs on Dask workers: leave out --sim")
        return "dask"
    return "real" if args.real else "sim"


def _json_rows(rows: list[SweepRow]) -> dict:
    baseline = rows[0]
    return {
        "baseline": {"policy": "react", "processors": 1, "makespan": _r(baseline.makespan)},
        "rows": [{"policy": r.policy, "processors": r.processors, "makespan": _r(r.makespan),
                  "speedup": _r(speedup(baseline, r)), "mode": r.mode, "status": r.status}
                 for r in rows],
    }


def _r(x: float) -> float:
    return round(x, 6)
