"""The key to the colours and edges, shortened to fit the width it gets."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from orchtui.tui import theme
from orchtui.tui.components.steady import Steady

_SHORT = {"waiting": "wait", "scheduled": "sched", "queued": "queue", "running": "run",
          "done": "done", "failed": "fail", "recovering": "recov"}


class Legend(Steady, Static):
    DEFAULT_CSS = """
    Legend { height: 1; background: $panel; padding: 0 1; }
    """

    def render(self) -> Text:
        width = self.size.width
        for short in (False, True):
            text = self._text(short)
            if text.cell_len <= width:
                return text
        return text

    @staticmethod
    def _text(short: bool) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        for state in theme.STATES[:7]:
            name = _SHORT[state] if short else state
            text.append(f"{theme.STATE_GLYPH[state]} {name}" if not short else
                        f"{theme.STATE_GLYPH[state]}{name}", theme.badge(state))
            text.append(" ")
        text.append(" ─▶", Style(color=theme.EDGE))
        text.append(" data " if not short else "data ")
        text.append("┆", Style(color=theme.EXCLUSION, bold=True))
        text.append(" exclusive (R2)" if not short else "excl", Style(color=theme.EXCLUSION))
        return text
