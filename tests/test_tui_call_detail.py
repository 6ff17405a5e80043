"""The call panel draws its table's rows (the timing row again and again while the call runs)
without Rich's grid: the lines must be the grid's, cell for cell and style for style."""

from __future__ import annotations

import random

from rich.style import Style
from rich.text import Text

from orchtui.tui.components.call_detail import CallDetail, _grid

STYLES = ["", "bold", Style(color="#ff0000"), Style(color="#101010", bgcolor="#00afd7"),
          "italic #7a7a7a"]
WORDS = ["cost", "2.89", "s", "·", "start", "running", "took", "x" * 25, "é", "—", "a\nb", "",
         "  ", "漢字", "\t"]
LABELS = ["call", "state", "args", "thought", "needs", "exclusive", "decision", "result",
          "timing", "a-much-longer-label"]


def _value(rng: random.Random) -> Text:
    text = Text(style=rng.choice(STYLES))
    for _ in range(rng.randint(0, 8)):
        text.append(rng.choice(WORDS) + rng.choice([" ", "", "  "]),
                    rng.choice([*STYLES, None, None]))
    return text


def test_the_rows_are_drawn_as_the_grid_draws_them() -> None:
    rng = random.Random(3)
    detail = CallDetail()
    for _ in range(1500):
        detail._width = rng.randint(8, 70)
        rows = [(rng.choice(LABELS), _value(rng)) for _ in range(rng.randint(0, 5))]
        longest = max((len(label) for label, _ in rows), default=0)
        # the widths _column_widths gives, and sometimes not (then the grid draws them)
        detail._widths = (longest if rng.random() < 0.8 else rng.randint(1, 12),
                          rng.randint(1, 60))
        drawn = detail._rows_lines(rows)
        grid = detail._render(_grid(rows, detail._widths))
        assert [list(line) for line in drawn] == [list(line) for line in grid], \
            (detail._width, detail._widths, [(label, value.plain) for label, value in rows])
