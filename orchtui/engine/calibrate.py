"""Measure each call's real duration and write the costs back into the scenario YAML.

Calls run one at a time (react at P=1), so no call slows another. A function's `cost:` becomes
the median of its calls' durations; a call that differs from that by more than TOLERANCE gets its
own `costs:` entry. The YAML is edited in place at the exact spans of those values, so comments
and layout survive.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchtui.engine.record import RunRecord
from orchtui.engine.session import make_run
from orchtui.errors import OrchError
from orchtui.scenario.model import Scenario

TOLERANCE = 0.15


class CalibrationFailed(OrchError):
    """A call of a calibration run failed: a failure to report (exit 1), not bad input."""


@dataclass(frozen=True)
class Calibration:
    function_costs: dict[str, float]
    call_costs: dict[str, float]
    measured: dict[str, list[float]]  # call id -> its durations over the repeats


def measure_costs(scenario: Scenario, repeats: int = 1) -> Calibration:
    per_call: dict[str, list[float]] = {}
    for _ in range(repeats):
        run = make_run(scenario, mode="real", policy="react", processors=1)
        try:
            rec = RunRecord.from_events(run.events())
        finally:
            run.executor.close()
        if rec.status != "ok":
            bad = next((c for c in rec.calls.values() if c.status == "failed"), None)
            why = f"{bad.id} failed: {bad.error}" if bad else rec.status
            raise CalibrationFailed(f"calibration run failed ({why})")
        for cid, c in rec.calls.items():
            assert c.start is not None and c.end is not None
            per_call.setdefault(cid, []).append(c.end - c.start)
    call = {cid: statistics.median(v) for cid, v in per_call.items()}
    assert scenario.plan is not None
    by_function: dict[str, list[float]] = {}
    for c in scenario.plan.calls:
        by_function.setdefault(c.function, []).append(call[c.id])
    fn_costs = {f: statistics.median(v) for f, v in by_function.items()}
    overrides = {
        c.id: call[c.id] for c in scenario.plan.calls
        if abs(call[c.id] - fn_costs[c.function]) > TOLERANCE * max(fn_costs[c.function], 1e-3)
    }
    return Calibration(fn_costs, overrides, per_call)


def write_costs(path: Path, cal: Calibration) -> str:
    """Rewrite the cost values in the YAML text; return the new text."""
    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    edits: list[tuple[int, int, str]] = []  # (start index, end index, replacement)
    top = {k.value: (k, v) for k, v in root.value}
    for item in top["functions"][1].value:
        fields = {k.value: (k, v) for k, v in item.value}
        name = fields["name"][1].value
        if name not in cal.function_costs:
            continue
        value = _num(cal.function_costs[name])
        if "cost" in fields:
            node = fields["cost"][1]
            edits.append((node.start_mark.index, node.end_mark.index, value))
        elif item.flow_style:
            end = item.end_mark.index - 1  # before the closing brace
            edits.append((end, end, f", cost: {value}"))
        else:
            kind_key = fields["kind"][0]
            line_end = text.index("\n", kind_key.end_mark.index)
            indent = " " * kind_key.start_mark.column
            edits.append((line_end, line_end, f"\n{indent}cost: {value}"))
    costs = "{" + ", ".join(f"{k}: {_num(v)}" for k, v in cal.call_costs.items()) + "}"
    if "costs" in top:
        node = top["costs"][1]
        # a block mapping's span runs to the start of the next key: keep a line break
        edits.append((node.start_mark.index, node.end_mark.index,
                      costs if node.flow_style else costs + "\n"))
    elif cal.call_costs:
        edits.append((len(text), len(text), ("" if text.endswith("\n") else "\n")
                      + f"costs: {costs}\n"))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _num(x: float) -> str:
    return f"{x:.3g}" if x < 10 else f"{x:.1f}"
