"""What a library function needs to know about the run it serves: the scenario's folder, the
call's declared I/O latency, where the model is, and the scenario's recorded replies.

How it gets there: the engine builds the run's context once (`run_context`) and gives it to the
executor as a ContextHook (`executor_hook`); the executor does not know what it is. Each worker
receives it once, when it starts, and before each call runs `enter` with it and the call's id,
cost, kind and impl: a few hundred nanoseconds, where building and pickling a context per call
cost about 90 µs. The call's own FunctionContext is made only if the function asks (`current`).
It is held in ContextVars, so concurrent threads each see their own. The API key is not in it:
workers read OPENAI_API_KEY from the environment they inherit.

Which model, live or recorded, is a per-process setting of the engine (`configure`, done by
`orchtui.cli.llm_setup.prepare`): recorded unless the run was started with --llm, so that no run
touches the network unless asked to. A function called outside any run (a user's own script)
gets a live context from the environment instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from orchtui.llm.config import LLMConfig

LIVE, RECORDED = "live", "recorded"
# Recorded replies that functions use; the rest (translate, repair_*) stay in the engine.
FUNCTION_PURPOSES = ("chatbot", "math", "self")


@dataclass(frozen=True)
class FunctionContext:
    scenario_dir: str | None = None
    call_id: str | None = None
    cost: float = 0.0  # the call's declared seconds: the I/O latency `search` waits
    kind: str = "inout"  # the call's function kind: a recorded reply to compute is CPU work
    impl: str | None = None  # the function's impl, e.g. "orchtui.functions:math"
    mode: str = LIVE  # "live": ask the model; "recorded": serve `recorded`
    llm: LLMConfig = field(default_factory=LLMConfig)
    recorded: Mapping[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return Path(self.scenario_dir) if self.scenario_dir else Path.cwd()


_current: ContextVar[FunctionContext | None] = ContextVar("orchtui_function_context",
                                                          default=None)
# (run context, call id, cost, kind, impl) of the call in progress, set by `enter`; turned into
# a FunctionContext (then kept in _current) only when the function asks for it.
_call: ContextVar[tuple | None] = ContextVar("orchtui_function_call", default=None)
_engine_mode: str = RECORDED
_engine_llm: LLMConfig | None = None


# The library functions that ask a model: their client is made ready before the call starts.
MODEL_FUNCTIONS = frozenset({"math", "chatbot", "self", "self_call"})
ENTER = f"{__name__}:enter"  # the hook executors run before each call (see executor_hook)
_backends: dict[LLMConfig, Any] = {}  # live clients, one per config, reused by the calls


def activate(ctx: FunctionContext | None) -> None:
    """Make `ctx` the context of the calls that follow in this thread (worker set-up hook).

    For a live call to a model function, the `openai` client is built here, once per worker
    and endpoint: importing openai takes about a second, which belongs to no single call."""
    _current.set(ctx)
    _call.set(None)
    if ctx is not None and ctx.mode == LIVE and ctx.impl:
        module, _, name = ctx.impl.rpartition(":")
        if module.startswith("orchtui.functions") and name in MODEL_FUNCTIONS:
            backend(ctx)


def enter(call: tuple) -> None:
    """Worker side, before each call: `call` is (run context from `run_context`, call id, cost,
    kind, impl). Cheap on purpose: it runs before every call, most of which never look."""
    _current.set(None)
    _call.set(call)
    base = call[0]
    if base is not None and base.mode == LIVE and call[4]:
        module, _, name = call[4].rpartition(":")
        if module.startswith("orchtui.functions") and name in MODEL_FUNCTIONS:
            backend(current())  # the client, once per worker: see activate


def current() -> FunctionContext:
    ctx = _current.get()
    if ctx is not None:
        return ctx
    call = _call.get()
    if call is not None and call[0] is not None:
        base, call_id, cost, kind, impl = call
        ctx = replace(base, call_id=call_id, cost=float(cost or 0.0), kind=kind, impl=impl)
        _current.set(ctx)
        return ctx
    return FunctionContext(scenario_dir=os.getcwd(), mode=LIVE, llm=LLMConfig.from_env())


def configure(mode: str, llm: LLMConfig | None = None) -> None:
    """Engine side: whether the functions of the runs that follow use a live model (--llm) or
    the scenario's recorded replies."""
    global _engine_mode, _engine_llm
    if mode not in (LIVE, RECORDED):
        raise ValueError(f"mode must be {LIVE!r} or {RECORDED!r}")
    _engine_mode, _engine_llm = mode, llm


def engine_mode() -> str:
    return _engine_mode


def call_context(scenario: Any, call_id: str | None = None, cost: float = 0.0,
                 kind: str = "inout", impl: str | None = None) -> FunctionContext:
    """The context of one call of `scenario` (an orchtui Scenario), on the engine side."""
    recorded = getattr(scenario, "recorded", {}) or {}
    names = {f.name for f in getattr(scenario, "functions", ())}
    wanted = set(FUNCTION_PURPOSES) | names
    base = getattr(scenario, "base_dir", None)
    return FunctionContext(
        scenario_dir=str(base) if base is not None else None,
        call_id=call_id,
        cost=float(cost or 0.0),
        kind=kind,
        impl=impl,
        mode=_engine_mode,
        llm=_engine_llm or LLMConfig.from_env(),
        recorded={k: v for k, v in recorded.items() if k in wanted},
    )


def run_context(scenario: Any) -> FunctionContext:
    """The context of `scenario`'s run, without any call's details: built once per run on the
    engine side (the model's settings are read here, once, not for every call)."""
    return call_context(scenario)


def executor_hook(scenario: Any) -> tuple[str, FunctionContext]:
    """(enter, payload) for an executor's ContextHook."""
    return ENTER, run_context(scenario)


def backend(ctx: FunctionContext | None = None):  # -> ChatBackend
    """The chat backend a function should use: the recorded replies or the live model."""
    from orchtui.llm.recorded import RecordedBackend

    ctx = ctx or current()
    if ctx.mode == RECORDED:
        return RecordedBackend(ctx.recorded, pace=(ctx.kind, ctx.cost))
    found = _backends.get(ctx.llm)
    if found is None:
        from orchtui.llm.openai_backend import OpenAIBackend

        found = _backends[ctx.llm] = OpenAIBackend(ctx.llm)
    return found
