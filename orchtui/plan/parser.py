"""Parse a plan (LLMOrch or LLMCompiler dialect) into calls, without evaluating anything.

The text is scanned line by line. A line that begins with a call id (`s1:`, `1.`, `1:`) starts a
call, which may run over several lines while brackets or strings are open. The call's text is
normalised (`$1` outside strings becomes an identifier, a plain string broken over lines gets an
escaped newline) and parsed with `ast` in eval mode; the tree is then converted into our own
expression values, refusing anything that is not a literal, a reference or arithmetic on them.
A line holding a whole call of the common shape (literals, references, lists and dicts of them)
is first offered to orchtui.plan.fast, which reads it without `ast` or declines it; what it
reads is what this reading gives, at a fraction of the time and memory.

The normalised text keeps a map back to the plan's lines and columns, so every error points at
the plan text as written. Scanning works on runs of characters (regular expressions), never one
character at a time in Python, and no step rescans text it has seen: a plan of 10,000 calls or a
16 MB string costs time in proportion to its length.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import re
import sys
import warnings
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from orchtui.errors import PlanError
from orchtui.plan import fast
from orchtui.plan.model import (
    BinOp,
    Call,
    Dialect,
    Expr,
    Lit,
    Plan,
    PlanWarning,
    Ref,
    Template,
    UnaryOp,
    mapping,
    sequence,
)
from orchtui.text import counted

END_OF_PLAN = "<END_OF_PLAN>"
# How deeply argument expressions may nest. Python's own tokenizer stops brackets at 200 levels;
# this also bounds chains like `1 + 1 + ... + 1` and `- - - 1`, so that nothing downstream
# (printing, binding, copying) can run out of stack on a parsed plan.
MAX_DEPTH = 200
# How many values one call's arguments may hold (counted by the commas and operators between
# them, outside strings, so `1 + 1 + ... + 1` counts as a long list does). Python's parser
# spends about a kilobyte of memory on each value: a 10 MB list literal of 2.6 million numbers
# took 2.8 GB and 19 s. 100,000 values (100,000 keyword arguments) parse in about a second.
MAX_VALUES = 100_000
# Plain text (a search query written without quotes) is short; longer text is not read as it.
MAX_PLAIN = 10_000

_REF_NAME = "__ref__"  # `$1` outside strings is rewritten to the identifier `__ref__1`

_ID: dict[str, re.Pattern[str]] = {
    "llmorch": re.compile(r"[ \t]*(s\d+)[ \t]*:"),
    "llmcompiler": re.compile(r"[ \t]*(\d+)[ \t]*[.:](?!\d)"),
}
# A line that starts a call beyond doubt: id, name, '('. Used to end a runaway string or bracket.
_LOOKS_LIKE_CALL: dict[str, re.Pattern[str]] = {
    d: re.compile(p.pattern + r"[ \t]*[^\W\d]\w*[ \t]*\(") for d, p in _ID.items()
}
_JOIN = re.compile(r"[ \t]*join[ \t]*\(")  # after a call id: join() again, no call
_THOUGHT = re.compile(r"[ \t]*Thought[ \t]*:[ \t]*(.*)")
_NAME = re.compile(r"[^\W\d]\w*")
_WS = re.compile(r"[ \t\f]*")
_CALL_BODY = re.compile(r"[ \t\f]*[^\W\d]\w*[ \t\f]*\(")
_DOLLAR_REF = re.compile(r"\$\{(\d+)\}|\$(\d+)")
_BRACE_REF = re.compile(r"\{(s\d+)\}")
_CALL_ID_NAME = re.compile(r"s\d+")
_CODE_RUN = re.compile(r"[^'\"#$()\[\]{}<“‘]+")
_STRING_RUN = {"'": re.compile(r"[^'\\]+"), '"': re.compile(r'[^"\\]+')}
_ONE_LINE_STRING = {"'": re.compile(r"'(?:[^'\\]|\\.)*'"), '"': re.compile(r'"(?:[^"\\]|\\.)*"')}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CLOSERS = {")": "(", "]": "[", "}": "{"}

_BINOPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_JSONISH = {"true": True, "false": False, "null": None}
# `a.b(` after a call id is a call with a dotted name (an error); `Mr. Smith went` is prose
_DOTTED_CALL = re.compile(r"[^\W\d]\w*(?:[ \t]*\.[ \t]*[^\W\d]\w*)+[ \t]*\(")
# a whole call on one line whose arguments may be plain text: name, '(', text, ')'
_PLAIN_CALL = re.compile(r"([^\W\d]\w*)[ \t]*\((.*)\)[ \t\f]*(<END_OF_PLAN>.*)?$")
# Plain text is words and the punctuation of prose. Anything else is code (quotes, brackets,
# `=`, `$1`, `@`, `;`, operators), as is a name called like a function or a first word that
# begins a Python statement (`class X: pass`, `import os`).
_PLAIN_TEXT = re.compile(r"[\w \t.,:!?&/%+()'\u2019\u2013\u2014-]+")
_NOT_PLAIN = re.compile(r"(?<!\w)['\u2019]|\w\(|^(?:class|def|import|from|lambda|return|yield|"
                        r"async|await|raise|del|global|nonlocal|assert|with|pass|print|exec)\b")
_SEPARATORS = (",", "+", "-", "*", "/", "%", ":")
_WORD_REF = re.compile(r"\bs\d+\b")
_CURLY = {"\u201c": "\u201d", "\u2018": "\u2019"}
_CLOSE_FOR = {"(": ")", "[": "]", "{": "}"}
_PROSE = ("", (0, 0))  # _call_head's answer for a numbered line of prose
_NOT_A_CALL = "syntax error: expected a function call like f(...) after the call id"
_PLAIN_NAME = "syntax error: the function must be a plain name, like search(...)"
_UNTERMINATED = "syntax error: unterminated string"


def parse_plan(
    text: str,
    functions: Collection[str] | None = None,
    source: str = "",
    strict: bool = False,
) -> Plan:
    """Parse plan text into a Plan. Raises PlanError (with line and column) on any compile error.

    `functions`, when given, is the set of callable function names; any other name is an error.
    Text whose intent is unambiguous though it is not the plan language (DESIGN §2) is read
    leniently, each time with a PlanWarning in `plan.warnings`; `strict` refuses it instead,
    with the error it gets without leniency.
    """
    try:
        with _parsing():
            plan = _Parser(text, functions, strict).parse()
        if source and plan.warnings:
            plan = replace(plan, warnings=tuple(w.located(source) for w in plan.warnings))
        return plan
    except PlanError as err:
        if source:
            raise err.located(source) from None
        raise
    except (RecursionError, MemoryError):  # a last guard; calls catch these with a position
        raise PlanError("the plan is nested too deeply or too large", 1, 1, source) from None


@contextlib.contextmanager
def _parsing() -> Iterator[None]:
    """Around one parse (a whole plan, or the rest of a streamed one)."""
    # A big plan allocates many small objects that all stay alive (the calls), so the cyclic
    # garbage collector's passes would find nothing to free: pausing it saves about a third.
    # The parser keeps no cycles (its reference sites hold positions, not converters), so what
    # it drops is freed at once.
    paused = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            # once for the whole plan (per call it cost more than parsing): `ast` warns about
            # escapes like "\d", which are fine in a plan
            warnings.simplefilter("ignore")
            yield
    finally:
        if paused:
            gc.enable()


@dataclass(frozen=True)
class Resume:
    """Where to go on reading a plan whose first calls were read already (a streamed plan,
    orchtui.llm.streaming): its lines so far, and the state after the calls read. Ids in
    `seen` keep the lines they were defined on, so every position stays the plan's own."""

    lines: Sequence[str]
    dialect: Dialect | None
    seen: dict[str, tuple[int, int]]
    earlier: set[str]


def parse_rest(resume: Resume, start: int, functions: Collection[str] | None = None,
               strict: bool = False
               ) -> tuple[Plan, list[tuple[int, int]], dict[str, tuple[int, int]]]:
    """Parse the plan from line index `start` on, after the calls `resume` describes: the
    calls found there, as parse_plan reads them in the whole text (the same warnings and
    errors, at the same positions). Also returns, for each call, the line index after it and
    how many new ids had been seen by then, and the new ids in order."""
    try:
        with _parsing():
            parser = _Parser("", functions, strict, resume=resume)
            plan = parser.parse(start)
        return plan, parser.ends, dict(parser.seen.own)  # type: ignore[attr-defined]
    except (RecursionError, MemoryError):
        raise PlanError("the plan is nested too deeply or too large", 1, 1) from None


class _Layer(dict):  # type: ignore[type-arg]
    """The ids seen: the new ones in this dict (in order), the earlier ones in `base`."""

    def __init__(self, base: dict[str, tuple[int, int]]) -> None:
        super().__init__()
        self.base = base

    @property
    def own(self) -> dict[str, tuple[int, int]]:
        return dict(self.items())

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self.base

    def __getitem__(self, key: str) -> tuple[int, int]:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return self.base[key]

    def __len__(self) -> int:
        return dict.__len__(self)


class _SetLayer(set):  # type: ignore[type-arg]
    def __init__(self, base: set[str]) -> None:
        super().__init__()
        self.base = base

    def __contains__(self, key: object) -> bool:
        return set.__contains__(self, key) or key in self.base


def starts_call(line: str) -> bool:
    """Whether a line begins with a call id (and so must parse as a call)."""
    return any(p.match(line) for p in _ID.values())


class _Source:
    """A call's normalised source, with a map back to the (line, col) of the plan text.

    The map is a list of segments: text emitted from one place of the plan. An exact segment is a
    verbatim copy (its k-th character came from col + k); a made-up one (`__ref__1` for `$1`, an
    escaped newline) maps every character to where it was made. Verbatim pieces that follow each
    other on a line share one segment. The maps are built only when a position is asked for.
    """

    __slots__ = ("_byte_maps", "_end", "_line_starts", "_starts", "n", "parts", "refs_at", "segs",
                 "src")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.segs: list[tuple[int, int, int, bool]] = []  # (index, 0-based line, col, exact)
        self.n = 0
        self._end = (-1, -1)  # (line, col) just after the last exact piece
        self.refs_at: dict[int, str] = {}  # index of a rewritten `$N` -> N
        self.src = ""
        self._starts: list[int] | None = None
        self._line_starts: list[int] | None = None
        self._byte_maps: dict[int, tuple[list[int], list[int]]] = {}

    def emit(self, text: str, line: int, col: int, exact: bool = True) -> None:
        self.parts.append(text)
        if exact:
            if self._end != (line, col):
                self.segs.append((self.n, line, col, True))
            self._end = (line, col + len(text))
        else:
            self.segs.append((self.n, line, col, False))
            self._end = (-1, -1)
        self.n += len(text)

    def emit_ref(self, ref: str, line: int, col: int) -> None:
        self.refs_at[self.n] = ref
        self.emit(_REF_NAME + ref, line, col, exact=False)

    def finish(self) -> _Source:
        self.src = "".join(self.parts)
        self.parts = []
        return self

    def at(self, index: int) -> tuple[int, int]:
        """The 1-based (line, col) in the plan of the normalised text's character `index`."""
        if not self.segs:
            return (1, 1)
        if self._starts is None:
            self._starts = [seg[0] for seg in self.segs]
        start, line, col, exact = self.segs[max(0, bisect_right(self._starts, index) - 1)]
        if exact:
            col += max(0, index - start)
        return (line + 1, col + 1)

    def index(self, lineno: int, col: int, in_bytes: bool) -> int:
        """The index in the normalised text of an ast position (1-based line; a 0-based column in
        UTF-8 bytes as ast nodes give it, or in characters as a SyntaxError's offset - 1 does)."""
        if self._line_starts is None:
            find, starts, at = self.src.find, [0], self.src.find("\n")
            while at >= 0:
                starts.append(at + 1)
                at = find("\n", at + 1)
            self._line_starts = starts
        lineno = max(1, min(lineno, len(self._line_starts)))
        start = self._line_starts[lineno - 1]
        col = max(0, col)
        if in_bytes and not self.src.isascii():
            col = self._chars(lineno, start, col)
        return min(start + col, len(self.src))

    def _chars(self, lineno: int, start: int, col_bytes: int) -> int:
        """Convert a UTF-8 byte column of one line to a character column, in O(log n) once the
        line's non-ASCII characters are known."""
        if lineno not in self._byte_maps:
            assert self._line_starts is not None
            starts = self._line_starts
            end = starts[lineno] - 1 if lineno < len(starts) else len(self.src)
            at_bytes: list[int] = []  # byte column just after each non-ASCII character
            extra: list[int] = []  # bytes beyond one per character, up to and including it
            total = 0
            for m in _NON_ASCII.finditer(self.src, start, end):
                total += len(m.group().encode("utf-8")) - 1
                at_bytes.append(m.start() - start + total + 1)
                extra.append(total)
            self._byte_maps[lineno] = (at_bytes, extra)
        at_bytes, extra = self._byte_maps[lineno]
        k = bisect_right(at_bytes, col_bytes)
        return col_bytes - (extra[k - 1] if k else 0)

    def node_pos(self, node: ast.AST) -> tuple[int, int]:
        return self.at(self.node_index(node))

    def node_index(self, node: ast.AST) -> int:
        return self.index(node.lineno, node.col_offset, True)  # type: ignore[attr-defined]

    def node_end(self, node: ast.AST) -> int:
        return self.index(node.end_lineno or node.lineno,  # type: ignore[attr-defined]
                          node.end_col_offset or 0, True)  # type: ignore[attr-defined]


# Where a call refers to an id that may turn out undefined or close a cycle: (call id, the id
# referred to, 1-based line, col). Only references to ids not among the earlier calls are noted
# (see _Parser.note_ref), so a plan whose calls use only earlier ones notes none.
_Site = tuple[str, str, int, int]
_T = TypeVar("_T")


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


class _Parser:
    def __init__(self, text: str, functions: Collection[str] | None, strict: bool = False,
                 resume: Resume | None = None) -> None:
        self.functions = None if functions is None else frozenset(functions)
        self.calls: list[Call] = []
        self.sites: list[_Site] = []  # checked once all ids are known
        self.ref_objects: dict[str, Ref] = {}
        self.strict = strict
        self.warnings: list[PlanWarning] = []
        # after each call: the line after it and how many ids were seen (for parse_rest only)
        self.ends: list[tuple[int, int]] = []
        self.resumed = resume is not None
        if resume is not None:  # text is not read: the lines are resume's, already checked
            self.lines: Sequence[str] = resume.lines
            self.dialect: Dialect | None = resume.dialect
            self.seen: dict[str, tuple[int, int]] = _Layer(resume.seen)
            self.earlier: set[str] = _SetLayer(resume.earlier)
            return
        if text.startswith("\ufeff"):
            text = text[1:]  # a byte order mark is no part of the plan
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        nul = text.find("\x00")
        if nul >= 0:
            raise PlanError("the plan contains a NUL byte: is it a binary file?",
                            *_line_col(text, nul))
        # the one text UTF-8 cannot encode; searched for, not encoded (a copy of the plan)
        surrogate = None if text.isascii() else _SURROGATE.search(text)
        if surrogate:
            raise PlanError("the plan is not valid Unicode text (an unpaired surrogate)",
                            *_line_col(text, surrogate.start()))
        self.lines = text.split("\n")
        self.dialect = None
        self.seen = {}
        self.earlier = set()  # the ids of the calls before the one being read

    def warn(self, line: int, col: int, kind: str, message: str) -> None:
        self.warnings.append(PlanWarning(line, col, message, kind))  # type: ignore[arg-type]

    # -- the line loop ------------------------------------------------------------------------
    def parse(self, li: int = 0) -> Plan:
        thought: list[str] = []
        reader = fast.FastReader(self)  # local: it refers to the parser, which must not keep it
        lines, stop = self.lines, len(self.lines)
        while li < stop:
            line = lines[li]
            call = self._fast_call(reader, li, line, " ".join(thought) if thought else None)
            if call is not None:
                li, ended = li + 1, False
            else:
                m_thought = _THOUGHT.match(line)
                if m_thought:
                    text, end = _cut_at_end(m_thought.group(1))
                    if text.strip():
                        thought.append(text.strip())
                    if end:
                        break
                    li += 1
                    continue
                head = self._call_head(li)
                if head is None or head is _PROSE:
                    if END_OF_PLAN in line:
                        break
                    li += 1  # prose, blank lines, code fences: skipped
                    continue
                call_id, (fi, fj) = head
                call, li, ended = self._parse_call(li, call_id, fi, fj,
                                                   " ".join(thought) or None)
                if call is None:  # join(): the plan ends
                    self._after_join(li)
            if thought:
                thought = []
            if call is not None:
                self.calls.append(call)
                self.earlier.add(call.id)
                if self.resumed:
                    self.ends.append((li, len(self.seen)))
            if ended:
                break
        if not self.calls:
            message = ("the plan has no function calls (a call looks like "
                       "s1: search(\"...\") or 1. search(\"...\"))")
            if self.warnings:  # numbered prose: say where, and why it was not read as a call
                w = min(self.warnings, key=lambda w: (w.line, w.col))
                raise PlanError(f"{message}; {w.message}", w.line, w.col)
            raise PlanError(message, 1, 1)
        self._check_refs()
        self._check_cycles()
        warned = tuple(sorted(self.warnings, key=lambda w: (w.line, w.col)))
        return Plan(tuple(self.calls), self.dialect or "llmorch", warned)

    def _after_join(self, li: int) -> None:
        """Calls written after join() are dropped, as LLMCompiler's parser drops them; a
        warning says how many and where they begin (under strict, an error). `li` is the line
        after join(); text after <END_OF_PLAN> is no part of the plan and is not counted."""
        lines = self.lines
        if END_OF_PLAN in lines[li - 1]:
            return
        looks = _LOOKS_LIKE_CALL[self.dialect or "llmcompiler"]
        ident = _ID[self.dialect or "llmcompiler"]
        first: tuple[int, int] | None = None
        n = 0
        for k in range(li, len(lines)):
            line = lines[k]
            m = ident.match(line)
            if m and looks.match(line) and not _JOIN.match(line, m.end()):
                n += 1
                first = first or (k + 1, m.start(1) + 1)
            if END_OF_PLAN in line:
                break
        if first is None:
            return
        if self.strict:
            raise PlanError(f"join() ends the plan, but {counted(n, 'call')} "
                            f"{'follows' if n == 1 else 'follow'} it", *first)
        self.warn(*first, "after-join",
                  f"{counted(n, 'call')} after join() {'is' if n == 1 else 'are'} ignored: "
                  "join() ends the plan")

    def _fast_call(self, reader: fast.FastReader, li: int, line: str, thought: str | None
                   ) -> Call | None:
        """The call on line li as orchtui.plan.fast reads it, or None: then the line is read in
        full (it may be no call, a call of another shape, or an error, which that reading
        words and places)."""
        m = fast.REFS_LINE.fullmatch(line)
        if m is not None and self.dialect != "llmcompiler":
            call = self._refs_call(m, li, line, thought)
            if call is not None:
                return call
        m = fast.LINE.fullmatch(line)
        if m is None:
            return None
        call_id, number, name, text = m.groups()
        if call_id is not None:
            dialect: Dialect = "llmorch"
            id_at = m.start(1)
        else:
            call_id, dialect, id_at = number, "llmcompiler", m.start(2)
        if ((self.dialect is not None and self.dialect != dialect) or call_id in self.seen
                or name in fast.NOT_FUNCTIONS
                or (self.functions is not None and name not in self.functions)
                or (len(line) > MAX_VALUES  # perhaps too many values: as in _one_line
                    and sum(line.count(c, m.start(3)) for c in _SEPARATORS) >= MAX_VALUES)):
            return None
        sites, warned, dialect_before = len(self.sites), len(self.warnings), self.dialect
        self.dialect = dialect  # as _call_head sets it, before the arguments are read
        line_no = li + 1
        try:
            args, kwargs, refs = reader.read(text, m.start(4), line_no, call_id, dialect)
        except fast.NotFast:
            del self.sites[sites:]
            del self.warnings[warned:]
            self.dialect = dialect_before
            return None
        where = self.seen[call_id] = (line_no, id_at + 1)
        # interned, as Python's parser interns names: a plan's thousands of calls share a few
        return self._make_call(call_id, sys.intern(name), args, kwargs, refs, thought, where,
                               line.strip())

    def _refs_call(self, m: re.Match[str], li: int, line: str, thought: str | None
                   ) -> Call | None:
        """The call of a line fast.REFS_LINE matched (only references as arguments), when each
        of them names an earlier call; else None, and the line is read as any other. It is the
        call the token reading gives, with no use to check later (no site)."""
        call_id, name, text = m.groups()
        if (call_id in self.seen or name in fast.NOT_FUNCTIONS
                or (self.functions is not None and name not in self.functions)
                or len(line) > MAX_VALUES):
            return None
        args: tuple[Ref, ...] = ()
        if text is not None:
            earlier, objects = self.earlier, self.ref_objects
            ids = fast.REF_IDS(text)
            for ref in ids:
                if ref not in earlier:
                    return None
            for ref in ids:
                if ref not in objects:
                    objects[ref] = Ref(ref)
            args = tuple(map(objects.__getitem__, ids))
        self.dialect = "llmorch"
        where = self.seen[call_id] = (li + 1, m.start(1) + 1)
        return self._make_call(call_id, sys.intern(name), args, (), [r.id for r in args],
                               thought, where, line.strip())

    @staticmethod
    def _make_call(call_id: str, name: str, args: tuple[Expr, ...],
                   kwargs: tuple[tuple[str, Expr], ...], refs: list[str], thought: str | None,
                   where: tuple[int, int], text: str) -> Call:
        """The call, at `where`: its id's (line, col)."""
        # positional: a frozen dataclass takes keywords a third slower, once per call of a plan
        return Call(call_id, name, args, kwargs,
                    tuple(dict.fromkeys(refs)) if len(refs) > 1 else tuple(refs),
                    thought, where[0], where[1], text)

    def _call_head(self, li: int) -> tuple[str, tuple[int, int]] | None:
        """If line li begins with a call id, return the id and where its function name begins;
        _PROSE for a numbered line of prose (a warning, unless strict)."""
        line = self.lines[li]
        dialect: Dialect = "llmorch"
        m = _ID[dialect].match(line)
        if not m:
            dialect = "llmcompiler"
            m = _ID[dialect].match(line)
            if not m:
                return None
        call_id = m.group(1)
        start = None
        if not self.strict:
            # prose first: a line of prose neither sets the dialect nor takes an id
            start = self._function_start(li, m.end())
            if start is None:
                self.warn(li + 1, m.start(1) + 1, "prose",
                          f"no function call follows the id {call_id}: the line is read as "
                          "prose and skipped")
                return _PROSE
        if self.dialect is None:
            self.dialect = dialect
        elif self.dialect != dialect:
            other = "s1:" if self.dialect == "llmorch" else "1."
            raise PlanError(
                f"call id {call_id} mixes dialects: this plan numbers its calls like {other}",
                li + 1,
                m.start(1) + 1,
            )
        if call_id in self.seen:
            first = self.seen[call_id][0]
            raise PlanError(f"duplicate id {call_id} (first defined on line {first})",
                            li + 1, m.start(1) + 1)
        self.seen[call_id] = (li + 1, m.start(1) + 1)
        if start is None:
            start = self._function_start(li, m.end())
            assert start is not None  # strict: prose raises
        return call_id, start

    # -- one call -----------------------------------------------------------------------------
    def _parse_call(
        self, li: int, call_id: str, fi: int, fj: int, thought: str | None
    ) -> tuple[Call | None, int, bool]:
        """Parse the call whose id is on line li and whose function name begins at (fi, fj).
        Returns the call (None for `join()`), the next line, and whether the plan ends here.
        A call that is not code may be plain text (one string argument, with a warning)."""
        sites, warned = len(self.sites), len(self.warnings)
        try:
            return self._read_call(li, call_id, fi, fj, thought)
        except PlanError:
            if self.strict:
                raise
            # forget what the failed reading noted
            del self.sites[sites:]
            del self.warnings[warned:]
            plain = self._plain_call(li, call_id, fi, fj, thought)
            if plain is None:
                raise
            return plain

    def _plain_call(
        self, li: int, call_id: str, fi: int, fj: int, thought: str | None
    ) -> tuple[Call, int, bool] | None:
        """The call read as `name(plain text)`: one string argument, as LLMCompiler's parser
        reads `search(The Lord of the Rings)`. None when the arguments are not plain text."""
        line = self.lines[fi]
        m = _PLAIN_CALL.match(line, fj)
        if not m or not self._is_plain_text(m.group(2).strip()):
            return None
        name, inner = m.group(1), m.group(2)
        if self.functions is not None and name not in self.functions:
            known = ", ".join(sorted(self.functions)) or "none"
            raise PlanError(f"unknown function {name!r} (available: {known})", fi + 1, fj + 1)
        text = inner.strip()
        shown = text if len(text) <= 60 else text[:57] + "..."
        self.warn(fi + 1, m.start(2) + len(inner) - len(inner.lstrip()) + 1, "plain-text",
                  f"the arguments of {name} are plain text, not code: read as one string "
                  f"{shown!r}")
        call = self._make_call(call_id, name, (Lit(text),), (), [], thought,
                               (li + 1, self.seen[call_id][1]),
                               "\n".join(self.lines[li : fi + 1]).strip())
        return call, fi + 1, m.group(3) is not None

    def _is_plain_text(self, text: str) -> bool:
        """Words, not code: no quotes, brackets, keywords or references, and either not Python
        at all (`The Lord of the Rings`) or only bare words (`Rosetta`, `Paris, France`)."""
        if (len(text) > MAX_PLAIN or not _PLAIN_TEXT.fullmatch(text) or _NOT_PLAIN.search(text)
                or not any(c.isalpha() for c in text)):
            return False
        if self.dialect == "llmorch" and _WORD_REF.search(text):
            return False  # `s1 2`: a reference written wrong, not words
        depth = 0
        for c in text:
            depth += (c == "(") - (c == ")")
            if depth < 0:
                return False
        if depth:
            return False
        try:
            node = ast.parse(f"f({text})", mode="eval").body
        except SyntaxError:
            return True
        except (ValueError, RecursionError, MemoryError):
            return False
        return isinstance(node, ast.Call) and not node.keywords and all(
            isinstance(a, ast.Name) and not a.id.startswith("_") and a.id not in _JSONISH
            and not _CALL_ID_NAME.fullmatch(a.id)  # a reference, perhaps of the other dialect
            for a in node.args)

    def _read_call(
        self, li: int, call_id: str, fi: int, fj: int, thought: str | None
    ) -> tuple[Call | None, int, bool]:
        quick = self._one_line(fi, fj)
        if quick is not None:
            src, node = quick
            end_li, ended = fi, False
        else:
            src, end_li, end_col = self._scan(fi, fj)
            rest = self.lines[end_li][end_col:]
            trailing = rest.lstrip(" \t\f")
            ended = trailing.startswith(END_OF_PLAN)
            if trailing and not ended and not trailing.startswith("#"):
                raise PlanError(f"syntax error: unexpected text after the call: {trailing[:40]!r}",
                                end_li + 1, end_col + len(rest) - len(trailing) + 1)
            node = self._ast(src, fi, fj)
        if not isinstance(node, ast.Call):
            raise PlanError(_NOT_A_CALL,
                            *src.node_pos(node))
        if not isinstance(node.func, ast.Name):
            raise PlanError(_PLAIN_NAME,
                            *src.node_pos(node.func))
        name = node.func.id
        if name == "join" and not node.args and not node.keywords:
            del self.seen[call_id]  # join() is the end of the plan, not a call
            return None, end_li + 1, True
        if self.functions is not None and name not in self.functions:
            known = ", ".join(sorted(self.functions)) or "none"
            raise PlanError(f"unknown function {name!r} (available: {known})",
                            *src.node_pos(node.func))
        conv = _Converter(self, call_id, src)
        args = tuple(conv.expr(a) for a in node.args)
        kwargs: list[tuple[str, Expr]] = []
        names: set[str] = set()  # a set: 100,000 keyword arguments must not cost n² checks
        for kw in node.keywords:
            if kw.arg is None:
                raise PlanError("'**' arguments are not allowed in a plan",
                                *src.node_pos(kw.value))
            if kw.arg in names:
                raise PlanError(f"argument {kw.arg!r} is given twice", *src.node_pos(kw))
            names.add(kw.arg)
            kwargs.append((kw.arg, conv.expr(kw.value)))
        call = self._make_call(call_id, name, args, tuple(kwargs), conv.refs, thought,
                               (li + 1, self.seen[call_id][1]),
                               "\n".join(self.lines[li : end_li + 1]).strip())
        return call, end_li + 1, ended

    def _function_start(self, li: int, col: int) -> tuple[int, int] | None:
        """Where the function name after a call id begins. Checks `name(` up front: a numbered
        line with none is prose (None), or under strict an error with a plain message."""
        line = self.lines[li]
        k = _WS.match(line, col).end()
        if k >= len(line) or line[k] == "#":
            # the call may begin on the next line (`s6:` alone, then `chatbot(...)`)
            if li + 1 < len(self.lines) and _CALL_BODY.match(self.lines[li + 1]):
                nxt = self.lines[li + 1]
                return li + 1, _WS.match(nxt).end()
            return self._prose(_NOT_A_CALL, li + 1, k + 1)
        m = _NAME.match(line, k)
        if not m:
            return self._prose(_NOT_A_CALL, li + 1, k + 1)
        k2 = _WS.match(line, m.end()).end()
        if k2 < len(line) and line[k2] == ".":
            if _DOTTED_CALL.match(line, k):
                raise PlanError(_PLAIN_NAME, li + 1, k + 1)
            return self._prose(_PLAIN_NAME, li + 1, k + 1)
        if k2 >= len(line) or line[k2] != "(":
            return self._prose(f"syntax error: expected '(' after {m.group()!r}: a line that "
                               "begins with a call id must be a call like f(...)", li + 1, k2 + 1)
        return li, k

    def _prose(self, message: str, line: int, col: int) -> None:
        if self.strict:
            raise PlanError(message, line, col)

    def _one_line(self, li: int, col: int) -> tuple[_Source, ast.Call] | None:
        """The common case, cheaply: the rest of the line is exactly one call that Python parses
        as written. Anything else (a call over several lines, `$1` outside strings, a comment,
        trailing text, an error) goes through the scanner, which also places errors."""
        text = self.lines[li][col:].rstrip(" \t\f")
        if not text.endswith(")") or (self.dialect == "llmcompiler" and "$" in text):
            return None
        if len(text) > MAX_VALUES and sum(map(text.count, _SEPARATORS)) >= MAX_VALUES:
            return None  # perhaps too many values: the scanner counts them and says where
        try:
            node = ast.parse(text, mode="eval").body
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            return None
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.end_lineno == 1 and node.end_col_offset == size):
            return None
        src = _Source()
        src.emit(text, li, col)
        return src.finish(), node

    def _ast(self, src: _Source, li: int, col: int) -> ast.expr:
        try:
            return ast.parse(src.src, mode="eval").body
        except SyntaxError as err:
            index = src.index(err.lineno or 1, (err.offset or 1) - 1, in_bytes=False)
            message = (err.msg or "invalid syntax").splitlines()[0] if err.msg else "invalid syntax"
            message = re.sub(r"\s*\(detected at line \d+\)", "", message)
            raise PlanError(f"syntax error: {message}", *src.at(index)) from None
        except (RecursionError, MemoryError):
            raise PlanError("the call is nested too deeply", li + 1, col + 1) from None

    def _looks_like_call(self, li: int) -> bool:
        pattern = _LOOKS_LIKE_CALL[self.dialect or "llmorch"]
        return bool(pattern.match(self.lines[li]))

    def _scan(self, i: int, j: int) -> tuple[_Source, int, int]:
        """Read from (i, j), the function name, up to the bracket that closes the call. Returns
        the normalised source and the (line, col) just after the call."""
        out = _Source()
        lines = self.lines
        stack: list[tuple[str, int, int]] = []
        values = 1  # separators outside strings, plus one: bounds what `ast` will be given
        while True:
            line = lines[i]
            if j >= len(line):
                # stack is never empty here: `name(` was checked, and the call ends at its ')'
                ends = self._call_ends_after(i)
                if not ends:
                    out.emit("\n", i, j, exact=False)
                    i, j = i + 1, 0
                    continue
                if not self.strict:
                    return self._close(out, stack, i, j)
                ch, sl, sc = stack[-1]
                raise PlanError(f"syntax error: '{ch}' is never closed", sl + 1, sc + 1)
            m = _CODE_RUN.match(line, j)
            if m:
                out.emit(m.group(), i, j)
                values += sum(map(m.group().count, _SEPARATORS))
                if values > MAX_VALUES:
                    ch, sl, sc = stack[-1] if stack else ("(", i, j)
                    raise PlanError(f"the call's arguments hold over {MAX_VALUES:,} values (this "
                                    f"'{ch}' is where they pass it): put that much data in a "
                                    "file and pass its name", sl + 1, sc + 1)
                j = m.end()
                continue
            ch = line[j]
            if ch in "'\"":
                i, j = self._scan_string(out, i, j)
                continue
            if ch == "#":
                j = len(line)  # a comment runs to the end of the line
                continue
            if ch == "$" and self.dialect == "llmcompiler":
                m = _DOLLAR_REF.match(line, j)
                if m:
                    out.emit_ref(m.group(1) or m.group(2), i, j)
                    j = m.end()
                    continue
            if ch in _CURLY and not self.strict:
                j = self._scan_curly(out, i, j)
                continue
            if ch == "<" and stack and line.startswith(END_OF_PLAN, j):
                if not self.strict:
                    return self._close(out, stack, i, j)
                top, sl, sc = stack[-1]
                raise PlanError(f"syntax error: '{top}' is never closed", sl + 1, sc + 1)
            out.emit(ch, i, j)
            j += 1
            if ch in "([{":
                stack.append((ch, i, j - 1))
            elif ch in _CLOSERS:
                if not stack:
                    raise PlanError(f"syntax error: unmatched '{ch}'", i + 1, j)
                top, sl, _ = stack.pop()
                if top != _CLOSERS[ch]:
                    where = "" if sl == i else f" on line {sl + 1}"
                    raise PlanError(f"syntax error: closing '{ch}' does not match opening "
                                    f"'{top}'{where}", i + 1, j)
                if not stack:
                    return out.finish(), i, j

    def _call_ends_after(self, i: int) -> bool:
        """Whether a call still open at the end of line i can go no further: the next line
        starts a call or a thought, or the plan ends (only blank lines or <END_OF_PLAN>)."""
        lines = self.lines
        if i + 1 >= len(lines) or self._looks_like_call(i + 1):
            return True
        if self.strict:
            return False
        nxt = lines[i + 1].lstrip()
        if nxt.startswith(END_OF_PLAN) or _THOUGHT.match(lines[i + 1]):
            return True
        if nxt:
            return False
        k = i + 1
        while k < len(lines) and not lines[k].strip():
            k += 1
        return k == len(lines)

    def _close(self, out: _Source, stack: list[tuple[str, int, int]], i: int, j: int
               ) -> tuple[_Source, int, int]:
        """Close the brackets still open at (i, j), the end of the call's text, with a warning."""
        closers = "".join(_CLOSE_FOR[ch] for ch, _, _ in reversed(stack))
        ch, sl, sc = stack[-1]
        self.warn(sl + 1, sc + 1, "unclosed",
                  f"'{ch}' is never closed: read as closed at the end of line {i + 1} "
                  f"(added {closers!r})")
        out.emit(closers, i, j, exact=False)
        return out.finish(), i, j

    def _scan_curly(self, out: _Source, i: int, j: int) -> int:
        """Copy a string in typographic quotes (“…” or ‘…’) as a straight-quoted one. It closes
        at the first closing quote that ends an argument (followed by , ) ] } : + or the end
        of the line), so that an apostrophe (‘Schindler’s List’) stays text."""
        line = self.lines[i]
        close = _CURLY[line[j]]
        k = line.find(close, j + 1)
        while k >= 0:
            after = _WS.match(line, k + 1).end()
            if after >= len(line) or line[after] in ",)]}:+#":
                break
            k = line.find(close, k + 1)
        if k < 0:
            raise PlanError(_UNTERMINATED, i + 1, j + 1)
        self.warn(i + 1, j + 1, "quotes",
                  f"typographic quotes {line[j]}…{close} read as a string in straight quotes")
        out.emit('"', i, j)
        for m in re.finditer(r'[^"\\]+|["\\]', line[j + 1 : k]):
            piece = m.group()
            if piece in ('"', "\\"):
                out.emit("\\" + piece, i, j + 1 + m.start(), exact=False)
            else:
                out.emit(piece, i, j + 1 + m.start())
        out.emit('"', i, k)
        return k + 1

    def _scan_string(self, out: _Source, i: int, j: int) -> tuple[int, int]:
        """Copy one string literal starting at (i, j). A plain quoted string may continue on the
        next line (LLMs and the paper's Fig. 6 break long prompts), unless that line plainly
        starts a new call: then the string was never closed."""
        lines = self.lines
        line = lines[i]
        q = line[j]
        triple = line.startswith(q * 3, j)
        quote = q * 3 if triple else q
        k = j
        while k > 0 and j - k < 2 and line[k - 1].isalpha():
            k -= 1
        prefix = line[k:j]
        if not triple:
            m = _ONE_LINE_STRING[q].match(line, j)
            if m:
                out.emit(m.group(), i, j)
                return i, m.end()
        start = (i, j)
        run = _STRING_RUN[q]
        out.emit(quote, i, j)
        j += len(quote)
        while True:
            line = lines[i]
            if j >= len(line):
                if i + 1 >= len(lines) or (not triple and self._looks_like_call(i + 1)):
                    raise PlanError(_UNTERMINATED, start[0] + 1, start[1] + 1)
                if triple:
                    out.emit("\n", i, j, exact=False)
                elif "r" in prefix.lower():
                    # a raw string cannot spell a newline: close it, add one, and reopen it
                    out.emit(f'{quote} "\\n" {prefix}{quote}', i, j, exact=False)
                else:
                    out.emit("\\n", i, j, exact=False)
                i, j = i + 1, 0
                continue
            m = run.match(line, j)
            if m:
                out.emit(m.group(), i, j)
                j = m.end()
                continue
            ch = line[j]
            if ch == "\\":
                if j + 1 >= len(line):  # backslash-newline: Python's own line continuation
                    if i + 1 >= len(lines):
                        raise PlanError(_UNTERMINATED, start[0] + 1, start[1] + 1)
                    out.emit("\\\n", i, j, exact=False)
                    i, j = i + 1, 0
                    continue
                out.emit(line[j : j + 2], i, j)
                j += 2
                continue
            if line.startswith(quote, j):
                out.emit(quote, i, j)
                return i, j + len(quote)
            out.emit(ch, i, j)
            j += 1

    # -- what the full and the fast reading share (orchtui.plan.fast.Host) ---------------------
    def note_ref(self, call_id: str, refs: list[str], ref: str,
                 place: Callable[[_T], tuple[int, int]], at: _T) -> Ref:
        """Note that call_id uses ref (appended to refs, the call's uses in order) and return
        the reference, written at place(at). An id among the earlier calls is defined and
        closes no cycle (a cycle runs through a use of a call not before its user), so only
        other uses keep their place, worked out here: for the checks once all ids are known."""
        known = self.ref_objects.get(ref)
        if known is None:
            known = self.ref_objects[ref] = Ref(ref)
        refs.append(known.id)  # one string for all the uses of an id
        if ref not in self.earlier:
            self.sites.append((call_id, known.id, *place(at)))
        return known

    def string(self, call_id: str, refs: list[str], value: str,
               place: Callable[[tuple[int, int]], tuple[int, int]]) -> Expr:
        """A string argument: a literal, or a template when references are written inside it
        (`{s1}`, or `$1` in LLMCompiler's dialect). place((n, offset)) is where the n-th
        reference (at `offset` in the value) is written."""
        pattern = _BRACE_REF if self.dialect == "llmorch" else _DOLLAR_REF
        if not pattern.search(value):
            return Lit(value)
        # LLMCompiler's dialect refers only to earlier calls: `$20` in call 2 is text (money)
        literal = self.dialect == "llmcompiler" and not self.strict
        parts: list[str | Ref] = []
        last = 0
        for n, m in enumerate(pattern.finditer(value)):
            ref = m.group(1) or m.group(2)
            if literal and ref not in self.earlier:
                self.warn(*place((n, m.start())), "literal-ref",
                          f"{m.group()} names no earlier call: read as text")
                continue  # the text stays in the next literal part
            if m.start() > last:
                parts.append(value[last : m.start()])
            parts.append(self.note_ref(call_id, refs, ref, place, (n, m.start())))
            last = m.end()
        if not parts:
            return Lit(value)
        if last < len(value):
            parts.append(value[last:])
        return Template(tuple(parts))

    # -- whole-plan checks --------------------------------------------------------------------
    def _check_refs(self) -> None:
        undefined = [((line, col), call_id, ref)
                     for call_id, ref, line, col in self.sites if ref not in self.seen]
        if undefined:
            (line, col), call_id, ref = min(undefined)
            shown = ref if self.dialect != "llmcompiler" else f"${ref}"
            raise PlanError(f"{call_id} refers to undefined id {shown}", line, col)

    def _check_cycles(self) -> None:
        if not self.sites:
            return  # a cycle uses a call that is not before its user: a noted site (note_ref)
        index = {c.id: n for n, c in enumerate(self.calls)}
        deps = {c.id: c.refs for c in self.calls}
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        for root in deps:
            if root in state:
                continue
            stack: list[tuple[str, int]] = [(root, 0)]
            path: list[str] = [root]
            on_path: dict[str, int] = {root: 0}
            state[root] = 1
            while stack:
                node, k = stack[-1]
                if k < len(deps.get(node, ())):  # resumed: earlier calls are not here
                    stack[-1] = (node, k + 1)
                    nxt = deps[node][k]
                    if state.get(nxt) == 1:
                        self._cycle(path[on_path[nxt]:], index)
                    if nxt not in state:
                        state[nxt] = 1
                        on_path[nxt] = len(path)
                        stack.append((nxt, 0))
                        path.append(nxt)
                else:
                    state[node] = 2
                    stack.pop()
                    path.pop()
                    del on_path[node]

    def _cycle(self, cycle: list[str], index: dict[str, int]) -> None:
        """Report a cycle (each call in `cycle` uses the next, the last uses the first) at the
        reference that closes it: the one in the cycle's first call in plan order."""
        first = min(cycle, key=index.__getitem__)
        turn = cycle.index(first)
        cycle = cycle[turn:] + cycle[:turn]
        uses = cycle[1] if len(cycle) > 1 else first
        line, col = next((line, col) for call_id, ref, line, col in self.sites
                         if (call_id, ref) == (first, uses))
        if len(cycle) == 1:
            raise PlanError(f"cycle: {first} uses its own result", line, col)
        # show the data flow: each call's result goes to the one after it
        shown = " -> ".join(reversed([*cycle, first]))
        raise PlanError(f"cycle: {shown}", line, col)


def _cut_at_end(text: str) -> tuple[str, bool]:
    at = text.find(END_OF_PLAN)
    return (text, False) if at < 0 else (text[:at], True)


class _Converter:
    """Turns one call's ast arguments into plan expressions, collecting its references."""

    def __init__(self, parser: _Parser, call_id: str, src: _Source) -> None:
        self.parser = parser
        self.call_id = call_id
        self.src = src
        self.refs: list[str] = []

    def _fail(self, node: ast.AST, message: str) -> PlanError:
        return PlanError(message, *self.src.node_pos(node))

    def _ref(self, ref: str, node: ast.Name) -> Ref:
        return self.parser.note_ref(self.call_id, self.refs, ref, self.src.node_pos, node)

    def expr(self, node: ast.expr, depth: int = 1) -> Expr:
        if depth > MAX_DEPTH:
            raise self._fail(node, f"the arguments are nested too deeply (over {MAX_DEPTH} levels)")
        depth += 1
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.List | ast.Tuple):
            items = tuple(self.expr(e, depth) for e in node.elts)
            return sequence(items, "list" if isinstance(node, ast.List) else "tuple")
        if isinstance(node, ast.Dict):
            return self._dict(node, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.expr(node.operand, depth)
            sign = "-" if isinstance(node.op, ast.USub) else "+"
            if isinstance(operand, Lit) and _is_number(operand.value):
                return Lit(-operand.value if sign == "-" else +operand.value)
            return UnaryOp(sign, operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return BinOp(_BINOPS[type(node.op)], self.expr(node.left, depth),
                         self.expr(node.right, depth))
        raise self._fail(node, f"{_describe(node)} is not allowed in a plan: "
                               "only literals, references and arithmetic on them")

    def _dict(self, node: ast.Dict, depth: int) -> Expr:
        pairs: list[tuple[Expr, Expr]] = []
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                raise self._fail(v, "'**' in a dict is not allowed in a plan")
            key = self.expr(k, depth)
            if isinstance(key, Lit):
                try:
                    hash(key.value)
                except TypeError:
                    raise self._fail(k, "a dict key must be a number, a string or a tuple of "
                                        "them") from None
            pairs.append((key, self.expr(v, depth)))
        return mapping(pairs)

    def _constant(self, node: ast.Constant) -> Expr:
        value = node.value
        if isinstance(value, str):
            places: list[tuple[int, int]] = []  # worked out once, when one is asked for

            def place(at: tuple[int, int]) -> tuple[int, int]:  # at: (n, offset)
                if not places:
                    places.extend(self._in_string(node))
                return places[at[0]]

            return self.parser.string(self.call_id, self.refs, value, place)
        if value is None or isinstance(value, bool | int | float):
            return Lit(value)
        kind = {bytes: "a bytes", complex: "a complex number", type(...): "an ellipsis"}.get(
            type(value), f"a {type(value).__name__}")
        raise self._fail(node, f"{kind} literal is not allowed in a plan")

    def _name(self, node: ast.Name) -> Expr:
        name = node.id
        if name.startswith(_REF_NAME):
            index = self.src.node_index(node)
            if name == _REF_NAME + self.src.refs_at.get(index, "-"):
                return self._ref(self.src.refs_at[index], node)
        elif self.parser.dialect == "llmorch" and _CALL_ID_NAME.fullmatch(name):
            return self._ref(name, node)
        if name in _JSONISH:
            return Lit(_JSONISH[name])
        hint = " (a reference is $1)" if self.parser.dialect == "llmcompiler" else ""
        shown = re.sub(_REF_NAME + r"(\d+)", r"$\1", name) if self.src.refs_at else name
        raise self._fail(node, f"{shown!r} is not a literal or a reference to a call{hint}")

    def _in_string(self, node: ast.Constant) -> list[tuple[int, int]]:
        """Where each reference inside a string is written, in one pass over its text. Escapes
        can make the string's value differ from its text; failing to find a reference, point
        it and those after it at the string."""
        pattern = _BRACE_REF if self.parser.dialect == "llmorch" else _DOLLAR_REF
        start = self.src.node_index(node)
        raw = self.src.src[start : self.src.node_end(node)]
        places: list[tuple[int, int]] = []
        cursor = 0
        for m in pattern.finditer(node.value):
            found = raw.find(m.group(0), cursor) if cursor >= 0 else -1
            if found < 0:
                cursor = -1
                places.append(self.src.at(start))
            else:
                cursor = found + len(m.group(0))
                places.append(self.src.at(start + found))
        return places


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Call: "a function call inside an argument",
        ast.Attribute: "attribute access",
        ast.Subscript: "indexing",
        ast.Lambda: "a lambda",
        ast.JoinedStr: "an f-string",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operator",
        ast.IfExp: "a conditional expression",
        ast.Starred: "'*' unpacking",
        ast.Set: "a set",
        ast.NamedExpr: "':='",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a generator expression",
        ast.Await: "await",
        ast.Yield: "yield",
        ast.YieldFrom: "yield",
        ast.UnaryOp: "'not' or '~'",
        ast.BinOp: "the operator '@', '<<', '>>', '&', '|' or '^'",
    }
    for kind, text in names.items():
        if isinstance(node, kind):
            return text
    return f"the expression {type(node).__name__}"
