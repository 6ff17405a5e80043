"""A log of one line per event, wrapped to the panel's width, line-rendered (toolong style).

Appending costs a word-wrap of plain text (offsets only); a line is styled and rendered when it
scrolls into view, and cached. So a burst of thousands of events costs the UI little and the
engine, which shares the interpreter, even less.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from orchtui.tui import theme
from orchtui.tui.components.scrolling import set_virtual_size
from orchtui.tui.describe import LogLine

TIME_W = 7  # "  12.34"
TAG_W = 9
HEAD_W = TIME_W + 1 + TAG_W + 1
NARROW = 60  # below this width, continuation lines use the full width (indent 2)
CACHE = 1024
_WORD = re.compile(r"\S+")


def wrap_offsets(text: str, first: int, rest: int) -> list[tuple[int, int]]:
    """Greedy word wrap of `text` into (start, end) slices: the first line `first` cells wide,
    the others `rest`. Words longer than a line are cut."""
    lines: list[tuple[int, int]] = []
    width = max(1, first)
    start = end = used = -1
    # printable ASCII is one cell a character: lengths instead of cell_len, same offsets (a log
    # line is wrapped as it arrives, thousands a second)
    narrow = text.isascii() and text.isprintable()
    for m in _WORD.finditer(text):
        w0, w1 = m.start(), m.end()
        wlen = w1 - w0 if narrow else cell_len(m.group())
        if start < 0:
            start, end, used = w0, w0, 0
        gap = (w0 - end if narrow else cell_len(text[end:w0])) if used else 0
        if used and used + gap + wlen > width:
            lines.append((start, end))
            width = max(1, rest)
            start, end, used, gap = w0, w0, 0, 0
        while wlen > width:  # a word longer than the line: cut it
            cut = w0 + width
            lines.append((start, cut))
            width = max(1, rest)
            w0 = start = cut
            wlen = w1 - w0 if narrow else cell_len(text[w0:w1])
            used = 0
        used += gap + wlen
        end = w1
    if start >= 0:
        lines.append((start, end))
    return lines or [(0, 0)]


class LogView(ScrollView, can_focus=True):
    """Lines appended at the bottom; it follows the newest line unless scrolled up."""

    DEFAULT_CSS = """
    LogView { background: $surface; scrollbar-gutter: stable; }
    """

    def __init__(self, placeholder: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.entries: list[LogLine] = []
        self._lines: list[tuple[int, int, int, int]] = []  # (entry, line no, start, end)
        self._width = 0  # what the lines are wrapped to
        self._cache: OrderedDict[tuple[int, int], Strip] = OrderedDict()
        self._text_console = Console(width=1000, color_system="truecolor",
                                     legacy_windows=False)

    # -- content ------------------------------------------------------------------------------
    def clear(self) -> None:
        self.entries.clear()
        self._lines.clear()
        self._cache.clear()
        set_virtual_size(self, Size(0, 0))
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def add(self, lines: list[LogLine]) -> None:
        if not lines:
            return
        follow = self.scroll_y >= self.max_scroll_y - 1
        for line in lines:
            self.entries.append(line)
            if self._width:
                self._wrap_entry(len(self.entries) - 1)
        if self._width:
            set_virtual_size(self, Size(self._width, len(self._lines)))
        if follow:
            # after the refresh: the new virtual size has reached the scroll limits by then
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)
        self.refresh()

    @property
    def text_lines(self) -> list[str]:
        """The log as plain text, wrapped as shown (for tests)."""
        return [self._strip(n).text.rstrip() for n in range(len(self._lines))]

    # -- wrapping -----------------------------------------------------------------------------
    def _wrap_entry(self, index: int) -> None:
        body = self.entries[index].plain
        width = self._width
        if width >= NARROW:
            offsets = wrap_offsets(body, width - HEAD_W, width - HEAD_W)
        else:
            offsets = wrap_offsets(body, width - HEAD_W, width - 2)
        for n, (start, end) in enumerate(offsets):
            self._lines.append((index, n, start, end))

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        self._width = width
        self._lines.clear()
        self._cache.clear()
        for index in range(len(self.entries)):
            self._wrap_entry(index)
        set_virtual_size(self, Size(width, len(self._lines)))
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True)
        self.refresh()

    # -- rendering ----------------------------------------------------------------------------
    def _strip(self, y: int) -> Strip:
        index, n, start, end = self._lines[y]
        key = (index, n)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        line = self.entries[index]
        if n == 0:
            text = Text(f"{line.t:{TIME_W}.2f} ", style=Style(color=theme.MUTED))
            text.append(f"{line.tag:<{TAG_W}} ", style=line.tag_style)
        else:
            text = Text(" " * (HEAD_W if self._width >= NARROW else 2))
        text.append_text(line.body[start:end])
        text.no_wrap = True
        segments = [s for s in text.render(self._text_console) if s.text != "\n"]
        strip = Strip(segments).crop(0, self._width).simplify()
        self._cache[key] = strip
        if len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not self.entries:
            text = Text(" " + self.placeholder, style=Style(color=theme.MUTED, italic=True))
            offsets = wrap_offsets(text.plain, width, width - 1) if width > 0 else []
            if y < len(offsets):
                start, end = offsets[y]
                part = Text(" ") + text[start:end] if y else text[start:end]
                segments = [s for s in part.render(self._text_console) if s.text != "\n"]
                return Strip(segments).apply_style(base).crop_extend(0, width, base)
            return Strip.blank(width, base)
        index = y + int(self.scroll_y)
        if index >= len(self._lines) or width != self._width:
            return Strip.blank(width, base)
        return self._strip(index).apply_style(base).crop_extend(0, width, base)
