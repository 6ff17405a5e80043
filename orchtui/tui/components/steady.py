"""Widgets that hand the compositor the lines it already has when nothing in them changed.

A compositor pass renders every widget whose clip meets the region that changed, and the run
screen's top-level widgets are clipped by the screen: a frame that moves only the clock (the
header's line, the lanes) also renders the graph, the call panel, the key bar, the containers and
the screen from their line caches, line by line, with Textual's filters applied to each. On a
small host that was most of a live run's frame. A steady widget keeps the lines of its last pass
and returns them while nothing repainted it (Textual marks every repaint through `_set_dirty`:
a refresh, a scroll, a new size, a style or title change) and the pass asks for the same part
of the same size, with the same filters and link hover.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.scrollbar import ScrollBar
from textual.strip import Strip


class Steady:
    """Mixed in before a Widget class."""

    _steady: tuple[object, list[Strip]] | None = None

    def _set_dirty(self, *regions: Region) -> None:
        # Textual (8.2.8) marks every repaint here, before its own line cache
        self._steady = None
        super()._set_dirty(*regions)  # type: ignore[misc]

    def render_lines(self, crop: Region) -> list[Strip]:
        key = (crop, self.outer_size, self.app.get_line_filters(),  # type: ignore[attr-defined]
               self.hover_style)  # type: ignore[attr-defined]
        steady = self._steady
        if steady is not None and steady[0] == key:
            return steady[1]
        lines = super().render_lines(crop)  # type: ignore[misc]
        self._steady = (key, lines)
        return lines


class SteadyScrollBar(Steady, ScrollBar):
    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        # Sized for the first time (shown), a scrollbar takes its virtual size as any widget
        # does, and Textual (8.2.8) then lays the screen out again for it: a second layout
        # right after the one that showed it, as costly. Nothing is laid out by a scrollbar's
        # virtual size (it draws from what its panel tells it).
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class SteadyScrolling(Steady):
    """Mixed in before a scrolling Widget class: steady, and so are its scrollbars (a panel's
    scrollbar is clipped by the panel, not by what changed, and is drawn with it)."""

    # Textual's (8.2.8) own properties, which make a scrollbar on first use, with a steady one
    @property
    def vertical_scrollbar(self) -> ScrollBar:
        if self._vertical_scrollbar is None:  # type: ignore[has-type]
            self._vertical_scrollbar = self._steady_bar(
                True, self.scrollbar_size_vertical)  # type: ignore[attr-defined]
        return self._vertical_scrollbar

    @property
    def horizontal_scrollbar(self) -> ScrollBar:
        if self._horizontal_scrollbar is None:  # type: ignore[has-type]
            self._horizontal_scrollbar = self._steady_bar(
                False, self.scrollbar_size_horizontal)  # type: ignore[attr-defined]
        return self._horizontal_scrollbar

    def _steady_bar(self, vertical: bool, thickness: int) -> ScrollBar:
        bar = SteadyScrollBar(vertical=vertical, name="vertical" if vertical else "horizontal",
                              thickness=thickness)
        bar.display = False
        self.app._start_widget(self, bar)  # type: ignore[attr-defined]
        return bar


class SteadyHorizontal(Steady, Horizontal):
    pass


class SteadyVertical(Steady, Vertical):
    pass


class SteadyScreen(Steady, Screen[object]):
    pass
