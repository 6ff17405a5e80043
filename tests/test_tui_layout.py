"""The TUI's pure parts: the FRG drawing, the lanes' rows and scale, log wrapping, and the
words each event is shown with."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from orchtui.cli.inputs import load_input
from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.engine.session import make_run
from orchtui.tui.components.log_view import _one_cell_each, _wrap_cells, wrap_offsets
from orchtui.tui.describe import decision_line, recovery_line, summary, where
from orchtui.tui.frg_layout import GraphCall, layout, to_text
from orchtui.tui.lane_model import MAX_STACK, Bar, Lane, LaneModel, nice_ceiling, tick_step
from orchtui.tui.trace_scenario import scenario_from_trace

HERE = Path(__file__).parent / "tui_scenarios"

SEO_BOXED = """\
 rank 1              rank 2             rank 3
                     ┌─────────────┐
                  ┌─▶│ · s3 python ├─┐
 ┌──────────────┐ │  └─┬───────────┘ │
 │ · s1 search  ├─┤    ┆             │
 └──────────────┘ │  ┌─┴───────────┐ │  ┌──────────────┐
                  └─▶│ · s4 python ├─┼─▶│ · s5 chatbot │
                     └─────────────┘ │  └──────────────┘
                                     │
 ┌──────────────┐                    │
 │ · s2 chatbot ├────────────────────┘
 └──────────────┘"""

SEO_COMPACT = """\
 rank 1            rank 2           rank 3
 · s1 search  ─┬─▶┆· s3 python ─┐
               └─▶┆· s4 python ─┼─▶ · s5 chatbot
 · s2 chatbot ──────────────────┘"""


def graph(name: str) -> tuple[list[GraphCall], tuple[tuple[str, ...], ...]]:
    run = make_run(load_input(str(HERE / f"{name}.yaml")))
    g = run.graph_event()
    run.executor.close()
    return ([GraphCall(d["id"], d["function"], d["rank"], tuple(d["deps"])) for d in g.calls],
            g.exclusive_groups)


def test_seo_graph_boxed() -> None:
    calls, groups = graph("seo")
    assert to_text(layout(calls, groups), calls) == SEO_BOXED


def test_seo_graph_compact() -> None:
    calls, groups = graph("seo")
    assert to_text(layout(calls, groups, boxed=False), calls) == SEO_COMPACT


def test_edges_of_a_call_are_known_for_highlighting() -> None:
    calls, groups = graph("seo")
    lay = layout(calls, groups)
    s2, s5 = lay.nodes["s2"], lay.nodes["s5"]
    cells = lay.edge_cells("s2")
    # s2's edge leaves its box on its row, crosses rank 2 and arrives at s5's row
    assert (s2.x + s2.w, s2.port) in cells
    assert (s5.x - 1, s5.port) in cells
    assert lay.edge_cells("s2").isdisjoint(lay.edge_cells("s3") - lay.edge_cells("s5"))


@pytest.mark.parametrize("name", ["plan60", "plan200"])
def test_big_plans_lay_out_legibly(name: str) -> None:
    calls, groups = graph(name)
    lay = layout(calls, groups)
    assert not lay.boxed  # one-line labels for big graphs
    assert set(lay.nodes) == {c.id for c in calls}
    # no two nodes overlap, and every call sits in its rank's column
    taken: set[tuple[int, int]] = set()
    for c in calls:
        box = lay.nodes[c.id]
        assert box.layer == c.rank - 1
        cells = {(x, box.y) for x in range(box.x, box.x + box.w)}
        assert not cells & taken
        taken |= cells
    # nodes are never drawn over by edges
    for y, spans in lay.under.items():
        for x, _, _ in spans:
            assert lay.node_at(x, y) is None, (x, y)


def test_exclusive_calls_are_kept_together() -> None:
    calls, groups = graph("plan60")
    lay = layout(calls, groups)
    for group in groups:
        layer = lay.nodes[group[0]].layer
        column = lay.layers[layer]
        index = sorted(column.index(c) for c in group)
        assert index == list(range(index[0], index[0] + len(index)))


def test_lanes_stack_concurrent_calls() -> None:
    lane = Lane("I/O", stacked=True)
    for n in range(MAX_STACK + 2):
        lane.place(Bar(f"s{n}", 0.0))
    assert len(lane.rows) == MAX_STACK  # more share the last row
    done = Lane("cpu 0", stacked=False)
    done.place(Bar("a", 0.0, 1.0, "done"))
    done.place(Bar("b", 1.0))
    assert len(done.rows) == 1


def test_lane_model_follows_a_run() -> None:
    run = make_run(load_input(str(HERE / "seo.yaml")), seed=0)
    events = list(run.events())
    run.executor.close()
    rec, model = RunRecord(), LaneModel((0, 1))
    for e in events:
        rec.apply(e)
        model.observe(e, rec)
    names = [name for name, _ in model.rows()]
    assert names == ["cpu 0", "cpu 1", "I/O", "LLM"]
    io = model.io.rows[0]
    assert [b.key for b in io] == ["s1"] and io[0].state == "done"
    assert sorted(b.key for lane in model.cpu_lanes for row in lane.rows for b in row) == \
        ["s2", "s3", "s4", "s5"]
    assert not model.open


def test_time_axis_grows_in_round_steps() -> None:
    assert nice_ceiling(6.3) == 8
    assert nice_ceiling(8.0) == 8
    assert nice_ceiling(11.8) == 12
    assert nice_ceiling(0.2) == 1
    assert tick_step(8, 100) == 1
    assert tick_step(100, 60) >= 10


def test_log_wrap_offsets() -> None:
    text = "s4 waits: exclusive with the other compute calls of rank 2, no spare processor"
    lines = [text[a:b] for a, b in wrap_offsets(text, 30, 20)]
    assert lines[0] == "s4 waits: exclusive with the"
    assert all(len(line) <= 20 for line in lines[1:])
    assert " ".join(lines) == text
    long = "x" * 25
    assert [long[a:b] for a, b in wrap_offsets(long, 10, 10)] == ["x" * 10] * 2 + ["x" * 5]


# words, runs of spaces, the log's own arrows and dots, and words longer than a line
_ONE_CELL_TEXT = st.lists(st.sampled_from(["a", "bc", "s12", " ", "  ", "→", "…", "·", "é",
                                           "x" * 13]), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_ONE_CELL_TEXT, st.integers(-1, 16), st.integers(-1, 16))
def test_log_wrap_by_lengths_is_the_wrap_by_cells(text: str, first: int, rest: int) -> None:
    # one-cell text is wrapped a line at a time by string searches: the same lines as measuring
    # every word's cells
    assert _one_cell_each(text)
    assert wrap_offsets(text, first, rest) == _wrap_cells(text, first, rest)


def test_log_wrap_measures_wide_and_blank_characters() -> None:
    for text in ("日本語の テキスト です", "tab\there", "non\u00a0breaking", "e\u0301 combining"):
        assert not _one_cell_each(text)
    lines = ["日本語の テキスト です"[a:b] for a, b in wrap_offsets("日本語の テキスト です", 9, 9)]
    assert lines == ["日本語の", "テキスト", "です"]
    assert all(cell_len(line) <= 9 for line in lines)


def test_decisions_say_why() -> None:
    cpus = (4, 6)
    line = decision_line(ev.Dispatched(0.8, "s3", 1, "exclusive with s4: gets its own spare "
                                       "processor 1"), cpus, {"s3": "compute"})
    assert line is not None and line.tag == "dispatch"
    assert "s3 → cpu 6" in line.body.plain and "exclusive with s4" in line.body.plain
    queued = decision_line(ev.Queued(0.8, "s4", "s4 waits: no spare processor"), cpus, {})
    assert queued is not None and "no spare processor" in queued.body.plain
    inout = decision_line(ev.Dispatched(0, "s1", None, "inout calls first"), cpus,
                          {"s1": "inout"})
    assert inout is not None and "→ I/O" in inout.body.plain
    assert decision_line(ev.Started(0, "s1", None, None, None), cpus, {}) is None
    assert where(None, True, cpus) == "shared (OS)"
    recovery = recovery_line(ev.RecoveryStarted(3.8, ("s3",), ("s1",), 1, ("s1", "s3")))
    assert recovery is not None and "trace back to s1" in recovery.body.plain
    assert summary(ev.Finished(1, "s1", 1.0, "x"), cpus, {}) == "s1 finished in 1.00 s"


def test_a_trace_rebuilds_its_scenario() -> None:
    run = make_run(load_input(str(HERE / "seo.yaml")), seed=0)
    events = list(run.events())
    run.executor.close()
    sc = scenario_from_trace(events)
    assert sc.name == "seo_audit" and sc.processors == 2
    assert [c.id for c in sc.plan.calls] == ["s1", "s2", "s3", "s4", "s5"]
    rerun = make_run(sc, seed=0)
    again = list(rerun.events())
    rerun.executor.close()
    assert again[-1].makespan == events[-1].makespan
