"""Processor lanes: one row per processor (and stacked rows for I/O, shared and LLM), bars per
call on a time axis, and a cursor at the current run time. Line-rendered: redrawn every frame
while the run plays, so each line is built from its few bars only.

On the run screen the lanes are also the time axis to look back along: ←/→ ask for the previous
or next moment something happened, a click on the axis (or on an empty cell) for that time."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from orchtui.tui import theme
from orchtui.tui.lane_model import Bar, LaneModel, nice_ceiling, tick_step

LABEL_W = 14


class LanesView(ScrollView, can_focus=True):
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
        self._row_cache: dict[int, tuple[object, list[tuple[str, Style | None]], set[int]]] = {}

    def on_mount(self) -> None:
        self.changed()

    def reset(self, model: LaneModel) -> None:
        self.model = model
        self.now = 0.0
        self.span = self.fixed_span or 1.0
        self.changed()

    def changed(self) -> None:
        """The model got new bars or rows."""
        rows = self.model.rows(skip_empty=self.skip_empty)
        if [name for name, _ in rows] != [name for name, _ in self._rows]:
            self._row_cache.clear()  # rows moved: a cached row would land on another lane
        self._rows = rows
        height = len(self._rows) + 1
        if self.virtual_size.height != height:
            self.virtual_size = Size(0, height)
            self.refresh(layout=True)
        self.refresh()

    def set_time(self, now: float, estimate: float = 0.0) -> None:
        """Move the cursor; grow the axis (in round steps) when the run outgrows it."""
        self.now = now
        self.span = self.fixed_span or nice_ceiling(max(now, estimate, 1e-9))
        self.refresh()

    # -- drawing ------------------------------------------------------------------------------
    def _plot_width(self) -> int:
        return max(4, self.scrollable_content_region.width - LABEL_W)

    def _x(self, t: float, pw: int) -> int:
        return int(t / self.span * pw + 1e-9) if self.span > 0 else 0

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        pw = self._plot_width()
        if y == 0:
            return self._axis(pw, base).crop_extend(0, width, base)
        index = y - 1 + int(self.scroll_y)
        if index >= len(self._rows):
            return Strip.blank(width, base)
        name, bars = self._rows[index]
        cells = list(self._closed_cells(index, bars, pw))
        for n, bar in enumerate(bars):
            if bar.end is None:  # running bars grow with the clock: painted every frame
                self._paint(cells, bar, n, pw)
        xc = self._x(self.now, pw)
        if 0 <= xc < pw and cells[xc][0] == " ":
            cells[xc] = ("│", Style(color=theme.CURSOR))
        label_style = Style(color=theme.LLM if name == "LLM" else None, bold=bool(name))
        segments = [Segment(f"{name:<{LABEL_W - 1}}"[: LABEL_W - 1], label_style),
                    Segment("│", Style(color=theme.MUTED))]
        segments.extend(_merge(cells))
        return Strip(segments).apply_style(base).crop_extend(0, width, base)

    def _closed_cells(self, index: int, bars: list[Bar], pw: int
                      ) -> list[tuple[str, Style | None]]:
        """A row's finished bars, each painted once: a long run has hundreds per row, and the
        cursor moves every frame. Bars that finish later are painted over the cached cells."""
        key = (pw, self.span, self.selected, id(self.model))
        cached = self._row_cache.get(index)
        if cached is None or cached[0] != key:
            cached = (key, [(" ", None)] * pw, set())
            self._row_cache[index] = cached
        _, cells, painted = cached
        if len(painted) < len(bars):
            for n, bar in enumerate(bars):
                if bar.end is not None and n not in painted:
                    self._paint(cells, bar, n, pw)
                    painted.add(n)
        return cells

    def _paint(self, cells: list[tuple[str, Style | None]], bar: Bar, n: int, pw: int) -> None:
        end = self.now if bar.end is None else bar.end
        x0 = min(self._x(bar.start, pw), pw - 1)
        x1 = min(max(x0 + 1, self._x(end, pw)), pw)
        if bar.state == "llm":
            style = Style(color=theme.INK, bgcolor=theme.LLM)
        elif bar.state == "done" and n % 2:
            style = Style(color=theme.INK, bgcolor=theme.DONE_ALT)
        elif bar.state == "cancelled":
            style = theme.badge("skipped") + Style(reverse=True)
        else:
            style = theme.badge(bar.state)
        if bar.key == self.selected:
            style += Style(bold=True, underline=True)
        # a label only where it fits whole: cut ids side by side read as noise
        text = bar.key.ljust(x1 - x0) if len(bar.key) <= x1 - x0 else " " * (x1 - x0)
        for i, ch in enumerate(text):
            cells[x0 + i] = (ch, style)

    def _axis(self, pw: int, base: Style) -> Strip:
        muted = Style(color=theme.MUTED)
        cells: list[tuple[str, Style | None]] = [("─", muted)] * pw
        step = tick_step(self.span, pw)
        t = 0.0
        while t <= self.span + 1e-9:
            x = self._x(t, pw)
            text = f"{t:g}s" if step >= 1 else f"{t:.2f}".rstrip("0").rstrip(".") + "s"
            if x + len(text) <= pw:
                for i, ch in enumerate(text):
                    cells[x + i] = (ch, muted)
            t += step
        xc = self._x(self.now, pw)
        if 0 <= xc < pw and cells[xc][0] == "─":  # never over a tick's label
            cells[xc] = ("▼", Style(color=theme.CURSOR, bold=True))
        clock = self.axis_label or f"t={self.now:.2f}s"
        style = Style(bold=True) if self.axis_label else Style(color=theme.CURSOR)
        segments = [Segment(f"{clock:<{LABEL_W - 1}}"[: LABEL_W - 1], style),
                    Segment("┬", muted)]
        segments.extend(_merge(cells))
        return Strip(segments).apply_style(base)

    # -- mouse --------------------------------------------------------------------------------
    def bar_at(self, x: int, y: int) -> str | None:
        """The call whose bar is drawn at a content cell (x, y), if any."""
        index = y - 1 + int(self.scroll_y)
        if y < 1 or index >= len(self._rows) or x < LABEL_W:
            return None
        pw = self._plot_width()
        px = x - LABEL_W
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
        px = x - LABEL_W
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
        self.refresh()


def _merge(cells: list[tuple[str, Style | None]]) -> list[Segment]:
    """Runs of equally styled cells as single segments."""
    out: list[Segment] = []
    run: list[str] = []
    style: Style | None = None
    for ch, st in cells:
        if run and st != style:
            out.append(Segment("".join(run), style))
            run = []
        style = st
        run.append(ch)
    if run:
        out.append(Segment("".join(run), style))
    return out
