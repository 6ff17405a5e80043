"""The FRG panel on big plans: beyond ITEMS_MAX the calls are laid out in their columns and only
the selected call's edges are routed (frg_sparse). Checked here: which plans get which drawing,
that every call sits in its rank's column with R2 links as before, that the selected call's
edges are whole lines from each source to an arrow into each target that never cross a call and
end nowhere else, that the whole drawing's lazily kept edge cells are the cells it drew, and that
the panel, which paints only the rows and columns in view, paints what the whole drawing has."""

from __future__ import annotations

import random
from collections import deque

import pytest
from engine_helpers import scenario
from textual.app import App, ComposeResult
from textual.geometry import Region

from orchtui.engine.record import CallRecord, RunRecord
from orchtui.engine.runner import Run, RunOptions
from orchtui.executors.sim import SimExecutor
from orchtui.tui import frg_layout
from orchtui.tui.components.frg_view import FRGView
from orchtui.tui.frg_layout import (
    _LINE,
    ITEMS_MAX,
    E,
    FRGLayout,
    GraphCall,
    N,
    S,
    W,
    drawn_items,
    layout,
    to_text,
)
from orchtui.tui.frg_sparse import SparseLayout, sparse_layout

pytestmark = pytest.mark.anyio

Cell = tuple[int, int]
BITS = {ch: bits for bits, ch in _LINE.items()}
STEP = {N: (0, -1), S: (0, 1), E: (1, 0), W: (-1, 0)}
OPPOSITE = {N: S, S: N, E: W, W: E}


def deep_plan(n: int, seed: int = 1) -> str:
    """Each call uses 0-3 of the 20 before it, half compute: early calls of rank 1 feed calls
    of high ranks, the shape whose whole drawing grows with edges x ranks."""
    rng = random.Random(seed)
    lines = []
    for i in range(1, n + 1):
        deps = sorted({rng.randint(max(1, i - 20), i - 1) for _ in range(rng.randint(0, 3))}
                      ) if i > 1 else []
        fn = "c" if rng.random() < 0.5 else "io"
        lines.append(f"s{i}: {fn}({', '.join(f's{d}' for d in deps)})")
    return "\n".join(lines)


def graph(plan: str) -> tuple[list[GraphCall], tuple[tuple[str, ...], ...]]:
    sc = scenario(plan)
    g = Run(sc, SimExecutor(2, 0.0), RunOptions(processors=2)).graph_event()
    return ([GraphCall(d["id"], d["function"], d["rank"], tuple(d["deps"])) for d in g.calls],
            g.exclusive_groups)


@pytest.fixture(scope="module")
def dag300() -> tuple[list[GraphCall], tuple[tuple[str, ...], ...]]:
    return graph(deep_plan(300))


def test_plans_beyond_the_limit_show_the_selected_calls_edges() -> None:
    calls, groups = graph(deep_plan(800))
    assert len(calls) < ITEMS_MAX < drawn_items(calls)  # the long edges' dummies make it big
    assert isinstance(layout(calls, groups), SparseLayout)
    small, small_groups = graph(deep_plan(200))
    lay = layout(small, small_groups)
    assert not lay.sparse and lay.edge_lines("s5").spans() == {}


def test_drawn_items_counts_a_dummy_per_source_and_skipped_column() -> None:
    calls = [GraphCall("a", "f", 1), GraphCall("b", "f", 2, ("a",)),
             GraphCall("c", "f", 3, ("b",)), GraphCall("d", "f", 4, ("a", "c")),
             GraphCall("e", "f", 3, ("a", "b"))]
    # a reaches rank 4 (columns 2 and 3 skipped, shared by a->e); b->e skips nothing
    assert drawn_items(calls) == 5 + 2
    whole = layout(calls)
    assert not whole.sparse and len(whole.dummies) == 2


def test_calls_sit_in_their_rank_columns_with_r2_links(dag300) -> None:
    calls, groups = dag300
    lay = sparse_layout(calls, groups)
    assert set(lay.nodes) == {c.id for c in calls}
    order = {c.id: n for n, c in enumerate(calls)}
    exclusive = {c for g in groups if len(g) > 1 for c in g}
    taken: set[Cell] = set()
    for c in calls:
        box = lay.nodes[c.id]
        assert box.layer == c.rank - 1 and box.h == 1
        assert lay.layers[box.layer][box.y] == c.id
        cells = {(x, box.y) for x in range(box.x, box.x + box.w)}
        assert not cells & taken
        taken |= cells
        assert box.has_in == bool(c.deps) and box.exclusive == (c.id in exclusive)
    for layer, column in enumerate(lay.layers):
        members = [y for y, c in enumerate(column) if c in exclusive]
        # the exclusive calls of a rank together, the rest in plan order
        assert members == list(range(members[0], members[0] + len(members))) if members else True
        rest = [c for c in column if c not in exclusive]
        assert rest == sorted(rest, key=order.__getitem__)
        link = {y for y, spans in lay.under.items()
                for x, ch, kind in spans if x == lay.layer_x[layer]}
        assert link == set(members)
        assert all(ch == "┆" and kind == "excl"
                   for spans in lay.under.values() for _, ch, kind in spans)


def check_edges(lay: FRGLayout, calls: dict[str, GraphCall], call: str) -> None:
    """The selected call's lines: from the right side of each source to an arrow into each
    target, joined only where they share an end (fan-in into `call`, fan-out from it)."""
    spans = lay.edge_lines(call).spans()
    cells: dict[Cell, int] = {}
    arrows: set[Cell] = set()
    for y, row in spans.items():
        assert row == sorted(row)
        for x, ch, kind in row:
            assert kind == "edge" and (x, y) not in cells
            assert lay.node_at(x, y) is None, f"{call}: a line over a call at {(x, y)}"
            if ch == "▶":
                arrows.add((x, y))
                cells[(x, y)] = W
            else:
                cells[(x, y)] = BITS[ch]

    def start(cid: str) -> Cell:
        box = lay.nodes[cid]
        return (box.x + box.w, box.port)

    def head(cid: str) -> Cell:
        box = lay.nodes[cid]
        return (box.x - 2, box.port)  # the compact node's first cell is the R2 gutter

    deps = [d for d in calls[call].deps if d in calls]
    users = [c.id for c in calls.values() if call in c.deps]
    sources = {start(d): d for d in deps} | ({start(call): call} if users else {})
    assert arrows == {head(u) for u in users} | ({head(call)} if deps else set())
    for (x, y), bits in cells.items():
        for d, (dx, dy) in STEP.items():
            if bits & d:
                nxt = (x + dx, y + dy)
                if cells.get(nxt, 0) & OPPOSITE[d]:
                    continue
                # a loose end only where a line leaves a source
                assert d == W and (x, y) in sources, f"{call}: loose end at {(x, y)}"
                assert lay.node_at(*nxt) == sources[(x, y)]

    def reach(frm: list[Cell]) -> set[Cell]:
        seen, todo = set(frm), deque(frm)
        while todo:
            x, y = todo.popleft()
            for d, (dx, dy) in STEP.items():
                nxt = (x + dx, y + dy)
                if cells[(x, y)] & d and cells.get(nxt, 0) & OPPOSITE[d] and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    into = reach([start(d) for d in deps]) if deps else set()
    out = reach([start(call)]) if users else set()
    assert into & arrows == ({head(call)} if deps else set())
    assert out & arrows == {head(u) for u in users}
    assert all(head(call) in reach([start(d)]) for d in deps)
    assert into | out == set(cells)  # no stray lines


def test_selected_calls_edges_are_whole_lines(dag300) -> None:
    calls, groups = dag300
    lay = sparse_layout(calls, groups)
    by_id = {c.id: c for c in calls}
    for c in calls:
        check_edges(lay, by_id, c.id)


def test_selected_calls_edges_on_a_wide_and_a_long_plan() -> None:
    # a chain s1..s7; s8..s15 make rank 2 tall; s16 uses s1 across it, s24 fans in from afar
    plan = "\n".join(["s1: io()", *(f"s{i}: c(s{i - 1})" for i in range(2, 8)),
                      *(f"s{i}: io(s1)" for i in range(8, 16)), "s16: c(s1, s7, s11)",
                      *(f"s{i}: io(s{i - 16})" for i in range(17, 24)), "s24: io(s16, s23, s2)"])
    calls, groups = graph(plan)
    lay = sparse_layout(calls, groups)
    assert lay.heights[1] > 5
    by_id = {c.id: c for c in calls}
    for c in calls:
        check_edges(lay, by_id, c.id)
    # the lines into s16 from s1 and s11 pass rank 2's column below its calls
    crossing = {y for y, spans in lay.edge_lines("s16").spans().items()
                for x, _, _ in spans if lay.layer_x[1] <= x < lay.layer_x[1] + lay.widths[1]}
    assert crossing == {lay.heights[1]} and lay.height > lay.heights[1]


def test_whole_drawing_keeps_the_cells_it_drew(dag300) -> None:
    # each call's edge cells are computed when asked for: together they are the lines drawn
    for calls, groups in (dag300, graph("s1: io()\ns2: c(s1)\ns3: c(s1)\ns4: io(s2, s3, s1)")):
        lay = layout(calls, groups, boxed=False)
        assert not lay.sparse
        drawn = {(x, y) for y, spans in lay.under.items() for x, _, kind in spans
                 if kind == "edge"}
        lit = set().union(*(lay.edge_cells(c.id) for c in calls))
        assert lit == drawn


class GraphApp(App[None]):
    def __init__(self, calls: list[GraphCall], groups: tuple[tuple[str, ...], ...]) -> None:
        super().__init__()
        self.graph = (calls, groups)

    def compose(self) -> ComposeResult:
        yield FRGView(id="frg")

    def on_mount(self) -> None:
        self.query_one(FRGView).set_graph(*self.graph, RunRecord())


async def painted_as_drawn(calls: list[GraphCall], groups: tuple[tuple[str, ...], ...],
                           selected: str, places: list[tuple[int, int]]) -> FRGView:
    """Scroll the panel to each place and compare each row it paints with the whole drawing."""
    app = GraphApp(calls, groups)
    async with app.run_test(size=(70, 20)) as pilot:
        frg = app.query_one(FRGView)
        frg.select(selected)
        await pilot.pause()
        whole = to_text(frg.lay, calls, selected).split("\n")
        width = frg.scrollable_content_region.width
        for sx, sy in places:
            frg.scroll_to(sx, sy, animate=False, immediate=True)
            await pilot.pause()
            sx, sy = int(frg.scroll_x), int(frg.scroll_y)
            for y in range(1, frg.size.height):
                row = sy + y - 1
                want = whole[row + 1][sx:sx + width] if row + 1 < len(whole) else ""
                assert frg.render_line(y).text.rstrip() == want.rstrip(), (sx, sy, y)
        return frg


async def test_panel_paints_what_the_sparse_drawing_has(dag300, monkeypatch) -> None:
    calls, groups = dag300
    monkeypatch.setattr(frg_layout, "ITEMS_MAX", 0)  # this plan drawn as a big one
    busiest = max(calls, key=lambda c: sum(c.id in d.deps for d in calls))
    lay = sparse_layout(calls, groups)
    box = lay.nodes[busiest.id]
    frg = await painted_as_drawn(calls, groups, busiest.id,
                                 [(0, 0), (box.x - 30, box.y - 5), (box.x + 7, box.y),
                                  (lay.width // 2, lay.height // 3), (lay.width, lay.height)])
    assert frg.lay.sparse
    assert frg.border_subtitle == "300 calls: edges of the selected call"


async def test_panel_paints_what_the_whole_drawing_has(dag300) -> None:
    calls, groups = dag300
    frg = await painted_as_drawn(calls[:120], groups, "s100",
                                 [(0, 0), (45, 7), (200, 20), (10_000, 10_000)])
    assert not frg.lay.sparse and not frg.border_subtitle


@pytest.mark.parametrize("sparse", [False, True])
async def test_a_moved_selection_repaints_every_row_it_changes(dag300, monkeypatch,
                                                               sparse: bool) -> None:
    """The panel repaints only the rows whose drawing changed (refresh_changed): after the
    selection moves and calls change state, what it shows, cell for cell and style for style,
    is what a panel drawing everything anew shows."""
    if sparse:
        monkeypatch.setattr(frg_layout, "ITEMS_MAX", 0)
    calls, groups = dag300
    calls = calls[:120]
    app = GraphApp(calls, groups)
    rng = random.Random(4)
    async with app.run_test(size=(70, 20)) as pilot:
        frg = app.query_one(FRGView)
        await pilot.pause()
        assert frg.lay.sparse == sparse
        region = Region(0, 0, *frg.outer_size)
        calls_now = frg.record.calls
        for _ in range(25):
            frg.select(rng.choice(calls).id)
            for call in rng.sample(calls, 3):  # as RunRecord.apply would, then the app says
                calls_now.setdefault(call.id, CallRecord(call.id, call.function, "compute",
                                                         call.rank, call.deps, 1.0))
                calls_now[call.id].status = rng.choice(["running", "done", "failed"])
            frg.refresh_changed()
            await pilot.pause()
            shown = [list(line) for line in frg.render_lines(region)]
            frg._line_cache.clear()
            frg.refresh()
            assert shown == [list(line) for line in frg.render_lines(region)]
