"""Colours and glyphs of call states, shared by every panel so that a state reads the same in
the graph, the lanes and the legend.

Fixed hex colours rather than theme variables: a state must look the same in every theme and
in every snapshot.
"""

from __future__ import annotations

from functools import lru_cache

from rich.style import Style
from rich.text import Text

STATES = ("waiting", "scheduled", "queued", "running", "done", "failed", "recovering",
          "skipped")

STATE_COLOUR = {
    "waiting": "#8a8a8a",
    "scheduled": "#5f87ff",
    "queued": "#d7af00",
    "running": "#00afd7",
    "done": "#5faf5f",
    "failed": "#ff5f5f",
    "recovering": "#ff8700",
    "skipped": "#6c6c6c",
}
# One cell each, so that a label keeps its width whatever the state: the glyph carries the state
# for readers who cannot tell the colours apart.
STATE_GLYPH = {
    "waiting": "·",
    "scheduled": "○",
    "queued": "…",
    "running": "●",
    "done": "✓",
    "failed": "✗",
    "recovering": "↻",
    "skipped": "-",
}

INK = "#101010"  # text drawn on a state-coloured background
EXCLUSION = "#d75fd7"  # R2: magenta, the marked link between exclusive calls
EDGE = "#a8a8a8"  # R1 data edges
CURSOR = "#ffd75f"  # the lanes' current-time cursor
LLM = "#af87ff"  # LLM turns
MUTED = "#7a7a7a"

DONE_ALT = "#87d787"  # every other done bar in a lane, so that adjacent bars stay apart


@lru_cache(maxsize=64)  # Styles are immutable values; lanes and logs ask thousands of times
@lru_cache(maxsize=64)
def fg(state: str) -> Style:
    """The state's colour as text colour (made once: a log line of a live run asks for it, tens of
    thousands a second)."""
    return Style(color=STATE_COLOUR.get(state, STATE_COLOUR["waiting"]))


@lru_cache(maxsize=64)
def badge(state: str) -> Style:
    """A label on the state's colour: what a node or a bar shows."""
    if state in ("waiting", "skipped"):
        return Style(color=STATE_COLOUR[state])
    return Style(color=INK, bgcolor=STATE_COLOUR.get(state, STATE_COLOUR["waiting"]))


def legend(states: tuple[str, ...] = STATES[:7]) -> Text:
    """The key to the colours, plus the two kinds of edge."""
    text = Text()
    for state in states:
        text.append(f" {STATE_GLYPH[state]} {state} ", badge(state))
        text.append(" ")
    text.append("─▶", Style(color=EDGE))
    text.append(" data  ")
    text.append("┆", Style(color=EXCLUSION, bold=True))
    text.append(" exclusive", Style(color=EXCLUSION))
    return text
