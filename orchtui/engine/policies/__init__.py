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
from orchtui.engine.policies.rounds import BaselineCompute

POLICY_CLASSES: dict[str, type[Policy]] = {
    cls.name: cls for cls in (ReAct, ParallelFC, LLMCompiler, LLMOrch, CriticalPath)
}
# the policies that `--compute` changes (serial or eager compute calls): the baselines
COMPUTE_MODE_POLICIES = tuple(name for name, cls in POLICY_CLASSES.items()
                              if issubclass(cls, BaselineCompute))

__all__ = [
    "COMPUTE_MODE_POLICIES",
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
