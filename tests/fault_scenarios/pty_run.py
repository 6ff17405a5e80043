"""Run the `orchtui` CLI on a pseudo-terminal, as a user's terminal would (tests of what reaches
the terminal: escape sequences in results, the state the TUI leaves the terminal in)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass

from fault_scenarios.harness import ROOT, orchtui_command

ALT_ON, ALT_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
MOUSE_MODES = (b"1000", b"1002", b"1003", b"1006", b"1015")


@dataclass
class PtyRun:
    returncode: int | None  # None: it had to be killed
    output: bytes  # every byte written to the terminal

    def after_last_start(self) -> bytes:
        """What the program wrote since it last entered the alternate screen."""
        at = self.output.rfind(ALT_ON)
        return self.output[at:] if at >= 0 else b""

    def terminal_restored(self) -> bool:
        """Off the alternate screen, and every mouse mode turned on was turned off after."""
        out = self.output
        if out.rfind(ALT_ON) > out.rfind(ALT_OFF):
            return False
        for mode in MOUSE_MODES:
            on, off = out.rfind(b"\x1b[?" + mode + b"h"), out.rfind(b"\x1b[?" + mode + b"l")
            if on > off:
                return False
        return True


def run_on_pty(args: list[str], *, until: Callable[[bytes], bool], then: int | None = None,
               limit: float = 60.0, settle: float = 0.5) -> PtyRun:
    """Start `orchtui ARGS` on a 120x36 pty; once `until(output)` holds (and `settle` s more),
    send signal `then` (or q, for quit, if None); collect the output until it exits."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([*orchtui_command(), *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=ROOT, start_new_session=True)
    os.close(slave)
    out = b""
    ready_at: float | None = None
    sent = False
    end = time.monotonic() + limit
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the program exited and the pty closed
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
            if ready_at is None and until(out):
                ready_at = time.monotonic()
            if not sent and ready_at is not None and time.monotonic() - ready_at >= settle:
                sent = True
                if then is None:
                    os.write(master, b"q")
                else:
                    os.kill(proc.pid, then)
        try:
            code: int | None = proc.wait(10)
        except subprocess.TimeoutExpired:
            code = None
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    return PtyRun(code, out)
