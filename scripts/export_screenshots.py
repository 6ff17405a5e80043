"""Write SVG screenshots of the TUI to screenshots/, from the real app (README images).

    .venv/bin/python scripts/export_screenshots.py

The SEO audit scenario in the sim, driven event by event (no worker thread, no pacing), so the
pictures are the same on every machine: the run screen mid-run, step mode after three steps, the
compare screen and the sweep screen, all at 120x36.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from orchtui.cli.inputs import load_input
from orchtui.tui.app import AppOptions, OrchApp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SIZE = (120, 36)


def seo_app() -> OrchApp:
    scenario = load_input("seo_audit")
    return OrchApp(scenario, AppOptions(step=True, threaded=False, speed=math.inf, seed=0))


async def main_mid_run(app: OrchApp, pilot: Pilot) -> None:
    app.show_until(13)  # s3 runs on a processor of its own; s4, exclusive with it, waits


async def step_mode(app: OrchApp, pilot: Pilot) -> None:
    await pilot.press("n", "n", "n")


async def compare(app: OrchApp, pilot: Pilot) -> None:
    app.show_all()
    await pilot.press("c")


async def sweep(app: OrchApp, pilot: Pilot) -> None:
    await pilot.press("s")


SHOTS: dict[str, Callable[[OrchApp, Pilot], Awaitable[None]]] = {
    "main": main_mid_run,
    "step": step_mode,
    "compare": compare,
    "sweep": sweep,
}


async def shoot(name: str, steps: Callable[[OrchApp, Pilot], Awaitable[None]]) -> Path:
    app = seo_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await steps(app, pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        path = app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        await pilot.press("q")
    return Path(path)


async def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, steps in SHOTS.items():
        path = await shoot(name, steps)
        print(path.relative_to(ROOT), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
