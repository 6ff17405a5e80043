"""The five policies of DESIGN §4, by name."""

from orchtui.engine.policies.base import (
    Decision,
    Finish,
    Policy,
    Skip,
    Start,
    Submit,
    Turn,
    Wait,
)
from orchtui.engine.policies.critical_path import CriticalPath
from orchtui.engine.policies.llmcompiler import LLMCompiler
from orchtui.engine.policies.llmorch import LLMOrch
from orchtui.engine.policies.parallelfc import ParallelFC
from orchtui.engine.policies.react import ReAct

POLICY_CLASSES: dict[str, type[Policy]] = {
    cls.name: cls for cls in (ReAct, ParallelFC, LLMCompiler, LLMOrch, CriticalPath)
}

__all__ = [
    "POLICY_CLASSES",
    "Decision",
    "Finish",
    "Policy",
    "Skip",
    "Start",
    "Submit",
    "Turn",
    "Wait",
]
