"""A log of one line per event, wrapped to the panel's width, line-rendered (toolong style).

The log keeps the events it shows, not their lines: a line is described (orchtui.tui.describe),
styled and rendered when it scrolls into view, and cached. Appending costs describing the event
once for its plain text and a word-wrap of it (offsets only); nothing built for it outlives the
append but the offsets, which hold no objects for the collector to scan. So a burst of tens of
thousands of events costs the UI little and the engine, which shares the interpreter, less.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache

from rich.cells import cell_len, get_character_cell_size
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from orchtui.engine import events as ev
from orchtui.tui import theme
from orchtui.tui.components.scrolling import set_virtual_size
from orchtui.tui.components.strips import FrameStyle, text_strip
from orchtui.tui.describe import LogLine

Describe = Callable[[ev.Event], LogLine | None]
"""An event's line in this log, or None when the log does not show it."""

TIME_W = 7  # "  12.34"
TAG_W = 9
HEAD_W = TIME_W + 1 + TAG_W + 1
NARROW = 60  # below this width, continuation lines use the full width (indent 2)
CACHE = 1024
_WORD = re.compile(r"\S+")


def wrap_offsets(text: str, first: int, rest: int) -> list[tuple[int, int]]:
    """Greedy word wrap of `text` into (start, end) slices: the first line `first` cells wide,
    the others `rest`. Words longer than a line are cut."""
    if _one_cell_each(text):
        return _wrap_spaces(text, first, rest)
    return _wrap_cells(text, first, rest)


_PRINTABLE_ASCII = frozenset(map(chr, range(0x20, 0x7F)))


@lru_cache(maxsize=4096)
def _plain_cell(ch: str) -> bool:
    """One cell wide, and not a space a word could end at (rich measures as it draws)."""
    return not ch.isspace() and get_character_cell_size(ch) == 1


def _one_cell_each(text: str) -> bool:
    """Every character one cell wide and the only blank a plain space: lengths are widths, and
    a line breaks at spaces only (a log line's arrow or ellipsis keeps it on the fast path)."""
    if text.isascii():
        return text.isprintable()
    return all(map(_plain_cell, set(text).difference(_PRINTABLE_ASCII)))


def _wrap_spaces(text: str, first: int, rest: int) -> list[tuple[int, int]]:
    """wrap_offsets of one-cell text, a line at a time with the string's own searches (a log
    line is wrapped as it arrives, tens of thousands a second): the line from a word's start
    ends at the last word end within the width, or cuts a word longer than the line."""
    n = len(text.rstrip(" "))  # the last word's end
    if not n:
        return [(0, 0)]
    start = len(text) - len(text.lstrip(" "))  # the first word's start
    width = max(1, first)
    lines: list[tuple[int, int]] = []
    while True:
        limit = start + width
        if limit >= n:  # the rest fits
            lines.append((start, n))
            return lines
        if text[limit] == " ":  # the line may end at the word before `limit`
            end = start + len(text[start:limit].rstrip(" "))
        else:
            space = text.rfind(" ", start, limit)
            if space < 0:  # one word longer than the line: cut it
                lines.append((start, limit))
                start, width = limit, max(1, rest)
                continue
            end = start + len(text[start:space].rstrip(" "))
        lines.append((start, end))
        start, width = end + 1, max(1, rest)  # a space follows a word that ends before n
        while text[start] == " ":
            start += 1


def _wrap_cells(text: str, first: int, rest: int) -> list[tuple[int, int]]:
    """wrap_offsets by cell widths, word by word: text with wide or zero-width characters, or
    blanks other than spaces."""
    lines: list[tuple[int, int]] = []
    width = max(1, first)
    start = end = used = -1
    for m in _WORD.finditer(text):
        w0, w1 = m.start(), m.end()
        wlen = cell_len(m.group())
        if start < 0:
            start, end, used = w0, w0, 0
        gap = cell_len(text[end:w0]) if used else 0
        if used and used + gap + wlen > width:
            lines.append((start, end))
            width = max(1, rest)
            start, end, used, gap = w0, w0, 0, 0
        while wlen > width:  # a word longer than the line: cut it
            cut = w0 + width
            lines.append((start, cut))
            width = max(1, rest)
            w0 = start = cut
            wlen = cell_len(text[w0:w1])
            used = 0
        used += gap + wlen
        end = w1
    if start >= 0:
        lines.append((start, end))
    return lines or [(0, 0)]


class LogView(FrameStyle, ScrollView, can_focus=True):
    """Lines appended at the bottom; it follows the newest line unless scrolled up."""

    DEFAULT_CSS = """
    LogView { background: $surface; scrollbar-gutter: stable; }
    """

    def __init__(self, placeholder: str, describe: Describe, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.describe = describe
        self.logged: list[ev.Event] = []  # the events shown, a line (or more) each
        self._lines: list[tuple[int, int, int, int]] = []  # (entry, line no, start, end)
        self._width = 0  # what the lines are wrapped to
        self._height = 0  # the rows it showed at its last resize
        self._cache: OrderedDict[tuple[int, int], Strip] = OrderedDict()

    # -- content ------------------------------------------------------------------------------
    def clear(self) -> None:
        self.logged.clear()
        self._lines.clear()
        self._cache.clear()
        set_virtual_size(self, Size(0, 0))
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def add(self, events: list[ev.Event]) -> None:
        """Append the lines of those events the log shows."""
        if not events:
            return
        follow = self.scroll_y >= self.max_scroll_y - 1
        first = len(self.logged)
        if self._width:
            self._wrap(events)
        else:  # wrapped once the panel has a width
            self.logged.extend(e for e in events if self.describe(e) is not None)
        if len(self.logged) == first:
            return
        later = not self._width or set_virtual_size(self, Size(self._width, len(self._lines)))
        if follow and later:
            # after the refresh: the new virtual size has reached the scroll limits by then
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)
        elif follow:  # the limits are known: scrolled in the frame that shows the new lines
            self.scroll_end(animate=False, immediate=True)
        self.refresh()

    @property
    def entries(self) -> list[LogLine]:
        """The log's lines, described anew (for tests and the rare reader; drawing does not
        need them all)."""
        return [line for line in map(self.describe, self.logged) if line is not None]

    @property
    def text_lines(self) -> list[str]:
        """The log as plain text, wrapped as shown (for tests)."""
        return [self._strip(n).text.rstrip() for n in range(len(self._lines))]

    # -- wrapping -----------------------------------------------------------------------------
    def _wrap(self, events: list[ev.Event]) -> None:
        """Log and wrap, to the panel's width, those of `events` the log shows."""
        width = self._width
        body = width - HEAD_W
        rest = body if width >= NARROW else width - 2
        lines, logged, describe = self._lines, self.logged, self.describe
        for e in events:
            line = describe(e)
            if line is not None:
                offsets = wrap_offsets(line.plain, body, rest)
                index = len(logged)
                logged.append(e)
                lines.extend([(index, n, start, end) for n, (start, end) in enumerate(offsets)])

    def on_resize(self) -> None:
        region = self.scrollable_content_region
        width, height = region.width, region.height
        # it showed its newest line at its old height (the end of the old scroll limits)
        followed = self.scroll_y >= len(self._lines) - self._height - 1
        self._height = height
        if width > 0 and width == self._width and followed:
            # only taller or shorter (the lanes above it grew a row): it scrolled to its end
            # in the frame that laid it out, before it knew its new height
            self.scroll_end(animate=False, immediate=True)
        if width <= 0 or width == self._width:
            return
        self._width = width
        self._lines.clear()
        self._cache.clear()
        logged, self.logged = self.logged, []
        self._wrap(logged)
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
        line = self.describe(self.logged[index])
        assert line is not None  # it was, when it was logged
        if n == 0:
            text = Text(f"{line.t:{TIME_W}.2f} ", style=Style(color=theme.MUTED))
            text.append(f"{line.tag:<{TAG_W}} ", style=line.tag_style)
        else:
            text = Text(" " * (HEAD_W if self._width >= NARROW else 2))
        text.append_text(line.body[start:end])
        text.no_wrap = True
        strip = text_strip(text).crop(0, self._width).simplify()
        self._cache[key] = strip
        if len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.content_width
        base = self.base_style
        if not self.logged:
            text = Text(" " + self.placeholder, style=Style(color=theme.MUTED, italic=True))
            offsets = wrap_offsets(text.plain, width, width - 1) if width > 0 else []
            if y < len(offsets):
                start, end = offsets[y]
                part = Text(" ") + text[start:end] if y else text[start:end]
                return text_strip(part).apply_style(base).crop_extend(0, width, base)
            return Strip.blank(width, base)
        index = y + int(self.scroll_y)
        if index >= len(self._lines) or width != self._width:
            return Strip.blank(width, base)
        return self._strip(index).apply_style(base).crop_extend(0, width, base)
