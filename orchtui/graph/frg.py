"""Build the FRG: data edges (R1), ranks (paper Alg. 1) and mutual exclusion (R2).

R2 relates every pair of compute calls of equal rank. It can be quadratic in size (10,000
compute calls of one rank), so it is kept as groups by rank and expanded into pairs only on
request; `exclusive_partners` answers the coordinator's question in O(group).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import networkx as nx

from orchtui.plan.model import Call, Plan

Kind = Literal["inout", "compute"]


@dataclass(frozen=True)
class FRG:
    plan: Plan
    graph: nx.DiGraph  # nodes carry function, kind, rank, args, thought; edges are R1
    ranks: Mapping[str, int]
    kinds: Mapping[str, Kind]

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
        return sorted(self.graph.predecessors(call_id), key=self.index.__getitem__)

    def succs(self, call_id: str) -> list[str]:
        return sorted(self.graph.successors(call_id), key=self.index.__getitem__)

    def is_compute(self, call_id: str) -> bool:
        return self.kinds[call_id] == "compute"

    @cached_property
    def order(self) -> tuple[str, ...]:
        """A topological order that follows plan order wherever the data edges allow."""
        indeg = {c: self.graph.in_degree(c) for c in self.ids}
        heap = [self.index[c] for c in self.ids if indeg[c] == 0]
        heapq.heapify(heap)
        out: list[str] = []
        while heap:
            c = self.ids[heapq.heappop(heap)]
            out.append(c)
            for s in self.graph.successors(c):
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
        return nx.descendants(self.graph, call_id)


def build_frg(plan: Plan, kinds: Mapping[str, Kind]) -> FRG:
    """Build the FRG of a parsed plan. `kinds` maps function names to inout/compute; a function
    missing from it is inout (a plain text plan names only its compute functions)."""
    g = nx.DiGraph()
    call_kinds: dict[str, Kind] = {}
    for c in plan.calls:
        kind = kinds.get(c.function, "inout")
        call_kinds[c.id] = kind
        g.add_node(c.id, function=c.function, kind=kind, thought=c.thought)
    for c in plan.calls:
        for r in c.refs:
            if r not in call_kinds:  # the parser refuses these; this guards direct callers
                raise ValueError(f"{c.id} refers to {r}, which is not a call of the plan")
            g.add_edge(r, c.id)
    ranks = assign_ranks(plan, g)
    nx.set_node_attributes(g, ranks, "rank")
    return FRG(plan=plan, graph=g, ranks=ranks, kinds=call_kinds)


def assign_ranks(plan: Plan, g: nx.DiGraph) -> dict[str, int]:
    """Paper Alg. 1: calls with no data predecessor have rank 1; every other call has rank
    1 + the largest rank among its predecessors. Assigned once all predecessors are ranked."""
    ranks: dict[str, int] = {}
    waiting = {c: g.in_degree(c) for c in plan.ids}
    frontier = [c for c in plan.ids if waiting[c] == 0]
    for c in frontier:
        ranks[c] = 1
    while frontier:
        nxt: list[str] = []
        for c in frontier:
            for s in g.successors(c):
                waiting[s] -= 1
                if waiting[s] == 0:
                    ranks[s] = 1 + max(ranks[p] for p in g.predecessors(s))
                    nxt.append(s)
        frontier = nxt
    if len(ranks) != len(plan.ids):  # the parser refuses cycles; this guards direct callers
        raise ValueError("the plan's data edges contain a cycle")
    return ranks
