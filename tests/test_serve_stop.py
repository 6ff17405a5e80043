"""`orchtui serve` stopped while a browser is still on the page: Ctrl-C in its terminal (SIGINT
to the server and its runs) or SIGINT to the server alone (`kill -INT`, a service manager) ends
the browsers' runs and the server at once, with no traceback and no process left.
textual-serve left the open pages to aiohttp's shutdown, which waited for them to close (20 s
and more here, up to its 60 s limit), and the runs' pipes were closed after the event loop:
an "Event loop is closed" traceback.

A websocket client stands in for the browser (the page's own protocol: /ws, then the app's
screen as data); tests/test_serve_browser.py drives a real one."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from pathlib import Path

import psutil
import pytest
from serve_browser import free_port, start_server, stop_server, wait_listening

pytest.importorskip("textual_serve")
aiohttp = pytest.importorskip("aiohttp")


async def _open_page(port: int, stop: asyncio.Event) -> bytes:
    """Connect as the page does, and hold the connection until `stop`; what the app sent."""
    got = b""
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"http://127.0.0.1:{port}/ws?width=100&height=30") as ws:
        while not stop.is_set():
            try:
                msg = await asyncio.wait_for(ws.receive(), 0.2)
            except TimeoutError:
                continue
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                            aiohttp.WSMsgType.ERROR):
                break
            if msg.type == aiohttp.WSMsgType.BINARY:
                got += msg.data
            elif msg.type == aiohttp.WSMsgType.TEXT:
                got += msg.data.encode()
    return got


# Seconds the server may take to stop: its runs end in about one. Not a timing measure: a
# bound on a hang (aiohttp alone waits up to 60 s for an open page).
STOP_S = 12


@pytest.mark.parametrize("group", [True, False], ids=["terminal-ctrl-c", "server-alone"])
@pytest.mark.parametrize("options", [("--sim", "--step"), ()], ids=["sim", "real"])
def test_sigint_with_a_page_open_stops_at_once(tmp_path: Path, group: bool,
                                               options: tuple[str, ...]) -> None:
    port = free_port()
    proc = start_server(port, tmp_path / "serve.log", options)
    leftover: list[int] = []
    try:
        wait_listening(port, proc)

        async def scene() -> tuple[bytes, int | None]:
            stop = asyncio.Event()
            page = asyncio.create_task(_open_page(port, stop))
            for _ in range(300):  # the app starts and draws its graph
                await asyncio.sleep(0.1)
                if page.done():
                    break
                kids = psutil.Process(proc.pid).children(recursive=True)
                if any("scenario" in " ".join(k.cmdline()) for k in kids if k.is_running()):
                    await asyncio.sleep(2.0)  # let it draw
                    break
            if group:
                os.killpg(proc.pid, signal.SIGINT)  # the server leads its own session
            else:
                proc.send_signal(signal.SIGINT)
            code = None
            for _ in range(STOP_S * 10):
                await asyncio.sleep(0.1)
                code = proc.poll()
                if code is not None:
                    break
            stop.set()
            return await page, code

        seen, code = asyncio.run(scene())
        assert b"FRG" in seen, "the page never got the app's screen"
        assert code is not None, "the server did not stop while a page was open"
        assert code == 130  # SIGINT, as every command ends on it
    finally:
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        leftover = stop_server(proc)
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert "Traceback" not in log and "Exception ignored" not in log, log
    assert leftover == [], "the server left processes behind"


@pytest.mark.parametrize(("signum", "code", "said"),
                         [(signal.SIGINT, 130, "orchtui: interrupted"),
                          (signal.SIGTERM, 143, "orchtui: terminated")], ids=["int", "term"])
def test_a_signal_ends_serve_with_its_exit_code(tmp_path: Path, signum: int, code: int,
                                                said: str) -> None:
    """As every command does (README, "Exit codes"): 128 + the signal, and one line."""
    port = free_port()
    proc = start_server(port, tmp_path / "serve.log")
    try:
        wait_listening(port, proc)
        proc.send_signal(signum)
        assert proc.wait(STOP_S) == code
    finally:
        if proc.poll() is None:
            proc.kill()
        stop_server(proc)
    assert said in (tmp_path / "serve.log").read_text(errors="replace")
