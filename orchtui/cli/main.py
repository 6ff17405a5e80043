"""The `orchtui` command: scenario, sweep, plan, replay, calibrate."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from orchtui import exits
from orchtui.errors import OrchError
from orchtui.exits import signal_exit
from orchtui.text import safe_line

# command -> the module that defines it (its add_parser and its run function)
COMMANDS = {"plan": "plan_cmd", "scenario": "run_cmd", "sweep": "sweep_cmd",
            "replay": "replay_cmd", "calibrate": "calibrate_cmd", "trust": "trust_cmd",
            "serve": "serve_cmd"}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. When `argv` names a command, only that command's module is
    imported: `orchtui plan` must not pay for the engine, rich tables of runs, the LLM client
    setup and the executors (start-up is part of every command's latency). With no command,
    a mistyped one, or --help, every command is there to be listed."""
    wanted = _command(argv)
    parser = argparse.ArgumentParser(
        prog="orchtui",
        description="Run an LLM agent's plan of function calls in parallel (LLMOrch) and watch it.",
        epilog=_examples() if wanted is None else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if wanted is not None and name != wanted:
            continue
        try:
            module = __import__(f"orchtui.cli.{module_name}", fromlist=["add_parser"])
        except ImportError:  # a command still being built
            if module_name == "plan_cmd":
                raise
            continue
        module.add_parser(sub)
    return parser


def _examples() -> str:
    """Where a new user starts: commands that work as typed, from any directory, and the
    scenarios a bare name finds (only the listing of commands pays for looking them up)."""
    import textwrap

    from orchtui.scenario.loader import bundled_names

    names = textwrap.fill(f"FILE is a scenario YAML, or the name of a bundled one: "
                          f"{', '.join(bundled_names())}.", 79)
    return ("examples:\n"
            "  orchtui scenario seo_audit                   # the TUI on the paper's SEO audit\n"
            "  orchtui scenario seo_audit --sim --headless  # virtual time, a summary\n"
            "  orchtui plan seo_audit                       # its FRG: ranks, edges, exclusions\n"
            "  orchtui sweep kitti_stereo                   # speedup vs processors (sim)\n"
            f"\n{names}\n`orchtui COMMAND --help` lists a command's options.")


def _command(argv: Sequence[str] | None) -> str | None:
    """The command named on the command line, if it is a known one."""
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def _start_workers_early(argv: Sequence[str] | None) -> None:
    """A `scenario` run that is not simulated runs its functions on worker processes, forked
    from a server process that takes about a tenth of a second to boot: start it now, so that
    it boots while this process imports the engine. (A scenario without function code runs
    in the sim anyway; the server then waits unused, and ends with this process.)"""
    args = list(sys.argv[1:] if argv is None else argv)
    if _command(args) != "scenario" or {"--sim", "-h", "--help"} & set(args):
        return
    from orchtui.executors.forkserver import start_forkserver
    from orchtui.functions.context import ENTER

    # A worker started from the `orchtui` script runs that script again as its __main__
    # (multiprocessing does so for a script, in case a function was defined there), and the
    # script imports this module: preloaded, each worker finds it imported (4-5 ms each, more
    # with the script's compilation, measured). Not for `python -m orchtui`, whose __main__ no
    # worker runs again.
    main_module = sys.modules["__main__"]
    script = getattr(main_module, "__spec__", None) is None and hasattr(main_module, "__file__")
    # only a head start: if it fails, the executor starts the server itself, or says why not
    with contextlib.suppress(Exception):
        start_forkserver(ENTER, also=(__name__,) if script else ())


# The signal that is ending the run (None: none); the exit code says which (orchtui.exits).
_caught: int | None = None


def _interrupt(signum: int, frame: object) -> None:
    # SIGINT, SIGTERM and SIGHUP unwind like Ctrl-C, so `finally` blocks close workers and
    # traces; the TUI replaces this while it runs, to exit through its own shutdown.
    global _caught
    _caught = signum
    raise KeyboardInterrupt


def _unraisable(hook: object) -> None:
    # A KeyboardInterrupt raised where Python cannot propagate it (a weakref callback, a
    # __del__) is dropped with a traceback on stderr; main() still reports the interrupt.
    if not issubclass(getattr(hook, "exc_type", type(None)), KeyboardInterrupt):
        sys.__unraisablehook__(hook)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    global _caught
    _caught = None
    exits.leave_to_os(False)  # a command says so again (main may run more than once in a process)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        # an ignored signal stays ignored: `nohup`, `&` in a script
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _interrupt)
    sys.unraisablehook = _unraisable
    # Results and errors are printed as they are; one holding a lone surrogate must not end the
    # run with UnicodeEncodeError (stderr already escapes them).
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    if sys.stderr is None:  # started with stderr closed (`2>&-`): what we say is lost, and
        sys.stderr = _null_stream(2)  # print(file=None) would have put it into stdout's output
    stdout = sys.stdout = _WatchedStdout(sys.stdout) if sys.stdout is not None else _no_stdout()
    try:
        return _main(argv, stdout)
    finally:
        if stdout is not None and sys.stdout is stdout:
            sys.stdout = stdout._stream


def _main(argv: Sequence[str] | None, stdout: _WatchedStdout | None) -> int:
    try:
        _start_workers_early(argv)
        # Building the parser imports every command: a signal can land there too.
        args = build_parser(argv).parse_args(argv)
        code = int(args.func(args) or 0)
        if stdout is not None:
            stdout.flush()  # here, where a failure to write the output is said, not at exit
    except OrchError as err:
        # The message may quote a model's reply or a function's error: shown, never obeyed.
        print(f"orchtui: {safe_line(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return signal_exit(_caught)
    except BrokenPipeError:
        # The reader closed our stdout (`| head -1`): the output asked for was not written in
        # full, so not 0, whatever the run did (rich exits 1 there too, the table's way).
        _drop_stdout()
        return exits.FAILED
    except Exception as err:
        # An interrupt can surface as another error: raised inside an import, it comes out of
        # a class body as "RuntimeError: Error calling __set_name__".
        if _caught is not None:
            return signal_exit(_caught)
        if isinstance(err, OSError) and stdout is not None and stdout.failed:
            # `> out.json` on a full disk: the output asked for was not written
            print(f"orchtui: cannot write the output to stdout: {err.strerror or err}",
                  file=sys.stderr)
            _drop_stdout()
            return exits.FAILED
        raise
    if _caught is not None:  # the interrupt was swallowed on its way up (see _unraisable)
        return signal_exit(_caught)
    return code


class _WatchedStdout:
    """sys.stdout while a command runs, noting whether a write to it failed: an OSError from
    there (`> out.json` on a full disk) is said in one line, any other stays a bug's traceback.
    Everything else is the stream's own."""

    def __init__(self, stream: Any, closed: bool = False) -> None:
        self._stream = stream
        self.failed = False
        self._closed = closed  # started with stdout closed: the stream is /dev/null

    def write(self, text: str) -> int:
        if self._closed and text:
            raise BrokenPipeError(errno.EPIPE, "stdout is closed")
        try:
            return self._stream.write(text)
        except OSError:
            self.failed = True
            raise

    def writelines(self, lines: Iterable[str]) -> None:
        if self._closed:
            for line in lines:
                self.write(line)
        try:
            self._stream.writelines(lines)
        except OSError:
            self.failed = True
            raise

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            self.failed = True
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _no_stdout() -> _WatchedStdout | None:
    """Started with stdout closed (`>&-`): its output is one nobody reads, as when a reader
    closes the pipe."""
    stream = _null_stream(1)
    return None if stream is None else _WatchedStdout(stream, closed=True)


def _null_stream(fd: int) -> Any:
    """A stream on /dev/null at `fd`, a standard stream that was closed when we started: the
    next file opened (a trace, a worker's pipe) would take the number, and what was meant for
    that stream would go there (the forkserver's helpers write to our fd 2)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
        return open(fd, "w", closefd=False)
    except OSError:
        return None


def _drop_stdout() -> None:
    # What is still buffered for stdout goes nowhere: its flush at exit must not fail again.
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def entry() -> None:
    """The process's entry (the `orchtui` command, `python -m orchtui`): main, then the exit."""
    exits.end_process(main())


if __name__ == "__main__":
    entry()
