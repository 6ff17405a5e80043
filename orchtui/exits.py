"""How orchtui ends: its exit codes, in one place for the CLI and the TUI.

0 the run succeeded and every output asked for was written; 1 it failed, or an output (a trace)
could not be written in full; 2 bad input; 128 + N when signal N ended it, as a shell reports it
(130 Ctrl-C/SIGINT, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import contextlib
import signal
import sys

OK, FAILED, BAD_INPUT = 0, 1, 2
_SAID = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}


def signal_exit(signum: int | None) -> int:
    """Say which signal ended the run, and return its exit code (128 + the signal number)."""
    signum = signum or signal.SIGINT
    # After SIGHUP the terminal may be gone: saying so must not fail.
    with contextlib.suppress(OSError):
        print(f"orchtui: {_SAID.get(signum, 'interrupted')}", file=sys.stderr)
    return 128 + signum
