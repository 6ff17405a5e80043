"""The run's header: scenario, policy, processors and their CPU ids, mode, the run clock (run
time, never the wall clock) and status; below, the latest event in words."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from orchtui.tui import theme
from orchtui.tui.components.strips import FrameStyle, text_strip

_STATUS = {
    "ready": ("○ ready", theme.STATE_COLOUR["waiting"]),
    "running": ("▶ running", theme.STATE_COLOUR["running"]),
    "paused": ("⏸ paused", theme.STATE_COLOUR["queued"]),
    "back": ("◀ looking back", theme.STATE_COLOUR["recovering"]),
    "ok": ("✓ done", theme.STATE_COLOUR["done"]),
    "failed": ("✗ failed", theme.STATE_COLOUR["failed"]),
    "cancelled": ("■ cancelled", theme.STATE_COLOUR["skipped"]),
    "error": ("✗ engine error", theme.STATE_COLOUR["failed"]),
}


@dataclass(frozen=True)
class HeaderInfo:
    scenario: str = ""
    policy: str = ""
    cpus: tuple[int, ...] = ()
    processors: int = 0
    mode: str = ""
    clock: float = 0.0
    status: str = "ready"
    pace: str = ""  # "×1.0", "real time", "replay ×1.0"
    replay: bool = False


def cpu_list(cpus: tuple[int, ...]) -> str:
    if not cpus:
        return "—"
    if len(cpus) > 6:
        return f"cpu {','.join(map(str, cpus[:5]))},… ({len(cpus)})"
    return "cpu " + ", ".join(map(str, cpus))


class RunHeader(FrameStyle, Widget):
    """Line-rendered: the clock changes every frame, and a Text handed to Textual to render
    costs a frame four times what drawing its segments does. The line is kept as pieces (text,
    style): what is left of the clock changes with the run's settings, what is right of it with
    its status, and each frame makes only the clock's piece."""

    DEFAULT_CSS = """
    RunHeader { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: HeaderInfo | None = None
        self._pieces: list[Piece] = []
        # the pieces left and right of the clock, and what they were made from
        self._head: tuple[object, list[Piece]] = (None, [])
        self._tail: tuple[object, list[Piece]] = (None, [])

    @property
    def text(self) -> Text:
        """The line as Rich Text."""
        line = Text(no_wrap=True, overflow="ellipsis")
        for text, style in self._pieces:
            line.append(text, style)
        return line

    def render(self) -> Text:
        return self.text

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.base_style
        if y or width <= 0:
            return Strip.blank(width, base)
        # filled with the background alone, as Textual fills a line and its padding
        fill = Style(bgcolor=base.bgcolor)
        pieces = self._pieces
        used = sum(cell_len(text) for text, _ in pieces)
        if used > width:  # cut, with an ellipsis: Rich does that
            text = self.text
            text.truncate(width, overflow="ellipsis")
            return text_strip(text).apply_style(base).crop_extend(0, width, fill)
        segments = [Segment(text, base + style if style else base) for text, style in pieces]
        segments.append(Segment(" " * (width - used), fill))
        return Strip(segments, width)

    def show(self, info: HeaderInfo) -> None:
        if info == self._shown:
            return
        self._shown = info
        head_key = (info.replay, info.scenario, info.policy, info.processors, info.cpus,
                    info.mode)
        if self._head[0] != head_key:
            self._head = (head_key, _head(info))
        tail_key = (info.status, info.pace)
        if self._tail[0] != tail_key:
            self._tail = (tail_key, _tail(info))
        self._pieces = [*self._head[1], (f"{info.clock:.2f} s", _CLOCK), *self._tail[1]]
        # not a Static's update(), which asks for a layout of the whole screen; the line, not
        # the widget, which would also make its style be looked up again
        self.refresh(Region(0, 0, self.size.width, 1))


Piece = tuple[str, Style | None]
"""A stretch of the header's line: its text (no control codes: Text.append strips them) and
its style (None: the header's own)."""

_KEY = Style(color=theme.MUTED)
_VALUE = Style(bold=True)
_CLOCK = Style(bold=True, color=theme.CURSOR)


def _pieces(*pieces: Piece) -> list[Piece]:
    return [(strip_control_codes(text), style) for text, style in pieces]


def _head(info: HeaderInfo) -> list[Piece]:
    """The line up to the clock: what runs, how, where."""
    return _pieces(
        *((("replay ", Style(color=theme.LLM, bold=True)),) if info.replay else ()),
        (info.scenario or "—", Style(bold=True, color="#ffffff")),
        ("  policy ", _KEY), (info.policy or "—", _VALUE),
        (f"  {info.processors or len(info.cpus)} proc: ", _KEY), (cpu_list(info.cpus), _VALUE),
        ("  ", _KEY), (info.mode or "—", Style(bold=True, color=theme.LLM)),
        ("  run time ", _KEY))


def _tail(info: HeaderInfo) -> list[Piece]:
    """The line after the clock: the run's status, and the pace it is shown at."""
    label, colour = _STATUS.get(info.status, (info.status, theme.MUTED))
    pieces: list[Piece] = [("  ", None),
                           (f" {label} ", Style(color=theme.INK, bgcolor=colour, bold=True))]
    if info.pace:
        pieces.append((f"  {info.pace}", _KEY))
    return _pieces(*pieces)
