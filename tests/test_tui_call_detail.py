"""The call panel draws its timing row (redrawn while the call runs) without Rich's grid: the
lines must be the grid's, cell for cell and style for style."""

from __future__ import annotations

import random

from rich.text import Text

from orchtui.tui.components.call_detail import CallDetail, _grid


def test_the_timing_row_is_drawn_as_the_grid_draws_it() -> None:
    rng = random.Random(3)
    detail = CallDetail()
    words = ["cost", "2.89", "s", "·", "start", "0.81", "running", "took", "end", "", "é", "—"]
    for _ in range(2000):
        detail._width = rng.randint(8, 70)
        label = rng.choice(["timing", "t", "a-long-label"])
        detail._widths = (rng.randint(1, 12), rng.randint(1, 60))  # sometimes not the fast shape
        words[-3] = "x" * rng.randint(1, 30)
        value = Text(" ".join(rng.choice(words) for _ in range(rng.randint(0, 12))))
        fast = detail._timing_lines([(label, value)])
        grid = detail._render(_grid([(label, value)], detail._widths))
        assert [list(line) for line in fast] == [list(line) for line in grid], \
            (detail._width, detail._widths, label, value.plain)
