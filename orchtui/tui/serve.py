"""The app in a browser: textual-serve runs `command` (an `orchtui scenario …` line) for each
browser that opens the page. Textual's own web stack, so it lives with the UI (only orchtui.tui
imports Textual and its companions)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from orchtui.errors import OrchError


def server(command: str, host: str, port: int) -> Callable[[], None]:
    """What serves until Ctrl-C. OrchError now when textual-serve is missing, and when it
    runs if the port is taken."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise OrchError("serve needs textual-serve, which is not installed: "
                        "pip install 'orchtui[serve]'") from None
    web = Server(command, host=host, port=port, title="orchtui")
    return lambda: _serve(web, host, port)


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
