"""Steady widgets (components/steady.py) hand a pass the lines of the last one only while
nothing repainted them: a refresh, a new size or a style change draws them again."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from orchtui.tui.components.steady import Steady, SteadyVertical

pytestmark = pytest.mark.anyio


class Label(Steady, Static):
    pass


class Host(App[None]):
    def compose(self) -> ComposeResult:
        with SteadyVertical(id="box"):
            yield Label("one", id="label")


def _text(widget: Label) -> str:
    region = Region(0, 0, *widget.outer_size)
    return "".join(strip.text for strip in widget.render_lines(region))


async def test_unchanged_lines_are_handed_back_and_a_change_draws_them_again() -> None:
    app = Host()
    async with app.run_test(size=(20, 4)) as pilot:
        await pilot.pause()
        label = app.query_one("#label", Label)
        region = Region(0, 0, *label.outer_size)
        first = label.render_lines(region)
        assert label.render_lines(region) is first  # nothing repainted it
        assert label.render_lines(Region(0, 0, 3, 1)) is not first  # another part
        label.update("two")
        await pilot.pause()
        assert _text(label).startswith("two")
        label.styles.background = "red"  # a style: repainted by Textual, drawn again
        await pilot.pause()
        again = label.render_lines(region)
        assert again is not first
        assert list(again[0])[0].style != list(first[0])[0].style
        await pilot.resize_terminal(12, 4)
        await pilot.pause()
        assert label.outer_size.width == 12 and _text(label).startswith("two")
