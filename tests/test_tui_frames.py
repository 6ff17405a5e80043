"""When a live run's screen draws a frame with no event to show: when the lanes' cursor enters a
cell, whole cells apart (it steps evenly), at least LIVE_CLOCK_MIN and at most LIVE_CLOCK_MAX
apart."""

from __future__ import annotations

import math

import pytest
from conftest import make_app

from orchtui.tui.app import LIVE_CLOCK_MAX, LIVE_CLOCK_MIN

pytestmark = pytest.mark.anyio


async def test_clock_frames_step_the_cursor_by_whole_cells() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        lanes = app.lanes_view
        cell = lanes.span / lanes._plot_width()
        for t in (0.0, 0.3 * cell, cell + 1e-6, 7.5 * cell):
            # the next cell, wherever t is in its own
            assert lanes.next_cell_in(t) == pytest.approx(math.floor(t / cell + 1) * cell - t)
            for at_least in (0.0, 0.5 * cell, 2 * cell, 3.2 * cell):
                ahead = lanes.next_cell_in(t, at_least)
                assert ahead >= at_least - 1e-9 and ahead < at_least + cell + 1e-9
                assert (t + ahead) / cell == pytest.approx(round((t + ahead) / cell))
        # a frame lands a millisecond inside its cell: the next is as many cells on
        for span in (2.0, 8.0, 12.0, 60.0):
            lanes.span = span
            cell = span / lanes._plot_width()
            t = 3 * cell + 0.001
            gap = min(lanes.next_cell_in(t, LIVE_CLOCK_MIN) + 0.001, LIVE_CLOCK_MAX)
            assert LIVE_CLOCK_MIN <= gap <= LIVE_CLOCK_MAX
            if gap < LIVE_CLOCK_MAX:  # whole cells: the cursor moves evenly
                assert gap / cell == pytest.approx(round(gap / cell), abs=0.05)
