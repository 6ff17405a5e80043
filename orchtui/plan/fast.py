"""The common plan line, read without `ast`: `s5: c(s1, $3, "text", 1.5, k=[1, {"a": s2}])`.

Python's parser costs a syntax tree of objects per call (for a 100,000-call plan, most of the
parse's time and memory). A line that holds a whole call whose arguments are only plain literals
(numbers, True/False/None and their JSON spellings, strings without escapes), references, and
lists, tuples and dicts of them, is read here from a flat list of tokens instead. Anything else
(an escape, a comment, an operator, a name that is not a reference, a call over several lines,
an error of any kind) raises NotFast, and the full reading (orchtui.plan.parser) takes the line
from the start: this reading accepts only what that one reads the same way, so it never changes
a call, a warning or an error, only what they cost (tests/test_plan_fast.py compares the two).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from typing import Any, Protocol

from orchtui.plan.model import Dialect, Expr, Lit, Ref, mapping, sequence

# An id and a call on one line: `s5: name(...)` or `5. name(...)`, ASCII names (Python reads
# other names in their NFKC form, which the full reading handles), nothing after the ')'.
LINE = re.compile(
    r"[ \t]*(?:(s[0-9]+)[ \t]*:|([0-9]+)[ \t]*[.:](?!\d))"
    r"[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\((.*)\)[ \t]*"
)
# The commonest line of all, a call whose arguments are only references (`s5: c(s1, s4)`, or
# none), in the llmorch dialect: _Parser._fast_call reads it without even tokens. REF_IDS lists
# the references in its third group.
REFS_LINE = re.compile(
    r"[ \t]*(s[0-9]+)[ \t]*:[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*"
    r"\(((?:[ \t]*s[0-9]+[ \t]*,)*[ \t]*s[0-9]+)?[ \t]*\)[ \t]*"
)
REF_IDS = re.compile(r"s[0-9]+").findall
# One token: an ASCII name, a number as Python writes it, a string without escapes, a `$N`
# reference, or any other character (a bracket, a separator, or something this reading leaves
# to the full one). Every character of the arguments is in a token or in the blanks before one.
# The kinds begin with different characters, so their order only makes the common ones quick.
_TOKEN = re.compile(
    r"[ \t]*("
    r"[A-Za-z_][A-Za-z0-9_]*"
    r"|-?(?:[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
    r"|[0-9]+[eE][+-]?[0-9]+|0|[1-9][0-9]*)"
    r"|\"[^\"\\]*\"|'[^'\\]*'"
    r"|\$\{[0-9]+\}|\$[0-9]+"
    r"|[^ \t])"
)
_findall = _TOKEN.findall
_CONSTANTS = {"True": True, "False": False, "None": None,
              "true": True, "false": False, "null": None}  # the last three as _JSONISH
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NUMBER_START = frozenset("0123456789-.")
# Deeper nesting goes to the full reading, which bounds it with its own message.
_MAX_DEPTH = 50
# Longer numbers go to the full reading too (Python refuses an int of over 4,300 digits).
_MAX_NUMBER = 40


class NotFast(Exception):
    """The line is not one this reading takes: the full reading reads it from the start."""


# Names this reading does not take as a function: keywords (`if(1)` is no call of a plain
# name) and join (`join()` ends the plan)
NOT_FUNCTIONS = frozenset([*keyword.kwlist, "join"])
_NOT_KEYWORD_ARGUMENTS = frozenset([*keyword.kwlist, "__debug__"])  # Python refuses them


class Host(Protocol):
    """What the parser does with what is read: strings and references, where the rules
    (references inside strings, which ids are checked later) are the full reading's own."""

    def string(self, call_id: str, refs: list[str], value: str,
               place: Callable[[tuple[int, int]], tuple[int, int]]) -> Expr: ...

    def note_ref(self, call_id: str, refs: list[str], ref: str,
                 place: Callable[[Any], tuple[int, int]], at: Any) -> Ref: ...


class FastReader:
    """Reads the argument text of one call (LINE's fourth group) into positional and keyword
    arguments, or raises NotFast. One reader serves a parser's every line."""

    __slots__ = ("_cols", "_note_ref", "_toks", "call_id", "dialect", "host", "line", "refs",
                 "start", "text")

    def __init__(self, host: Host) -> None:
        self.host = host
        self._note_ref = host.note_ref

    def read(self, text: str, start: int, line: int, call_id: str, dialect: Dialect
             ) -> tuple[tuple[Expr, ...], tuple[tuple[str, Expr], ...], list[str]]:
        """The arguments in `text` (which begins at 0-based column `start` of 1-based `line`),
        and the ids they use, in order of use."""
        self.refs: list[str] = []
        toks = self._toks = _findall(text)
        if not toks:
            return (), (), self.refs
        self.text, self.start, self.line, self.call_id, self.dialect = (
            text, start, line, call_id, dialect)
        self._cols: list[int] | None = None
        value_at = self._value
        args: list[Expr] = []
        n, k = len(toks), 0
        while k < n:  # positional arguments
            if k + 1 < n and toks[k + 1] == "=":
                return tuple(args), self._keywords(k), self.refs
            value, k = value_at(k, 1)
            args.append(value)
            if k < n:
                if toks[k] != ",":
                    raise NotFast
                k += 1
        return tuple(args), (), self.refs

    def _keywords(self, k: int) -> tuple[tuple[str, Expr], ...]:
        """The keyword arguments from token k on (Python allows nothing else after them)."""
        toks = self._toks
        kwargs: list[tuple[str, Expr]] = []
        names: set[str] = set()  # a set: 100,000 keyword arguments must not cost n² checks
        n = len(toks)
        while k < n:
            name = toks[k]
            if (k + 1 >= n or toks[k + 1] != "=" or name[0] not in _NAME_START
                    or name in _NOT_KEYWORD_ARGUMENTS or name in names):
                raise NotFast
            names.add(name)
            value, k = self._value(k + 2, 1)
            kwargs.append((name, value))
            if k < n:
                if toks[k] != ",":
                    raise NotFast
                k += 1
        return tuple(kwargs)

    def _value(self, k: int, depth: int) -> tuple[Expr, int]:
        """The value whose first token is toks[k], and the index of the token after it."""
        try:
            tok = self._toks[k]
        except IndexError:
            raise NotFast from None
        c = tok[0]
        if c in _NAME_START:
            # a reference `s12` (the token is ASCII: isdigit is [0-9]+), or a constant
            if c == "s" and self.dialect == "llmorch" and tok[1:].isdigit():
                return self._note_ref(self.call_id, self.refs, tok, self._place, k), k + 1
            if tok in _CONSTANTS:
                return Lit(_CONSTANTS[tok]), k + 1
            raise NotFast
        if len(tok) == 1 and c not in "0123456789":
            if depth > _MAX_DEPTH:
                raise NotFast
            if c == "[":
                return self._items(k + 1, "]", depth)
            if c == "(":
                return self._parenthesized(k + 1, depth)
            if c == "{":
                return self._dict(k + 1, depth)
            raise NotFast  # a separator, an operator, or anything else out of place
        if c == '"' or c == "'":
            def place(at: tuple[int, int]) -> tuple[int, int]:
                return self.line, self._col(k) + 2 + at[1]  # at (n, offset) after the quote

            return self.host.string(self.call_id, self.refs, tok[1:-1], place), k + 1
        if c in _NUMBER_START:
            if len(tok) > _MAX_NUMBER:
                raise NotFast
            if "." in tok or "e" in tok or "E" in tok:
                return Lit(float(tok)), k + 1
            return Lit(int(tok)), k + 1
        if c == "$" and self.dialect == "llmcompiler":
            ref = tok.strip("${}")
            return self._note_ref(self.call_id, self.refs, ref, self._place, k), k + 1
        raise NotFast

    def _place(self, k: int) -> tuple[int, int]:
        """The 1-based (line, col) of token k."""
        return self.line, self._col(k) + 1

    def _items(self, k: int, close: str, depth: int, first: Expr | None = None) -> tuple[Expr, int]:
        """A list (or, with close ')', the rest of a tuple after its first item) up to close."""
        toks = self._toks
        items: list[Expr] = [] if first is None else [first]
        while True:
            if k < len(toks) and toks[k] == close:
                break
            item, k = self._value(k, depth + 1)
            items.append(item)
            if k < len(toks) and toks[k] == ",":
                k += 1
            elif k >= len(toks) or toks[k] != close:
                raise NotFast
        return sequence(tuple(items), "list" if close == "]" else "tuple"), k + 1

    def _parenthesized(self, k: int, depth: int) -> tuple[Expr, int]:
        """`()`, `(x)` (just x) or a tuple `(x,)`, `(x, y)`."""
        toks = self._toks
        if k < len(toks) and toks[k] == ")":
            return sequence((), "tuple"), k + 1
        first, k = self._value(k, depth + 1)
        if k < len(toks) and toks[k] == ")":
            return first, k + 1
        if k >= len(toks) or toks[k] != ",":
            raise NotFast
        return self._items(k + 1, ")", depth, first)

    def _dict(self, k: int, depth: int) -> tuple[Expr, int]:
        toks = self._toks
        pairs: list[tuple[Expr, Expr]] = []
        while True:
            if k < len(toks) and toks[k] == "}":
                break
            key, k = self._value(k, depth + 1)
            if isinstance(key, Lit):
                try:
                    hash(key.value)
                except TypeError:
                    raise NotFast from None  # the full reading says why
            if k >= len(toks) or toks[k] != ":":
                raise NotFast  # a set, or an error
            value, k = self._value(k + 1, depth + 1)
            pairs.append((key, value))
            if k < len(toks) and toks[k] == ",":
                k += 1
            elif k >= len(toks) or toks[k] != "}":
                raise NotFast
        return mapping(pairs), k + 1

    def _col(self, k: int) -> int:
        """The 0-based column in the line of token k (worked out only when a place is asked
        for: a reference to a later call, a reference inside a string)."""
        if self._cols is None:
            start = self.start
            self._cols = [start + m.start(1) for m in _TOKEN.finditer(self.text)]
        return self._cols[k]
