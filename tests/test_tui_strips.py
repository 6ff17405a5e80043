"""A line kept as runs (components/strips.Runs): a slice or a splice of it draws the same cells,
in the same styles, as merging the whole line again."""

from __future__ import annotations

import random

from rich.segment import Segment
from rich.style import Style

from orchtui.tui.components.strips import Cell, Runs, merge

BASE = Style(bgcolor="#202020")
STYLES = (None, Style(color="#ff0000"), Style(color="#00ff00", bold=True))


def _cells(segments: list[Segment]) -> list[tuple[str, Style | None]]:
    return [(ch, s.style) for s in segments for ch in s.text]


def _line(rng: random.Random, width: int) -> list[Cell]:
    cells: list[Cell] = []
    while len(cells) < width:  # runs of a few equal cells, as bars are
        style = rng.choice(STYLES)
        cells.extend((rng.choice("ab "), style) for _ in range(rng.randint(1, 6)))
    return cells[:width]


def _on_base(cells: list[Cell]) -> list[tuple[str, Style | None]]:
    return [(ch, BASE + style if style else BASE) for ch, style in cells]


def test_between_and_spliced_draw_the_cells_of_a_full_merge() -> None:
    rng = random.Random(7)
    for _ in range(300):
        width = rng.randint(1, 40)
        cells = _line(rng, width)
        runs = Runs(cells, BASE)
        assert runs.width == width
        assert _cells(runs.segments) == _on_base(cells)
        a = rng.randint(-2, width + 2)
        b = rng.randint(-2, width + 2)
        assert _cells(runs.between(a, b)) == _on_base(cells[max(a, 0):max(min(b, width), 0)])
        a, b = sorted((rng.randint(0, width), rng.randint(0, width)))
        new = _line(rng, b - a) if b > a else []
        changed = cells[:a] + new + cells[b:]
        assert _cells(runs.spliced(a, b, new, BASE)) == _on_base(changed)


def test_merge_joins_equal_neighbours_only() -> None:
    red = Style(color="#ff0000")
    assert merge([("a", red), ("b", red), ("c", None), ("d", red)]) == [
        Segment("ab", red), Segment("c", None), Segment("d", red)]
