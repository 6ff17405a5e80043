"""A line of Rich Text as a line-API Strip, drawn from its segments: what the run screen's
line-rendered panels do for each line they show, without Textual's renderable pipeline (which
costs a frame several times as much)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text
from textual.strip import Strip

# Wide enough never to wrap a line: the caller crops it to its panel.
_CONSOLE = Console(width=1000, color_system="truecolor", legacy_windows=False)


def text_strip(text: Text) -> Strip:
    """The text as one line of segments (its newline left out)."""
    return Strip([s for s in text.render(_CONSOLE) if s.text != "\n"])
