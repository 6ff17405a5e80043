"""Errors a user can cause. Each renders as one line naming its location."""

from __future__ import annotations


class OrchError(Exception):
    """Base for errors caused by input; the CLI prints `str(err)` and exits 2."""


class LocatedError(OrchError):
    """An error at a line and column of some source (a file, or plan text)."""

    def __init__(self, message: str, line: int = 0, col: int = 0, source: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.source = source

    def located(self, source: str, line_offset: int = 0) -> LocatedError:
        """The same error, placed inside a larger file (e.g. a plan inside a YAML)."""
        return type(self)(self.message, self.line + line_offset, self.col, source)

    def __str__(self) -> str:
        where = f"{self.source}:" if self.source else ""
        if self.line:
            where += f"{self.line}:{self.col}:"
        return f"{where} {self.message}" if where else self.message


class PlanError(LocatedError):
    """A compile-time error in a plan: syntax, duplicate id, undefined reference, cycle, ..."""


class ScenarioError(LocatedError):
    """A scenario file that is malformed, has wrong types, unknown keys or bad values."""


class ScenarioPlanError(ScenarioError, PlanError):
    """A plan error inside a scenario file, located in that file. It is both: code that handles
    either kind of error handles it."""
