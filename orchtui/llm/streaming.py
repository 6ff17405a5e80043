"""Streamed plans: parse the plan while the model is still writing it, and hand each call to
the run loop (orchtui.engine.runner.Run) as soon as it is complete.

`StreamParser` is the incremental parser. A call is complete once the line holding its closing
bracket has ended: the parser's rule that a call ends at its closing bracket means nothing on
later lines can change it. A call that does not parse is only an error once the stream has
moved past it (the parser's reading of it no longer reached the end of the text so far, or the
stream ended); until then it may still be growing. Each line is parsed once: the parser resumes
after the last call handed out, so the calls, warnings and errors are those of parse_plan on the
whole reply, at a cost in proportion to the reply's length.

`StreamedPlan` is the run's plan source (`PlanStream`): a live model's streamed reply, read on a
thread, or a recorded reply replayed at a given number of pieces (tokens) per second on the
executor's clock, so a streamed run can be shown offline, in the sim too. The loop, the
scheduling and the recovery are the runner's, the same as for a fixed plan.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, overload

from orchtui.engine.runner import StreamUpdate
from orchtui.errors import PlanError
from orchtui.llm.backend import ChatBackend, LLMError, Message
from orchtui.llm.extract import _LOOKS_LIKE_N_CALL, _NUMBERED, plan_text_from_reply
from orchtui.llm.translate import format_plan_error
from orchtui.plan.model import Call, Dialect, Plan, PlanWarning
from orchtui.plan.parser import Resume, parse_plan, parse_rest, starts_call

# how a recorded reply is cut into pieces: a word and the blanks before it, as a model's
# tokens roughly come (the fake server in tests cuts the same way)
PIECE = re.compile(r"\s*\S+|\s+")
# characters after which plan_text_from_reply's reading of a reply is not line by line
_NOT_LINEWISE = re.compile("[`\r\x00\ufeff]")


class StreamParser:
    """Feed text as it arrives; get back the calls completed by it, in plan order.

    Each completed line is parsed once: the parser resumes after the last call it handed out
    (orchtui.plan.parser.parse_rest), with the ids seen so far, so a plan of n calls costs time
    in proportion to its length, not n times it. A reply the plain line-by-line reading does
    not fit (code fences, inline code, numbered prose next to `sN:` calls, carriage returns,
    a byte order mark, NUL bytes) is read as before, by parsing its whole text at each line:
    plan_text_from_reply's reading of such a reply depends on all of it."""

    def __init__(self, functions: Collection[str] | None = None, strict: bool = False) -> None:
        self.functions = functions
        self.strict = strict  # --strict: what would be read leniently is an error
        self._pieces: list[str] = []
        self._text = ""
        self.calls: list[Call] = []  # the calls handed out so far
        self.warnings: tuple[PlanWarning, ...] = ()  # what the whole plan was read leniently as
        self._length = 0  # characters fed
        self._scanned = 0  # length of the text already looked at for complete calls
        self._whole = False  # read by re-parsing the whole text (see the class doc)
        # the resumed reading: the complete lines (leading blank lines dropped, as
        # plan_text_from_reply drops them), the line index after the last call handed out,
        # and the state after it
        self._lines: list[str] = []
        self._partial: list[str] = []  # the line still being written
        self._start = 0
        self._dialect: Dialect | None = None
        self._last_dialect: Dialect | None = None
        self._seen: dict[str, tuple[int, int]] = {}
        self._earlier: set[str] = set()

    @property
    def text(self) -> str:
        """Everything fed so far."""
        if self._pieces:
            self._text += "".join(self._pieces)
            self._pieces.clear()
        return self._text

    def feed(self, piece: str) -> list[Call]:
        if not piece:
            return []
        self._pieces.append(piece)
        self._length += len(piece)
        if not self._whole and _NOT_LINEWISE.search(piece):
            self._whole = True
        if not self._whole:
            try:
                piece.encode("utf-8")
            except UnicodeEncodeError:
                self._whole = True
        nl = piece.rfind("\n")
        if nl < 0:
            if not self._whole:
                self._partial.append(piece)
            return []
        end = self._length - len(piece) + nl + 1
        if self._whole:
            self._scanned = end
            return self._take(self._complete(self.text[:end]))
        new = ("".join(self._partial) + piece[:nl]).split("\n")
        self._partial = [piece[nl + 1:]]
        for line in new:
            if _NUMBERED.match(line) and not _LOOKS_LIKE_N_CALL.match(line):
                self._whole = True  # numbered prose: dropped, or not, by what follows
            if line or self._lines:
                self._lines.append(line)
        self._scanned = end
        if self._whole:
            return self._take(self._complete(self.text[:end]))
        return self._take_fresh(self._resume())

    def finish(self) -> list[Call]:
        """The stream ended: the rest must parse (raises PlanError)."""
        plan = parse_plan(plan_text_from_reply(self.text), functions=self.functions,
                          strict=self.strict)
        self.warnings = plan.warnings
        if len(plan.calls) < len(self.calls):
            # the whole reply reads fewer calls (a code fence closed: only it is the plan)
            gone = self.calls[len(plan.calls)]
            raise PlanError(f"the streamed plan changed call {gone.id} after it started",
                            gone.line, gone.col)
        return self._take(list(plan.calls))

    def _take(self, calls: list[Call]) -> list[Call]:
        known = {c.id for c in self.calls}
        for old, new in zip(self.calls, calls, strict=False):
            if old.id != new.id or old != new:
                raise PlanError(f"the streamed plan changed call {old.id} after it started",
                                new.line, new.col)
        fresh = [c for c in calls[len(self.calls):] if c.id not in known]
        self.calls.extend(fresh)
        return fresh

    # -- the resumed reading --------------------------------------------------------------
    def _take_fresh(self, found: tuple[list[Call], list[tuple[int, int]],
                                       dict[str, tuple[int, int]]]) -> list[Call]:
        calls, ends, seen = found
        if not calls:
            return []
        self._start, count = ends[len(calls) - 1]
        for n, (call_id, where) in enumerate(seen.items()):
            if n >= count:
                break
            self._seen[call_id] = where
        self._earlier.update(c.id for c in calls)
        self.calls.extend(calls)
        return calls

    def _resume(self) -> _Found:
        found = self._read(self._lines, self._start, Resume([], self._dialect, self._seen,
                                                              self._earlier))
        if found[0]:
            self._dialect = self._last_dialect
        return found

    def _read(self, all_lines: list[str], start: int, state: Resume, certain: bool = True
              ) -> _Found:
        """The calls complete in `all_lines` (the plan text so far) from line index `start`
        on, after the calls `state` describes; with the line after each and the new ids."""
        none: _Found = ([], [], {})
        stop = len(all_lines)
        while stop > start and not all_lines[stop - 1]:
            stop -= 1  # plan_text_from_reply drops the trailing blank lines
        if stop <= start:
            return none

        def parse(lines: _Lines) -> tuple[Plan, list[tuple[int, int]],
                                           dict[str, tuple[int, int]]]:
            plan, ends, seen = parse_rest(replace(state, lines=lines), start, self.functions,
                                          self.strict)
            if plan.calls:
                self._last_dialect = plan.dialect
            return plan, ends, seen

        self._last_dialect = state.dialect
        lines = _Lines(all_lines, stop)
        try:
            plan, ends, seen = parse(lines)
        except PlanError as err:
            if "has no function calls" in err.message:
                return none
            # An error is certain only if reading up to it never came to the end of the
            # text so far (with more lines the parser may read the call differently: a
            # string or bracket left open may close on them): then the whole text gives it.
            if certain and lines.reach < stop - 1 and not _may_grow(err):
                raise
            # Whatever follows the last call's first line may still be growing: parse what
            # comes before it, which is final. An error there is not certain either.
            starts = [n for n in range(start, stop) if starts_call(all_lines[n])]
            if len(starts) < 2:
                return none  # only earlier calls come before the last one: handed out
            try:
                plan, ends, seen = parse(_Lines(all_lines, starts[-1]))
            except PlanError:
                return none
        calls = list(plan.calls)
        # A last call whose brackets the parser closed because the text ended may still be
        # growing (its next line has not arrived, or is not read as a new call): it is
        # complete only once a line follows that the whole text reads as a new call.
        if calls and any(w.kind == "unclosed" and w.line >= calls[-1].line
                         for w in plan.warnings):
            calls.pop()
        return calls, ends, seen

    # -- the whole-text reading -----------------------------------------------------------
    def _complete(self, text: str) -> list[Call]:
        """The calls complete in the whole text so far (read from its start)."""
        text = plan_text_from_reply(text)
        if text.startswith("\ufeff"):
            text = text[1:]  # as parse_plan reads it
        if "\x00" in text or _SURROGATE.search(text):
            return []  # not text: parse_plan says where, at the end
        # No error here is certain: what plan_text_from_reply reads of such a reply changes
        # with what comes later (a fenced block, an `sN:` call that makes numbered lines
        # prose), so errors are left to the end, where they are parse_plan's own.
        return self._read(text.split("\n"), 0, Resume([], None, {}, set()), certain=False)[0]


_Found = tuple[list[Call], list[tuple[int, int]], dict[str, tuple[int, int]]]
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Lines(Sequence[str]):
    """The first `stop` lines of a list, without copying them; `reach` is the furthest line
    the parser has looked at."""

    def __init__(self, lines: list[str], stop: int) -> None:
        self.lines = lines
        self.stop = stop
        self.reach = -1

    def __len__(self) -> int:
        return self.stop

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            got = self.lines[: self.stop][i] if i.step else self.lines[
                i.start or 0: self.stop if i.stop is None else min(i.stop, self.stop)]
            if got:
                self.reach = max(self.reach, self.stop - 1 if i.stop is None or i.step
                                 else min(i.stop, self.stop) - 1)
            return got
        if i < 0:
            i += self.stop
        if not 0 <= i < self.stop:
            raise IndexError(i)
        self.reach = max(self.reach, i)
        return self.lines[i]


def _may_grow(err: PlanError) -> bool:
    """Errors that more text could cure: a later call defines the id."""
    return "refers to undefined id" in err.message


def iter_calls(tokens: Iterable[str], functions: Collection[str] | None = None
               ) -> Iterator[Call]:
    """Yield each call of a streamed plan as soon as it is complete. Raises PlanError when the
    plan cannot parse (as soon as that is certain)."""
    parser = StreamParser(functions)
    for piece in tokens:
        yield from parser.feed(piece)
    yield from parser.finish()


class StreamedPlan:
    """A plan arriving while the model writes it (orchtui.engine.runner.PlanStream)."""

    def __init__(self, functions: Collection[str], source: str, *,
                 pieces: list[str] | None = None, rate: float | None = None,
                 backend: ChatBackend | None = None, messages: list[Message] | None = None,
                 temperature: float = 0.0, strict: bool = False) -> None:
        self.parser = StreamParser(functions, strict)
        self.source = source
        self.pieces = pieces or []
        self.rate = rate
        self.backend = backend
        self.messages = messages or []
        self.temperature = temperature
        self.cancelled = False
        self._next = 0
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    @classmethod
    def replay(cls, text: str, functions: Collection[str], rate: float,
               source: str = "recorded", strict: bool = False) -> StreamedPlan:
        """`text` replayed at `rate` pieces per second."""
        if not rate > 0:
            raise ValueError("the stream rate must be above 0")
        return cls(functions, source, pieces=PIECE.findall(text), rate=rate, strict=strict)

    @classmethod
    def live(cls, backend: ChatBackend, messages: list[Message], functions: Collection[str],
             temperature: float = 0.0, strict: bool = False) -> StreamedPlan:
        return cls(functions, backend.source, backend=backend, messages=messages,
                   temperature=temperature, strict=strict)

    # -- the runner's side ----------------------------------------------------------------------
    def open(self) -> float | None:
        if self.backend is None:
            return 1.0 / self.rate  # type: ignore[operator]
        threading.Thread(target=self._read, daemon=True, name="orchtui-plan-stream").start()
        return None

    def due(self) -> tuple[StreamUpdate, float | None]:
        """Replay: the next piece has come."""
        piece = self.pieces[self._next] if self._next < len(self.pieces) else ""
        self._next += 1
        if self._next >= len(self.pieces):
            return self._update(piece, end=True), None
        return self._update(piece), 1.0 / self.rate  # type: ignore[operator]

    def poll(self, timeout: float) -> list[StreamUpdate]:
        """Live: what the model wrote since the last poll (waits up to `timeout` for it)."""
        out: list[StreamUpdate] = []
        try:
            item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return out
        while True:
            what, value = item
            if what == "text":
                u = self._update(value)
            elif what == "end":
                u = self._update("", end=True)
            else:
                u = StreamUpdate(error=str(value))
            if u.calls or u.ended or u.error:
                out.append(u)
            if u.ended or u.error:
                return out
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return out

    def cancel(self) -> None:
        self.cancelled = True

    # -- inside ---------------------------------------------------------------------------------
    def _update(self, piece: str, end: bool = False) -> StreamUpdate:
        try:
            calls = self.parser.feed(piece) if piece else []
            if end:
                calls += self.parser.finish()
        except PlanError as err:
            return StreamUpdate(error=_stopped(self.parser.text, err, end))
        if not end:
            return StreamUpdate(tuple(calls))
        return StreamUpdate(tuple(calls), True, plan_text_from_reply(self.parser.text),
                            warnings=tuple(w.to_json() for w in self.parser.warnings))

    def _read(self) -> None:
        assert self.backend is not None
        try:
            for piece in self.backend.stream(self.messages, purpose="translate",
                                             temperature=self.temperature):
                self._queue.put(("text", piece))
                if self.cancelled:
                    return
            self._queue.put(("end", None))
        except LLMError as err:
            self._queue.put(("error", f"the model's stream failed: {err}"))
        except Exception as err:  # a client bug must not leave the run waiting forever
            self._queue.put(("error", f"the model's stream failed: {type(err).__name__}"))


def _stopped(text: str, err: PlanError, end: bool) -> str:
    """Say that the plan stopped mid-way when that is what the parse error means: a syntax
    error (an unclosed string or bracket) on the last line of a reply that ended. A reply that
    ended whole but is wrong (an unknown function on its last line, no calls) does not parse."""
    error = format_plan_error(err)
    if end and not text.strip():
        return "the model's reply was empty: no plan"
    lines = plan_text_from_reply(text).rstrip().count("\n") + 1
    if end and err.message.startswith("syntax error") and err.line >= lines:
        return f"the stream closed mid-plan: {error}"
    return f"the streamed plan does not parse: {error}"
