"""The run screen's keys, on as many lines as the width needs: Textual's footer is one line and
cuts the last keys off at 80 columns. Each key is clickable."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from orchtui.tui import theme
from orchtui.tui.components.steady import Steady


class KeyBar(Steady, Static):
    DEFAULT_CSS = """
    KeyBar { height: auto; background: $panel; padding: 0 1; }
    """

    def render(self) -> Text:
        text = Text()
        app = self.app
        for binding in app.BINDINGS:
            if not isinstance(binding, Binding) or not binding.show:
                continue
            if app.check_action(binding.action, ()) is False:
                continue
            if text:
                text.append("  ")
            click = Style.from_meta({"@click": f"app.{binding.action}"})
            key = binding.key_display or binding.key.split(",")[0]
            text.append(key, Style(bold=True, color=theme.CURSOR) + click)
            text.append(f" {binding.description}", click)
        return text
