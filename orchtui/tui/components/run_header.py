"""The run's header: scenario, policy, processors and their CPU ids, mode, the run clock (run
time, never the wall clock) and status; below, the latest event in words."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
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
    costs a frame four times what drawing its segments does."""

    DEFAULT_CSS = """
    RunHeader { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: HeaderInfo | None = None
        self._text = Text()

    def render(self) -> Text:
        return self._text

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.base_style
        if y or width <= 0:
            return Strip.blank(width, base)
        text = self._text.copy()
        text.truncate(width, overflow="ellipsis")
        # filled with the background alone, as Textual fills a line and its padding
        return text_strip(text).apply_style(base).crop_extend(0, width, Style(bgcolor=base.bgcolor))

    def show(self, info: HeaderInfo) -> None:
        if info == self._shown:
            return
        self._shown = info
        key = Style(color=theme.MUTED)
        value = Style(bold=True)
        line = Text(no_wrap=True, overflow="ellipsis")
        if info.replay:
            line.append("replay ", Style(color=theme.LLM, bold=True))
        line.append(info.scenario or "—", Style(bold=True, color="#ffffff"))
        line.append("  policy ", key)
        line.append(info.policy or "—", value)
        line.append(f"  {info.processors or len(info.cpus)} proc: ", key)
        line.append(cpu_list(info.cpus), value)
        line.append("  ", key)
        line.append(info.mode or "—", Style(bold=True, color=theme.LLM))
        line.append("  run time ", key)
        line.append(f"{info.clock:.2f} s", Style(bold=True, color=theme.CURSOR))
        label, colour = _STATUS.get(info.status, (info.status, theme.MUTED))
        line.append("  ")
        line.append(f" {label} ", Style(color=theme.INK, bgcolor=colour, bold=True))
        if info.pace:
            line.append(f"  {info.pace}", key)
        self._text = line
        self.refresh()  # not a Static's update(): that asks for a layout of the whole screen
