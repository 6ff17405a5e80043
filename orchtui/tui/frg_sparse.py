"""The drawing of a big FRG: every call in its rank's column, and the selected call's edges.

A whole layered drawing (frg_layout) carries each long edge through every column it skips, and
routes every edge between every pair of columns. On a deep plan, where early calls feed late
ones, that grows with edges x ranks: a 10,000-call random DAG has 1.6 million dummies and took
gigabytes. Beyond frg_layout.ITEMS_MAX, the panel shows instead:

- the calls in their rank's column, in plan order from the top (the order the plan is read in),
  a column's exclusive calls kept together and joined by the same dashed R2 link;
- the edges of the selected call only, routed when it is selected. A column holds its calls in
  rows 0..height-1 and nothing below, so a line that must cross columns runs along a row below the
  tallest of them (or the call's own row, if that is lower): it never crosses a call.

Laying out is linear in the calls; a selection costs its edges x the columns they span.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from orchtui.tui.frg_layout import (
    FRGLayout,
    GraphCall,
    Lines,
    NodeBox,
    keep_together,
    label,
)

_ID = operator.attrgetter("id")
CHANNEL = 4  # cells between two columns: the gap, one track, the arrow head


@dataclass
class SparseLayout(FRGLayout):
    deps: dict[str, tuple[str, ...]] = field(default_factory=dict)
    users: dict[str, list[str]] = field(default_factory=dict)
    exclusive: set[str] = field(default_factory=set)
    widths: list[int] = field(default_factory=list)
    heights: list[int] = field(default_factory=list)  # rows a column's calls take, from the top
    # a call's place, column << 32 | row: its box is made when asked for (a box, and a row
    # entry, per call up front were most of a 100,000-call layout)
    where: dict[str, int] = field(default_factory=dict)

    sparse: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self.nodes = _Boxes(self)

    def row_nodes(self, row: int, x0: int, x1: int) -> list[tuple[str, int]]:
        out = []
        # the columns from the one x0 falls in, each with a call in this row if it is that tall
        for layer in range(max(0, bisect.bisect_right(self.layer_x, x0) - 1), len(self.layers)):
            x = self.layer_x[layer]
            if x + 1 >= x1:
                break
            if row < self.heights[layer] and x + self.widths[layer] > x0:
                out.append((self.layers[layer][row], 0))
        return out

    def edge_lines(self, call: str) -> Lines:
        lines = Lines()
        box = self.nodes.get(call)
        if box is None:
            return lines
        deps = [self.nodes[d] for d in self.deps.get(call, ())]
        users = [self.nodes[u] for u in self.users.get(call, ())]
        if deps:
            self._fan_in(lines, deps, box)
        if users:
            self._fan_out(lines, box, users)
        return lines

    def _track(self, layer: int) -> int:
        """The vertical track of the channel right of a column."""
        return self.layer_x[layer] + self.widths[layer] + 1

    def _bus_row(self, row: int, first: int, last: int) -> int:
        """The row nearest below `row` that is free in the columns first..last."""
        return max(row, max(self.heights[first:last + 1], default=0))

    def _fan_in(self, lines: Lines, deps: list[NodeBox], target: NodeBox) -> None:
        """The edges into `target`: one track in the channel before it gathers them (as the
        whole drawing's fan-in groups do); a dep further left reaches it along a bus row."""
        b = target.layer
        t_in = self._track(b - 1)
        rows = [target.port]
        far = [d.layer for d in deps if d.layer < b - 1]
        bus = self._bus_row(target.port, min(far) + 1, b - 1) if far else target.port
        if far:
            rows.append(bus)
        for a, ports in _by_layer(deps).items():
            x0 = self.layer_x[a] + self.widths[a]
            if a == b - 1:
                for y in ports:
                    lines.hline(y, x0, t_in, True, False)
                rows.extend(ports)
                continue
            track = self._track(a)
            for y in ports:
                lines.hline(y, x0, track, True, False)
            lines.vline(track, min(*ports, bus), max(*ports, bus))
            lines.hline(bus, track, t_in, False, False)
        lines.vline(t_in, min(rows), max(rows))
        head = self.layer_x[b] - 1
        lines.hline(target.port, t_in, head, False, False)
        lines.arrows.add((head, target.port))

    def _fan_out(self, lines: Lines, source: NodeBox, users: list[NodeBox]) -> None:
        """The edges out of `source`: one track in the channel after it spreads them; a user
        further right is reached along a bus row, down (or up) the track before its column."""
        b = source.layer
        t_out = self._track(b)
        lines.hline(source.port, self.layer_x[b] + self.widths[b], t_out, True, False)
        rows = [source.port]
        far = [u.layer for u in users if u.layer > b + 1]
        bus = self._bus_row(source.port, b + 1, max(far) - 1) if far else source.port
        if far:
            rows.append(bus)
            lines.hline(bus, t_out, self._track(max(far) - 1), False, False)
        for c, ports in _by_layer(users).items():
            head = self.layer_x[c] - 1
            if c == b + 1:
                track = t_out
                rows.extend(ports)
            else:
                track = self._track(c - 1)
                lines.vline(track, min(*ports, bus), max(*ports, bus))
            for y in ports:
                lines.hline(y, track, head, False, False)
                lines.arrows.add((head, y))
        lines.vline(t_out, min(rows), max(rows))


def _by_layer(boxes: Iterable[NodeBox]) -> dict[int, list[int]]:
    """The boxes' ports, per column."""
    out: dict[int, list[int]] = {}
    for box in boxes:
        out.setdefault(box.layer, []).append(box.port)
    return out


class _Boxes(Mapping[str, NodeBox]):
    """A sparse layout's node boxes, made from the call's place when asked for."""

    def __init__(self, lay: SparseLayout) -> None:
        self._lay = lay

    def __getitem__(self, call: str) -> NodeBox:
        lay = self._lay
        at = lay.where[call]
        layer, row = at >> 32, at & 0xFFFFFFFF
        # as the whole compact drawing: the label and a space, after the R2 link's gutter
        return NodeBox(call, layer, lay.layer_x[layer] + 1, row, lay.widths[layer] - 1, 1,
                       call in lay.users, call in lay.deps, call in lay.exclusive)

    def __contains__(self, call: object) -> bool:
        return call in self._lay.where

    def __iter__(self) -> Iterator[str]:
        return iter(self._lay.where)

    def __len__(self) -> int:
        return len(self._lay.where)


def sparse_layout(calls: Sequence[GraphCall],
                  exclusive_groups: Iterable[Sequence[str]] = ()) -> SparseLayout:
    """Calls in rank columns, one-line labels, packed from the top; edges left to edge_lines."""
    out = SparseLayout(boxed=False)
    if not calls:
        return out
    ids = {c.id for c in calls}
    out.exclusive = {cid for g in exclusive_groups if len(g) > 1 for cid in g if cid in ids}
    cols: list[list[GraphCall]] = [[] for _ in range(max(c.rank for c in calls))]
    users = out.users
    for c in calls:
        cols[c.rank - 1].append(c)
        deps = c.deps
        if deps and not ids.issuperset(deps):
            deps = tuple(d for d in deps if d in ids)
        if deps:
            out.deps[c.id] = deps
            for d in deps:
                if d in users:
                    users[d].append(c.id)
                else:
                    users[d] = [c.id]
    x = 0
    where = out.where
    for layer, col in enumerate(cols):
        keep_together(col, out.exclusive, _ID)
        width = max([len(f"rank {layer + 1}"), *(len(label(c)) for c in col)]) + 2
        ids_ = [c.id for c in col]
        out.layers.append(ids_)
        out.layer_x.append(x)
        out.widths.append(width)
        out.heights.append(len(col))
        members = [y for y, cid in enumerate(ids_) if cid in out.exclusive]
        for y in range(members[0], members[-1] + 1) if members else ():
            out.under.setdefault(y, []).append((x, "┆", "excl"))
        base = layer << 32
        for y, cid in enumerate(ids_):
            where[cid] = base | y
        x += width + CHANNEL
    out.width = out.layer_x[-1] + out.widths[-1] - 1  # no pad after the last column
    out.height = max(out.heights) + 1  # a row for lines that pass under the tallest column
    return out
