"""A layered drawing of the FRG: one column per rank, data edges routed between the columns.

Pure geometry, no Textual: the graph panel paints what this computes, and tests check it.

- Columns are ranks (rank 1 on the left), because a plan is read from its inputs to its answer
  and because a terminal scrolls a tall column better than a wide row: 200 calls in a few ranks
  stay legible as a long, scrollable column per rank.
- An edge that skips ranks passes through the columns between as a dummy item (Sugiyama); the
  long edges of one source share one dummy per column, so a fan-out does not multiply lines.
- Within a column, items are ordered by the barycentre of their neighbours (fewer crossings),
  then placed vertically near their neighbours (isotonic regression keeps the order and the
  spacing).
- Between two columns, each group of edges (one source's fan-out, or one target's fan-in,
  whichever gives fewer groups) gets one vertical track; tracks are reused by groups whose rows
  do not overlap.
- R2 (mutual exclusion) relates every compute call of a rank, so it is drawn as one dashed
  magenta link down the column through its exclusive calls, which are kept together, rather than
  as a quadratic number of edges.
- A plan whose whole drawing would hold more than ITEMS_MAX items (calls and dummies: on a deep
  plan they grow with edges x ranks) is drawn by frg_sparse instead: the calls in their columns,
  and only the selected call's edges.
"""

from __future__ import annotations

import bisect
import gc
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

BOXED_MAX = 24  # up to this many calls, nodes are 3-row boxes; more, 1-row labels
# up to this many items (calls, and the dummies that carry long edges through columns), the whole
# graph is drawn, in at most about a quarter second; more, and the cost grows with edges x ranks
# (a 10,000-call random DAG has 1.6 million dummies): the calls are laid out in their columns,
# and only the selected call's edges are drawn (frg_sparse)
ITEMS_MAX = 6_000
LABEL_MAX = 24  # longest node label (glyph, id and function), in cells

N, E, S, W = 1, 2, 4, 8
Cell = tuple[int, int]
# a segment's run: along row ya from x0 to track tx, down the track to row yb, along yb to x1
_Seg = tuple[int, int, int, int, int]
_LINE = {
    E | W: "─", N | S: "│", E: "╶", W: "╴", N: "╵", S: "╷",
    E | S: "┌", W | S: "┐", N | E: "└", N | W: "┘",
    N | S | E: "├", N | S | W: "┤", E | W | S: "┬", E | W | N: "┴", N | E | S | W: "┼",
}


@dataclass(frozen=True)
class GraphCall:
    """What the drawing needs of a call (from the GraphReady event)."""

    id: str
    function: str
    rank: int
    deps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeBox:
    call: str
    layer: int
    x: int  # leftmost cell of the node (its border when boxed, its gutter when compact)
    y: int
    w: int
    h: int
    has_out: bool
    has_in: bool
    exclusive: bool

    @property
    def port(self) -> int:
        return self.y + self.h // 2

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h


@dataclass
class FRGLayout:
    boxed: bool
    width: int = 0
    height: int = 0
    nodes: Mapping[str, NodeBox] = field(default_factory=dict)
    layers: list[list[str]] = field(default_factory=list)  # calls per rank, top to bottom
    layer_x: list[int] = field(default_factory=list)
    # static drawing, per row: (x, text, kind) with kind "edge" or "excl"; `under` is painted
    # before the nodes, `over` after (the exclusion link's joints on the boxes' borders)
    under: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)
    over: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)
    # row -> (call, part), left to right
    rows: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    chains: dict[str, list[list[str]]] = field(default_factory=dict)  # a call's edges' items
    # where each segment and dummy runs, not its cells: a fan of n edges over h rows would be
    # n*h cells, and only the selected call's are ever asked for
    segs: dict[tuple[str, str], _Seg] = field(default_factory=dict)
    dummies: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # (x0, x1, y)

    # the plan is drawn whole: every edge, the selected call's lit up (see frg_sparse)
    sparse: ClassVar[bool] = False

    def edge_cells(self, call: str) -> set[tuple[int, int]]:
        """The cells of every data edge into or out of `call`."""
        cells: set[tuple[int, int]] = set()
        for chain in self.chains.get(call, ()):
            for a, b in itertools.pairwise(chain):
                seg = self.segs.get((a, b))
                if seg is not None:
                    ya, yb, x0, tx, x1 = seg
                    cells.update((x, ya) for x in range(x0, tx + 1))
                    cells.update((tx, y) for y in range(min(ya, yb), max(ya, yb) + 1))
                    cells.update((x, yb) for x in range(tx, x1 + 1))
                dummy = self.dummies.get(b)
                if dummy is not None:
                    x0, x1, y = dummy
                    cells.update((x, y) for x in range(x0, x1))
        return cells

    def edge_lines(self, call: str) -> Lines:
        """Lines drawn only while `call` is selected (none: `under` has them all)."""
        return Lines()

    def row_spans(self, spans: dict[int, list[tuple[int, str, str]]], row: int, x0: int,
                  x1: int) -> list[tuple[int, str, str]]:
        """The spans of a row that start in [x0, x1): a wide graph's rows hold thousands."""
        items = spans.get(row)
        if not items:
            return []
        lo = bisect.bisect_left(items, (x0, "", ""))
        hi = bisect.bisect_left(items, (x1, "", ""))
        return items[lo:hi]

    def row_nodes(self, row: int, x0: int, x1: int) -> list[tuple[str, int]]:
        """The nodes of a row that reach into [x0, x1): a big plan's first rows hold a node per
        rank."""
        items = self.rows.get(row)
        if not items:
            return []
        nodes = self.nodes
        # a row's nodes do not overlap and are left to right: their ends are sorted too
        lo = bisect.bisect_left(items, x0, key=lambda e: nodes[e[0]].x + nodes[e[0]].w - 1)
        hi = bisect.bisect_left(items, x1, key=lambda e: nodes[e[0]].x)
        return items[lo:hi]

    def node_at(self, x: int, y: int) -> str | None:
        for call, _part in self.row_nodes(y, x, x + 1):
            return call
        return None


def drawn_items(calls: Sequence[GraphCall]) -> int:
    """How many items a whole drawing has: the calls, and a dummy per column that a source's
    long edges skip (they share it)."""
    rank = {c.id: c.rank for c in calls}
    reach: dict[str, int] = {}  # a source's farthest user's rank
    for c in calls:
        for d in c.deps:
            if d in rank and reach.get(d, 0) < c.rank:
                reach[d] = c.rank
    return len(calls) + sum(max(0, r - rank[d] - 1) for d, r in reach.items())


def label(call: GraphCall, glyph: str = "·") -> str:
    text = f"{glyph} {call.id} {call.function}"
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


@dataclass
class _Item:
    key: str
    call: str | None  # None: a dummy, carrying long edges through this column
    layer: int
    order: float  # plan order, for stable ties
    y: float = 0.0


def layout(calls: Sequence[GraphCall], exclusive_groups: Iterable[Sequence[str]] = (),
           boxed: bool | None = None) -> FRGLayout:
    """The drawing of the graph: whole, or beyond ITEMS_MAX its calls and, on selection, the
    selected call's edges."""
    with _gc_paused():
        if len(calls) > ITEMS_MAX or drawn_items(calls) > ITEMS_MAX:
            from orchtui.tui.frg_sparse import sparse_layout  # it builds on this module

            return sparse_layout(calls, exclusive_groups)
        return _whole(calls, exclusive_groups, boxed)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The collector off while a layout is built: it makes no garbage cycles, and each of its
    allocations would otherwise count towards collections that walk every object of a big plan
    (they took half of a 100,000-call layout)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _whole(calls: Sequence[GraphCall], exclusive_groups: Iterable[Sequence[str]],
           boxed: bool | None) -> FRGLayout:
    if boxed is None:
        boxed = len(calls) <= BOXED_MAX
    out = FRGLayout(boxed=boxed)
    if not calls:
        return out
    by_id = {c.id: c for c in calls}
    index = {c.id: n for n, c in enumerate(calls)}
    nlayers = max(c.rank for c in calls)
    exclusive = {cid for g in exclusive_groups if len(g) > 1 for cid in g if cid in by_id}

    # -- items and the segments between adjacent columns --------------------------------------
    items: dict[str, _Item] = {}
    cols: list[list[_Item]] = [[] for _ in range(nlayers)]
    for c in calls:
        item = _Item(c.id, c.id, c.rank - 1, index[c.id])
        items[c.id] = item
        cols[item.layer].append(item)
    segs: set[tuple[str, str]] = set()
    for c in calls:
        for d in c.deps:
            if d not in by_id:
                continue
            prev = d
            for layer in range(by_id[d].rank, c.rank - 1):
                key = f"{d}@{layer}"  # one dummy per source and column: long edges share it
                if key not in items:
                    items[key] = _Item(key, None, layer, index[c.id] - 0.5)
                    cols[layer].append(items[key])
                items[key].order = min(items[key].order, index[c.id] - 0.5)
                segs.add((prev, key))
                prev = key
            segs.add((prev, c.id))
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    for a, b in sorted(segs):
        preds[b].append(a)
        succs[a].append(b)

    # -- order within columns -----------------------------------------------------------------
    for col in cols:
        col.sort(key=lambda it: it.order)
    pos = {it.key: float(n) for col in cols for n, it in enumerate(col)}

    def reorder(col: list[_Item], nbrs: dict[str, list[str]]) -> None:
        def bary(it: _Item) -> tuple[float, float]:
            ns = nbrs.get(it.key)
            return (sum(pos[n] for n in ns) / len(ns) if ns else pos[it.key], it.order)
        col.sort(key=bary)
        for n, it in enumerate(col):
            pos[it.key] = float(n)

    for _ in range(4):
        for layer in range(1, nlayers):
            reorder(cols[layer], preds)
        for layer in range(nlayers - 2, -1, -1):
            reorder(cols[layer], succs)
    for layer in range(1, nlayers):
        reorder(cols[layer], preds)
    for col in cols:
        keep_together(col, exclusive, lambda it: it.call)
        for n, it in enumerate(col):
            pos[it.key] = float(n)

    # -- vertical placement -------------------------------------------------------------------
    h = 3 if boxed else 1
    step = h + 1 if boxed else 1
    for col in cols:
        for n, it in enumerate(col):
            it.y = float(n * step)
    for _ in range(6):
        for col in cols:
            desired = []
            for it in col:
                ns = preds.get(it.key, []) + succs.get(it.key, [])
                desired.append(sum(items[k].y for k in ns) / len(ns) if ns else it.y)
            for it, y in zip(col, _spread(desired, step), strict=True):
                it.y = y
    top = min(it.y for it in items.values())
    for it in items.values():
        it.y = float(round(it.y - top))
    # rounding can bring two neighbours closer than a step: push down where it did
    for col in cols:
        for a, b in itertools.pairwise(col):
            if b.y < a.y + step:
                b.y = a.y + step

    # -- columns and channels -----------------------------------------------------------------
    widths = []
    for layer, col in enumerate(cols):
        labels = [len(label(by_id[it.call])) for it in col if it.call]
        inner = max([*labels, len(f"rank {layer + 1}")])
        widths.append(inner + 4 if boxed else inner + 2)
    port = {k: int(it.y) + h // 2 for k, it in items.items()}

    canvas: dict[Cell, int] = {}
    arrows: set[Cell] = set()
    excl_cells: dict[tuple[int, int], str] = {}
    over: dict[tuple[int, int], str] = {}
    x = 1 if boxed else 0  # compact columns start with their own gutter
    layer_x: list[int] = []
    for layer in range(nlayers):
        layer_x.append(x)
        if layer == nlayers - 1:
            break
        channel = _route(cols[layer], succs, port, items)
        tracks = max((t for _, _, t in channel), default=-1) + 1
        cw = max(4, tracks + 3)
        cx0 = x + widths[layer]
        cx1 = cx0 + cw
        for srcs, dsts, track in channel:
            _draw_group(canvas, out.segs, srcs, dsts, track, cx0, cx1)
        x = cx1
    # dummies: a straight line across their column
    for it in items.values():
        if it.call is None:
            y = port[it.key]
            x0 = layer_x[it.layer]
            for cx in range(x0, x0 + widths[it.layer]):
                canvas[(cx, y)] = canvas.get((cx, y), 0) | E | W
            out.dummies[it.key] = (x0, x0 + widths[it.layer], y)
    # arrow heads: onto real nodes only
    for _a, b in segs:
        if items[b].call is not None:
            arrows.add((layer_x[items[b].layer] - 1, port[b]))
    # each data edge is a chain of segments through dummies: remember the chains, and let the
    # panel gather a call's cells when it is selected (gathering them all up front costs more
    # than a big plan's whole layout)
    for c in calls:
        for d in c.deps:
            if d not in by_id:
                continue
            chain = [d, *(f"{d}@{layer}" for layer in range(by_id[d].rank, c.rank - 1)), c.id]
            out.chains.setdefault(c.id, []).append(chain)
            out.chains.setdefault(d, []).append(chain)

    # -- nodes and the exclusion link ---------------------------------------------------------
    nodes: dict[str, NodeBox] = {}
    out.nodes = nodes
    for layer, col in enumerate(cols):
        out.layers.append([it.call for it in col if it.call])
        members = [it for it in col if it.call in exclusive]
        for a, b in itertools.pairwise(members):
            if boxed:
                lx = layer_x[layer] + 2
                over[(lx, int(a.y) + h - 1)] = "┬"
                over[(lx, int(b.y))] = "┴"
                for yy in range(int(a.y) + h, int(b.y)):
                    excl_cells[(lx, yy)] = "┆"
            else:
                for yy in range(int(a.y), int(b.y) + 1):
                    excl_cells[(layer_x[layer], yy)] = "┆"
        if not boxed and len(members) == 1:
            excl_cells[(layer_x[layer], int(members[0].y))] = "┆"
        for it in col:
            if it.call is None:
                continue
            # compact nodes leave their column's first cell to the exclusion link
            nx = layer_x[layer] + (0 if boxed else 1)
            box = NodeBox(it.call, layer, nx, int(it.y), widths[layer] - (0 if boxed else 1), h,
                          bool(succs.get(it.key)), bool(preds.get(it.key)),
                          it.call in exclusive)
            nodes[it.call] = box
            for part in range(h):
                out.rows.setdefault(box.y + part, []).append((it.call, part))

    paint(canvas, arrows, out.under)
    for (cx, cy), ch in excl_cells.items():
        out.under.setdefault(cy, []).append((cx, ch, "excl"))
    for (cx, cy), ch in over.items():
        out.over.setdefault(cy, []).append((cx, ch, "excl"))
    for spans in (*out.under.values(), *out.over.values()):
        spans.sort()
    out.layer_x = layer_x
    out.width = layer_x[-1] + widths[-1] + (1 if boxed else -1)  # no pad after the last
    out.height = max(b.y + b.h for b in out.nodes.values())
    out.height = max(out.height, max((y + 1 for y in out.under), default=0))
    return out


def keep_together(col: list[T], exclusive: set[str], call: Callable[[T], str | None]) -> None:
    """Move a column's exclusive calls next to each other, around their mean position, so that
    one link joins them all."""
    idx = [n for n, it in enumerate(col) if call(it) in exclusive]
    if len(idx) < 2:
        return
    centre = sum(idx) / len(idx)
    members = [col[n] for n in idx]
    rest = [it for it in col if call(it) not in exclusive]
    before = sum(1 for n, it in enumerate(col) if call(it) not in exclusive and n < centre)
    col[:] = rest[:before] + members + rest[before:]


def _spread(desired: list[float], step: int) -> list[float]:
    """Positions as close as possible (least squares) to `desired`, in the same order and at
    least `step` apart: isotonic regression (pool adjacent violators) on y_i - i*step."""
    z = [d - n * step for n, d in enumerate(desired)]
    blocks: list[list[float]] = []  # [mean, weight]
    for v in z:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    fitted: list[float] = []
    for mean, weight in blocks:
        fitted.extend([mean] * int(weight))
    return [f + n * step for n, f in enumerate(fitted)]


T = TypeVar("T")
_End = tuple[str, int, bool]  # item key, port row, whether it is a dummy (the line carries on)


def _route(col: list[_Item], succs: dict[str, list[str]], port: dict[str, int],
           items: dict[str, _Item]) -> list[tuple[list[_End], list[_End], int]]:
    """Group the edges leaving one column and give each group a track.

    Returns (sources, targets, track) per group. Track -1: a straight group."""
    by_src: dict[str, list[str]] = {}
    by_dst: dict[str, list[str]] = defaultdict(list)
    for it in col:
        for b in succs.get(it.key, []):
            by_src.setdefault(it.key, []).append(b)
            by_dst[b].append(it.key)
    groups: list[tuple[list[str], list[str]]]
    if len(by_src) <= len(by_dst):
        groups = [([a], bs) for a, bs in by_src.items()]
    else:
        groups = [(as_, [b]) for b, as_ in by_dst.items()]
    spans = []
    for srcs, dsts in groups:
        rows = [port[k] for k in (*srcs, *dsts)]
        spans.append((min(rows), max(rows), srcs, dsts))
    spans.sort(key=lambda s: (s[0], s[1]))
    track_end: list[int] = []
    out = []
    for lo, hi, srcs, dsts in spans:
        track = -1
        if lo != hi:
            for t, end in enumerate(track_end):
                if end < lo:
                    track = t
                    track_end[t] = hi
                    break
            else:
                track = len(track_end)
                track_end.append(hi)
        out.append(([(a, port[a], items[a].call is None) for a in srcs],
                    [(b, port[b], items[b].call is None) for b in dsts], track))
    return out


def _draw_group(canvas: dict[Cell, int], segs: dict[tuple[str, str], _Seg],
                srcs: list[_End], dsts: list[_End], track: int, cx0: int, cx1: int) -> None:
    """Draw one group's lines, and remember where each of its edges runs (so the panel can
    light up the edges of the selected call)."""
    last = cx1 - 1
    if track < 0:
        (a, y, _), (b, _, dummy) = srcs[0], dsts[0]
        hline(canvas, y, cx0, last, True, dummy)
        segs[(a, b)] = (y, y, cx0, last, last)
        return
    tx = cx0 + 1 + track
    rows = [y for _, y, _ in srcs] + [y for _, y, _ in dsts]
    vline(canvas, tx, min(rows), max(rows))
    for _, y, _ in srcs:
        hline(canvas, y, cx0, tx, True, False)
    for _, y, dummy in dsts:
        hline(canvas, y, tx, last, False, dummy)
    for a, ya, _ in srcs:
        for b, yb, _ in dsts:
            segs[(a, b)] = (ya, yb, cx0, tx, last)


def hbits(x: int, x0: int, x1: int, west: bool, east: bool) -> int:
    """Where a line along a row from x0 to x1 leaves cell x: open to the west and east of its
    ends when asked (it carries on into a node or another line there)."""
    return (W if x > x0 or west else 0) | (E if x < x1 or east else 0)


def vbits(y: int, lo: int, hi: int) -> int:
    """Where a line down a column from row lo to row hi leaves row y."""
    return (N if y > lo else 0) | (S if y < hi else 0)


def glyph(bits: int, arrow: bool) -> str:
    """A cell's character: an arrow head over the line it ends."""
    return "▶" if arrow else _LINE.get(bits, "─")


def hline(canvas: dict[Cell, int], y: int, x0: int, x1: int, west: bool, east: bool) -> None:
    """A line along row y from x0 to x1."""
    for x in range(x0, x1 + 1):
        canvas[(x, y)] = canvas.get((x, y), 0) | hbits(x, x0, x1, west, east)


def vline(canvas: dict[Cell, int], x: int, lo: int, hi: int) -> None:
    """A line down column x from row lo to row hi (nothing when they are the same row)."""
    if lo == hi:
        return
    for y in range(lo, hi + 1):
        canvas[(x, y)] = canvas.get((x, y), 0) | vbits(y, lo, hi)


def paint(canvas: dict[Cell, int], arrows: set[Cell],
          spans: dict[int, list[tuple[int, str, str]]]) -> None:
    """The canvas's lines as characters, added to `spans` per row (unsorted)."""
    for (cx, cy), bits in canvas.items():
        spans.setdefault(cy, []).append((cx, glyph(bits, (cx, cy) in arrows), "edge"))
    for (cx, cy) in arrows - set(canvas):
        spans.setdefault(cy, []).append((cx, "▶", "edge"))


@dataclass
class Lines:
    """Lines kept as runs, not cells: a row's cells are made when the row is drawn. A selected
    call's line down a 25,000-row column is one run (as cells, every selection would make tens
    of thousands of objects for the collector to walk)."""

    across: dict[int, list[tuple[int, int, bool, bool]]] = field(default_factory=dict)
    down: list[tuple[int, int, int]] = field(default_factory=list)  # (x, lo, hi)
    arrows: set[Cell] = field(default_factory=set)

    def hline(self, y: int, x0: int, x1: int, west: bool, east: bool) -> None:
        self.across.setdefault(y, []).append((x0, x1, west, east))

    def vline(self, x: int, lo: int, hi: int) -> None:
        if lo != hi:
            self.down.append((x, lo, hi))

    def row(self, y: int, x0: int, x1: int) -> list[tuple[int, str, str]]:
        """The cells of row y in [x0, x1), left to right, as (x, character, "edge")."""
        bits: dict[int, int] = {}
        for a, b, west, east in self.across.get(y, ()):
            for x in range(max(a, x0), min(b, x1 - 1) + 1):
                bits[x] = bits.get(x, 0) | hbits(x, a, b, west, east)
        for x, lo, hi in self.down:
            if lo <= y <= hi and x0 <= x < x1:
                bits[x] = bits.get(x, 0) | vbits(y, lo, hi)
        return [(x, glyph(b, (x, y) in self.arrows), "edge") for x, b in sorted(bits.items())]

    def spans(self) -> dict[int, list[tuple[int, str, str]]]:
        """Every row's cells (for tests and to_text)."""
        rows = set(self.across).union(*(range(lo, hi + 1) for _, lo, hi in self.down))
        right = max((b for runs in self.across.values() for _, b, _, _ in runs), default=0)
        right = max(right, *(x for x, _, _ in self.down), 0)
        return {y: self.row(y, 0, right + 1) for y in sorted(rows)}


def to_text(lay: FRGLayout, calls: Sequence[GraphCall], selected: str | None = None) -> str:
    """The drawing as plain text, with every call waiting, and the lines drawn only for the
    selected call if one is given: for tests and for debugging."""
    by_id = {c.id: c for c in calls}
    grid = [[" "] * lay.width for _ in range(lay.height)]

    def put(x: int, y: int, text: str) -> None:
        for n, ch in enumerate(text):
            if 0 <= y < lay.height and 0 <= x + n < lay.width:
                grid[y][x + n] = ch

    for y, spans in lay.under.items():
        for x, text, _ in spans:
            put(x, y, text)
    for y, spans in (lay.edge_lines(selected).spans() if selected else {}).items():
        for x, text, _ in spans:
            put(x, y, text)
    for cid, box in lay.nodes.items():
        for part in range(box.h):
            put(box.x, box.y + part, node_row(box, part, label(by_id[cid])))
    for y, spans in lay.over.items():
        for x, text, _ in spans:
            put(x, y, text)
    header = [" "] * lay.width
    for n, x in enumerate(lay.layer_x):
        text = f"rank {n + 1}"
        header[x + (0 if lay.boxed else 1): x + len(text)] = list(text)
    lines = ["".join(header).rstrip()] + ["".join(r).rstrip() for r in grid]
    return "\n".join(lines)


def node_row(box: NodeBox, part: int, text: str, selected: bool = False) -> str:
    """One row of a node as characters (the panel colours them)."""
    inner = box.w - 4
    if box.h == 1:
        return text.ljust(box.w - 1)[: box.w - 1] + " "
    if selected:
        tl, tr, bl, br, hz, vt = "╔", "╗", "╚", "╝", "═", "║"
    else:
        tl, tr, bl, br, hz, vt = "┌", "┐", "└", "┘", "─", "│"
    if part == 0:
        return tl + hz * (box.w - 2) + tr
    if part == 2:
        return bl + hz * (box.w - 2) + br
    right = ("╟" if selected else "├") if box.has_out else vt
    left = vt
    return left + " " + text.ljust(inner)[:inner] + " " + right
