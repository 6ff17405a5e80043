"""The app in a browser: textual-serve runs `command` (an `orchtui scenario …` line) for each
browser that opens the page. Textual's own web stack, so it lives with the UI (only orchtui.tui
imports Textual and its companions)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import Any

from orchtui.errors import OrchError

# Seconds the browsers' runs get to end when the server stops, before they are killed
_RUNS_END_S = 10.0


def server(command: str, host: str, port: int) -> Callable[[], int | None]:
    """What serves until Ctrl-C, and returns the number of the signal that stopped it (None:
    it stopped otherwise). OrchError now when textual-serve is missing, and when it runs if
    the port is taken."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise OrchError("serve needs textual-serve, which is not installed: "
                        "pip install 'orchtui[serve]'") from None

    class _Server(Server):  # type: ignore[misc]
        """textual-serve's server, which also ends the runs of the pages still open when it
        stops. Left to itself, it let aiohttp wait for those pages to close (20 s and more,
        up to 60), and their runs' pipes were closed after the event loop (a traceback)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: set[asyncio.Task[Any]] = set()
            self.stopped_by: int | None = None  # the signal, for the exit code (128 + it)
            # Processes this one had before it served (a caller's, e.g. multiprocessing's
            # resource tracker): not the pages' runs, never waited for nor killed
            self._before = {p.pid for p in _descendants()}

        async def on_startup(self, app: Any) -> None:
            await super().on_startup(app)
            # textual-serve stops on SIGINT and SIGTERM alike, without saying which: the same
            # stop, told which signal asked for it (set once serving, as its own handlers are)
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._stop_by, sig)

        def _stop_by(self, signum: int) -> None:
            self.stopped_by = self.stopped_by or signum
            self.request_exit()

        async def handle_websocket(self, request: Any) -> Any:
            page = asyncio.current_task()
            assert page is not None
            self._pages.add(page)
            try:
                return await super().handle_websocket(request)
            finally:
                self._pages.discard(page)

        async def on_shutdown(self, app: Any) -> None:
            await super().on_shutdown(app)
            runs = self._runs()  # before they go: a run's helpers outlive it a moment
            # a cancelled page tells its run to quit and waits for its output to end
            for page in self._pages:
                page.cancel()
            await asyncio.gather(*self._pages, return_exceptions=True)
            await _ended(runs, self._runs)

        def _runs(self) -> list[Any]:
            """The pages' runs, and every process they started."""
            return [p for p in _descendants() if p.pid not in self._before]

    web = _Server(command, host=host, port=port, title="orchtui")
    def serve() -> int | None:
        _serve(web, host, port)
        return web.stopped_by
    return serve


def _descendants() -> list[Any]:
    import psutil

    with contextlib.suppress(psutil.Error):
        return psutil.Process().children(recursive=True)
    return []


async def _ended(runs: list[Any], now: Callable[[], list[Any]]) -> None:
    """Wait until the browsers' runs, and every process they started, have exited (a run's
    stdin pipe, which its helpers share, then closes while the loop still runs); kill what
    is left after _RUNS_END_S."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _RUNS_END_S
    while loop.time() < deadline:
        left = [p for p in {*runs, *now()} if _alive(p)]
        if not left:
            break
        await asyncio.sleep(0.05)
    else:
        import psutil

        for p in left:
            with contextlib.suppress(psutil.Error):
                p.kill()
    await asyncio.sleep(0.05)  # asyncio's callbacks for the last of them


def _alive(process: Any) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _serve(web: object, host: str, port: int) -> None:
    # textual-serve runs on the thread's current event loop: give it a fresh one (a caller may
    # have left a closed one behind)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        web.serve()  # type: ignore[attr-defined]
    except OSError as err:
        raise OrchError(f"serve: cannot listen on {host}:{port}: "
                        f"{err.strerror or err}") from None
    finally:
        if not loop.is_closed():
            loop.close()
        asyncio.set_event_loop(None)
