"""Helpers of the run screen's line-rendered panels: a line of Rich Text as a line-API Strip,
drawn from its segments, without Textual's renderable pipeline (which costs a frame several
times as much); and the panel's base style found once per frame."""

from __future__ import annotations

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip

# Wide enough never to wrap a line: the caller crops it to its panel.
_CONSOLE = Console(width=1000, color_system="truecolor", legacy_windows=False)


def text_strip(text: Text) -> Strip:
    """The text as one line of segments (its newline left out)."""
    return Strip([s for s in text.render(_CONSOLE) if s.text != "\n"])


class FrameStyle:
    """For a line-rendered panel: its base style (`rich_style`, which walks the widget's
    ancestors and their CSS, about 50 µs) found once per compositor pass, not once per line.
    Found lazily: a pass that finds every line cached costs nothing."""

    _frame_base: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_base = None
        try:
            return super().render_lines(crop)  # type: ignore[misc]
        finally:
            self._frame_base = None  # a style may change before the next pass

    def refresh_content(self) -> None:
        """Repaint the lines inside the border: the border's lines, with their titles, are
        costly to draw again, and change only with a title (which repaints them itself)."""
        self.refresh(Region(0, 0, *self.scrollable_content_region.size))  # type: ignore[attr-defined]

    @property
    def base_style(self) -> Style:
        base = self._frame_base
        if base is None:
            base = self._frame_base = self.rich_style  # type: ignore[attr-defined]
        return base
