"""`orchtui replay TRACE`: play a recorded JSONL trace in the TUI (or summarise it)."""

from __future__ import annotations

import argparse
import json

from orchtui.cli.run_cmd import add_pace_option
from orchtui.engine.record import RunRecord
from orchtui.engine.trace import read_trace, write_chrome_trace


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="play a recorded JSONL trace in the TUI")
    p.add_argument("trace", help="a JSONL trace written with --trace")
    p.add_argument("--headless", action="store_true", help="print the run's JSON summary")
    p.add_argument("--chrome-trace", metavar="FILE", help="convert to a Chrome trace")
    p.add_argument("--gantt", metavar="FILE",
                   help="draw the recorded lanes as a Gantt chart to FILE (.svg, .png or .pdf; "
                        "pip install 'orchtui[plots]')")
    add_pace_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.gantt:
        from orchtui.plots import check_path, require_matplotlib

        check_path(args.gantt, "--gantt")
        require_matplotlib("--gantt")
    events = read_trace(args.trace)
    if args.chrome_trace:
        write_chrome_trace(events, args.chrome_trace)
    if args.gantt:
        from orchtui.plots import check_path
        from orchtui.plots.gantt import plot_gantt

        plot_gantt(events, check_path(args.gantt, "--gantt"))
    if args.headless or args.chrome_trace or args.gantt:
        if args.headless:
            print(json.dumps(RunRecord.from_events(events).to_json()))
        return 0
    from orchtui.tui import run_replay

    return run_replay(events, pace=args.pace)
