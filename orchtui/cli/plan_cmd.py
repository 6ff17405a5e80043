"""`orchtui plan FILE`: parse a plan, print its FRG (ranks, R1, R2) or its errors."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from orchtui.cli.inputs import load_input, print_plan_warnings, split_names
from orchtui.errors import OrchError, ScenarioError
from orchtui.exits import leave_to_os
from orchtui.graph import FRG, build_frg
from orchtui.text import counted, inert, safe_line


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="parse a plan and print its FRG: ranks, data edges, exclusions")
    p.add_argument("file", help="a scenario YAML, a bundled scenario name, or a plain plan text")
    p.add_argument("--compute", metavar="F1,F2",
                   help="for a plain plan: the compute functions (every other one is inout)")
    p.add_argument("--json", action="store_true",
                   help="print the FRG as JSON: calls, exclusive groups (rank -> compute calls), "
                        "warnings")
    p.add_argument("--pairs", action="store_true",
                   help=f"with --json: also list every exclusive pair (refused past "
                        f"{MAX_PAIRS:,} pairs: a rank of n compute calls has n(n-1)/2)")
    p.add_argument("--strict", action="store_true",
                   help="refuse a plan read leniently (a warning becomes an error, exit 2)")
    p.set_defaults(func=run)


# `--pairs` lists R2 pair by pair; 10,000 compute calls of one rank are 50 million pairs (about
# a gigabyte of JSON). Past this many, the pairs are refused and the groups say the same thing.
MAX_PAIRS = 1_000_000


def run(args: argparse.Namespace) -> int:
    """Print the FRG. A plan or scenario error prints as `FILE:LINE:COL: message` on stderr,
    with nothing before it, and exits 2."""
    # It runs no user code: what it built is left to the OS at exit, not scanned by the
    # collector's last pass (about 30 ms of the command, measured; see exits.leave_to_os).
    leave_to_os()
    try:
        return _run(args)
    except OrchError as err:
        print(safe_line(str(err)), file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.pairs and not args.json:
        raise OrchError("--pairs goes with --json")
    scenario = load_input(args.file, split_names(args.compute), strict=args.strict)
    if scenario.plan is None:
        raise ScenarioError("the scenario has no plan (run it with --llm to translate its query)",
                            source=args.file)
    frg = build_frg(scenario.plan, scenario.kinds)
    if args.pairs:
        count = pair_count(frg)
        if count > MAX_PAIRS:
            raise OrchError(f"--pairs: the plan has {count:,} exclusive pairs, over the "
                            f"{MAX_PAIRS:,} that --pairs lists: read exclusive_groups instead")
    print_plan_warnings(scenario.plan)
    if args.json:
        print(json.dumps(frg_json(frg, pairs=args.pairs)))
        return 0
    console = Console()
    console.print(calls_table(frg, scenario.name))
    console.print(draw_by_rank(frg))
    return 0


def frg_json(frg: FRG, pairs: bool = False) -> dict:
    """The FRG as JSON. R2 as groups: each rank's compute calls, every two of which are
    exclusive (linear in the plan's size); `pairs` adds R2 pair by pair (quadratic)."""
    order = frg.index.__getitem__
    data = {
        # a call's data predecessors are the ids it refers to (frg.preds, without asking the
        # graph 100,000 times), in plan order
        "calls": [
            {"id": c.id, "function": c.function, "kind": frg.kinds[c.id],
             "rank": frg.ranks[c.id], "deps": sorted(c.refs, key=order)}
            for c in frg.plan.calls
        ],
        "exclusive_groups": [
            {"rank": rank, "calls": list(group)}
            for rank, group in sorted(frg.compute_by_rank.items()) if len(group) > 1
        ],
        "warnings": [w.to_json() for w in frg.plan.warnings],
    }
    if pairs:
        data["exclusive"] = [list(p) for p in frg.exclusive_pairs()]
    return data


def pair_count(frg: FRG) -> int:
    return sum(len(g) * (len(g) - 1) // 2 for g in frg.compute_by_rank.values())


def _short_list(items: list[str] | tuple[str, ...], most: int = 6) -> str:
    if len(items) <= most:
        return ", ".join(items)
    return ", ".join(items[:most]) + f", … (+{len(items) - most})"


def calls_table(frg: FRG, title: str) -> Table:
    table = Table(title=Text(f"{inert(title, newlines=False)}: {counted(len(frg.ids), 'call')} "
                             f"in {counted(frg.depth, 'rank')}"), title_justify="left")
    for col in ("id", "function", "kind", "rank", "depends on", "exclusive with", "thought"):
        table.add_column(col, overflow="fold")
    for c in frg.ids:
        kind = frg.kinds[c]
        table.add_row(
            c, frg.call(c).function,
            Text(kind, style="bold magenta" if kind == "compute" else "cyan"),
            str(frg.ranks[c]), _short_list(frg.preds(c)), _short_list(frg.exclusive_partners(c)),
            Text(inert(frg.call(c).thought or "")),
        )
    return table


def draw_by_rank(frg: FRG) -> Text:
    """The FRG drawn rank by rank: each call with the calls it uses, and each rank's exclusive
    compute calls joined by ⇄."""
    out = Text()
    for rank, calls in frg.by_rank().items():
        out.append(f"rank {rank:>2} │ ", style="bold")
        for n, c in enumerate(calls):
            if n:
                out.append("   ")
            style = "bold magenta" if frg.is_compute(c) else "cyan"
            out.append(f"{c}", style=style)
            out.append(f" {frg.call(c).function}")
            preds = frg.preds(c)
            if preds:
                out.append(f" ← {_short_list(preds, 4)}", style="dim")
        out.append("\n")
        group = frg.compute_by_rank.get(rank, ())
        if len(group) > 1:
            out.append("        │ ", style="bold")
            out.append(" ⇄ ".join(group[:12]) + (" ⇄ …" if len(group) > 12 else ""),
                       style="magenta")
            out.append("  (mutually exclusive: compute, same rank)\n", style="dim")
    return out
