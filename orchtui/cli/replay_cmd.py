"""`orchtui replay TRACE`: play a recorded JSONL trace in the TUI (or summarise it)."""

from __future__ import annotations

import argparse
import sys

from orchtui.cli.run_cmd import add_pace_option
from orchtui.engine.record import RunRecord
from orchtui.engine.trace import write_chrome_trace
from orchtui.engine.trace_reader import read_trace
from orchtui.text import safe_line


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
    """A malformed trace is one `FILE:LINE: message` and exit 2 (an OrchError); a torn last
    line is a warning, and the events before it replay."""
    if args.gantt:
        from orchtui.plots import check_path, require_matplotlib

        check_path(args.gantt, "--gantt")
        require_matplotlib("--gantt")
    read = read_trace(args.trace)
    for warning in read.warnings:
        print(f"orchtui: warning: {safe_line(warning)}", file=sys.stderr)
    events = read.events
    if args.chrome_trace:
        write_chrome_trace(events, args.chrome_trace)
    if args.gantt:
        from orchtui.plots.gantt import write_gantt

        write_gantt(events, args.gantt)
    if args.headless or args.chrome_trace or args.gantt:
        if args.headless:
            sys.stdout.writelines(RunRecord.from_events(events).json_text())
            print()
        return 0
    from orchtui.tui import run_replay

    return run_replay(events, pace=args.pace)
