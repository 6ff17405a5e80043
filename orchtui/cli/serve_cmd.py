"""`orchtui serve FILE`: the TUI in a browser, for a room (textual-serve, an optional extra).

Each browser that opens the page gets its own run: textual-serve starts `orchtui scenario FILE
...` with the options given here, and relays the terminal over a websocket. On 127.0.0.1 by
default: a talk projects it from the speaker's machine; `--host 0.0.0.0` opens it to a class on
the same network, on purpose only.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from orchtui.cli.inputs import load_input
from orchtui.cli.llm_setup import add_llm_options
from orchtui.cli.run_cmd import add_run_options, add_tui_options, choose_mode, with_overrides

# what `serve` takes but the app's own command does not
_SERVE_ONLY = {"port", "host", "func", "command", "help"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the TUI to a browser (pip install 'orchtui[serve]')")
    add_run_options(p)
    add_tui_options(p)
    add_llm_options(p)
    p.add_argument("--port", type=_port, default=8000, metavar="N",
                   help="the port to listen on (default 8000)")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1: this machine only)")
    p.set_defaults(func=run, parser=p)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def app_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    """The `orchtui scenario` command line that gives each browser its run: the options given
    to `serve`, as given."""
    argv = [sys.executable, "-m", "orchtui", "scenario", args.file]
    for action in parser._actions:
        if not action.option_strings or action.dest in _SERVE_ONLY | {"parser"}:
            continue
        value = getattr(args, action.dest, action.default)
        if value == action.default or value is None:
            continue
        flag = max(action.option_strings, key=len)  # the long form
        if isinstance(action, argparse._StoreTrueAction):
            argv.append(flag)
        else:
            argv += [flag, str(value)]
    return argv


def run(args: argparse.Namespace) -> int:
    from orchtui.tui.serve import server

    # refuse a bad scenario or option here, once, rather than in every browser
    choose_mode(with_overrides(load_input(args.file, strict=args.strict), args), args)
    serve = server(shlex.join(app_command(args, args.parser)), args.host, args.port)
    print(f"orchtui: serving {args.file} at http://{args.host}:{args.port} (Ctrl-C stops)",
          file=sys.stderr, flush=True)
    stopped_by = serve()
    if stopped_by is None:
        return 0
    from orchtui.exits import signal_exit

    return signal_exit(stopped_by)  # 130 or 143, as every command ends on a signal
