"""What the selected call is: its arguments, thought, state, placement, timings and result."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from orchtui.engine.record import CallRecord
from orchtui.text import inert
from orchtui.tui import theme
from orchtui.tui.components.scrolling import set_virtual_size
from orchtui.tui.components.strips import FrameStyle
from orchtui.tui.describe import id_list, where

Rows = list[tuple[str, Text]]
_LABEL = Style(color=theme.MUTED)  # the label column's
_PLAIN = Style.null()
LISTED = 24  # call ids a row lists before it says how many more


class CallDetail(FrameStyle, ScrollView, can_focus=True):
    """Rendered to lines once per change, then line-rendered: updating a Static would ask for a
    screen-wide layout each time the followed call changes.

    The table is rendered in three parts, its rows before the timing, the timing, the rows
    after, with the widths one table of all the rows would have (so the lines are the same):
    while the call runs only its timing changes, a few times a second, and only that row is
    rendered again and repainted."""

    DEFAULT_CSS = """
    CallDetail { background: $surface; scrollbar-gutter: stable; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[object, object] | None = None
        self._content: Text | tuple[Rows, Rows, Rows] = Text()
        self._part_lines: list[list[Strip]] = []
        self._widths = (0, 0)  # the table's label and value columns, as last rendered
        # the rows around the timing (held: compared by identity), the width, and their
        # widest label and value
        self._around: tuple[Rows, Rows, int, tuple[int, int]] | None = None
        self._lines: list[Strip] = []
        self._width = 0
        self._text_console = Console(width=200, color_system="truecolor", legacy_windows=False)
        self._options_at: ConsoleOptions | None = None
        self._value_options: ConsoleOptions | None = None

    def _update(self, content: Text | tuple[Rows, Rows, Rows]) -> None:
        self._content = content
        self._width = 0
        self._render_lines()

    def _options(self) -> ConsoleOptions:
        """The console's options at the panel's width (made once per width: a console's
        options look at the terminal each time they are asked for)."""
        options = self._options_at
        if options is None or options.max_width != self._width:
            options = self._options_at = self._text_console.options.update_width(self._width)
        return options

    def _render(self, renderable: RenderableType) -> list[Strip]:
        lines = self._text_console.render_lines(renderable, self._options(), pad=False)
        return [Strip(line).simplify() for line in lines]

    def _rows_lines(self, rows: Rows) -> list[Strip]:
        """Rows of the call's table as a grid of them draws them, row by row: the label and a
        space in the label column's style, then the value rendered to its column (word-wrapped,
        long words folded, padded in its own style). A grid measures and lays out every cell
        before it draws: this costs a half of it, and the timing row is drawn again a few times
        a second while its call runs. The grid draws rows of another shape (a label wider than
        its column, columns wider than the panel)."""
        label_w, value_w = self._widths
        if label_w + 1 + value_w > self._width or any(len(label) > label_w for label, _ in rows):
            return self._render(_grid(rows, self._widths))
        options = self._value_options
        if options is None or options.max_width != value_w:
            # the grid's value column: its width, left-justified, folded
            options = self._value_options = self._options().update(
                width=value_w, justify="left", no_wrap=False, overflow="fold", height=None,
                highlight=False)
        console = self._text_console
        drawn: list[Strip] = []
        for label, value in rows:
            if value.spans or value.style or "\n" in value.plain:
                lines = console.render_lines(value, options, style=_PLAIN, pad=True)
            else:  # words alone (the timing row): wrapped and padded, nothing to style
                lines = [[Segment(line.plain + " " * (value_w - line.cell_len))]
                         for line in value.wrap(console, value_w, overflow="fold")]
            drawn.extend(Strip([Segment((label if n == 0 else "").ljust(label_w + 1), _LABEL),
                                *line]).simplify() for n, line in enumerate(lines))
        return drawn

    def _column_widths(self, parts: tuple[Rows, Rows, Rows]) -> tuple[int, int]:
        """The widths Rich gives a grid of all the rows: labels as wide as the widest, values
        as the widest, or what the panel leaves them (folded). The rows around the timing are
        measured once per content and width."""
        options = self._options()

        def widest(rows: Rows) -> tuple[int, int]:
            return (max((len(name) for name, _ in rows), default=0),
                    max((Measurement.get(self._text_console, options, text).maximum
                         for _, text in rows), default=0))

        head, _, tail = parts
        cached = self._around
        if cached is None or cached[0] is not head or cached[1] is not tail \
                or cached[2] != self._width:
            (la, va), (lb, vb) = widest(head), widest(tail)
            cached = self._around = (head, tail, self._width, (max(la, lb), max(va, vb)))
        around = cached[3]
        timing = widest(parts[1])
        label = max(around[0], timing[0])
        return label, max(1, min(max(around[1], timing[1]), self._width - label - 1))

    def _render_lines(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        self._width = width
        content = self._content
        if isinstance(content, Text):
            self._part_lines = [self._render(content)]
        else:
            self._widths = self._column_widths(content)
            self._part_lines = [self._rows_lines(part) for part in content]
        self._lines = [line for lines in self._part_lines for line in lines]
        set_virtual_size(self, Size(width, len(self._lines)))
        self.refresh()

    def _update_timing(self, timing: Rows) -> None:
        """Render the timing row again and repaint its lines, when that is all that changed."""
        content = self._content
        assert not isinstance(content, Text)
        self._content = (content[0], timing, content[2])
        width = self.scrollable_content_region.width
        if width != self._width or self._column_widths(self._content) != self._widths:
            self._width = 0  # the table's shape changed: all of it again
            self._render_lines()
            return
        old, new = self._part_lines[1], self._rows_lines(timing)
        if len(new) != len(old):
            self._width = 0
            self._render_lines()
            return
        self._part_lines[1] = new
        first = len(self._part_lines[0])
        self._lines[first:first + len(new)] = new
        self.refresh(Region(0, first - int(self.scroll_y), width, len(new)))

    def on_resize(self) -> None:
        self._render_lines()

    def render_line(self, y: int) -> Strip:
        width = self.content_width
        base = self.base_style
        index = y + int(self.scroll_y)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._lines[index].apply_style(base).crop_extend(0, width, base)

    def show(self, call: CallRecord | None, info: dict[str, Any] | None,
             cpus: tuple[int, ...], partners: tuple[str, ...] = (),
             repaired: str | None = None, now: float = 0.0) -> None:
        running = call is not None and call.status == "running"
        key = (None if call is None else (call.id, call.status, call.start, call.end,
                                          call.preview, call.reason, call.error, call.processor,
                                          call.output),
               partners, repaired)
        timing = round(now, 2) if running else None
        if (key, timing) == self._shown:  # unchanged: repainting a table costs the engine time
            return
        same_rows = self._shown is not None and key == self._shown[0]
        self._shown = (key, timing)
        if call is None:
            self._update(Text("Select a call in the graph (arrow keys or the mouse).",
                              style=Style(color=theme.MUTED, italic=True)))
            return
        timing_rows: Rows = [("timing", Text(_timing(call, now)))]
        if same_rows and not isinstance(self._content, Text):  # only the running time moved
            self._update_timing(timing_rows)
            return
        title = f"call {call.id}"
        if str(self.border_title) != title:  # setting a title repaints the whole panel
            self.border_title = Text(title)
        self._update((_head(call, info or {}, cpus, partners, repaired), timing_rows,
                      _tail(call)))


def _head(call: CallRecord, info: dict[str, Any], cpus: tuple[int, ...],
          partners: tuple[str, ...], repaired: str | None) -> Rows:
    """The rows before the timing: what the call is, where it runs, what it needs."""
    state = Text(f" {theme.STATE_GLYPH.get(call.status, '·')} {call.status} ",
                 style=theme.badge(call.status))
    if call.status in ("running", "done", "failed") and call.start is not None:
        state.append(f" on {where(call.processor, call.pool, cpus, call.kind)}")
        if call.cpu is not None and call.kind == "compute":
            state.append(f" (OS cpu {call.cpu})" if call.cpu != call.processor else "")
        if call.pid:
            state.append(f", pid {call.pid}")
    rows: Rows = [("call", Text.assemble((call.id, "bold"), f"  {call.function}  ",
                                         (f"{call.kind} · rank {call.rank}", theme.MUTED))),
                  ("state", state),
                  ("args", Text(_args(info.get("text") or "")))]
    if repaired:
        rows.append(("repaired", Text(_args(repaired), style=theme.fg("recovering"))))
    thought = info.get("thought")
    rows.append(("thought", Text(thought or "—", style="" if thought else theme.MUTED)))
    # a call of a big plan may need, or exclude, thousands: their first few are what reads
    rows.append(("needs", Text(id_list(call.deps, LISTED) or "nothing (rank 1)")))
    if partners:
        rows.append(("exclusive", Text(id_list(partners, LISTED),
                                       style=Style(color=theme.EXCLUSION))))
    return rows


def _tail(call: CallRecord) -> Rows:
    """The rows after the timing: why it was placed, how it ended."""
    rows: Rows = []
    if call.reason:
        rows.append(("decision", Text(call.reason)))
    if call.error:
        rows.append(("error", Text(call.error, style=theme.fg("failed"))))
    rows.append(("result", Text(call.preview or "—", style="" if call.preview else theme.MUTED)))
    if call.output:
        rows.append(("printed", Text(inert(call.output.rstrip("\n")))))
    return rows


def _grid(rows: Rows, widths: tuple[int, int]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=_LABEL, no_wrap=True, width=widths[0])
    grid.add_column(overflow="fold", width=widths[1])
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _args(text: str) -> str:
    """The call's text without its `id:` prefix: what it asks for."""
    head, sep, rest = text.partition(":")
    return rest.strip() if sep and head.strip().isidentifier() else text


def _timing(call: CallRecord, now: float) -> str:
    parts = [f"cost {call.cost:.2f} s"]
    if call.start is not None:
        parts.append(f"start {call.start:.2f}")
        if call.end is not None:
            parts.append(f"end {call.end:.2f}")
            parts.append(f"took {call.end - call.start:.2f} s")
        elif call.status == "running":
            parts.append(f"running {max(0.0, now - call.start):.2f} s")
    return " · ".join(parts)
