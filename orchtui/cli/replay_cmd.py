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
    add_pace_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    events = read_trace(args.trace)
    if args.chrome_trace:
        write_chrome_trace(events, args.chrome_trace)
    if args.headless or args.chrome_trace:
        if args.headless:
            print(json.dumps(RunRecord.from_events(events).to_json()))
        return 0
    from orchtui.tui import run_replay

    return run_replay(events, pace=args.pace)
