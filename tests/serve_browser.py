"""A real browser on `orchtui serve`: start the server, open the page in headless Chromium
driven by Playwright, wait for the FRG, press n, and see the page change.

Used by tests/test_serve_browser.py and by scripts/browser_screenshot.py (the README's picture
of the browser page comes from this same code path).

Chromium is Debian's (`apt-get install chromium`), through Playwright's `executable_path`:
Playwright's own browser download cannot be reached from these machines. Every request the page
makes off this machine (the template links a web font) is aborted: the test talks to 127.0.0.1
only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
FRG_TITLE = "FRG · calls by rank"
STEPPED = "schedule"  # the decision log's first line after one step: s1, s2 scheduled


@dataclass
class BrowserResult:
    frg_seen: bool
    stepped_seen: bool
    before: bytes  # screenshots (PNG) before and after n
    after: bytes
    leftover_pids: list[int]  # processes of the server still alive after it stopped


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"orchtui serve exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"orchtui serve did not listen on port {port} in {timeout:g} s")


def start_server(port: int, log: Path,
                 options: tuple[str, ...] = ("--sim", "--step", "--seed", "0")
                 ) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    out = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "orchtui", "serve", "seo_audit", *options, "--port", str(port)],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)


def stop_server(proc: subprocess.Popen) -> list[int]:
    """Stop the server as Ctrl-C would; return the pids of its processes still alive after."""
    import psutil

    try:
        family = [proc.pid, *(c.pid for c in psutil.Process(proc.pid).children(recursive=True))]
    except psutil.NoSuchProcess:
        family = [proc.pid]
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    time.sleep(0.5)
    alive = []
    for pid in family:
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
                p.kill()  # leave nothing behind, and report it
        except psutil.NoSuchProcess:
            pass
    return alive


def run_in_browser(tmp: Path, screenshot: Path | None = None,
                   timeout: float = 60.0) -> BrowserResult:
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = start_server(port, tmp / "serve.log")
    received: list[bytes] = []
    before = after = b""
    frg_seen = stepped_seen = False
    try:
        wait_listening(port, proc)
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900})
            try:
                context.route("**/*", _local_only)
                page = context.new_page()
                page.on("websocket", lambda ws: ws.on(
                    "framereceived",
                    lambda frame: received.append(frame if isinstance(frame, bytes) else b"")))
                page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
                frg_seen = _wait_for(page, received, FRG_TITLE, 0, timeout)
                page.wait_for_timeout(1500)  # let the first screen settle
                before = page.screenshot()
                mark = len(received)
                page.locator(".xterm-screen").click()
                page.keyboard.press("n")
                stepped_seen = _wait_for(page, received, STEPPED, mark, timeout)
                page.wait_for_timeout(1000)
                after = page.screenshot()
                if screenshot is not None:
                    screenshot.write_bytes(after)
            finally:
                context.close()
    finally:
        leftover = stop_server(proc)
    return BrowserResult(frg_seen, stepped_seen, before, after, leftover)


def _local_only(route) -> None:
    host = urlparse(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def _wait_for(page, received: list[bytes], text: str, start: int, timeout: float) -> bool:
    """Whether `text` arrives in the terminal stream, from frame `start` on. Waits through the
    page: Playwright delivers the frames only while it is called."""
    needle = text.encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in b"".join(received[start:]):
            return True
        page.wait_for_timeout(100)
    return False
