"""`orchtui plan FILE`: parse a plan, print its FRG (ranks, R1, R2) or its errors."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from orchtui.cli.inputs import load_input, split_names
from orchtui.errors import OrchError, ScenarioError
from orchtui.graph import FRG, build_frg
from orchtui.text import inert, safe_line


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="parse a plan and print its FRG: ranks, data edges, exclusions")
    p.add_argument("file", help="a scenario YAML, a bundled scenario name, or a plain plan text")
    p.add_argument("--compute", metavar="F1,F2",
                   help="for a plain plan: the compute functions (every other one is inout)")
    p.add_argument("--json", action="store_true", help="print the FRG as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the FRG. A plan or scenario error prints as `FILE:LINE:COL: message` on stderr,
    with nothing before it, and exits 2."""
    try:
        return _run(args)
    except OrchError as err:
        print(safe_line(str(err)), file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    scenario = load_input(args.file, split_names(args.compute))
    if scenario.plan is None:
        raise ScenarioError("the scenario has no plan (run it with --llm to translate its query)",
                            source=args.file)
    frg = build_frg(scenario.plan, scenario.kinds)
    if args.json:
        print(json.dumps(frg_json(frg)))
        return 0
    console = Console()
    console.print(calls_table(frg, scenario.name))
    console.print(draw_by_rank(frg))
    return 0


def frg_json(frg: FRG) -> dict:
    return {
        "calls": [
            {"id": c, "function": frg.call(c).function, "kind": frg.kinds[c],
             "rank": frg.ranks[c], "deps": frg.preds(c)}
            for c in frg.ids
        ],
        "exclusive": [list(p) for p in frg.exclusive_pairs()],
    }


def _short_list(items: list[str] | tuple[str, ...], most: int = 6) -> str:
    if len(items) <= most:
        return ", ".join(items)
    return ", ".join(items[:most]) + f", … (+{len(items) - most})"


def calls_table(frg: FRG, title: str) -> Table:
    table = Table(title=Text(f"{inert(title, newlines=False)}: {len(frg.ids)} calls in "
                             f"{frg.depth} ranks"), title_justify="left")
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
