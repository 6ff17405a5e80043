"""A run's lanes as a Gantt chart: a row per processor (then I/O, shared and LLM rows, as the
TUI draws them), each call's bar coloured by its FRG rank, failed attempts hatched, and the
exclusive pairs (R2) joined by a dashed magenta line."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable
from pathlib import Path

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.plots import save
from orchtui.tui.lane_model import Bar, LaneModel  # pure data: imports no Textual
from orchtui.tui.theme import EXCLUSION, LLM

# rank 1, 2, 3, ...: distinct, printable, and readable for the common colour blindnesses
# (Okabe-Ito); past eight ranks the colours repeat
RANK_COLOURS = ("#56b4e9", "#e69f00", "#009e73", "#cc79a7", "#0072b2", "#d55e00", "#f0e442",
                "#999999")


def rank_colour(rank: int) -> str:
    return RANK_COLOURS[(max(rank, 1) - 1) % len(RANK_COLOURS)]


def write_gantt(events: Iterable[ev.Event], path: str) -> None:
    """`--gantt FILE` (a run's or a replayed trace's): draw the chart and say where, on stderr."""
    from orchtui.plots import check_path

    plot_gantt(events, check_path(path, "--gantt"))
    print(f"Gantt chart written: {path}", file=sys.stderr)


def plot_gantt(events: Iterable[ev.Event], path: Path) -> None:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    record = RunRecord()
    lanes = LaneModel()
    for e in events:
        record.apply(e)
        if isinstance(e, ev.RunStarted):
            lanes = LaneModel(e.cpus, labels=e.lanes)
        lanes.observe(e, record)
    rows = lanes.rows(skip_empty=True)
    end = record.makespan or record.now or 1.0
    fig = Figure(figsize=(9, 0.55 * len(rows) + 1.6))
    ax = fig.add_subplot()
    centre: dict[str, tuple[float, float]] = {}  # a call's last bar: where R2 links attach
    labels: list[str] = []
    last = ""
    for y, (name, bars) in enumerate(rows):
        last = name or last
        labels.append(name or f"{last} ·")
        for bar in bars:
            _draw(ax, bar, y, end, record)
            if bar.state != "llm":
                stop = end if bar.end is None else bar.end
                centre[bar.key] = ((bar.start + stop) / 2, y)
    for group in record.exclusive_groups:
        placed = [centre[c] for c in group if c in centre]
        for (x0, y0), (x1, y1) in itertools.pairwise(placed):
            ax.plot([x0, x1], [y0, y1], linestyle=(0, (3, 2)), color=EXCLUSION, linewidth=1.6,
                    zorder=4)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, end * 1.02)
    ax.set_xlabel("run time (s)" + (" · virtual, sim" if record.mode == "sim" else ""))
    status = "" if record.status == "ok" else f" · {record.status}"
    ax.set_title(f"{record.scenario} · {record.policy} · P={record.processors} · "
                 f"{record.mode} · makespan {end:.2f} s{status}", fontsize=11)
    ax.grid(True, axis="x", alpha=0.3)
    ranks = sorted({c.rank for c in record.calls.values()})
    handles: list[object] = [Patch(facecolor=rank_colour(r), edgecolor="#202020",
                                   label=f"rank {r}") for r in ranks[:len(RANK_COLOURS)]]
    if record.exclusive_groups:
        handles.append(Line2D([], [], linestyle=(0, (3, 2)), color=EXCLUSION,
                              label="exclusive (R2)"))
    if any(b.state == "failed" for b in lanes.bars):
        handles.append(Patch(facecolor="white", edgecolor="#c00000", hatch="xx",
                             label="failed"))
    if record.turns:
        handles.append(Patch(facecolor=LLM, label="LLM turn"))
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False)
    save(fig, path)


def _draw(ax, bar: Bar, y: int, end: float, record: RunRecord) -> None:
    stop = end if bar.end is None else bar.end
    width = max(stop - bar.start, end * 0.002)  # an instant call stays visible
    if bar.state == "llm":
        ax.barh(y, width, left=bar.start, height=0.7, color=LLM, edgecolor="#202020",
                linewidth=0.5)
        return
    call = record.calls.get(bar.key)
    colour = rank_colour(call.rank if call else 1)
    failed = bar.state == "failed"
    cancelled = bar.state == "cancelled"
    exclusive = any(bar.key in g for g in record.exclusive_groups)
    ax.barh(y, width, left=bar.start, height=0.7, color=colour,
            alpha=0.45 if cancelled else 1.0, hatch="xx" if failed else None,
            edgecolor="#c00000" if failed else (EXCLUSION if exclusive else "#202020"),
            linewidth=1.6 if exclusive or failed else 0.6, zorder=3)
    # a label across the bar where it fits (about 1.2 % of the axis a character), else
    # upright inside it
    fits = width >= len(bar.key) * end * 0.012
    ax.text(bar.start + width / 2, y, bar.key, ha="center", va="center",
            fontsize=8 if fits else 6.5, rotation=0 if fits else 90, color="#101010", zorder=5,
            clip_on=True)
