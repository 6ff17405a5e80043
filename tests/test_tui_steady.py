"""Steady widgets (components/steady.py) hand a pass the lines of the last one only while
nothing repainted them: a refresh, a new size or a style change draws them again. A line-rendered
panel's base style (components/strips.FrameStyle) outlives a refresh of its content, not a style
change."""

from __future__ import annotations

import pytest
from conftest import make_app
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from orchtui.tui.components.steady import Steady, SteadyScrollBar, SteadyVertical
from orchtui.tui.components.strips import FrameStyle

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
        assert next(iter(again[0])).style != next(iter(first[0])).style
        await pilot.resize_terminal(12, 4)
        await pilot.pause()
        assert label.outer_size.width == 12 and _text(label).startswith("two")


class Panel(FrameStyle, Widget):
    """Line-rendered: each line in the panel's base style."""

    DEFAULT_CSS = "Panel.red { background: #ff0000; }"

    def render_line(self, y: int) -> Strip:
        return Strip([Segment("x" * self.content_width, self.base_style)])


class PanelHost(App[None]):
    def compose(self) -> ComposeResult:
        with SteadyVertical(id="box"):
            yield Panel(id="panel")


def _background(panel: Panel) -> str:
    return str(next(iter(panel.render_line(0))).style.bgcolor.name)


async def test_a_panels_base_style_follows_its_css_and_its_ancestors_styles() -> None:
    app = PanelHost()
    async with app.run_test(size=(20, 4)) as pilot:
        await pilot.pause()
        panel = app.query_one(Panel)
        before = _background(panel)
        panel.refresh(Region(0, 0, 3, 1))  # new content: the base style is kept
        assert panel._base is not None
        panel.add_class("red")  # CSS
        await pilot.pause()
        assert _background(panel) == "#ff0000" != before
        panel.remove_class("red")
        app.query_one("#box").styles.background = "#0000ff"  # an ancestor's inline style
        await pilot.pause()
        assert _background(panel) == "#0000ff"


async def test_a_panels_scrollbar_shows_and_follows_its_scrolling() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.show_all()  # the decision log outgrows its panel
        await pilot.pause()
        log = app.decisions
        bar = log.vertical_scrollbar
        assert isinstance(bar, SteadyScrollBar) and log.show_vertical_scrollbar
        assert log.region.contains_region(bar.region) and bar.region.height > 2
        at_end = [list(line) for line in bar.render_lines(Region(0, 0, *bar.outer_size))]
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        at_top = [list(line) for line in bar.render_lines(Region(0, 0, *bar.outer_size))]
        assert at_top != at_end  # the thumb moved
