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
    for name in ("run_cmd", "sweep_cmd", "replay_cmd", "calibrate_cmd", "serve_cmd"):
        try:
            module = __import__(f"orchtui.cli.{name}", fromlist=["add_parser"])
        except ImportError:  # a command still being built
            continue
        module.add_parser(sub)
    return parser


_interrupted = False


def _interrupt(signum: int, frame: object) -> None:
    # SIGINT and SIGTERM unwind like Ctrl-C, so `finally` blocks close workers and traces.
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def _unraisable(hook: object) -> None:
    # A KeyboardInterrupt raised where Python cannot propagate it (a weakref callback, a
    # __del__) is dropped with a traceback on stderr; main() still reports the interrupt.
    if not issubclass(getattr(hook, "exc_type", type(None)), KeyboardInterrupt):
        sys.__unraisablehook__(hook)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    global _interrupted
    _interrupted = False
    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # `nohup`, `&` in a script
        signal.signal(signal.SIGINT, _interrupt)
    sys.unraisablehook = _unraisable
    # Results and errors are printed as they are; one holding a lone surrogate must not end the
    # run with UnicodeEncodeError (stderr already escapes them).
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        # Building the parser imports every command: a signal can land there too.
        args = build_parser().parse_args(argv)
        code = int(args.func(args) or 0)
    except OrchError as err:
        print(f"orchtui: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return _interrupted_exit()
    except BrokenPipeError:
        return 0
    except Exception:
        # An interrupt can surface as another error: raised inside an import, it comes out of
        # a class body as "RuntimeError: Error calling __set_name__".
        if _interrupted:
            return _interrupted_exit()
        raise
    if _interrupted:  # the interrupt was swallowed on its way up (see _unraisable)
        return _interrupted_exit()
    return code


def _interrupted_exit() -> int:
    print("orchtui: interrupted", file=sys.stderr)
    return 130


if __name__ == "__main__":
    sys.exit(main())
