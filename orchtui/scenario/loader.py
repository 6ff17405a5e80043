"""Load a scenario YAML into frozen values. Every error names the key and its line.

The YAML is composed into nodes (not constructed into Python objects straight away) so that each
value keeps its position in the file.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import yaml

from orchtui.errors import PlanError, ScenarioError
from orchtui.plan.parser import parse_plan
from orchtui.scenario.model import (
    DEFAULT_COST,
    DEFAULT_OVERSUBSCRIPTION_PENALTY,
    POLICIES,
    FunctionSpec,
    Scenario,
)

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"
MAX_BYTES = 16 * 1024 * 1024

_TOP_KEYS = {
    "name", "description", "query", "processors", "policy", "functions", "plan", "costs",
    "llm_turn", "oversubscription_penalty", "recorded", "faults",
}
_FUNCTION_KEYS = {"name", "kind", "description", "impl", "cost", "timeout"}
_IDENT = re.compile(r"[A-Za-z_]\w*")
_IMPL = re.compile(r"(?P<target>[^:]+):(?P<func>[A-Za-z_]\w*)")


def bundled_dirs() -> list[Path]:
    """Where bare scenario names are looked up: $ORCHTUI_SCENARIOS, then the bundled ones."""
    dirs = [Path(p) for p in os.environ.get("ORCHTUI_SCENARIOS", "").split(os.pathsep) if p]
    return [*dirs, BUNDLED]


def find_scenario(name: str) -> Path:
    """Resolve a path, or a bare name (`seo_audit`, `seo_audit.yaml`) of a bundled scenario."""
    path = Path(name)
    if path.exists():
        return path
    if path.parent == Path("."):
        stem = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
        for d in bundled_dirs():
            if (d / stem).is_file():
                return d / stem
    known = sorted(p.stem for d in bundled_dirs() if d.is_dir() for p in d.glob("*.yaml"))
    hint = f" (bundled: {', '.join(known)})" if known else ""
    raise ScenarioError(f"no such scenario file{hint}", source=name)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"cannot read: {err.strerror or err}", source=str(path)) from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"file too large ({len(raw)} bytes)", source=str(path))
    if b"\x00" in raw:
        raise ScenarioError("not a text file (it contains NUL bytes)", 1, 1, str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError("not UTF-8 text", line, 1, str(path)) from None
    return parse_scenario(text, path)


def parse_scenario(text: str, path: Path) -> Scenario:
    src = str(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise ScenarioError(f"invalid YAML: {err.problem or err.context}", line, col, src) from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"invalid YAML: {err}", source=src) from None
    except RecursionError:
        raise ScenarioError("invalid YAML: nested too deeply", source=src) from None
    if root is None:
        raise ScenarioError("the scenario file is empty", 1, 1, src)
    v = _Validator(src)
    top = v.mapping(root, "the scenario")
    v.no_unknown(top, _TOP_KEYS, "scenario")

    functions = v.functions(top.get("functions"), root)
    names = {f.name for f in functions}
    processors = v.integer(top, "processors", 2, minimum=1)
    policy = v.string(top, "policy", "llmorch")
    if policy not in POLICIES:
        node = top["policy"][1]
        raise v.error(node, f"policy: unknown policy {policy!r} (one of {', '.join(POLICIES)})")

    plan, plan_text, plan_line = None, "", 0
    if "plan" in top:
        key_node, node = top["plan"]
        plan_text = v.scalar_str(node, "plan")
        plan_line = node.start_mark.line + (1 if node.style in ("|", ">") else 0)
        try:
            plan = parse_plan(plan_text, functions=names)
        except PlanError as err:
            raise ScenarioError(f"plan: {err.message}", err.line + plan_line, err.col
                                + (node.start_mark.column if err.line == 1 and not node.style
                                   else 0), src) from None
        if not plan.calls:
            raise v.error(node, "plan: no function calls found")

    ids = set(plan.ids) if plan else set()
    costs: dict[str, float] = {}
    if "costs" in top:
        for key, (knode, vnode) in v.mapping(top["costs"][1], "costs").items():
            if plan is not None and key not in ids:
                raise v.error(knode, f"costs: {key} is not a call of the plan")
            costs[key] = v.number(vnode, f"costs.{key}", minimum=0.0)
    faults: dict[str, str] = {}
    if "faults" in top:
        for key, (knode, vnode) in v.mapping(top["faults"][1], "faults").items():
            if plan is not None and key not in ids:
                raise v.error(knode, f"faults: {key} is not a call of the plan")
            faults[key] = v.scalar_str(vnode, f"faults.{key}")
    recorded: dict[str, Any] = {}
    if "recorded" in top:
        recorded = v.recorded(top["recorded"][1])

    return Scenario(
        name=v.string(top, "name", path.stem),
        description=v.string(top, "description", ""),
        query=v.string(top, "query", ""),
        processors=processors,
        policy=policy,
        functions=functions,
        plan=plan,
        plan_text=plan_text,
        costs=costs,
        llm_turn=v.number_key(top, "llm_turn", 0.0, minimum=0.0),
        oversubscription_penalty=v.number_key(
            top, "oversubscription_penalty", DEFAULT_OVERSUBSCRIPTION_PENALTY, minimum=0.0
        ),
        recorded=recorded,
        faults=faults,
        path=path.resolve(),
        plan_line=plan_line,
    )


def plan_only_scenario(text: str, path: Path, compute: set[str]) -> Scenario:
    """A scenario around a plain plan text: `compute` names the compute functions, every other
    function is inout, and any function name is allowed."""
    try:
        plan = parse_plan(text, source=str(path))
    except PlanError:
        raise
    functions = tuple(
        FunctionSpec(name=f, kind="compute" if f in compute else "inout")
        for f in plan.functions
    )
    return Scenario(name=path.stem, functions=functions, plan=plan, plan_text=text,
                    path=path.resolve())


Entry = tuple[yaml.Node, yaml.Node]


class _Validator:
    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, node: yaml.Node, message: str) -> ScenarioError:
        return ScenarioError(message, node.start_mark.line + 1, node.start_mark.column + 1,
                             self.source)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, Entry]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping of keys to values, "
                                   f"not {_node_kind(node)}")
        out: dict[str, Entry] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise self.error(knode, f"{what}: keys must be plain names")
            if knode.value in out:
                raise self.error(knode, f"{what}: duplicate key {knode.value!r}")
            out[knode.value] = (knode, vnode)
        return out

    def no_unknown(self, entries: dict[str, Entry], allowed: set[str], what: str) -> None:
        for key, (knode, _) in entries.items():
            if key not in allowed:
                raise self.error(knode, f"unknown key {key!r} in {what} "
                                        f"(allowed: {', '.join(sorted(allowed))})")

    def scalar_str(self, node: yaml.Node, key: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.error(node, f"{key}: expected text, not {_node_kind(node)}")
        return node.value

    def string(self, entries: dict[str, Entry], key: str, default: str) -> str:
        if key not in entries:
            return default
        return self.scalar_str(entries[key][1], key)

    def number(self, node: yaml.Node, key: str, minimum: float | None = None) -> float:
        value = self._construct(node, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.error(node, f"{key}: expected a number, not {_node_kind(node)}")
        if math.isinf(value):
            raise self.error(node, f"{key}: must be finite")
        if minimum is not None and value < minimum:
            raise self.error(node, f"{key}: must be ≥ {minimum:g}, got {value:g}")
        return float(value)

    def number_key(self, entries: dict[str, Entry], key: str, default: float,
                   minimum: float | None = None) -> float:
        return default if key not in entries else self.number(entries[key][1], key, minimum)

    def integer(self, entries: dict[str, Entry], key: str, default: int, minimum: int) -> int:
        if key not in entries:
            return default
        node = entries[key][1]
        value = self._construct(node, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(node, f"{key}: expected a whole number, not {_node_kind(node)}")
        if value < minimum:
            raise self.error(node, f"{key}: must be ≥ {minimum}, got {value}")
        return value

    def _construct(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, f"{key}: expected a single value, not {_node_kind(node)}")
        loader = yaml.SafeLoader("")
        try:
            return loader.construct_object(node)
        except yaml.YAMLError as err:
            raise self.error(node, f"{key}: {err}") from None
        finally:
            loader.dispose()

    def functions(self, entry: Entry | None, root: yaml.Node) -> tuple[FunctionSpec, ...]:
        if entry is None:
            raise self.error(root, "missing key 'functions': the functions the plan may call")
        knode, node = entry
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"functions: expected a list, not {_node_kind(node)}")
        if not node.value:
            raise self.error(node, "functions: the list is empty")
        specs: list[FunctionSpec] = []
        seen: set[str] = set()
        for n, item in enumerate(node.value):
            where = f"functions[{n}]"
            fields = self.mapping(item, where)
            self.no_unknown(fields, _FUNCTION_KEYS, where)
            for required in ("name", "kind"):
                if required not in fields:
                    raise self.error(item, f"{where}: missing key {required!r}")
            name = self.scalar_str(fields["name"][1], f"{where}.name")
            if not _IDENT.fullmatch(name):
                raise self.error(fields["name"][1], f"{where}.name: {name!r} is not a valid name")
            if name in seen:
                raise self.error(fields["name"][1], f"{where}.name: {name!r} is declared twice")
            seen.add(name)
            kind = self.scalar_str(fields["kind"][1], f"{name}.kind")
            if kind not in ("inout", "compute"):
                raise self.error(fields["kind"][1],
                                 f"{name}.kind: must be inout or compute, got {kind!r}")
            impl = None
            if "impl" in fields:
                impl_node = fields["impl"][1]
                impl = self.scalar_str(impl_node, f"{name}.impl")
                self._check_impl(impl_node, impl, name)
            timeout = None
            if "timeout" in fields:
                timeout = self.number(fields["timeout"][1], f"{name}.timeout", minimum=0.0)
                if timeout == 0:
                    raise self.error(fields["timeout"][1], f"{name}.timeout: must be > 0")
            specs.append(FunctionSpec(
                name=name,
                kind=kind,  # type: ignore[arg-type]
                description=self.string(fields, "description", ""),
                impl=impl,
                cost=self.number_key(fields, "cost", DEFAULT_COST, minimum=0.0),
                timeout=timeout,
            ))
        return tuple(specs)

    def _check_impl(self, node: yaml.Node, impl: str, name: str) -> None:
        m = _IMPL.fullmatch(impl.strip())
        if not m:
            raise self.error(node, f"{name}.impl: expected 'module:function' or "
                                   f"'file.py:function', got {impl!r}")
        target = m.group("target")
        if target.endswith(".py"):
            base = Path(self.source).resolve().parent
            if not (base / target).is_file():
                raise self.error(node, f"{name}.impl: file {target} not found next to the "
                                       "scenario")
        elif not all(_IDENT.fullmatch(part) for part in target.split(".")):
            raise self.error(node, f"{name}.impl: {target!r} is not a module name")

    def recorded(self, node: yaml.Node) -> dict[str, Any]:
        """Recorded LLM replies: each key holds text, a list of texts, or a mapping to text."""
        out: dict[str, Any] = {}
        for key, (_, vnode) in self.mapping(node, "recorded").items():
            out[key] = self._text_tree(vnode, f"recorded.{key}")
        return out

    def _text_tree(self, node: yaml.Node, key: str) -> Any:
        if isinstance(node, yaml.SequenceNode):
            return [self._text_tree(x, key) for x in node.value]
        if isinstance(node, yaml.MappingNode):
            return {k: self._text_tree(v, f"{key}.{k}")
                    for k, (_, v) in self.mapping(node, key).items()}
        return str(self._construct(node, key))


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    tag = node.tag.rsplit(":", 1)[-1]
    return {"str": f"text {node.value[:30]!r}", "int": f"the number {node.value}",
            "float": f"the number {node.value}", "bool": f"{node.value}",
            "null": "nothing (null)"}.get(tag, f"a {tag}")

