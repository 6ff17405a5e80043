"""Load a scenario YAML into frozen values. Every error names the key and its line.

The YAML is composed into nodes (not constructed into Python objects straight away) so that each
value keeps its position in the file.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from orchtui.errors import PlanError, ScenarioError, ScenarioPlanError
from orchtui.files import open_input
from orchtui.plan.parser import parse_plan
from orchtui.scenario.model import (
    DEFAULT_COST,
    DEFAULT_OVERSUBSCRIPTION_PENALTY,
    DEFAULT_RETRIES,
    MAX_RETRIES,
    POLICIES,
    FunctionSpec,
    Scenario,
)
from orchtui.scenario.yaml_depth import find_too_deep

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"
MAX_BYTES = 16 * 1024 * 1024

_TOP_KEYS = {
    "name", "description", "query", "processors", "policy", "functions", "plan", "costs",
    "llm_turn", "oversubscription_penalty", "recorded", "faults",
}
_FUNCTION_KEYS = {"name", "kind", "description", "impl", "cost", "timeout", "retries"}
_IDENT = re.compile(r"[A-Za-z_]\w*")
_STR = "tag:yaml.org,2002:str"
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
MAX_PROCESSORS = 1024
MAX_RECORDED_NODES = 10_000
MAX_YAML_DEPTH = 200  # nesting of lists and mappings; a scenario needs about 4
_IMPL = re.compile(r"(?P<target>[^:]+):(?P<func>[A-Za-z_]\w*)")


def bundled_dirs() -> list[Path]:
    """Where bare scenario names are looked up: $ORCHTUI_SCENARIOS, then the bundled ones."""
    dirs = [Path(p) for p in os.environ.get("ORCHTUI_SCENARIOS", "").split(os.pathsep) if p]
    return [*dirs, BUNDLED]


def bundled_names() -> list[str]:
    """The bare names `find_scenario` resolves, sorted."""
    return sorted(p.stem for d in bundled_dirs() if d.is_dir() for p in d.glob("*.yaml"))


def find_scenario(name: str) -> Path:
    """Resolve a path, or a bare name (`seo_audit`, `seo_audit.yaml`) of a bundled scenario."""
    path = Path(name)
    try:
        if path.exists():
            return path
    except (OSError, ValueError) as err:  # a name with a NUL byte, a path too long, ...
        raise ScenarioError(f"cannot read: {err}", source=name) from None
    if path.parent == Path("."):
        stem = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
        for d in bundled_dirs():
            if (d / stem).is_file():
                return d / stem
    known = bundled_names()
    hint = f" (bundled: {', '.join(known)})" if known else ""
    raise ScenarioError(f"no such scenario file{hint}", source=name)


def read_limited(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a file of at most `limit` bytes; anything else is a ScenarioError. Reads no
    more than limit + 1 bytes, so a huge file costs nothing; a FIFO or a device like /dev/zero
    is refused without waiting on it."""
    try:
        with open_input(path) as f:
            raw = f.read(limit + 1)
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ScenarioError(f"cannot read: {reason}", source=str(path)) from None
    if len(raw) > limit:
        raise ScenarioError(f"file too large (over {limit // (1024 * 1024)} MB)", source=str(path))
    return raw


def load_scenario(path: str | Path, strict: bool = False) -> Scenario:
    """Read and validate a scenario file. Raises ScenarioError (ScenarioPlanError for an error
    in its plan) naming the line and column. `strict` refuses a plan read leniently."""
    path = Path(path)
    raw = read_limited(path)
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        raise ScenarioError("not a text file (it contains NUL bytes)",
                            raw.count(b"\n", 0, at) + 1, 1, str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ScenarioError("not UTF-8 text", line, 1, str(path)) from None
    try:
        return parse_scenario(text, path, strict)
    except (RecursionError, MemoryError):
        raise ScenarioError("the file is nested too deeply or too large",
                            source=str(path)) from None


def _compose(text: str, src: str) -> yaml.Node | None:
    """The YAML's node tree. libyaml is fast (16 MB in about a second, where PyYAML takes half a
    minute) but composes recursively in C, where deep nesting crashes the process. So depth is
    measured first on the raw text by our own lexer (yaml_depth), before PyYAML or libyaml see
    it: the refusal and its LINE:COL are then ours, whichever PyYAML release is installed
    (6.0.2 and 6.0.4 word and locate deep nesting differently). libyaml's event stream (flat)
    is checked for depth too, as a second line for any text the lexer misjudges. PyYAML words
    the other errors; it also stands in when libyaml is missing."""
    too_deep = find_too_deep(text, MAX_YAML_DEPTH)
    if too_deep:
        raise ScenarioError(f"nested too deeply (over {MAX_YAML_DEPTH} levels)",
                            too_deep.line, too_deep.column, src)
    if getattr(yaml, "__with_libyaml__", False):
        depth = 0
        try:
            for event in yaml.parse(text, Loader=yaml.CSafeLoader):
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_YAML_DEPTH:
                        mark = event.start_mark
                        raise ScenarioError(f"nested too deeply (over {MAX_YAML_DEPTH} levels)",
                                            mark.line + 1, mark.column + 1, src)
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
        except yaml.YAMLError:
            if len(text) > 1024 * 1024:
                raise  # the C library's wording; PyYAML would take too long to say it
        else:
            return yaml.compose(text, Loader=yaml.CSafeLoader)
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_scenario(text: str, path: Path, strict: bool = False) -> Scenario:
    src = str(path)
    try:
        root = _compose(text, src)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = err.problem or err.context or "malformed"
        raise ScenarioError(f"invalid YAML: {problem}", line, col, src) from None
    except yaml.reader.ReaderError as err:  # a character YAML does not allow
        at = max(0, min(err.position, len(text)))
        line = len(_YAML_BREAK.findall(text, 0, at)) + 1
        col = at - max(text.rfind("\n", 0, at), text.rfind("\r", 0, at))
        char = err.character if isinstance(err.character, int) else ord(err.character[:1] or " ")
        raise ScenarioError(f"invalid YAML: the character U+{char:04X} is not allowed",
                            line, col, src) from None
    except yaml.YAMLError as err:
        first = str(err).splitlines()[0] if str(err) else "malformed"
        raise ScenarioError(f"invalid YAML: {first}", source=src) from None
    except RecursionError:
        raise ScenarioError("invalid YAML: nested too deeply", source=src) from None
    if root is None:
        raise ScenarioError("the scenario file is empty", 1, 1, src)
    v = _Validator(src)
    v.plain_data(root)
    top = v.mapping(root, "the scenario")
    v.no_unknown(top, _TOP_KEYS, "scenario")

    functions = v.functions(top.get("functions"), root)
    names = {f.name for f in functions}
    processors = v.integer(top, "processors", 2, minimum=1, maximum=MAX_PROCESSORS)
    policy = v.string(top, "policy", "llmorch")
    if policy not in POLICIES:
        node = top["policy"][1]
        raise v.error(node, f"policy: unknown policy {policy!r} (one of {', '.join(POLICIES)})")

    plan, plan_text, plan_line, plan_col = None, "", 0, 0
    if "plan" in top:
        key_node, node = top["plan"]
        plan_text = v.scalar_str(node, "plan")
        plan_line, plan_col, every_line = _plan_origin(key_node, node, text)
        try:
            plan = parse_plan(plan_text, functions=names, strict=strict)
        except PlanError as err:
            col = err.col + plan_col if every_line or err.line <= 1 else err.col
            raise ScenarioPlanError(f"plan: {err.message}", err.line + plan_line, col,
                                    src) from None
        if plan.warnings:  # placed in the file, as errors are
            plan = replace(plan, warnings=tuple(
                w.located(src, plan_line, plan_col if every_line or w.line <= 1 else 0, "plan: ")
                for w in plan.warnings))

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
        plan_col=plan_col,
    )


def _plan_origin(key: yaml.Node, node: yaml.Node, text: str) -> tuple[int, int, bool]:
    """Where the plan text sits in the YAML file: the number of lines before its first line, the
    columns before it, and whether that column offset holds on every line (a block scalar,
    `plan: |`) or only on the first (a scalar written inline, `plan: "s1: f()"`)."""
    mark = node.start_mark
    if node.style in ("|", ">"):
        lines = _lines(text)  # the line breaks PyYAML counts, read only as far as needed
        header_line = next(islice(lines, mark.line, None), None)
        if header_line is None:
            return mark.line + 1, 0, True
        header = re.match(r"[|>]([1-9]?)[+-]?([1-9]?)", header_line[mark.column:])
        step = header and (header.group(1) or header.group(2))
        if step:  # an explicit indentation indicator counts from the key's indentation
            indent = key.start_mark.column + int(step)
        else:  # the first line with text sets the indentation
            body = (ln for ln in islice(lines, node.end_mark.line - mark.line) if ln.strip())
            first = next(body, "")
            indent = len(first) - len(first.lstrip(" "))
        return mark.line + 1, indent, True
    return mark.line, mark.column + (1 if node.style in ("'", '"') else 0), False


def _lines(text: str) -> Iterator[str]:
    """The lines of a YAML text, one at a time (a plan of 100,000 lines need not all be cut
    out to find where its first one is)."""
    start = 0
    for m in _YAML_BREAK.finditer(text):
        yield text[start : m.start()]
        start = m.end()
    yield text[start:]


def plan_only_scenario(text: str, path: Path, compute: set[str], strict: bool = False
                       ) -> Scenario:
    """A scenario around a plain plan text: `compute` names the compute functions, every other
    function is inout, and any function name is allowed."""
    plan = parse_plan(text, source=str(path), strict=strict)
    functions = tuple(
        FunctionSpec(name=f, kind="compute" if f in compute else "inout")
        for f in plan.functions
    )
    return Scenario(name=path.stem, functions=functions, plan=plan, plan_text=text,
                    path=path.resolve())


Entry = tuple[yaml.Node, yaml.Node]
# The tags plain YAML data gets. An explicit other tag (`!!python/object/apply:...`, `!!binary`,
# `!custom`) is refused wherever it is, even under keys whose values are otherwise free.
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in
               ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")}
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Validator:
    def __init__(self, source: str) -> None:
        self.source = source
        self._loader: yaml.SafeLoader | None = None

    def plain_data(self, root: yaml.Node) -> None:
        """Refuse YAML tags beyond plain data, and text that is not valid Unicode (a YAML escape
        like "\\ud800" makes an unpaired surrogate, which nothing can print)."""
        stack: list[tuple[yaml.Node, str]] = [(root, "")]
        seen: set[int] = set()
        while stack:
            node, path = stack.pop()
            where = path or "the scenario"
            if node.tag not in _PLAIN_TAGS:
                tag = node.tag.replace("tag:yaml.org,2002:", "!!")
                raise self.error(node, f"{where}: the YAML tag {tag[:60]} is not allowed here")
            if isinstance(node, yaml.ScalarNode):
                if _SURROGATE.search(node.value):
                    raise self.error(node, f"{where}: not valid Unicode text (an unpaired "
                                           "surrogate)")
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack.extend((item, f"{where}[{n}]") for n, item in
                             reversed(list(enumerate(node.value))))
            else:
                for knode, vnode in reversed(node.value):
                    key = knode.value if isinstance(knode, yaml.ScalarNode) else "?"
                    stack.append((vnode, f"{path}.{key}" if path else key))
                    stack.append((knode, where))

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

    def string(self, entries: dict[str, Entry], key: str, default: str, shown: str = "") -> str:
        if key not in entries:
            return default
        return self.scalar_str(entries[key][1], shown or key)

    def number(self, node: yaml.Node, key: str, minimum: float | None = None) -> float:
        value = self._construct(node, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and math.isnan(value)
        ):
            raise self.error(node, f"{key}: expected a number, not {_node_kind(node)}")
        try:
            value = float(value)
        except OverflowError:  # an integer beyond any float
            value = math.inf
        if math.isinf(value):
            raise self.error(node, f"{key}: must be finite")
        if minimum is not None and value < minimum:
            raise self.error(node, f"{key}: must be ≥ {minimum:g}, got {value:g}")
        return value

    def number_key(self, entries: dict[str, Entry], key: str, default: float,
                   minimum: float | None = None, shown: str = "") -> float:
        if key not in entries:
            return default
        return self.number(entries[key][1], shown or key, minimum)

    def integer(self, entries: dict[str, Entry], key: str, default: int, minimum: int,
                maximum: int, shown: str = "") -> int:
        if key not in entries:
            return default
        node = entries[key][1]
        key = shown or key
        value = self._construct(node, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(node, f"{key}: expected a whole number, not {_node_kind(node)}")
        if value < minimum:
            raise self.error(node, f"{key}: must be ≥ {minimum}, got {value}")
        if value > maximum:
            raise self.error(node, f"{key}: must be ≤ {maximum}, got {node.value[:20]}")
        return value

    def _construct(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, f"{key}: expected a single value, not {_node_kind(node)}")
        if node.tag == _STR:
            return node.value
        if self._loader is None:
            self._loader = yaml.SafeLoader("")
        try:
            return self._loader.construct_object(node)
        except yaml.MarkedYAMLError as err:
            raise self.error(node, f"{key}: {err.problem or err.context}") from None
        except Exception:  # int('x') under an explicit !!int tag, a huge number, ...
            tag = node.tag.rsplit(":", 1)[-1]
            raise self.error(node, f"{key}: {node.value[:30]!r} is not a valid {tag}") from None

    def functions(self, entry: Entry | None, root: yaml.Node) -> tuple[FunctionSpec, ...]:
        if entry is None:
            raise self.error(root, "missing key 'functions': the functions the plan may call")
        _, node = entry
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
                description=self.string(fields, "description", "", f"{name}.description"),
                impl=impl,
                cost=self.number_key(fields, "cost", DEFAULT_COST, minimum=0.0,
                                     shown=f"{name}.cost"),
                timeout=timeout,
                retries=self.integer(fields, "retries", DEFAULT_RETRIES, 0, MAX_RETRIES,
                                     shown=f"{name}.retries"),
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
        budget = [MAX_RECORDED_NODES]  # aliases can make a small file expand exponentially
        for key, (_, vnode) in self.mapping(node, "recorded").items():
            out[key] = self._text_tree(vnode, f"recorded.{key}", set(), budget)
        return out

    def _text_tree(self, node: yaml.Node, key: str, path: set[int], budget: list[int]) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise self.error(node, f"{key}: too many values (over {MAX_RECORDED_NODES})")
        if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            if id(node) in path:
                raise self.error(node, f"{key}: an alias refers to a value that contains it")
            if len(path) > 50:
                raise self.error(node, f"{key}: nested too deeply")
            path = path | {id(node)}
            if isinstance(node, yaml.SequenceNode):
                return [self._text_tree(x, key, path, budget) for x in node.value]
            return {k: self._text_tree(v, f"{key}.{k}", path, budget)
                    for k, (_, v) in self.mapping(node, key).items()}
        value = self._construct(node, key)
        return "" if value is None else str(value)


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    tag = node.tag.rsplit(":", 1)[-1]
    return {"str": f"text {node.value[:30]!r}", "int": f"the number {node.value}",
            "float": f"the number {node.value}", "bool": f"{node.value}",
            "null": "nothing (null)"}.get(tag, f"a {tag}")

