"""Where runtime recovery restarts (paper §III-D): trace back through the FRG."""

from __future__ import annotations

from dataclasses import dataclass

from orchtui.graph.frg import FRG


@dataclass(frozen=True)
class RecoveryPlan:
    points: tuple[str, ...]  # the recovery calls the LLM repairs, in plan order
    reset: tuple[str, ...]  # everything that runs again: points, failed calls, descendants


def recovery_plan(frg: FRG, failed: list[str]) -> RecoveryPlan:
    """The recovery points are the closest data predecessors of the failed calls that share the
    smallest rank among them; a failed call with no predecessor is its own recovery point.

    The paper assumes the root cause lies close to the failure, so it traces back one step only.
    The failed calls always run again, even when their own predecessors rank above the chosen
    points (several calls failing at once)."""
    candidates: set[str] = set()
    for f in failed:
        preds = frg.preds(f)
        candidates |= set(preds) if preds else {f}
    low = min(frg.ranks[c] for c in candidates)
    points = sorted((c for c in candidates if frg.ranks[c] == low), key=frg.index.__getitem__)
    reset: set[str] = set(points) | set(failed)
    for c in list(reset):
        reset |= frg.descendants(c)
    return RecoveryPlan(tuple(points), tuple(sorted(reset, key=frg.index.__getitem__)))
