"""Build the FRG: data edges (R1), ranks (paper Alg. 1) and mutual exclusion (R2).

R2 relates every pair of compute calls of equal rank. It can be quadratic in size (10,000
compute calls of one rank), so it is kept as groups by rank and expanded into pairs only on
request; `exclusive_partners` answers the coordinator's question in O(group).

The engine reads the edges through plain dicts (plan-ordered predecessor and successor lists):
a 100,000-call plan builds in a fraction of the time networkx takes, and `orchtui plan` and the
sim do not pay networkx's import. `graph`, the networkx view, is built on first use.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from orchtui.plan.model import Call, Plan

if TYPE_CHECKING:
    import networkx as nx

Kind = Literal["inout", "compute"]


@dataclass(frozen=True)
class FRG:
    plan: Plan
    ranks: Mapping[str, int]
    kinds: Mapping[str, Kind]
    # R1 both ways, each list in plan order
    pred_lists: Mapping[str, list[str]]
    succ_lists: Mapping[str, list[str]]

    @cached_property
    def graph(self) -> nx.DiGraph:
        """R1 as a networkx graph; nodes carry function, kind, thought and rank."""
        import networkx as nx

        g = nx.DiGraph()
        for c in self.plan.calls:
            g.add_node(c.id, function=c.function, kind=self.kinds[c.id], thought=c.thought)
        for c in self.plan.calls:
            for r in c.refs:
                g.add_edge(r, c.id)
        nx.set_node_attributes(g, dict(self.ranks), "rank")
        return g

    @property
    def ids(self) -> tuple[str, ...]:
        return self.plan.ids

    def call(self, call_id: str) -> Call:
        return self.plan[call_id]

    @cached_property
    def index(self) -> Mapping[str, int]:
        """Plan order of each call; ties between calls ready together break on it."""
        return {c: n for n, c in enumerate(self.plan.ids)}

    def preds(self, call_id: str) -> list[str]:
        """The data predecessors, in plan order (a fresh list: the caller may keep it)."""
        return list(self.pred_lists[call_id])

    def succs(self, call_id: str) -> list[str]:
        """The data successors, in plan order (a fresh list)."""
        return list(self.succ_lists[call_id])

    def is_compute(self, call_id: str) -> bool:
        return self.kinds[call_id] == "compute"

    @cached_property
    def order(self) -> tuple[str, ...]:
        """A topological order that follows plan order wherever the data edges allow."""
        indeg = {c: len(self.pred_lists[c]) for c in self.ids}
        heap = [self.index[c] for c in self.ids if indeg[c] == 0]
        heapq.heapify(heap)
        out: list[str] = []
        while heap:
            c = self.ids[heapq.heappop(heap)]
            out.append(c)
            for s in self.succ_lists[c]:
                indeg[s] -= 1
                if indeg[s] == 0:
                    heapq.heappush(heap, self.index[s])
        return tuple(out)

    @property
    def edges(self) -> list[tuple[str, str]]:
        """R1 as (definition, use) pairs, ordered by the use's then the definition's plan order."""
        return [(p, c) for c in self.ids for p in self.preds(c)]

    @cached_property
    def compute_by_rank(self) -> Mapping[int, tuple[str, ...]]:
        groups: dict[int, list[str]] = {}
        for c in self.ids:
            if self.is_compute(c):
                groups.setdefault(self.ranks[c], []).append(c)
        return {r: tuple(g) for r, g in groups.items()}

    def exclusive_partners(self, call_id: str) -> tuple[str, ...]:
        """The calls that R2 relates to call_id, in plan order."""
        if not self.is_compute(call_id):
            return ()
        return tuple(c for c in self.compute_by_rank[self.ranks[call_id]] if c != call_id)

    def exclusive(self, a: str, b: str) -> bool:
        return a != b and self.is_compute(a) and self.is_compute(b) and (
            self.ranks[a] == self.ranks[b]
        )

    def exclusive_pairs(self) -> Iterator[tuple[str, str]]:
        """R2 as pairs, each sorted by plan order, the pairs in plan order."""
        for c in self.ids:
            if self.is_compute(c):
                for d in self.compute_by_rank[self.ranks[c]]:
                    if self.index[d] > self.index[c]:
                        yield (c, d)

    @property
    def depth(self) -> int:
        return max(self.ranks.values(), default=0)

    def by_rank(self) -> dict[int, list[str]]:
        groups: dict[int, list[str]] = {}
        for c in self.ids:
            groups.setdefault(self.ranks[c], []).append(c)
        return dict(sorted(groups.items()))

    def descendants(self, call_id: str) -> set[str]:
        seen: set[str] = set()
        stack = [call_id]
        while stack:
            for s in self.succ_lists[stack.pop()]:
                if s not in seen:
                    seen.add(s)
                    stack.append(s)
        return seen


def build_frg(plan: Plan, kinds: Mapping[str, Kind]) -> FRG:
    """Build the FRG of a parsed plan. `kinds` maps function names to inout/compute; a function
    missing from it is inout (a plain text plan names only its compute functions)."""
    call_kinds: dict[str, Kind] = {}
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for c in plan.calls:
        call_kinds[c.id] = kinds.get(c.function, "inout")
        preds[c.id] = []
        succs[c.id] = []
    index = {c: n for n, c in enumerate(plan.ids)}
    for c in plan.calls:
        mine = preds[c.id]
        for r in dict.fromkeys(c.refs):
            if r not in call_kinds:  # the parser refuses these; this guards direct callers
                raise ValueError(f"{c.id} refers to {r}, which is not a call of the plan")
            mine.append(r)
            succs[r].append(c.id)  # the outer loop is in plan order, so these lists are too
        if len(mine) > 1:
            mine.sort(key=index.__getitem__)
    ranks = assign_ranks(plan, preds, succs)
    return FRG(plan=plan, ranks=ranks, kinds=call_kinds, pred_lists=preds, succ_lists=succs)


def assign_ranks(plan: Plan, preds: Mapping[str, list[str]], succs: Mapping[str, list[str]]
                 ) -> dict[str, int]:
    """Paper Alg. 1: calls with no data predecessor have rank 1; every other call has rank
    1 + the largest rank among its predecessors. Assigned once all predecessors are ranked."""
    ranks: dict[str, int] = {}
    waiting = {c: len(preds[c]) for c in plan.ids}
    frontier = [c for c in plan.ids if waiting[c] == 0]
    for c in frontier:
        ranks[c] = 1
    while frontier:
        nxt: list[str] = []
        for c in frontier:
            for s in succs[c]:
                waiting[s] -= 1
                if waiting[s] == 0:
                    ranks[s] = 1 + max(ranks[p] for p in preds[s])
                    nxt.append(s)
        frontier = nxt
    if len(ranks) != len(plan.ids):  # the parser refuses cycles; this guards direct callers
        raise ValueError("the plan's data edges contain a cycle")
    return ranks
