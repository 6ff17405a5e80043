"""OpenAI tool definitions for a scenario's functions: JSON-schema parameters from the Python
signature of the function's impl when it can be imported, else from the signature its
description shows (`search(term, k=500): ...`).

The caller passes the loader of impls (`load(impl, base_dir) -> callable`): the executors own
how an impl is found, and model code does not import them."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from orchtui.scenario.model import FunctionSpec, Scenario

_SIGNATURE = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(([^)]*)\)")
_JSON_TYPES = {int: "integer", float: "number", bool: "boolean", str: "string",
               list: "array", dict: "object"}


Loader = Callable[[str, str], Callable[..., Any]]


def tool_schema(f: FunctionSpec, scenario: Scenario, load: Loader | None = None
                ) -> dict[str, Any]:
    params = _from_impl(f, scenario, load) if load else None
    if params is None:
        params = _from_description(f)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, default, annotation in params:
        prop: dict[str, Any] = {}
        kind = _json_type(annotation, default)
        if kind:
            prop["type"] = kind
            if kind == "array":
                prop["items"] = {}
        if default is not inspect.Parameter.empty:
            prop["default"] = default
        else:
            required.append(name)
        properties[name] = prop
    return {"type": "function", "function": {
        "name": f.name,
        "description": " ".join(f.description.split()) or f.name,
        "parameters": {"type": "object", "properties": properties, "required": required},
    }}


def tools_for(scenario: Scenario, load: Loader | None = None) -> list[dict[str, Any]]:
    return [tool_schema(f, scenario, load) for f in scenario.functions]


def _from_impl(f: FunctionSpec, scenario: Scenario, load: Loader
               ) -> list[tuple[str, Any, Any]] | None:
    if not f.impl:
        return None
    try:
        sig = inspect.signature(load(f.impl, str(scenario.base_dir)))
    except Exception:  # a function we cannot import here: the description will do
        return None
    out = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.kind == p.KEYWORD_ONLY:
            continue  # keyword-only knobs (folder=, latency=) are for scenario authors
        annotation = p.annotation if p.annotation is not p.empty else None
        out.append((p.name, p.default, annotation))
    return out


def _from_description(f: FunctionSpec) -> list[tuple[str, Any, Any]]:
    m = _SIGNATURE.match(f.description)
    if not m or m.group(1) != f.name:
        return [("input", inspect.Parameter.empty, None)]
    out = []
    for part in filter(None, (p.strip() for p in m.group(2).split(","))):
        name, _, default = part.partition("=")
        value: Any = inspect.Parameter.empty
        if default.strip():
            try:
                value = eval_literal(default.strip())
            except ValueError:
                value = default.strip()
        out.append((name.strip(), value, None))
    return out


def eval_literal(text: str) -> Any:
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(text) from None


def _json_type(annotation: Any, default: Any) -> str | None:
    if isinstance(annotation, str):
        for py, js in _JSON_TYPES.items():
            if annotation == py.__name__ or annotation.startswith(f"{py.__name__}["):
                return js
        return None
    if annotation in _JSON_TYPES:
        return _JSON_TYPES[annotation]
    origin = getattr(annotation, "__origin__", None)
    if origin in _JSON_TYPES:
        return _JSON_TYPES[origin]
    if default is not inspect.Parameter.empty and default is not None:
        return _JSON_TYPES.get(type(default))
    return None
