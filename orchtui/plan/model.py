"""Values of the plan language: calls and the expressions in their arguments.

The values have slots: a plan of 100,000 calls holds hundreds of thousands of them, and an
instance dictionary each would be the larger part of their memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Dialect = Literal["llmorch", "llmcompiler"]


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal value (number, string, bool, None, or a list/dict of literals)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Ref:
    """A bare reference to another call's result: `s1`, `$1`."""

    id: str


@dataclass(frozen=True, slots=True)
class Template:
    """A string with references inside: `"max({s5}, {s10})"`, `"$1 + ${2}"`."""

    parts: tuple[str | Ref, ...]


@dataclass(frozen=True, slots=True)
class Seq:
    """A list or tuple literal holding at least one reference."""

    items: tuple[Expr, ...]
    kind: Literal["list", "tuple"] = "list"


@dataclass(frozen=True, slots=True)
class Map:
    """A dict literal holding at least one reference."""

    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # one of + - * / // % **
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class UnaryOp:
    op: str  # - or +
    operand: Expr


Expr = Lit | Ref | Template | Seq | Map | BinOp | UnaryOp


def sequence(items: tuple[Expr, ...], kind: Literal["list", "tuple"]) -> Lit | Seq:
    """A list or tuple of these items: a literal when every item is one."""
    if all(isinstance(e, Lit) for e in items):
        values = [e.value for e in items]  # type: ignore[union-attr]
        return Lit(values if kind == "list" else tuple(values))
    return Seq(items, kind)


def mapping(pairs: list[tuple[Expr, Expr]]) -> Lit | Map:
    """A dict of these (key, value) pairs: a literal when every key and value is one."""
    if all(isinstance(k, Lit) and isinstance(v, Lit) for k, v in pairs):
        return Lit({k.value: v.value for k, v in pairs})  # type: ignore[union-attr]
    return Map(tuple(pairs))


@dataclass(frozen=True, slots=True)
class Call:
    """One function call of a plan. Line and column locate it in the plan text."""

    id: str
    function: str
    args: tuple[Expr, ...] = ()
    kwargs: tuple[tuple[str, Expr], ...] = ()
    refs: tuple[str, ...] = ()  # the ids it uses, in order of first use
    thought: str | None = None
    line: int = field(default=0, compare=False)
    col: int = field(default=0, compare=False)
    text: str = field(default="", compare=False)  # the call as written


WarningKind = Literal["prose", "plain-text", "literal-ref", "quotes", "unclosed", "after-join"]


@dataclass(frozen=True, slots=True)
class PlanWarning:
    """Text the parser read leniently (DESIGN §2): where it is, and what was assumed. Under
    `--strict` the parser refuses the same text with the error it gave before leniency."""

    line: int
    col: int
    message: str  # what was assumed, in words
    kind: WarningKind
    source: str = ""

    def located(self, source: str, line_offset: int = 0, col_offset: int = 0,
                prefix: str = "") -> PlanWarning:
        """The same warning, placed inside a larger file (a plan inside a YAML)."""
        return PlanWarning(self.line + line_offset, self.col + col_offset,
                           prefix + self.message, self.kind, source)

    def __str__(self) -> str:
        where = f"{self.source}:" if self.source else ""
        return f"{where}{self.line}:{self.col}: warning: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "col": self.col, "kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class Plan:
    calls: tuple[Call, ...]
    dialect: Dialect = "llmorch"
    # what was read leniently, in text order; not part of the plan's meaning
    warnings: tuple[PlanWarning, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.id: c for c in self.calls})
        # cached: the engine reads ids in loops, and rebuilding the tuple made them quadratic
        object.__setattr__(self, "_ids", tuple(c.id for c in self.calls))

    def __getitem__(self, call_id: str) -> Call:
        return self._by_id[call_id]  # type: ignore[attr-defined]

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._by_id  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.calls)

    @property
    def ids(self) -> tuple[str, ...]:
        return self._ids  # type: ignore[attr-defined]

    @property
    def functions(self) -> tuple[str, ...]:
        """The functions the plan calls, in order of first use."""
        return tuple(dict.fromkeys(c.function for c in self.calls))
