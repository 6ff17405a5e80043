"""Scenarios: a query, its functions and the plan an LLM gave for it, as YAML (DESIGN §8)."""

from orchtui.errors import ScenarioError
from orchtui.scenario.loader import find_scenario, load_scenario, plan_only_scenario
from orchtui.scenario.model import POLICIES, FunctionSpec, Scenario

__all__ = [
    "POLICIES",
    "FunctionSpec",
    "Scenario",
    "ScenarioError",
    "find_scenario",
    "load_scenario",
    "plan_only_scenario",
]
