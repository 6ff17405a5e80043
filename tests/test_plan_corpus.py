"""The plan corpus (issue 13): the peers' published few-shot plans (tests/plans/peers/: the
planner prompts of LLMCompiler and TinyAgent, and the LangGraph tutorial's plans) and our own
variants of every class of text read leniently (tests/plans/lenient/).

Each file holds its plan text, verbatim, below a `# ---` line, and above it, written by hand:

    # call ID FUNCTION <- DEPS | llmcompiler: DEPS      LLMCompiler's parser gives the same deps
    # call ID FUNCTION <- DEPS | llmcompiler: dropped   LLMCompiler's parser loses the call
    # args ID [VALUES]          the call's arguments (all literals)
    # thought ID TEXT           the thought attached to the call
    # warning LINE:COL KIND     each PlanWarning, in text order
    # strict LINE:COL TEXT      under strict, the error (its message holds TEXT)
    # error LINE:COL TEXT       the plan is genuinely broken: this error, strict or not

(`-` for no dependencies.) Lines and columns count from the first line below `# ---`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orchtui.errors import PlanError
from orchtui.plan import parse_plan
from orchtui.plan.model import Lit

PLANS = Path(__file__).parent / "plans"
FILES = sorted([*(PLANS / "peers").glob("*.txt"), *(PLANS / "lenient").glob("*.txt")])

_CALL = re.compile(r"call (\S+) (\w+) <- (.*?) \| llmcompiler: (dropped|[-\d ]+)(?: \(.*\))?")
_AT = re.compile(r"(\d+):(\d+) (.+)")


@dataclass
class Expected:
    text: str
    calls: list[tuple[str, str, list[str]]] = field(default_factory=list)
    llmcompiler: dict[str, list[str] | None] = field(default_factory=dict)  # None: dropped
    args: dict[str, list] = field(default_factory=dict)
    thoughts: dict[str, str] = field(default_factory=dict)
    warnings: list[tuple[int, int, str]] = field(default_factory=list)
    strict: tuple[int, int, str] | None = None
    error: tuple[int, int, str] | None = None


def _deps(text: str) -> list[str]:
    return [] if text.strip() == "-" else text.split()


def read(path: Path) -> Expected:
    head, sep, text = path.read_text(encoding="utf-8").partition("# ---\n")
    assert sep, f"{path.name}: no '# ---' line"
    exp = Expected(text)
    for line in head.splitlines():
        line = line.removeprefix("# ")
        kind, _, rest = line.partition(" ")
        if kind == "call":
            m = _CALL.fullmatch(line)
            assert m, f"{path.name}: bad call line {line!r}"
            exp.calls.append((m[1], m[2], _deps(m[3])))
            exp.llmcompiler[m[1]] = None if m[4] == "dropped" else _deps(m[4])
        elif kind == "args":
            call_id, _, values = rest.partition(" ")
            exp.args[call_id] = ast.literal_eval(values)
        elif kind == "thought":
            call_id, _, thought = rest.partition(" ")
            exp.thoughts[call_id] = thought
        elif kind in ("warning", "strict", "error"):
            m = _AT.fullmatch(rest)
            assert m, f"{path.name}: bad {kind} line {line!r}"
            at = (int(m[1]), int(m[2]), m[3])
            if kind == "warning":
                exp.warnings.append(at)
            elif kind == "strict":
                exp.strict = at
            else:
                exp.error = at
    assert exp.calls or exp.error, f"{path.name}: expects neither calls nor an error"
    return exp


def _ids(files: list[Path]) -> list:
    return [pytest.param(f, id=f"{f.parent.name}/{f.stem}") for f in files]


def test_the_corpus_is_all_there():
    peers = {f.stem.split("_")[0] for f in FILES if f.parent.name == "peers"}
    assert peers == {"llmcompiler", "tinyagent", "langgraph"}
    names = {f.stem for f in FILES}
    for dataset in ("parallelqa", "hotpotqa", "movie"):
        assert any(n.startswith(f"llmcompiler_{dataset}") for n in names), dataset
    for cls in ("plain_text", "literal_ref", "prose", "quotes", "unclosed"):
        assert {cls, f"{cls}_broken"} <= names, cls  # accepted with a warning, and broken
        assert read(PLANS / "lenient" / f"{cls}.txt").strict, cls  # and refused under strict


@pytest.mark.parametrize("path", _ids(FILES))
def test_calls_dependencies_and_warnings(path: Path):
    exp = read(path)
    if exp.error:
        line, col, message = exp.error
        with pytest.raises(PlanError) as info:
            parse_plan(exp.text)
        err = info.value
        assert message in err.message and (err.line, err.col) == (line, col), err
        with pytest.raises(PlanError) as info:  # an error under strict too (its own words)
            parse_plan(exp.text, strict=True)
        assert info.value.line >= 1 and info.value.col >= 1
        return
    plan = parse_plan(exp.text)
    got = [(c.id, c.function, sorted(c.refs, key=int if plan.dialect == "llmcompiler" else str))
           for c in plan.calls]
    assert got == exp.calls
    for call_id, values in exp.args.items():
        args = plan[call_id].args
        assert all(isinstance(a, Lit) for a in args), args
        assert [a.value for a in args] == values  # type: ignore[union-attr]
    for call_id, thought in exp.thoughts.items():
        assert plan[call_id].thought == thought
    assert [(w.line, w.col, w.kind) for w in plan.warnings] == [
        (line, col, kind) for line, col, kind in exp.warnings]
    assert all(w.message and str(w).startswith(f"{w.line}:{w.col}: warning: ")
               for w in plan.warnings)


@pytest.mark.parametrize("path", _ids(FILES))
def test_against_llmcompiler(path: Path):
    """Where LLMCompiler's parser keeps a call, its dependencies (written down by hand from its
    rule: the ids 1 .. idx-1 that `$N` or `${N}` names anywhere in the argument text) are
    ours; where it drops one, ours still has it."""
    exp = read(path)
    if exp.error:
        return
    plan = parse_plan(exp.text)
    for call_id, deps in exp.llmcompiler.items():
        assert call_id in plan
        if deps is not None:
            assert sorted(plan[call_id].refs) == sorted(deps), call_id


@pytest.mark.parametrize("path", _ids(FILES))
def test_strict(path: Path):
    """With no warning, strict reads the same plan; with one, strict refuses the text."""
    exp = read(path)
    if exp.error:
        return
    if not exp.warnings:
        assert exp.strict is None
        assert parse_plan(exp.text, strict=True) == parse_plan(exp.text)
        return
    assert exp.strict, f"{path.name}: warnings but no '# strict' line"
    line, col, message = exp.strict
    with pytest.raises(PlanError) as info:
        parse_plan(exp.text, strict=True)
    assert message in info.value.message and (info.value.line, info.value.col) == (line, col), \
        info.value
