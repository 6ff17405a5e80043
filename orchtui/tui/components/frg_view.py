"""The FRG panel: calls in columns by rank, data edges as arrows, the exclusive calls of a rank
joined by a dashed magenta link, each call coloured by its state. Arrow keys and the mouse
select a call; its edges light up."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from orchtui.engine.record import RunRecord
from orchtui.tui import theme
from orchtui.tui.components.scrolling import set_virtual_size
from orchtui.tui.components.strips import Cell, FrameStyle, merge
from orchtui.tui.frg_layout import (
    BOXED_MAX,
    FRGLayout,
    GraphCall,
    Lines,
    label,
    layout,
    node_row,
)

_EDGE = Style(color=theme.EDGE)
_EDGE_DIM = Style(color="#585858")
_EDGE_HOT = Style(color="#ffffff", bold=True)
_EXCL = Style(color=theme.EXCLUSION, bold=True)
_RANK = Style(color=theme.MUTED, bold=True)


class FRGView(FrameStyle, ScrollView, can_focus=True):
    DEFAULT_CSS = """
    FRGView { background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(0, -1)", "up", show=False),
        Binding("down,j", "move(0, 1)", "down", show=False),
        Binding("left,h", "move(-1, 0)", "left", show=False),
        Binding("right,l", "move(1, 0)", "right", show=False),
    ]

    # bound to the app's selected call (data_bind): the graph highlights what the app selects
    selected: reactive[str | None] = reactive(None, init=False, repaint=False)

    class CallSelected(Message):
        """The user selected a call in the graph."""

        def __init__(self, call: str) -> None:
            super().__init__()
            self.call = call

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lay = FRGLayout(boxed=True)
        self.calls: dict[str, GraphCall] = {}
        self.record = RunRecord()
        self.groups: tuple[tuple[str, ...], ...] = ()
        self._prepared_key: object = None
        self._prepared: dict[bool, FRGLayout] = {}
        self._hot_key: tuple[int, str | None] = (0, None)
        self._line_cache: dict[int, tuple[object, Strip]] = {}
        self._hot_cells: set[tuple[int, int]] = set()
        self._hot_lines = Lines()
        self._hot_rows: set[int] = set()
        self._layouts: dict[bool, FRGLayout] = {}

    # -- content ------------------------------------------------------------------------------
    def use_prepared(self, prepared: PreparedLayouts) -> None:
        """A graph's layouts, made ahead of its GraphReady event by prepare_layouts (on any
        thread): set_graph then only shows it, when it is the same graph."""
        self._prepared_key, self._prepared = prepared

    def set_graph(self, calls: list[GraphCall], groups: tuple[tuple[str, ...], ...],
                  record: RunRecord) -> None:
        self.calls = {c.id: c for c in calls}
        self.groups = groups
        self._layouts = dict(self._prepared) if _key(calls, groups) == self._prepared_key else {}
        self.record = record
        self._fit()

    def _layout(self, boxed: bool) -> FRGLayout:
        if boxed not in self._layouts:
            self._layouts[boxed] = layout(list(self.calls.values()), self.groups, boxed=boxed)
        return self._layouts[boxed]

    def _fit(self) -> None:
        """Boxes when the graph is small and they fit the panel; one-line labels otherwise
        (a 5-call plan in a small terminal, and every big plan)."""
        if not self.calls:
            return
        region = self.scrollable_content_region
        chosen = self._layout(False)
        if len(self.calls) <= BOXED_MAX:
            boxed = self._layout(True)
            fits = boxed.height + 1 <= region.height and boxed.width <= region.width
            if fits or region.height == 0:
                chosen = boxed
        if chosen is not self.lay:
            self.lay = chosen
            # a big plan shows its calls, and only the selected call's edges: say so
            self.border_subtitle = (f"{len(self.calls):,} calls: edges of the selected call"
                                    if chosen.sparse else "")
            set_virtual_size(self, Size(chosen.width, chosen.height + 1))
            if self.selected in chosen.nodes:
                self.call_after_refresh(self._reveal, self.selected)
        self.refresh()

    def on_resize(self) -> None:
        self._fit()

    def clear(self, record: RunRecord) -> None:
        self.calls = {}
        self._layouts = {}
        self.lay = FRGLayout(boxed=True)
        self.record = record
        self.border_subtitle = ""
        set_virtual_size(self, Size(0, 0))
        self.refresh()

    def select(self, call: str) -> None:
        """The user picked a call: show it at once, and tell the app (which selects it for
        every panel)."""
        if call not in self.calls:
            return
        self.selected = call
        self.post_message(self.CallSelected(call))

    def watch_selected(self, call: str | None) -> None:
        if call is not None and call in self.lay.nodes:
            self._reveal(call)
        self.refresh_changed()

    def state(self, call: str) -> str:
        c = self.record.calls.get(call)
        return c.status if c else "waiting"

    # -- keys and mouse -----------------------------------------------------------------------
    def action_move(self, dx: int, dy: int) -> None:
        lay = self.lay
        if not lay.nodes:
            return
        current = self.selected if self.selected in lay.nodes else next(iter(lay.nodes))
        box = lay.nodes[current]
        if dy:
            column = lay.layers[box.layer]
            n = column.index(current) + dy
            if 0 <= n < len(column):
                self.select(column[n])
            return
        layer = box.layer + dx
        if 0 <= layer < len(lay.layers) and lay.layers[layer]:
            nearest = min(lay.layers[layer], key=lambda c: abs(lay.nodes[c].port - box.port))
            self.select(nearest)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        call = self.lay.node_at(offset.x + int(self.scroll_x), offset.y - 1 + int(self.scroll_y))
        if call is not None:
            self.select(call)

    def _reveal(self, call: str) -> None:
        box = self.lay.nodes.get(call)
        if box is None:
            return
        region = self.scrollable_content_region
        sx, sy = int(self.scroll_x), int(self.scroll_y)
        rows = max(1, region.height - 1)  # the first row is the fixed rank header
        if box.y < sy:
            sy = box.y
        elif box.y + box.h > sy + rows:
            sy = box.y + box.h - rows
        if box.x < sx:
            sx = max(0, box.x - 2)
        elif box.x + box.w > sx + region.width:
            sx = box.x + box.w - region.width + 2
        self.scroll_to(sx, sy, animate=False, immediate=True)

    # -- drawing ------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.content_width
        base = self.base_style
        sx = int(self.scroll_x)
        lay = self.lay
        cells: list[Cell] = [(" ", None)] * width

        def put(x: int, text: str, style: Style | None) -> None:
            for i, ch in enumerate(text):
                cx = x + i - sx
                if 0 <= cx < width:
                    cells[cx] = (ch, style)

        if y == 0:
            ends = [*lay.layer_x[1:], lay.width]
            for n, x in enumerate(lay.layer_x):
                text = f"rank {n + 1}"
                # a column scrolled half out of view keeps its label at the left edge
                x = max(x + (0 if lay.boxed else 1), min(sx, ends[n] - len(text) - 1))
                if x >= sx or x + len(text) <= sx:  # whole, or not at all
                    put(x, text, _RANK)
            return Strip(merge(cells)).apply_style(base)
        row = y - 1 + int(self.scroll_y)
        key, nodes = self._row_key(row, sx, width, base)
        cached = self._line_cache.get(row)
        if cached is not None and cached[0] == key:
            return cached[1]
        hot = self._hot()
        cold = _EDGE if lay.boxed else _EDGE_DIM
        for x, ch, kind in lay.row_spans(lay.under, row, sx, sx + width):
            if kind == "excl":
                put(x, ch, _EXCL)
            else:
                put(x, ch, _EDGE_HOT if (x, row) in hot else cold)
        for x, ch, _ in self._hot_lines.row(row, sx, sx + width):
            put(x, ch, _EDGE_HOT)
        for call, part in nodes:
            self._put_node(put, call, part)
        for x, ch, _ in lay.row_spans(lay.over, row, sx, sx + width):
            put(x, ch, _EXCL)
        strip = Strip(merge(cells)).apply_style(base)
        if len(self._line_cache) > 500:
            self._line_cache.clear()
        self._line_cache[row] = (key, strip)
        return strip

    def _hot(self) -> set[tuple[int, int]]:
        key = (id(self.lay), self.selected)
        if self._hot_key != key:
            self._hot_key = key
            self._hot_cells = self.lay.edge_cells(self.selected) if self.selected else set()
            self._hot_lines = lines = self.lay.edge_lines(self.selected) if self.selected \
                else Lines()
            # the rows the selection's edges light (a line down a column: checked by range)
            self._hot_rows = {y for _, y in self._hot_cells}.union(
                lines.across, (y for _, y in lines.arrows))
        return self._hot_cells

    def _row_key(self, row: int, sx: int, width: int,
                 base: Style) -> tuple[object, list[tuple[str, int]]]:
        """What drawing row `row` depends on, and the nodes in it. A row changes when a call in
        it changes state, or when the selection moves onto or off it (its box, its edges):
        between two frames, few rows do."""
        lay = self.lay
        nodes = lay.row_nodes(row, sx, sx + width)
        states = tuple(self.state(call) for call, _ in nodes)
        return (row, sx, width, id(lay), self._selection_at(row), states, base), nodes

    def _selection_at(self, row: int) -> str | None:
        """The selected call where it is drawn in row `row` (its box, its lit edges); None
        elsewhere."""
        selected = self.selected
        if selected is None:
            return None
        self._hot()
        if row in self._hot_rows or any(lo <= row <= hi for _, lo, hi in self._hot_lines.down):
            return selected
        box = self.lay.nodes.get(selected)
        return selected if box is not None and box.y <= row < box.y + box.h else None

    def refresh_changed(self) -> None:
        """Repaint the rows in view whose drawing changed since they were drawn (the calls'
        states, the selection): a frame that shows events repaints a row or two, not the
        panel."""
        region = self.scrollable_content_region
        width, sx, sy = region.width, int(self.scroll_x), int(self.scroll_y)
        base = self.base_style
        changed = []
        for y in range(1, region.height):  # the rank header's row changes with the layout only
            row = y - 1 + sy
            cached = self._line_cache.get(row)
            if cached is None or cached[0] != self._row_key(row, sx, width, base)[0]:
                changed.append(Region(0, y, width, 1))
        if changed:
            self.refresh(*changed)

    def _put_node(self, put, call: str, part: int) -> None:
        box = self.lay.nodes[call]
        state = self.state(call)
        selected = call == self.selected
        text = label(self.calls[call], theme.STATE_GLYPH.get(state, "·"))
        row = node_row(box, part, text, selected)
        border = theme.fg(state) + Style(bold=selected)
        badge = theme.badge(state) + Style(bold=selected)
        if box.h == 1:
            if selected:
                badge += Style(reverse=True) if state in ("waiting", "skipped") else Style(
                    underline=True)
            put(box.x, row[:-1], badge)
            put(box.x + box.w - 1, row[-1:], None)
        elif part == 1:
            put(box.x, row[0], border)
            put(box.x + 1, row[1:-1], badge)
            put(box.x + box.w - 1, row[-1], border)
        else:
            put(box.x, row, border)

    def node_text(self) -> str:
        """The graph as plain text at the current scroll (for tests)."""
        return "\n".join(self.render_line(y).text for y in range(self.size.height))



PreparedLayouts = tuple[object, dict[bool, FRGLayout]]


def prepare_layouts(calls: list[GraphCall],
                    groups: tuple[tuple[str, ...], ...]) -> PreparedLayouts:
    """The panel's layouts of a graph, made ahead of it (pure: any thread may make them)."""
    prepared = {False: layout(calls, groups, boxed=False)}
    if len(calls) <= BOXED_MAX:
        prepared[True] = layout(calls, groups, boxed=True)
    return _key(calls, groups), prepared


def _key(calls: list[GraphCall], groups: tuple[tuple[str, ...], ...]) -> object:
    return (tuple(calls), tuple(tuple(g) for g in groups))
