"""Parse a plan (LLMOrch or LLMCompiler dialect) into calls, without evaluating anything.

The text is scanned line by line. A line that begins with a call id (`s1:`, `1.`, `1:`) starts a
call, which may run over several lines while brackets or strings are open. The call's text is
normalised (`$1` outside strings becomes an identifier, a plain string broken over lines becomes
one line) and parsed with `ast` in eval mode; the tree is then converted into our own expression
values, refusing anything that is not a literal, a reference or arithmetic on them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from orchtui.errors import PlanError
from orchtui.plan.model import (
    BinOp,
    Call,
    Dialect,
    Expr,
    Lit,
    Map,
    Plan,
    Ref,
    Seq,
    Template,
    UnaryOp,
)

END_OF_PLAN = "<END_OF_PLAN>"
_REF_NAME = "__ref__"  # `$1` outside strings is rewritten to the identifier `__ref__1`

_LLMORCH_ID = re.compile(r"[ \t]*(s\d+)\b")
_LLMCOMPILER_ID = re.compile(r"[ \t]*(\d+)[ \t]*([.:])(?!\d)")
_THOUGHT = re.compile(r"[ \t]*Thought[ \t]*:[ \t]*(.*)")
_LOOKS_LIKE_CALL = re.compile(r"[ \t]*(?:s\d+[ \t]*:|\d+[ \t]*[.:])[ \t]*[A-Za-z_]\w*[ \t]*\(")
_DOLLAR_REF = re.compile(r"\$\{(\d+)\}|\$(\d+)")
_BRACE_REF = re.compile(r"\{(s\d+)\}")
_CALL_ID_NAME = re.compile(r"s\d+")

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


def parse_plan(
    text: str,
    functions: Collection[str] | None = None,
    source: str = "",
) -> Plan:
    """Parse plan text into a Plan. Raises PlanError (with line and column) on any compile error.

    `functions`, when given, is the set of callable function names; any other name is an error.
    """
    try:
        return _Parser(text, functions).parse()
    except PlanError as err:
        if source:
            raise err.located(source) from None
        raise
    except RecursionError:
        raise PlanError("the plan is nested too deeply", 1, 1, source) from None


def starts_call(line: str) -> bool:
    """Whether a line begins with a call id (and so must parse as a call)."""
    return bool(_LLMORCH_ID.match(line) or _LLMCOMPILER_ID.match(line))


@dataclass
class _Scanned:
    """A call's normalised source, with the original (line, col) of every character."""

    src: str
    pos: list[tuple[int, int]] = field(default_factory=list)

    def where(self, lineno: int, col_bytes: int) -> tuple[int, int]:
        """Map an ast position (1-based line, UTF-8 byte column) to a 1-based (line, col)."""
        lines = self.src.split("\n")
        lineno = max(1, min(lineno, len(lines)))
        line = lines[lineno - 1]
        col = len(line.encode("utf-8")[: max(col_bytes, 0)].decode("utf-8", errors="ignore"))
        index = sum(len(x) + 1 for x in lines[: lineno - 1]) + col
        return self.at(index)

    def at(self, index: int) -> tuple[int, int]:
        if not self.pos:
            return (1, 1)
        li, col = self.pos[max(0, min(index, len(self.pos) - 1))]
        return (li + 1, col + 1)


class _Parser:
    def __init__(self, text: str, functions: Collection[str] | None) -> None:
        if "\x00" in text:
            line = text[: text.index("\x00")].count("\n") + 1
            raise PlanError("the plan contains a NUL byte: is it a binary file?", line, 1)
        text = text.split(END_OF_PLAN, 1)[0]
        self.lines = [ln.rstrip("\r") for ln in text.split("\n")]
        self.functions = None if functions is None else frozenset(functions)
        self.dialect: Dialect | None = None
        self.calls: list[Call] = []
        self.seen: dict[str, tuple[int, int]] = {}
        # (call id, referenced id, line, col) for checking after all ids are known
        self.ref_sites: list[tuple[str, str, int, int]] = []

    # -- the line loop ------------------------------------------------------------------------
    def parse(self) -> Plan:
        thought: list[str] = []
        li = 0
        while li < len(self.lines):
            line = self.lines[li]
            m_thought = _THOUGHT.match(line)
            if m_thought:
                thought.append(m_thought.group(1).strip())
                li += 1
                continue
            head = self._call_head(li)
            if head is None:
                li += 1  # prose, blank lines, code fences: skipped
                continue
            call_id, body_col = head
            call, li, ended = self._parse_call(li, call_id, body_col, " ".join(thought) or None)
            thought = []
            if ended:
                break
            if call is not None:
                self.calls.append(call)
        self._check_refs()
        self._check_cycles()
        return Plan(tuple(self.calls), self.dialect or "llmorch")

    def _call_head(self, li: int) -> tuple[str, int] | None:
        """If line li begins with a call id, return the id and where the call text begins."""
        line = self.lines[li]
        m = _LLMORCH_ID.match(line)
        if m:
            dialect: Dialect = "llmorch"
            rest = m.end()
            colon = re.compile(r"[ \t]*:").match(line, rest)
            if not colon:
                raise PlanError(f"expected ':' after the call id {m.group(1)}", li + 1, rest + 1)
            body = colon.end()
        else:
            m = _LLMCOMPILER_ID.match(line)
            if not m:
                return None
            dialect = "llmcompiler"
            body = m.end()
        call_id = m.group(1)
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
        return call_id, body

    # -- one call -----------------------------------------------------------------------------
    def _parse_call(
        self, li: int, call_id: str, col: int, thought: str | None
    ) -> tuple[Call | None, int, bool]:
        """Parse the call starting at (li, col). Returns the call, the next line, and whether it was
        `join()` (which ends the plan)."""
        scanned, end_li, end_col = self._scan(li, col)
        trailing = self.lines[end_li][end_col:].strip()
        if trailing and not trailing.startswith("#"):
            raise PlanError(f"unexpected text after the call: {trailing[:40]!r}",
                            end_li + 1, end_col + 1 + (len(self.lines[end_li][end_col:])
                                                       - len(self.lines[end_li][end_col:].lstrip())))
        try:
            tree = ast.parse(scanned.src.strip(), mode="eval")
        except SyntaxError as err:
            line, column = scanned.where(err.lineno or 1, (err.offset or 1) - 1)
            message = re.sub(r"\s*\(detected at line \d+\)", "", err.msg or "invalid syntax")
            raise PlanError(f"syntax error: {message}", line, column) from None
        # `strip()` above can shift columns; ast positions are relative to the stripped text
        lead = len(scanned.src) - len(scanned.src.lstrip())
        if lead:
            scanned = _Scanned(scanned.src[lead:], scanned.pos[lead:])
        node = tree.body
        if not isinstance(node, ast.Call):
            line, column = scanned.where(node.lineno, node.col_offset)
            raise PlanError("expected a function call like f(...) after the call id", line, column)
        if not isinstance(node.func, ast.Name):
            line, column = scanned.where(node.func.lineno, node.func.col_offset)
            raise PlanError("the function must be a plain name, like search(...)", line, column)
        name = node.func.id
        if name == "join" and not node.args and not node.keywords:
            del self.seen[call_id]
            return None, end_li + 1, True
        if self.functions is not None and name not in self.functions:
            line, column = scanned.where(node.func.lineno, node.func.col_offset)
            known = ", ".join(sorted(self.functions)) or "none"
            raise PlanError(f"unknown function {name!r} (available: {known})", line, column)
        conv = _Converter(self, call_id, scanned)
        args = tuple(conv.expr(a) for a in node.args)
        kwargs: list[tuple[str, Expr]] = []
        for kw in node.keywords:
            if kw.arg is None:
                line, column = scanned.where(kw.value.lineno, kw.value.col_offset)
                raise PlanError("'**' arguments are not allowed in a plan", line, column)
            if any(k == kw.arg for k, _ in kwargs):
                line, column = scanned.where(kw.lineno, kw.col_offset)
                raise PlanError(f"argument {kw.arg!r} is given twice", line, column)
            kwargs.append((kw.arg, conv.expr(kw.value)))
        text = "\n".join(self.lines[li : end_li + 1]).strip()
        call = Call(
            id=call_id,
            function=name,
            args=args,
            kwargs=tuple(kwargs),
            refs=tuple(dict.fromkeys(conv.refs)),
            thought=thought,
            line=li + 1,
            col=self.seen[call_id][1],
            text=text,
        )
        return call, end_li + 1, False

    def _scan(self, li: int, col: int) -> tuple[_Scanned, int, int]:
        """Read from (li, col) up to the bracket that closes the call. Returns the normalised
        source and the (line, col) just after the call."""
        out: list[str] = []
        pos: list[tuple[int, int]] = []

        def emit(text: str, at: tuple[int, int]) -> None:
            out.append(text)
            pos.extend([at] * len(text))

        stack: list[tuple[str, int, int]] = []
        i, j = li, col
        while True:
            line = self.lines[i]
            if j >= len(line):
                if stack and i + 1 < len(self.lines) and not _LOOKS_LIKE_CALL.match(
                    self.lines[i + 1]
                ):
                    emit("\n", (i, len(line)))
                    i, j = i + 1, 0
                    continue
                if stack:
                    ch, sl, sc = stack[-1]
                    raise PlanError(f"'{ch}' is never closed", sl + 1, sc + 1)
                if "".join(out).strip():
                    raise PlanError("expected '(' after the function name", i + 1, j + 1)
                raise PlanError("expected a function call after the call id", i + 1, j + 1)
            ch = line[j]
            if ch in "'\"":
                i, j = self._scan_string(i, j, emit)
                continue
            if ch == "#":
                j = len(line)  # a comment runs to the end of the line
                continue
            if ch == "$" and self.dialect == "llmcompiler":
                m = _DOLLAR_REF.match(line, j)
                if m:
                    emit(_REF_NAME + (m.group(1) or m.group(2)), (i, j))
                    j = m.end()
                    continue
            emit(ch, (i, j))
            j += 1
            if ch in "([{":
                stack.append((ch, i, j - 1))
            elif ch in ")]}":
                if not stack:
                    raise PlanError(f"unmatched '{ch}'", i + 1, j)
                stack.pop()
                if not stack:
                    return _Scanned("".join(out), pos), i, j

    def _scan_string(self, i: int, j: int, emit) -> tuple[int, int]:
        """Copy one string literal starting at (i, j). A plain quoted string may continue on the
        next line (LLMs and the paper's Fig. 6 break long prompts), unless that line starts a new
        call: then the string was never closed."""
        line = self.lines[i]
        quote = line[j] * 3 if line.startswith(line[j] * 3, j) else line[j]
        start = (i, j)
        emit(quote, (i, j))
        j += len(quote)
        while True:
            line = self.lines[i]
            if j >= len(line):
                last = i + 1 >= len(self.lines)
                if last or (len(quote) == 1 and starts_call(self.lines[i + 1])):
                    raise PlanError("unterminated string", start[0] + 1, start[1] + 1)
                # a triple-quoted string keeps its newline; a plain one gets an escaped newline
                emit("\n" if len(quote) == 3 else "\\n", (i, len(line)))
                i, j = i + 1, 0
                continue
            if line[j] == "\\":
                if j + 1 >= len(line):  # backslash-newline: the string continues
                    i, j = i + 1, 0
                    if i >= len(self.lines):
                        raise PlanError("unterminated string", start[0] + 1, start[1] + 1)
                    continue
                emit(line[j : j + 2], (i, j))
                j += 2
                continue
            if line.startswith(quote, j):
                emit(quote, (i, j))
                return i, j + len(quote)
            emit(line[j], (i, j))
            j += 1

    # -- whole-plan checks --------------------------------------------------------------------
    def _check_refs(self) -> None:
        for call_id, ref, line, col in sorted(self.ref_sites, key=lambda r: (r[2], r[3])):
            if ref not in self.seen:
                shown = ref if self.dialect != "llmcompiler" else f"${ref}"
                raise PlanError(f"{call_id} refers to undefined id {shown}", line, col)

    def _check_cycles(self) -> None:
        deps = {c.id: c.refs for c in self.calls}
        index = {c.id: n for n, c in enumerate(self.calls)}
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        for root in deps:
            if root in state:
                continue
            stack: list[tuple[str, int]] = [(root, 0)]
            path: list[str] = [root]
            state[root] = 1
            while stack:
                node, k = stack[-1]
                if k < len(deps[node]):
                    stack[-1] = (node, k + 1)
                    nxt = deps[node][k]
                    if state.get(nxt) == 1:
                        cycle = path[path.index(nxt):]
                        first = min(cycle, key=index.__getitem__)
                        turn = cycle.index(first)
                        cycle = cycle[turn:] + cycle[:turn]
                        # edges point from a use to its definition; show the data flow
                        shown = " -> ".join(reversed([*cycle, cycle[0]]))
                        call = self.calls[index[first]]
                        raise PlanError(f"cycle: {shown}", call.line, call.col)
                    if nxt not in state:
                        state[nxt] = 1
                        stack.append((nxt, 0))
                        path.append(nxt)
                else:
                    state[node] = 2
                    stack.pop()
                    path.pop()


class _Converter:
    """Turns one call's ast arguments into plan expressions, collecting its references."""

    def __init__(self, parser: _Parser, call_id: str, scanned: _Scanned) -> None:
        self.parser = parser
        self.call_id = call_id
        self.scanned = scanned
        self.refs: list[str] = []

    def _fail(self, node: ast.AST, message: str) -> PlanError:
        line, col = self.scanned.where(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        return PlanError(message, line, col)

    def _ref(self, ref: str, line: int, col: int) -> Ref:
        self.refs.append(ref)
        self.parser.ref_sites.append((self.call_id, ref, line, col))
        return Ref(ref)

    def expr(self, node: ast.expr) -> Expr:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.List | ast.Tuple):
            items = tuple(self.expr(e) for e in node.elts)
            kind = "list" if isinstance(node, ast.List) else "tuple"
            if all(isinstance(e, Lit) for e in items):
                values = [e.value for e in items]  # type: ignore[union-attr]
                return Lit(values if kind == "list" else tuple(values))
            return Seq(items, kind)
        if isinstance(node, ast.Dict):
            pairs: list[tuple[Expr, Expr]] = []
            for k, v in zip(node.keys, node.values, strict=True):
                if k is None:
                    raise self._fail(v, "'**' in a dict is not allowed in a plan")
                pairs.append((self.expr(k), self.expr(v)))
            if all(isinstance(k, Lit) and isinstance(v, Lit) for k, v in pairs):
                try:
                    return Lit({k.value: v.value for k, v in pairs})  # type: ignore[union-attr]
                except TypeError:
                    raise self._fail(node, "a dict key must be a number or a string") from None
            return Map(tuple(pairs))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.expr(node.operand)
            sign = "-" if isinstance(node.op, ast.USub) else "+"
            if isinstance(operand, Lit) and _is_number(operand.value):
                return Lit(-operand.value if sign == "-" else +operand.value)
            return UnaryOp(sign, operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return BinOp(_BINOPS[type(node.op)], self.expr(node.left), self.expr(node.right))
        raise self._fail(node, f"{_describe(node)} is not allowed in a plan: "
                               "only literals, references and arithmetic on them")

    def _constant(self, node: ast.Constant) -> Expr:
        value = node.value
        if isinstance(value, str):
            return self._string(node, value)
        if value is None or isinstance(value, bool | int | float):
            return Lit(value)
        raise self._fail(node, f"a {type(value).__name__} literal is not allowed in a plan")

    def _name(self, node: ast.Name) -> Expr:
        name = node.id
        line, col = self.scanned.where(node.lineno, node.col_offset)
        if name.startswith(_REF_NAME) and name[len(_REF_NAME):].isdigit():
            return self._ref(name[len(_REF_NAME):], line, col)
        if self.parser.dialect == "llmorch" and _CALL_ID_NAME.fullmatch(name):
            return self._ref(name, line, col)
        if name in _JSONISH:
            return Lit(_JSONISH[name])
        raise PlanError(f"{name!r} is not a literal or a reference to a call", line, col)

    def _string(self, node: ast.Constant, value: str) -> Expr:
        pattern = _BRACE_REF if self.parser.dialect == "llmorch" else _DOLLAR_REF
        if not pattern.search(value):
            return Lit(value)
        raw = self._raw_source(node)
        parts: list[str | Ref] = []
        last = 0
        for m in pattern.finditer(value):
            ref = next(g for g in m.groups() if g)
            at = raw[1].find(m.group(0))
            line, col = self.scanned.at(raw[0] + max(at, 0))
            if m.start() > last:
                parts.append(value[last : m.start()])
            parts.append(self._ref(ref, line, col))
            last = m.end()
        if last < len(value):
            parts.append(value[last:])
        return Template(tuple(parts))

    def _raw_source(self, node: ast.expr) -> tuple[int, str]:
        """The index in the scanned source where node starts, and its source text."""
        lines = self.scanned.src.split("\n")

        def index(lineno: int, col_bytes: int) -> int:
            line = lines[lineno - 1]
            col = len(line.encode("utf-8")[:col_bytes].decode("utf-8", errors="ignore"))
            return sum(len(x) + 1 for x in lines[: lineno - 1]) + col

        start = index(node.lineno, node.col_offset)
        end = index(node.end_lineno or node.lineno, node.end_col_offset or node.col_offset)
        return start, self.scanned.src[start:end]


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
    }
    for kind, text in names.items():
        if isinstance(node, kind):
            return text
    return f"the expression {type(node).__name__}"
