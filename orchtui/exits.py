"""How orchtui ends: its exit codes, in one place for the CLI and the TUI.

0 the run succeeded and every output asked for was written; 1 it failed, or an output (a trace)
could not be written in full; 2 bad input; 128 + N when signal N ended it, as a shell reports it
(130 Ctrl-C/SIGINT, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
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
    """Let end_process skip freeing this process's objects: a sim run of 100,000 calls leaves
    half a million objects (the plan, the FRG, the record, and a policy whose parts refer to
    each other, so only the cyclic collector frees them), and freeing them took a tenth of the
    whole command after its output was written. Only for a process that runs no user code
    and starts no workers (the sim): their clean-up must run as usual."""
    global _leave_to_os
    _leave_to_os = leave


def end_process(code: int) -> NoReturn:
    """End the process with `code`, as `sys.exit` does. After leave_to_os, and with no other
    thread running, it ends without freeing the objects still alive: the output is flushed and
    the atexit handlers run first, then os._exit. If the output cannot be flushed, Python's
    own exit reports it, as it always has."""
    if _leave_to_os and threading.active_count() == 1:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)
        atexit._run_exitfuncs()
        try:  # an atexit handler may have written
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            os._exit(120)  # what Python exits with when it cannot flush at exit
        os._exit(code)
    sys.exit(code)
