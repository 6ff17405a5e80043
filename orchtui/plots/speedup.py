"""Speedup vs processor count, one line per policy, and the line no policy can cross: the
speedup the lower bound allows, react's makespan at P=1 over max(critical path, work / P)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from orchtui.engine.sweep import SweepRow, speedup
from orchtui.plots import save

# one colour per policy, the same in every figure; the baselines in greys and blues, ours warm
POLICY_STYLE = {
    "react": ("#7a7a7a", "o"),
    "parallelfc": ("#5f87ff", "s"),
    "llmcompiler": ("#00afd7", "^"),
    "llmorch": ("#d75f00", "D"),
    "critical-path": ("#5faf5f", "v"),
}


def plot_sweep(rows: Sequence[SweepRow], baseline: SweepRow, path: Path, title: str) -> None:
    """Draw the sweep's rows (the baseline, react at P=1, first or among them)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    policies = list(dict.fromkeys(r.policy for r in rows))
    bound: dict[int, float] = {}
    for policy in policies:
        mine = sorted((r for r in rows if r.policy == policy), key=lambda r: r.processors)
        colour, marker = POLICY_STYLE.get(policy, ("#000000", "o"))
        ax.plot([r.processors for r in mine], [speedup(baseline, r) for r in mine],
                marker=marker, color=colour, label=policy, linewidth=1.8, markersize=5)
        for r in mine:
            if r.lower_bound > 0:
                bound[r.processors] = r.lower_bound
    if bound:
        ps = sorted(bound)
        ax.plot(ps, [baseline.makespan / bound[p] for p in ps], linestyle="--", color="#202020",
                linewidth=1.2, label="bound: react(P=1) / max(critical path, work/P)")
    processors = sorted({r.processors for r in rows})
    ax.set_xticks(processors)
    ax.set_xlabel("processors P")
    ax.set_ylabel(f"speedup vs react at P=1 ({baseline.makespan:.2f} s)")
    ax.set_title(title, fontsize=11)
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    save(fig, path)
