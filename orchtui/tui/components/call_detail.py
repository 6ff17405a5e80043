"""What the selected call is: its arguments, thought, state, placement, timings and result."""

from __future__ import annotations

from typing import Any

from rich.console import Console, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from orchtui.engine.record import CallRecord
from orchtui.text import inert
from orchtui.tui import theme
from orchtui.tui.components.scrolling import set_virtual_size
from orchtui.tui.describe import where


class CallDetail(ScrollView, can_focus=True):
    """Rendered to lines once per change, then line-rendered: updating a Static would ask for a
    screen-wide layout each time the followed call changes."""

    DEFAULT_CSS = """
    CallDetail { background: $surface; scrollbar-gutter: stable; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: object = ()
        self._content: RenderableType = Text()
        self._lines: list[Strip] = []
        self._width = 0
        self._text_console = Console(width=200, color_system="truecolor", legacy_windows=False)

    def _update(self, content: RenderableType) -> None:
        self._content = content
        self._width = 0
        self._render_lines()

    def _render_lines(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        self._width = width
        options = self._text_console.options.update_width(width)
        lines = self._text_console.render_lines(self._content, options, pad=False)
        self._lines = [Strip(line).simplify() for line in lines]
        set_virtual_size(self, Size(width, len(self._lines)))
        self.refresh()

    def on_resize(self) -> None:
        self._render_lines()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
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
               partners, repaired, round(now, 2) if running else None)
        if key == self._shown:  # unchanged: repainting a table costs the engine time
            return
        self._shown = key
        if call is None:
            self._update(Text("Select a call in the graph (arrow keys or the mouse).",
                             style=Style(color=theme.MUTED, italic=True)))
            return
        self.border_title = Text(f"call {call.id}")
        info = info or {}
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style=Style(color=theme.MUTED), no_wrap=True)
        grid.add_column(overflow="fold")
        state = Text(f" {theme.STATE_GLYPH.get(call.status, '·')} {call.status} ",
                     style=theme.badge(call.status))
        if call.status in ("running", "done", "failed") and call.start is not None:
            state.append(f" on {where(call.processor, call.pool, cpus, call.kind)}")
            if call.cpu is not None and call.kind == "compute":
                state.append(f" (OS cpu {call.cpu})" if call.cpu != call.processor else "")
            if call.pid:
                state.append(f", pid {call.pid}")
        grid.add_row("call", Text.assemble((call.id, "bold"), f"  {call.function}  ",
                                           (f"{call.kind} · rank {call.rank}", theme.MUTED)))
        grid.add_row("state", state)
        text = info.get("text") or ""
        grid.add_row("args", Text(_args(text)))
        if repaired:
            grid.add_row("repaired", Text(_args(repaired), style=theme.fg("recovering")))
        thought = info.get("thought")
        grid.add_row("thought", Text(thought or "—", style="" if thought else theme.MUTED))
        grid.add_row("needs", Text(", ".join(call.deps) or "nothing (rank 1)"))
        if partners:
            grid.add_row("exclusive", Text(", ".join(partners), style=Style(
                color=theme.EXCLUSION)))
        grid.add_row("timing", Text(_timing(call, now)))
        if call.reason:
            grid.add_row("decision", Text(call.reason))
        if call.error:
            grid.add_row("error", Text(call.error, style=theme.fg("failed")))
        grid.add_row("result", Text(call.preview or "—",
                                    style="" if call.preview else theme.MUTED))
        if call.output:
            grid.add_row("printed", Text(inert(call.output.rstrip("\n"))))
        self._update(grid)


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
