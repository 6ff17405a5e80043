"""Build the FRG: data edges (R1), ranks (paper Alg. 1) and mutual exclusion (R2).

The FRG grows: `add_calls` takes calls as they arrive (a plan streamed while the model writes
it, a live baseline's calls turn by turn). A call's rank is final when it arrives, because its
inputs came before it; R2 groups grow with it. A fixed plan is one arrival of every call.

R2 relates every pair of compute calls of equal rank. It can be quadratic in size (10,000
compute calls of one rank), so it is kept as groups by rank and expanded into pairs only on
request; `exclusive_partners` answers the coordinator's question in O(group).

The engine reads the edges through plain dicts (plan-ordered predecessor and successor lists):
a 100,000-call plan builds in a fraction of the time networkx takes, and `orchtui plan` and the
sim do not pay networkx's import. `graph`, the networkx view, is built on first use.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Literal

from orchtui.plan.model import Call, Dialect, Plan

if TYPE_CHECKING:
    import networkx as nx

Kind = Literal["inout", "compute"]


class FRG:
    """The graph of the plan so far. Only `add_calls` changes it; the rest reads."""

    def __init__(self, kinds: Mapping[str, Kind], dialect: Dialect = "llmorch") -> None:
        self.function_kinds = dict(kinds)  # function name -> kind
        self.dialect: Dialect = dialect
        # R1 both ways, each list in plan order
        self.pred_lists: dict[str, list[str]] = {}
        self.succ_lists: dict[str, list[str]] = {}
        self.ranks: dict[str, int] = {}
        self.kinds: dict[str, Kind] = {}  # call id -> kind
        self.index: dict[str, int] = {}  # plan order; ties between ready calls break on it
        self._calls: list[Call] = []
        self._by_id: dict[str, Call] = {}
        self._order: list[str] = []
        self._by_rank: dict[int, list[str]] = {}
        self._plan: Plan | None = None
        self._groups: dict[int, tuple[str, ...]] | None = None
        self._order_tuple: tuple[str, ...] | None = None
        self._graph: nx.DiGraph | None = None

    # -- growth --------------------------------------------------------------------------------
    def add_calls(self, calls: Iterable[Call]) -> list[str]:
        """Add calls to the graph; return their ids in a topological order that follows plan
        order. A call may use calls added before or in the same batch; raises ValueError for a
        reference to no call, a duplicate id, or a cycle (the parser refuses these first)."""
        batch = list(calls)
        index, kinds, fkinds = self.index, self.kinds, self.function_kinds
        preds, succs, ranks = self.pred_lists, self.succ_lists, self.ranks
        for c in batch:
            if c.id in index:
                raise ValueError(f"{c.id} is already a call of the plan")
        n = len(index)
        for c in batch:
            cid = c.id
            if cid in index:  # twice in this batch
                raise ValueError(f"{cid} is already a call of the plan")
            index[cid] = n
            n += 1
            kinds[cid] = fkinds.get(c.function, "inout")
            self._by_id[cid] = c
            succs[cid] = []
        self._calls.extend(batch)
        # In plan order, and each arrival after the earlier ones: every successor list stays in
        # plan order without sorting. A call whose inputs all come before it (what the parser
        # gives, and any stream) is ranked in the same pass: Alg. 1 then visits the batch in
        # plan order, which is what the heap below would produce.
        forward = False  # some call uses one that comes after it in the batch
        position, unique = index.__getitem__, dict.fromkeys
        for c in batch:
            cid, refs = c.id, c.refs
            mine: list[str] = []
            preds[cid] = mine
            if not refs:
                ranks[cid] = 1
                continue
            mine.extend(unique(refs) if len(refs) > 1 else refs)
            here = index[cid]
            top = 0
            for r in mine:
                i = index.get(r)
                if i is None:
                    raise ValueError(f"{cid} refers to {r}, which is not a call of the plan")
                succs[r].append(cid)
                if i >= here:  # itself, or a later call: a cycle, or a batch out of order
                    forward = True
                elif not forward:
                    rank = ranks[r]
                    if rank > top:
                        top = rank
            if len(mine) > 1:
                mine.sort(key=position)
            if not forward:
                ranks[cid] = top + 1
        added = self._rank_by_heap(batch) if forward else [c.id for c in batch]
        self._order.extend(added)
        by_rank = self._by_rank
        for c in batch:
            cid = c.id
            if kinds[cid] == "compute":
                rank = ranks[cid]
                group = by_rank.get(rank)
                if group is None:
                    by_rank[rank] = [cid]
                else:
                    group.append(cid)
        self._plan = None
        self._groups = None
        self._order_tuple = None
        self._graph = None
        return added

    def adopt(self, plan: Plan) -> None:
        """Serve `plan` as the graph's `plan` when it holds exactly the graph's calls (a fixed
        plan, added whole): with what it carries (its PlanWarnings), and without a second
        index of its calls (for a 100,000-call plan, tens of milliseconds and megabytes)."""
        if (plan.dialect == self.dialect and len(plan.calls) == len(self._calls)
                and all(map(operator.is_, plan.calls, self._calls))):
            self._plan = plan

    def _rank_by_heap(self, batch: list[Call]) -> list[str]:
        """Alg. 1 over a batch whose calls may use later ones: a call is ranked once all its
        predecessors are (those of earlier batches already are); the heap keeps plan order
        wherever the edges allow."""
        new = {c.id for c in batch}
        waiting = {c.id: sum(1 for p in self.pred_lists[c.id] if p in new) for c in batch}
        heap = [self.index[c.id] for c in batch if waiting[c.id] == 0]
        heapq.heapify(heap)
        ids = {self.index[c.id]: c.id for c in batch}
        added: list[str] = []
        while heap:
            c = ids[heapq.heappop(heap)]
            self.ranks[c] = 1 + max((self.ranks[p] for p in self.pred_lists[c]), default=0)
            added.append(c)
            for s in self.succ_lists[c]:
                if s in waiting:
                    waiting[s] -= 1
                    if waiting[s] == 0:
                        heapq.heappush(heap, self.index[s])
        if len(added) != len(batch):
            for c in batch:  # ranks of a cyclic batch are meaningless: leave none behind
                self.ranks.pop(c.id, None)
            raise ValueError("the plan's data edges contain a cycle")
        return added

    # -- reading -------------------------------------------------------------------------------
    @property
    def graph(self) -> nx.DiGraph:
        """R1 as a networkx graph; nodes carry function, kind, thought and rank."""
        if self._graph is None:
            import networkx as nx

            g = nx.DiGraph()
            for c in self._calls:
                g.add_node(c.id, function=c.function, kind=self.kinds[c.id], thought=c.thought,
                           rank=self.ranks[c.id])
            for c in self._calls:
                for p in self.pred_lists[c.id]:
                    g.add_edge(p, c.id)
            self._graph = g
        return self._graph

    @property
    def plan(self) -> Plan:
        if self._plan is None:
            self._plan = Plan(tuple(self._calls), self.dialect)
        return self._plan

    @property
    def ids(self) -> tuple[str, ...]:
        return self.plan.ids

    def __len__(self) -> int:
        return len(self._calls)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._by_id

    def call(self, call_id: str) -> Call:
        return self._by_id[call_id]

    def preds(self, call_id: str) -> list[str]:
        """The data predecessors, in plan order (a fresh list: the caller may keep it)."""
        return list(self.pred_lists[call_id])

    def succs(self, call_id: str) -> list[str]:
        """The data successors, in plan order (a fresh list)."""
        return list(self.succ_lists[call_id])

    def is_compute(self, call_id: str) -> bool:
        return self.kinds[call_id] == "compute"

    @property
    def order(self) -> tuple[str, ...]:
        """A topological order that follows plan order wherever the data edges allow (within
        each arrival: a call never comes before one that arrived earlier)."""
        if self._order_tuple is None:  # cached: policies read it on every decision
            self._order_tuple = tuple(self._order)
        return self._order_tuple

    @property
    def edges(self) -> list[tuple[str, str]]:
        """R1 as (definition, use) pairs, ordered by the use's then the definition's plan order."""
        return [(p, c) for c in self.ids for p in self.preds(c)]

    @property
    def compute_by_rank(self) -> Mapping[int, tuple[str, ...]]:
        if self._groups is None:
            self._groups = {r: tuple(g) for r, g in self._by_rank.items()}
        return self._groups

    def exclusive_groups(self) -> tuple[tuple[str, ...], ...]:
        """R2 as groups (rank order): the compute calls of one rank, when there are two or more."""
        return tuple(g for _, g in sorted(self.compute_by_rank.items()) if len(g) > 1)

    def exclusive_partners(self, call_id: str) -> tuple[str, ...]:
        """The calls that R2 relates to call_id, in plan order."""
        if not self.is_compute(call_id):
            return ()
        return tuple(c for c in self._by_rank[self.ranks[call_id]] if c != call_id)

    def exclusive(self, a: str, b: str) -> bool:
        return a != b and self.is_compute(a) and self.is_compute(b) and (
            self.ranks[a] == self.ranks[b]
        )

    def exclusive_pairs(self) -> Iterator[tuple[str, str]]:
        """R2 as pairs, each sorted by plan order, the pairs in plan order."""
        for c in self.ids:
            if self.is_compute(c):
                for d in self._by_rank[self.ranks[c]]:
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
    frg = FRG(kinds, plan.dialect)
    frg.add_calls(plan.calls)
    frg.adopt(plan)
    return frg
