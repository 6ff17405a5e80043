"""The plan language: parse an LLM's function-call sequence into calls (DESIGN §2)."""

from orchtui.errors import PlanError
from orchtui.plan.binding import bind_call
from orchtui.plan.model import Call, Plan
from orchtui.plan.parser import parse_plan
from orchtui.plan.printer import format_call, format_plan

__all__ = ["Call", "Plan", "PlanError", "bind_call", "format_call", "format_plan", "parse_plan"]
