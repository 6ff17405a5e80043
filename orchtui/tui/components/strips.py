"""Helpers of the run screen's line-rendered panels: a line of Rich Text as a line-API Strip,
drawn from its segments, without Textual's renderable pipeline (which costs a frame several
times as much); a line of cells kept as styled runs, so that a frame that changes a few cells
merges only those; and the panel's base style and width, found once rather than per line."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip

from orchtui.tui.components.steady import SteadyScrolling

# Wide enough never to wrap a line: the caller crops it to its panel.
_CONSOLE = Console(width=1000, color_system="truecolor", legacy_windows=False)


def text_strip(text: Text) -> Strip:
    """The text as one line of segments (its newline left out)."""
    return Strip([s for s in text.render(_CONSOLE) if s.text != "\n"])


Cell = tuple[str, Style | None]
"""One cell of a line: its character and its style (None: the panel's own)."""


def merge(cells: Sequence[Cell], base: Style | None = None) -> list[Segment]:
    """Runs of equally styled cells as single segments, on `base` if given (as Strip.apply_style
    would put them)."""
    if base is None:
        return [Segment("".join(map(_CHAR, run)), style) for style, run in groupby(cells, _STYLE)]
    return [Segment("".join(map(_CHAR, run)), base + style if style else base)
            for style, run in groupby(cells, _STYLE)]


_CHAR = itemgetter(0)
_STYLE = itemgetter(1)


class Runs:
    """A line of one-character cells as segments of equal style, on the panel's base style. A
    frame that changes a few cells of it (a cursor, a growing bar) takes the unchanged stretches
    as slices of these segments and merges only the cells it changed: most of a line then costs
    a list slice, not a Python step per cell."""

    __slots__ = ("segments", "starts", "width")

    def __init__(self, cells: Sequence[Cell], base: Style) -> None:
        self.segments = merge(cells, base)
        self.starts: list[int] = []
        x = 0
        for segment in self.segments:
            self.starts.append(x)
            x += len(segment.text)
        self.width = x

    def between(self, a: int, b: int) -> list[Segment]:
        """The segments of cells a to b (b excluded), the runs at either end cut."""
        a, b = max(a, 0), min(b, self.width)
        if a >= b:
            return []
        starts = self.starts
        i = bisect_right(starts, a) - 1
        j = bisect_left(starts, b)  # runs i to j-1 hold the cells
        out = self.segments[i:j]
        first, last = out[0], out[-1]
        if i == j - 1:  # one run
            if a > starts[i] or b < starts[i] + len(first.text):
                out[0] = Segment(first.text[a - starts[i]:b - starts[i]], first.style)
            return out
        if a > starts[i]:
            out[0] = Segment(first.text[a - starts[i]:], first.style)
        end = b - starts[j - 1]
        if end < len(last.text):
            out[-1] = Segment(last.text[:end], last.style)
        return out

    def spliced(self, a: int, b: int, cells: Sequence[Cell], base: Style) -> list[Segment]:
        """The line with cells a to b replaced by `cells` (as many)."""
        return [*self.between(0, a), *merge(cells, base), *self.between(b, self.width)]


class FrameStyle(SteadyScrolling):
    """For a line-rendered panel: its base style (`rich_style`, which walks the widget's
    ancestors and their CSS, about 50 µs) found once, until a style changes, not once per line;
    and the width inside its border and scrollbars (which asks its styles for them) once per
    compositor pass. Steady: a pass that has nothing new of the panel (or of its scrollbars)
    gets their last lines back.

    Textual forgets its own `rich_style` at every refresh, in case a style changed: a style
    change (CSS, a theme, focus, an ancestor's inline style) repaints the whole widget, or tells
    it, and so drops the base here too; a refresh of a region (new content) keeps it."""

    _base: Style | None = None
    _frame_width: int | None = None
    _drawing = False

    def _set_dirty(self, *regions: Region) -> None:
        if not regions:  # the whole widget: a style or its size may have changed
            self._base = None
        super()._set_dirty(*regions)

    def notify_style_update(self) -> None:
        self._base = None
        super().notify_style_update()  # type: ignore[misc]

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_width = None
        self._drawing = True
        try:
            return super().render_lines(crop)
        finally:
            self._frame_width = None  # a size may change before the next pass
            self._drawing = False

    def refresh_content(self) -> None:
        """Repaint the lines inside the border: the border's lines, with their titles, are
        costly to draw again, and change only with a title (which repaints them itself)."""
        self.refresh(Region(0, 0, *self.scrollable_content_region.size))  # type: ignore[attr-defined]

    @property
    def base_style(self) -> Style:
        base = self._base
        if base is None:
            base = self._base = self.rich_style  # type: ignore[attr-defined]
        return base

    @property
    def content_width(self) -> int:
        """scrollable_content_region.width, once per pass while drawing."""
        width = self._frame_width
        if width is None:
            width = self.scrollable_content_region.width  # type: ignore[attr-defined]
            if self._drawing:  # kept until the pass ends
                self._frame_width = width
        return width
