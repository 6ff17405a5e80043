"""The Textual UI (DESIGN §9). Importing this package starts nothing and loads no Textual: the
entry points below import the app when they are called."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchtui.engine.events import Event
    from orchtui.engine.runner import Run
    from orchtui.engine.session import RunMaker
    from orchtui.scenario.model import Scenario
    from orchtui.tui.app import AppOptions


def run_app(scenario: Scenario, *, mode: str = "sim", policy: str | None = None,
            processors: int | None = None, cpus: str | tuple[int, ...] | None = None,
            compute: str = "serial", seed: int | None = None, step: bool = False,
            trace_path: str | None = None, speed: float | None = None,
            pace: float | None = None,
            run_factory: Callable[[AppOptions], Run] | None = None,
            scheduler: str | None = None, run_maker: RunMaker | None = None) -> int:
    """Open the TUI on a run of `scenario` and return the exit code. Bad options (too many
    processors, an unknown policy) raise OrchError before the screen opens.

    `run_factory(options)` builds each run (the first, and every restart with a new policy or
    processor count); by default engine.session.make_run with the options' settings.
    `run_maker` builds the compare, sweep and what-if screens' runs (a RunMaker), by default
    engine.session.make_run: pass the one that goes with `run_factory`, so that they recover
    as the run on screen does."""
    from orchtui.tui.app import AppOptions, OrchApp

    app = OrchApp(scenario, AppOptions(mode=mode, policy=policy, processors=processors,
                                       cpus=cpus, compute=compute, seed=seed, step=step,
                                       trace_path=trace_path, speed=speed, pace=pace,
                                       scheduler=scheduler),
                  run_factory=run_factory, run_maker=run_maker)
    app.prepare()
    return _run(app)


def run_replay(events: list[Event], *, step: bool = False, speed: float | None = None,
               pace: float | None = None) -> int:
    """Play a recorded trace on the run screen: pausable, steppable."""
    from orchtui.tui.app import AppOptions, OrchApp

    app = OrchApp(None, AppOptions(step=step, speed=speed, pace=pace), replay=events)
    return _run(app)


def run_sweep_app(scenario: Scenario, *, processors: Sequence[int] = range(1, 9),
                  policies: Sequence[str] | None = None, real: bool = False,
                  executor: str = "real", scheduler: str | None = None,
                  run_maker: RunMaker | None = None) -> int:
    """The sweep screen on its own (`orchtui sweep FILE --tui`); `real` measures too, with
    `executor` ("real" or "dask", on the cluster at `scheduler` if given); `run_maker` builds
    its runs (by default engine.session.make_run)."""
    from orchtui.engine.session import make_run
    from orchtui.tui.sweep_app import SweepApp

    app = SweepApp(scenario, processors=processors, policies=policies, real=real,
                   executor=executor, scheduler=scheduler, make=run_maker or make_run)
    return _run(app)


_ENDING = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
# Seconds the app's shutdown may take after a signal. A shutdown past it is stuck (a terminal
# that vanished mid-write has left Textual's writer thread and the screen waiting on each other
# forever): the process then ends its children and itself, rather than live on as an orphan.
_SHUTDOWN_GRACE_S = 10.0


def _run(app: Any) -> int:
    """Run the app; SIGTERM, SIGHUP or SIGINT end it through its own shutdown, which takes the
    terminal off the alternate screen and turns mouse tracking off, and exit 128 + the signal's
    number (143, 129, 130), as the CLI does without the TUI."""
    with _signals_end(app) as caught:
        app.run()
    if caught:
        from orchtui.exits import signal_exit

        return signal_exit(caught[0])
    return app.return_code or 0


def _end_stuck(signum: int) -> None:
    """The shutdown a signal asked for did not end in time: kill every process this one
    started (workers, the forkserver, a Dask cluster), then exit as the signal would."""
    with contextlib.suppress(Exception):
        import psutil

        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
    with contextlib.suppress(OSError):  # after SIGHUP there may be no terminal to say it on
        os.write(2, f"orchtui: the screen did not close within {_SHUTDOWN_GRACE_S:g} s of "
                    f"the signal: ended it\n".encode())
    os._exit(128 + signum)


def _watch_shutdown(caught: list[int], ending: threading.Event,
                    ended: threading.Event) -> None:
    ending.wait()
    if not ended.wait(_SHUTDOWN_GRACE_S) and caught:
        _end_stuck(caught[0])


@contextlib.contextmanager
def _signals_end(app: Any) -> Iterator[list[int]]:
    caught: list[int] = []
    # Started before any signal: a signal handler must not start a thread (it may have
    # interrupted this thread inside threading's own locks).
    ending, ended = threading.Event(), threading.Event()
    threading.Thread(target=_watch_shutdown, args=(caught, ending, ended), daemon=True,
                     name="orchtui-shutdown-watch").start()

    def handler(signum: int, frame: object) -> None:
        try:
            loop = asyncio.get_running_loop()  # the handler runs on the app's (main) thread
        except RuntimeError:  # before the app's loop started, or after it ended: as without
            old = previous.get(signum)  # the TUI (the CLI's handler unwinds and says why)
            if callable(old):
                old(signum, frame)
            raise KeyboardInterrupt from None
        first = not caught
        caught.append(signum)
        if first:  # once: a second signal could land inside the first one's set()
            ending.set()
        # Never touch the app from inside a signal handler: ask its loop to exit it.
        loop.call_soon_threadsafe(app.exit, None, 128 + signum)

    previous: dict[int, Any] = {}
    for sig in _ENDING:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield caught
    finally:
        ended.set()
        ending.set()  # the watch ends too
        for sig, old in previous.items():
            signal.signal(sig, old)
