"""How long stepping back and seeking take on the run screen, by run size.

    python bench/bench_lookback.py

Each look back rebuilds the screen from the fold of the events before the cursor (exact, and
simple); this measures what that costs: generated plans of 60, 200 and 1000 calls in the sim,
shown whole, then `b` (one event back) and a seek to mid-run, 5 rounds each, median ms. The
cost grows with the events before the cursor.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "tui_scenarios"))

from make_plans import HEAD, plan  # noqa: E402

from orchtui.cli.inputs import load_input  # noqa: E402
from orchtui.tui.app import AppOptions, OrchApp  # noqa: E402


async def measure(path: Path) -> tuple[int, float, float]:
    app = OrchApp(load_input(str(path)),
                  AppOptions(step=True, threaded=False, speed=math.inf, seed=0))
    back: list[float] = []
    seek: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.show_all()
        events = len(app.shown)
        middle = app.record.now / 2
        for _ in range(5):
            app.action_live()
            began = time.perf_counter()
            app.action_back()
            back.append(time.perf_counter() - began)
            began = time.perf_counter()
            app.seek_time(middle)
            seek.append(time.perf_counter() - began)
        await pilot.press("q")
    return events, statistics.median(back) * 1000, statistics.median(seek) * 1000


def main() -> int:
    print("calls  events  b (ms)  seek to mid-run (ms)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (60, 200, 1000):
            path = Path(tmp) / f"plan{n}.yaml"
            path.write_text(HEAD.format(name=f"plan{n}", n=n) + "\n".join(plan(n, 7)) + "\n")
            events, back, seek = asyncio.run(measure(path))
            print(f"{n:5d}  {events:6d}  {back:6.1f}  {seek:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
