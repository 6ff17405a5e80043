"""Processor lanes: one row per processor (and stacked rows for I/O, shared and LLM), bars per
call on a time axis, and a cursor at the current run time. Line-rendered: redrawn every frame
while the run plays, so each line is built from its few bars only.

On the run screen the lanes are also the time axis to look back along: ←/→ ask for the previous
or next moment something happened, a click on the axis (or on an empty cell) for that time."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from orchtui.tui import theme
from orchtui.tui.components.strips import Cell, FrameStyle, Runs
from orchtui.tui.lane_model import Bar, LaneModel, nice_ceiling, tick_step

LABEL_W = 14
# Lane labels longer than "cpu 12" (a Dask cluster's "node7/cpu 3", "node7/worker 40123 (not
# pinned)") widen the label column up to this, rather than lose their ends.
MAX_LABEL_W = 34
_LLM_BAR = Style(color=theme.INK, bgcolor=theme.LLM)
_DONE_ALT_BAR = Style(color=theme.INK, bgcolor=theme.DONE_ALT)
_CANCELLED_BAR = theme.badge("skipped") + Style(reverse=True)
_SELECTED = Style(bold=True, underline=True)
_MUTED = Style(color=theme.MUTED)
_LLM_LABEL = Style(color=theme.LLM, bold=True)
_LABEL = Style(bold=True)
_NO_LABEL = Style(bold=False)  # a stacked lane's further rows
_CURSOR_STYLE = Style(color=theme.CURSOR)
_CURSOR_CELL: Cell = ("│", _CURSOR_STYLE)
_AXIS_CURSOR: Cell = ("▼", Style(color=theme.CURSOR, bold=True))


class LanesView(FrameStyle, ScrollView, can_focus=True):
    DEFAULT_CSS = """
    LanesView { height: auto; background: $surface; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "scrub(-1)", "earlier", show=False),
        Binding("right,l", "scrub(1)", "later", show=False),
    ]

    # bound to the app's selected call on the run screen (data_bind); None elsewhere
    selected: reactive[str | None] = reactive(None, init=False, repaint=False)

    class Scrub(Message):
        """The user asks for the previous (-1) or next (1) moment on the time axis."""

        def __init__(self, direction: int) -> None:
            super().__init__()
            self.direction = direction

    class Seek(Message):
        """The user clicked a time on the axis."""

        def __init__(self, t: float) -> None:
            super().__init__()
            self.t = t

    class BarSelected(Message):
        """The user clicked a call's bar."""

        def __init__(self, call: str) -> None:
            super().__init__()
            self.call = call

    def __init__(self, *, id: str | None = None, classes: str | None = None,
                 scrubbable: bool = False) -> None:
        super().__init__(id=id, classes=classes)
        self.scrubbable = scrubbable  # the run screen's lanes: the keys and clicks move time
        self.model = LaneModel()
        self.now = 0.0
        self.span = 1.0
        self.fixed_span: float | None = None  # the compare screen shares one scale
        self.axis_label: str | None = None  # instead of the clock: the compare screen's policy
        self.skip_empty = False  # leave out I/O and LLM lanes that stay empty (compare)
        self._rows: list[tuple[str, list[Bar]]] = []
        self._row_cache: dict[int, _Row] = {}
        # the axis' ticks for a scale, width and base style: as runs, and as cells
        self._axis_cells: tuple[object, Runs, list[Cell]] | None = None
        self.label_w = LABEL_W

    def on_mount(self) -> None:
        self.changed()

    def reset(self, model: LaneModel) -> None:
        self.model = model
        # a new model (a restart, or the screen rebuilt to look back): rows cached for the old
        # one must go, even if the new one got its id
        self._row_cache.clear()
        self.now = 0.0
        self.span = self.fixed_span or 1.0
        self.changed()

    def changed(self) -> None:
        """The model got new bars or rows."""
        rows = self.model.rows(skip_empty=self.skip_empty)
        if [name for name, _ in rows] != [name for name, _ in self._rows]:
            self._row_cache.clear()  # rows moved: a cached row would land on another lane
        self._rows = rows
        longest = max((len(name) for name, _ in rows), default=0)
        self.label_w = min(MAX_LABEL_W, max(LABEL_W, longest + 1))
        height = len(self._rows) + 1
        if self.virtual_size.height != height:
            self.virtual_size = Size(0, height)
            self.refresh(layout=True)
        self.refresh_content()

    def set_time(self, now: float, estimate: float = 0.0) -> None:
        """Move the cursor; grow the axis (in round steps) when the run outgrows it.

        The clock moves every frame, the cursor a cell now and then: the rows (their running
        bars end at the cursor) are repainted when it moves a cell, the axis, which prints the
        clock, every time."""
        span = self.fixed_span or nice_ceiling(max(now, estimate, 1e-9))
        pw = self._plot_width()
        moved = span != self.span or self._x(now, pw) != self._x(self.now, pw)
        self.now, self.span = now, span
        if moved:
            self.refresh_content()
        else:
            self.refresh(Region(0, 0, self.size.width, 1))

    def next_cell_in(self, t: float, at_least: float = 0.0) -> float:
        """Run seconds from t until the cursor enters a next cell, at the current scale: the
        first cell it enters `at_least` seconds from t or later (whole cells: a cursor moved
        every so many cells moves evenly)."""
        cell = self.span / self._plot_width()
        if cell <= 0:
            return math.inf
        ahead = max(int(t / cell + 1e-9) + 1, math.ceil((t + at_least) / cell - 1e-9))
        return ahead * cell - t

    # -- drawing ------------------------------------------------------------------------------
    def _plot_width(self) -> int:
        return max(4, self.content_width - self.label_w)

    def _x(self, t: float, pw: int) -> int:
        return int(t / self.span * pw + 1e-9) if self.span > 0 else 0

    def render_line(self, y: int) -> Strip:
        width = self.content_width
        base = self.base_style
        pw = self._plot_width()
        if y == 0:
            axis = self._axis(pw, base)
            return axis if axis.cell_length == width else axis.crop_extend(0, width, base)
        index = y - 1 + int(self.scroll_y)
        if index >= len(self._rows):
            return Strip.blank(width, base)
        name, bars = self._rows[index]
        row = self._closed_cells(index, bars, pw)
        runs, cells = row.shown(self.selected, base)
        # what moves with the clock: the running bars (they end at the cursor) and the cursor,
        # painted over a copy of the finished bars' cells; only cells lo to hi are merged anew
        lo, hi = pw, 0
        painted = list(cells)
        for n in range(row.first, len(bars)):
            bar = bars[n]
            if bar.end is None:  # running bars grow with the clock: painted every frame
                x0, x1 = self._paint(painted, bar, n, pw)
                lo, hi = min(lo, x0), max(hi, x1)
        xc = self._x(self.now, pw)
        if 0 <= xc < pw and painted[xc][0] == " ":
            painted[xc] = _CURSOR_CELL
            lo, hi = min(lo, xc), max(hi, xc + 1)
        label_style = _LLM_LABEL if name == "LLM" else _LABEL if name else _NO_LABEL
        w = self.label_w - 1
        segments = [Segment(f"{name:<{w}}"[:w], base + label_style),
                    Segment("│", base + _MUTED)]
        segments.extend(runs.spliced(lo, hi, painted[lo:hi], base) if lo < hi else runs.segments)
        strip = Strip(segments)
        return strip if strip.cell_length == width else strip.crop_extend(0, width, base)

    def _closed_cells(self, index: int, bars: list[Bar], pw: int) -> _Row:
        """A row's finished bars, each painted once: a long run has thousands per row, and the
        cursor moves every frame. Bars that finish later are painted over the cached cells.

        Painted without the selection (which follows the newest event, so changes nearly every
        frame): `writer` remembers which bar painted each cell, and render_line restyles the
        selected bar's cells. A frame looks only at the bars from the first unpainted one on
        (a row fills left to right: those are the few running or just finished)."""
        key = (pw, self.span, id(self.model))
        row = self._row_cache.get(index)
        if row is None or row.key != key:
            row = self._row_cache[index] = _Row(key, pw)
        for n in range(row.keyed, len(bars)):
            row.by_key.setdefault(bars[n].key, []).append(n)
        row.keyed = len(bars)
        painted = row.painted
        for n in range(row.first, len(bars)):
            bar = bars[n]
            if bar.end is not None and n not in painted:
                self._paint(row.cells, bar, n, pw, row.writer)
                painted.add(n)
                row.version += 1
            if n == row.first and n in painted:
                row.first = n + 1
        return row

    def _paint(self, cells: list[Cell], bar: Bar, n: int, pw: int,
               writer: list[int] | None = None) -> tuple[int, int]:
        """Paint a bar: with the selection's style if it is selected and running (`writer`
        None), else plain, noting in `writer` which cells it painted. Returns the cells it
        painted, first and last plus one."""
        end = self.now if bar.end is None else bar.end
        x0 = min(self._x(bar.start, pw), pw - 1)
        x1 = min(max(x0 + 1, self._x(end, pw)), pw)
        if bar.state == "llm":
            style = _LLM_BAR
        elif bar.state == "done" and n % 2:
            style = _DONE_ALT_BAR
        elif bar.state == "cancelled":
            style = _CANCELLED_BAR
        elif bar.state == "lost":  # its worker was lost: it ends in ✗, and runs again
            style = theme.badge("failed")
        else:
            style = theme.badge(bar.state)
        if writer is None and bar.key == self.selected:
            style += _SELECTED
        # a label only where it fits whole: cut ids side by side read as noise
        text = bar.key.ljust(x1 - x0) if len(bar.key) <= x1 - x0 else " " * (x1 - x0)
        if bar.state == "lost":
            text = (text[:-1] if len(bar.key) < x1 - x0 else " " * (x1 - x0 - 1)) + "✗"
        for i, ch in enumerate(text):
            cells[x0 + i] = (ch, style)
        if writer is not None:
            writer[x0:x0 + len(text)] = [n] * len(text)
        return x0, x0 + len(text)

    def _axis(self, pw: int, base: Style) -> Strip:
        """The time axis: its ticks (drawn once per scale), the cursor's ▼ and the clock."""
        key = (self.span, pw, base)
        if self._axis_cells is None or self._axis_cells[0] != key:
            self._axis_cells = (key, *self._ticks(pw, base))
        _, runs, cells = self._axis_cells
        xc = self._x(self.now, pw)
        clock = self.axis_label or f"t={self.now:.2f}s"
        style = Style(bold=True) if self.axis_label else _CURSOR_STYLE
        w = self.label_w - 1
        segments = [Segment(f"{clock:<{w}}"[:w], base + style), Segment("┬", base + _MUTED)]
        if 0 <= xc < pw and cells[xc][0] == "─":  # never over a tick's label
            segments.extend(runs.spliced(xc, xc + 1, (_AXIS_CURSOR,), base))
        else:
            segments.extend(runs.segments)
        return Strip(segments)

    def _ticks(self, pw: int, base: Style) -> tuple[Runs, list[Cell]]:
        cells: list[Cell] = [("─", _MUTED)] * pw
        step = tick_step(self.span, pw)
        t = 0.0
        while t <= self.span + 1e-9:
            x = self._x(t, pw)
            text = f"{t:g}s" if step >= 1 else f"{t:.2f}".rstrip("0").rstrip(".") + "s"
            if x + len(text) <= pw:
                for i, ch in enumerate(text):
                    cells[x + i] = (ch, _MUTED)
            t += step
        return Runs(cells, base), cells

    # -- mouse --------------------------------------------------------------------------------
    def bar_at(self, x: int, y: int) -> str | None:
        """The call whose bar is drawn at a content cell (x, y), if any."""
        index = y - 1 + int(self.scroll_y)
        if y < 1 or index >= len(self._rows) or x < self.label_w:
            return None
        pw = self._plot_width()
        px = x - self.label_w
        hit = None
        for bar in self._rows[index][1]:
            end = self.now if bar.end is None else bar.end
            x0 = min(self._x(bar.start, pw), pw - 1)
            x1 = max(x0 + 1, self._x(end, pw))
            if x0 <= px < x1 and bar.state != "llm":
                hit = bar.key
        return hit

    def time_at(self, x: int) -> float | None:
        """The run time drawn at content column x, if x is on the plot."""
        pw = self._plot_width()
        px = x - self.label_w
        if px < 0 or px >= pw:
            return None
        return (px + 0.5) / pw * self.span  # the middle of the cell

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        call = self.bar_at(offset.x, offset.y)
        if call is not None:
            self.post_message(self.BarSelected(call))
        elif self.scrubbable:
            t = self.time_at(offset.x)
            if t is not None:
                self.post_message(self.Seek(t))

    def action_scrub(self, direction: int) -> None:
        if self.scrubbable:
            self.post_message(self.Scrub(direction))

    def watch_selected(self) -> None:
        self.refresh_content()


class _Row:
    """One lane row's finished bars, painted (see LanesView._closed_cells)."""

    __slots__ = ("by_key", "cells", "first", "key", "keyed", "painted", "shown_as", "version",
                 "writer")

    def __init__(self, key: object, pw: int) -> None:
        self.key = key  # what the painting depends on: width, time scale, model
        self.cells: list[Cell] = [(" ", None)] * pw
        self.writer = [-1] * pw  # the index of the bar that painted each cell last
        self.painted: set[int] = set()
        self.first = 0  # every bar before this one is finished and painted
        self.by_key: dict[str, list[int]] = {}  # call -> its bars' indices (a retry adds one)
        self.keyed = 0  # bars entered in by_key
        self.version = 0  # bars painted into cells so far
        # the cells with the selection shown, and as runs: (version, selection, base style)
        self.shown_as: tuple[object, Runs, list[Cell]] | None = None

    def shown(self, selected: str | None, base: Style) -> tuple[Runs, list[Cell]]:
        """The finished bars' cells with the selected call's bars underlined, and as runs on
        the base style: made again when a bar finishes or the selection moves, not per frame."""
        key = (self.version, selected, base)
        if self.shown_as is not None and self.shown_as[0] == key:
            return self.shown_as[1], self.shown_as[2]
        cells = self.cells
        if selected is not None:  # the selected call's finished bars, where they show
            cells = list(cells)
            for k in self.by_key.get(selected, ()):
                if k in self.painted:
                    for x, w in enumerate(self.writer):
                        if w == k:
                            ch, style = cells[x]
                            cells[x] = (ch, (style or Style()) + _SELECTED)
        runs = Runs(cells, base)
        self.shown_as = (key, runs, cells)
        return runs, cells
