"""The scenario as frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from orchtui.plan.model import Plan

POLICIES = ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path")
Kind = Literal["inout", "compute"]

# The sim's α (DESIGN §5): how much n compute calls time-sharing c < n processors lose beyond
# their fair share. Calibrated against the real executor with `python bench/bench_engine.py
# alpha`: 8 equal CPU-bound calls (pure Python) started at once, unpinned, on 2 CPUs, against
# the same calls run one by one: α = 0.08, 0.10, 0.13, 0.06 over four runs on this 2-core VM
# (median 0.10). Memory-bound work (numpy over large arrays) loses more to cache contention;
# set `oversubscription_penalty` per scenario for such work.
DEFAULT_OVERSUBSCRIPTION_PENALTY = 0.10
DEFAULT_COST = 1.0
DEFAULT_RETRIES = 1
MAX_RETRIES = 10


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    kind: Kind
    description: str = ""
    impl: str | None = None  # "module:function" or "file.py:function" (relative to the YAML)
    cost: float = DEFAULT_COST  # seconds, for the sim and for critical-path priorities
    timeout: float | None = None  # seconds; None: no limit
    # How many times a call is run again when its Dask worker is lost mid-call (a machine or
    # process gone, not the function failing): a lost worker says nothing about the call.
    retries: int = DEFAULT_RETRIES


@dataclass(frozen=True)
class Scenario:
    name: str
    functions: tuple[FunctionSpec, ...]
    plan: Plan | None  # None: the scenario has only a query, for --llm
    plan_text: str = ""
    description: str = ""
    query: str = ""
    processors: int = 2
    policy: str = "llmorch"
    costs: Mapping[str, float] = field(default_factory=dict)
    llm_turn: float = 0.0
    oversubscription_penalty: float = DEFAULT_OVERSUBSCRIPTION_PENALTY
    recorded: Mapping[str, Any] = field(default_factory=dict)  # recorded LLM replies
    faults: Mapping[str, str] = field(default_factory=dict)  # sim: call id -> injected error
    path: Path | None = None
    # where the plan text sits in the YAML, for error locations: plan line L is file line
    # L + plan_line; a block scalar (`plan: |`) is indented by plan_col columns
    plan_line: int = 0
    plan_col: int = 0

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def function(self, name: str) -> FunctionSpec:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(name) from None

    @cached_property
    def _by_name(self) -> dict[str, FunctionSpec]:
        # Built once (the engine asks for every call it launches); the first function of a
        # name is the one, as reading the list in order would find it.
        by_name: dict[str, FunctionSpec] = {}
        for f in self.functions:
            by_name.setdefault(f.name, f)
        return by_name

    @property
    def kinds(self) -> dict[str, Kind]:
        return {f.name: f.kind for f in self.functions}

    def cost(self, call_id: str, function: str | None = None) -> float:
        """A call's declared duration: its `costs:` entry, else its function's cost. Give the
        function for a call that is not in the scenario's plan (one that streamed in)."""
        if call_id in self.costs:
            return self.costs[call_id]
        if function is None:
            assert self.plan is not None
            function = self.plan[call_id].function
        return self.function(function).cost

    def with_plan(self, plan: Plan, text: str) -> Scenario:
        from dataclasses import replace

        return replace(self, plan=plan, plan_text=text)
