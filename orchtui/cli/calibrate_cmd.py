"""`orchtui calibrate FILE`: measure each function's real duration, write the costs back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from orchtui.cli.inputs import FILE_HELP, load_input
from orchtui.engine.calibrate import CalibrationFailed, measure_costs, write_costs
from orchtui.errors import OrchError
from orchtui.files import replace_whole
from orchtui.scenario.loader import parse_scenario
from orchtui.scenario.trust import require_trust
from orchtui.text import safe_line


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate",
                       help="measure each function's real duration and write the costs back")
    p.add_argument("file", help=FILE_HELP)
    p.add_argument("--repeats", type=int, default=1, help="runs to take the median of (default 1)")
    p.add_argument("--dry-run", action="store_true", help="measure and show; do not write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    scenario = load_input(args.file)
    if scenario.path is None or scenario.path.suffix not in (".yaml", ".yml"):
        raise OrchError(f"{args.file}: calibrate needs a scenario YAML")
    missing = [f.name for f in scenario.functions if not f.impl]
    if missing:
        raise OrchError(f"{scenario.path}: function {missing[0]} has no impl to measure")
    require_trust(scenario)  # measuring runs every impl for real
    console = Console()
    console.print(f"measuring {scenario.name}: each call alone (react, P=1), "
                  f"{args.repeats} run(s)…")
    try:
        cal = measure_costs(scenario, max(1, args.repeats))
    except CalibrationFailed as err:
        print(f"orchtui: {safe_line(str(err))}", file=sys.stderr)
        return 1
    table = Table(title="measured costs (seconds)", title_justify="left")
    for col in ("function", "declared", "measured (median)", "call overrides"):
        table.add_column(col)
    assert scenario.plan is not None
    for f in scenario.functions:
        if f.name not in cal.function_costs:
            continue
        overrides = ", ".join(f"{c.id}={cal.call_costs[c.id]:.3g}" for c in scenario.plan.calls
                              if c.function == f.name and c.id in cal.call_costs)
        table.add_row(f.name, f"{f.cost:g}", f"{cal.function_costs[f.name]:.3g}", overrides)
    console.print(table)
    if args.dry_run:
        return 0
    path = Path(scenario.path)
    text = write_costs(path, cal)
    parse_scenario(text, path)  # never write a file that no longer loads
    try:
        replace_whole(path, text)  # a full disk must not leave half a scenario
    except OSError as err:
        print(f"orchtui: {path}: cannot write the costs: {err.strerror or err}",
              file=sys.stderr)
        return 1
    console.print(f"wrote the costs to {path}")
    return 0
