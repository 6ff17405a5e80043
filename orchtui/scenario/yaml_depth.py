"""How deeply a YAML text nests, measured before any YAML library sees it.

Why our own: libyaml composes recursively in C (deep nesting can crash the process), and how it
refuses deep input changed between PyYAML releases (6.0.2 let two million levels through to the
composer, 6.0.4 stops at 1,000 with its own message and no line). This guard runs on the raw text
first, so the error, its wording and its `LINE:COL` are ours whatever PyYAML is installed.

It is a lexer, not a parser: it counts what can open a collection (block indentation, `- `
entries, flow `[` and `{`) and skips what cannot (comments, quoted and block scalars). It is
linear in the text, and it stops at the first token past the limit. A text it misjudges still
goes through the YAML library's own checks afterwards; the guard only has to be right about
depth, and to never refuse a shallow file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A block scalar header after `key:` or `- `: `|`, `>`, with optional indentation/chomping
# indicators, then nothing but a comment.
_BLOCK_SCALAR = re.compile(r"[|>][0-9+-]{0,2}[ \t]*(?:#.*)?$")
# What may stand alone as a value and still leave the value to the next lines: an anchor, a tag.
_PROPERTIES = re.compile(r"(?:[&!][^ \t]*[ \t]*)*(?:#.*)?$")
# A mapping key in block context: a plain or quoted key followed by `:` and a space or the end.
_KEY = re.compile(
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^ \t#'"\[\]{},][^#]*?)[ \t]*:(?:[ \t]|$)"""
)
_BLANKS = re.compile(r"[ \t]*")
_NODE_PROPERTIES = re.compile(r"(?:[&!][^ \t\[\]{},]*[ \t]+)*")
_FLOW_TOKENS = re.compile(r"""[\[\]{}"'#]""")
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class TooDeep:
    """The first token past the limit: 1-based line and column."""

    line: int
    column: int


def find_too_deep(text: str, limit: int) -> TooDeep | None:
    """Where `text` first nests more than `limit` collections deep, or None."""
    return _Scan(limit).run(text)


class _Scan:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        # Block collections open at this point: their indentation columns. A sequence written at
        # its parent key's indentation (`key:` then `- x` at the same column) is marked `seq`.
        self.indents: list[tuple[int, bool]] = []
        self.flow = 0  # open `[` and `{`
        self.quote = ""  # the quote character of a quoted scalar that spans lines
        # a block scalar's content lines are indented past its parent: they begin with this
        # many spaces (or are blank); None outside one
        self.block_scalar_spaces: str | None = None
        self.opens = False  # the previous line left its value to the lines below

    def run(self, text: str) -> TooDeep | None:
        for number, line in enumerate(_lines(text), start=1):
            spaces = self.block_scalar_spaces
            if spaces is not None:  # checked here, not in _line: a plan has 100,000 such lines
                if line.startswith(spaces) or not line.strip():
                    continue
                self.block_scalar_spaces = None
            found = self._line(line, number)
            if found:
                return found
        return None

    def _push(self, col: int, number: int, seq: bool = False) -> TooDeep | None:
        self.indents.append((col, seq))
        return TooDeep(number, col + 1) if len(self.indents) > self.limit else None

    def _line(self, line: str, number: int) -> TooDeep | None:
        if self.quote or self.flow:
            return self._flow_part(line, 0, number)
        if line.startswith(("--- ", "---\t")):  # a new document, with its root on this line
            self.indents, self.opens = [], False
            return self._rest(line, _BLANKS.match(line, 3).end(), number)
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#") or line.startswith(("---", "...", "%")):
            return None
        col = len(line) - len(stripped)
        if self.indents and col > self.indents[-1][0] and not self.opens:
            return None  # a continuation of a multi-line plain scalar, not a new node
        entry = _is_entry(line, col)
        while self.indents and (
            self.indents[-1][0] > col
            or (self.indents[-1][0] == col and self.indents[-1][1] and not entry)
        ):
            self.indents.pop()
        if stripped[:1] in "[{":
            pass  # a flow collection counts itself
        elif not self.indents or col > self.indents[-1][0]:
            found = self._push(col, number)
            if found:
                return found
        elif entry and self.opens and self.indents[-1] == (col, False):
            found = self._push(col, number, seq=True)  # `key:`, then `- x` at its column
            if found:
                return found
        return self._rest(line, col, number)

    def _rest(self, line: str, col: int, number: int) -> TooDeep | None:
        """The line from `col` on. `- ` entries and `key:` prefixes after the line's first
        token open collections within the line; the value after them may open a flow one."""
        base = col
        while True:
            entry = _is_entry(line, col)
            key = None if entry or line[col:col + 1] in "[{" else _KEY.match(line, col)
            if (entry or key) and col != base:
                found = self._push(col, number)
                if found:
                    return found
            if entry:
                col = _BLANKS.match(line, col + 1).end()  # no slicing: 2 MB of `- - -` is linear
                if col >= len(line) or line[col] == "#":
                    self.opens = True
                    return None
                continue
            if key:
                col = _BLANKS.match(line, key.end()).end()
            col = _NODE_PROPERTIES.match(line, col).end()  # `!!tag [a]` nests like `[a]`
            value = line[col:]
            if _BLOCK_SCALAR.match(value):
                self.block_scalar_spaces = " " * (self.indents[-1][0] + 1 if self.indents else 0)
                self.opens = False
                return None
            self.opens = bool(key) and _PROPERTIES.match(value) is not None
            if value[:1] in "[{\"'":
                return self._flow_part(line, col, number)
            return None

    def _flow_part(self, line: str, col: int, number: int) -> TooDeep | None:
        """Flow collections and quoted scalars from `col` on, carried across lines."""
        pos = col
        while pos < len(line):
            if self.quote:
                end = _quote_end(line, pos, self.quote)
                if end < 0:
                    return None
                self.quote = ""
                pos = end + 1
                continue
            m = _FLOW_TOKENS.search(line, pos)
            if not m:
                return None
            ch, pos = m.group(), m.start()
            if ch in "\"'":
                if self.flow == 0 and pos != col:
                    return None  # a quote inside a plain scalar is text
                if self.flow and not _node_start(line, pos):
                    pos += 1
                    continue
                self.quote = ch
                pos += 1
            elif ch == "#":
                if pos == 0 or line[pos - 1] in " \t":
                    return None
                pos += 1
            elif ch in "[{":
                self.flow += 1
                if len(self.indents) + self.flow > self.limit:
                    return TooDeep(number, pos + 1)
                pos += 1
            else:
                self.flow = max(0, self.flow - 1)
                pos += 1
                if self.flow == 0:
                    self.opens = False
                    return None
        return None


def _lines(text: str) -> list[str]:
    """The text cut at YAML's line breaks, as the loader counts them (str.splitlines knows
    more). Most texts break lines with \n alone, where str.split cuts the same lines in a
    fifth of the pattern's time (for a 100,000-line plan, a twentieth of loading it)."""
    if (text.isascii() and "\r" not in text) or not _OTHER_BREAKS.search(text):
        return text.split("\n")
    return _BREAK.split(text)


def _is_entry(line: str, col: int) -> bool:
    """Whether a block sequence entry (`- `) begins at `col`."""
    return line.startswith("-", col) and line[col + 1:col + 2] in ("", " ", "\t")


def _node_start(line: str, pos: int) -> bool:
    """Whether `pos` in flow context begins a node (so a quote there opens a quoted scalar)."""
    before = line[:pos].rstrip(" \t")
    return not before or before[-1] in "[{,:?"


def _quote_end(line: str, pos: int, quote: str) -> int:
    """The index of the quote that closes a scalar from `pos`, or -1 when it goes on."""
    while True:
        end = line.find(quote, pos)
        if end < 0:
            return -1
        if quote == '"':
            slashes = len(line[pos:end]) - len(line[pos:end].rstrip("\\"))
            if slashes % 2:
                pos = end + 1
                continue
            return end
        if line[end + 1: end + 2] == "'":  # '' is an escaped quote
            pos = end + 2
            continue
        return end
