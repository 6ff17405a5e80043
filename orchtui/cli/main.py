"""The `orchtui` command: scenario, sweep, plan, replay, calibrate."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from orchtui.errors import OrchError


def build_parser() -> argparse.ArgumentParser:
    from orchtui.cli import plan_cmd

    parser = argparse.ArgumentParser(
        prog="orchtui",
        description="Run an LLM agent's plan of function calls in parallel (LLMOrch) and watch it.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan_cmd.add_parser(sub)
    for name in ("run_cmd", "sweep_cmd", "replay_cmd", "calibrate_cmd"):
        try:
            module = __import__(f"orchtui.cli.{name}", fromlist=["add_parser"])
        except ImportError:  # a command still being built
            continue
        module.add_parser(sub)
    return parser


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM unwinds like Ctrl-C, so `finally` blocks close workers and traces.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except OrchError as err:
        print(f"orchtui: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("orchtui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
