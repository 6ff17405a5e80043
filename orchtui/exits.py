"""How orchtui ends: its exit codes, in one place for the CLI and the TUI.

0 the run succeeded and every output asked for was written; 1 it failed, or an output (a trace)
could not be written in full; 2 bad input; 128 + N when signal N ended it, as a shell reports it
(130 Ctrl-C/SIGINT, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
from typing import NoReturn

OK, FAILED, BAD_INPUT = 0, 1, 2
_SAID = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}


def signal_exit(signum: int | None) -> int:
    """Say which signal ended the run, and return its exit code (128 + the signal number)."""
    signum = signum or signal.SIGINT
    # After SIGHUP the terminal may be gone: saying so must not fail.
    with contextlib.suppress(OSError):
        print(f"orchtui: {_SAID.get(signum, 'interrupted')}", file=sys.stderr)
    return 128 + signum


# Set by a command whose process may end without freeing what it built (see end_process).
_leave_to_os = False


def leave_to_os(leave: bool = True) -> None:
    """Let end_process leave this process's objects to the OS: a sim run of 100,000 calls
    leaves half a million objects (the plan, the FRG, the record, and a policy whose parts
    refer to each other, so only the cyclic collector frees them), and the collector's last
    pass at shutdown scanned them all: half a second after the output was written, over a
    second after the TUI's quit. Only for a process that ran no user code (the sim, headless
    or in the TUI): no finalizer of theirs may be skipped."""
    global _leave_to_os
    _leave_to_os = leave


def freeze_start_up() -> None:
    """Leave the objects alive now (the modules imported, the parsed command line and
    scenario) out of the collector's passes until the process ends: its full passes during a
    run, and its passes at exit, which scanned them all (about 30 ms after a real run's output
    was written, on a small machine). For a command whose process keeps them to its end.
    They are still freed when the interpreter tears its modules down, where that frees them
    by reference counting; a garbage cycle among them is left to the OS. What the run makes
    after this (the results of user code included) is collected as always."""
    gc.freeze()


def end_process(code: int) -> NoReturn:
    """End the process with `code`: sys.exit, so the output is flushed (or the failure to
    flush reported) and the atexit handlers run as always. After leave_to_os, the objects
    still alive are first frozen out of the collector (gc.freeze), so its last pass skips
    them; what only that pass would have freed is the OS's to reclaim."""
    if _leave_to_os:
        gc.freeze()
    sys.exit(code)
