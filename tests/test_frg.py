"""The FRG (DESIGN §3, paper §III-B and Alg. 1): data edges R1, ranks, mutual exclusion R2."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchtui.graph import build_frg
from orchtui.graph.frg import FRG
from orchtui.plan import parse_plan
from orchtui.plan.model import Call, Lit, Plan, Ref

PLANS = Path(__file__).parent / "plans"


def frg_of(name: str, kinds: dict[str, str]):
    return build_frg(parse_plan((PLANS / name).read_text()), kinds)


def test_fig6_ranks_and_exclusions():
    frg = frg_of("fig6.txt", {"search": "inout", "math": "compute"})
    assert len(frg.ids) == 13 and frg.depth == 4
    assert frg.by_rank() == {
        1: ["s1", "s2", "s6", "s7", "s11"],
        2: ["s3", "s4", "s8", "s9", "s12"],
        3: ["s5", "s10"],
        4: ["s13"],
    }
    assert frg.preds("s13") == ["s5", "s10", "s12"]
    assert frg.succs("s1") == ["s3", "s4"]
    pairs = list(frg.exclusive_pairs())
    index = {c: n for n, c in enumerate(frg.ids)}
    expected = [*combinations(["s3", "s4", "s8", "s9", "s12"], 2), ("s5", "s10")]
    assert pairs == sorted(expected, key=lambda p: (index[p[0]], index[p[1]]))
    assert pairs[7] == ("s5", "s10")  # s5 comes before s8 in the plan
    assert frg.exclusive_partners("s5") == ("s10",)
    assert frg.exclusive_partners("s1") == ()
    assert frg.exclusive("s3", "s12") and not frg.exclusive("s3", "s5")
    assert not frg.exclusive("s1", "s2")  # both inout


def test_seo_example_matches_fig1():
    """§II: s1 and s2 start together; s3 and s4 (rank 2) use s1 and exclude each other."""
    frg = frg_of("seo.txt", {"search": "inout", "chatbot": "compute", "python": "compute"})
    assert frg.ranks == {"s1": 1, "s2": 1, "s3": 2, "s4": 2, "s5": 3}
    assert frg.edges == [("s1", "s3"), ("s1", "s4"), ("s2", "s5"), ("s3", "s5"), ("s4", "s5")]
    assert list(frg.exclusive_pairs()) == [("s3", "s4")]
    assert frg.kinds["s1"] == "inout" and frg.kinds["s2"] == "compute"


def test_fig5_ranks():
    frg = frg_of("fig5.txt", {"math": "compute"})
    assert [c for c, r in frg.ranks.items() if r == 1] == ["1", "4", "7", "10", "13"]
    assert frg.ranks["16"] == frg.ranks["17"] == frg.ranks["18"] == 3
    assert frg.preds("16") == ["2", "3", "5", "6"]  # plan order, not order of use


def test_graph_nodes_carry_the_call():
    plan = parse_plan("Thought: first\ns1: f(1)\ns2: g(s1)")
    frg = build_frg(plan, {"g": "compute"})
    assert frg.graph.nodes["s1"] == {"function": "f", "kind": "inout", "thought": "first",
                                     "rank": 1}
    assert frg.graph.nodes["s2"]["kind"] == "compute" and frg.graph.nodes["s2"]["rank"] == 2
    assert isinstance(frg.graph, nx.DiGraph) and list(frg.graph.edges) == [("s1", "s2")]
    assert frg.call("s2") is plan["s2"]


def test_functions_missing_from_kinds_are_inout():
    frg = build_frg(parse_plan("s1: f()\ns2: f()"), {})
    assert frg.kinds == {"s1": "inout", "s2": "inout"} and list(frg.exclusive_pairs()) == []


def test_order_follows_plan_order_where_edges_allow():
    frg = build_frg(parse_plan("s1: f(s3)\ns2: f()\ns3: f()\ns4: f(s1)"), {})
    assert frg.order == ("s2", "s3", "s1", "s4")
    assert frg.ranks == {"s1": 2, "s2": 1, "s3": 1, "s4": 3}


def test_rank_is_one_plus_the_largest_predecessor_rank():
    # s4 uses s1 (rank 1) and s3 (rank 3): rank 4, not 2
    frg = build_frg(parse_plan("s1: f()\ns2: f(s1)\ns3: f(s2)\ns4: f(s1, s3)"), {})
    assert frg.ranks["s4"] == 4


def test_direct_callers_get_a_clear_error():
    bad = Plan((Call("s1", "f", (Ref("s9"),), refs=("s9",)),))
    with pytest.raises(ValueError, match="not a call of the plan"):
        build_frg(bad, {})
    cyclic = Plan((Call("s1", "f", (Ref("s2"),), refs=("s2",)),
                   Call("s2", "f", (Ref("s1"),), refs=("s1",))))
    with pytest.raises(ValueError, match="cycle"):
        build_frg(cyclic, {})


def test_many_compute_calls_of_one_rank():
    n = 1000
    frg = build_frg(parse_plan("\n".join(f"s{i}: f({i})" for i in range(1, n + 1))),
                    {"f": "compute"})
    assert len(frg.exclusive_partners("s7")) == n - 1
    assert sum(1 for _ in frg.exclusive_pairs()) == n * (n - 1) // 2


# -- properties on random DAG plans --------------------------------------------------------------

@st.composite
def dag_plans(draw):
    """A random DAG written in a random plan order (so references also point forward)."""
    n = draw(st.integers(1, 25))
    dialect = draw(st.sampled_from(["llmorch", "llmcompiler"]))
    # the DAG's edges go from a lower to a higher topological position
    uses = [sorted(draw(st.sets(st.integers(0, k - 1), max_size=min(k, 4)))) if k else []
            for k in range(n)]
    order = draw(st.permutations(range(n)))  # plan position of topological node k
    ids = [f"s{k}" if dialect == "llmorch" else str(k) for k in range(n)]
    functions = draw(st.lists(st.sampled_from(["f", "g", "h"]), min_size=n, max_size=n))
    lines = [""] * n
    for k in range(n):
        args = []
        for j, u in enumerate(uses[k]):
            ref = ids[u] if dialect == "llmorch" else f"${ids[u]}"
            # bare, inside a string, inside a list, in arithmetic
            form = draw(st.sampled_from(["bare", "string", "list", "arith"]))
            if form == "string":
                ref = f'"x {{{ids[u]}}}"' if dialect == "llmorch" else f'"x ${{{ids[u]}}}"'
            elif form == "list":
                ref = f"[1, {ref}]"
            elif form == "arith":
                ref = f"{ref} + {j}"
            args.append(ref)
        sep = ":" if dialect == "llmorch" else "."
        lines[order[k]] = f"{ids[k]}{sep} {functions[k]}({', '.join(args)})"
    kinds = {f: draw(st.sampled_from(["inout", "compute"])) for f in "fgh"}
    return "\n".join(lines), kinds, {ids[k]: {ids[u] for u in uses[k]} for k in range(n)}


@settings(max_examples=80, deadline=None)
@given(dag_plans())
def test_ranks_edges_and_exclusions_on_random_dags(case):
    text, kinds, deps = case
    # strict: every `${N}` in a string is a reference, forward ones included (read leniently,
    # one naming no earlier call is text, as LLMCompiler reads it: tests/test_plan_lenient.py)
    plan = parse_plan(text, strict=True)
    frg = build_frg(plan, kinds)

    # R1: exactly the references, each from definition to use
    assert set(frg.graph.edges) == {(d, u) for u, ds in deps.items() for d in ds}
    assert sorted(frg.edges) == sorted(frg.graph.edges)
    for u in frg.ids:
        assert set(frg.preds(u)) == deps[u]
        assert set(plan[u].refs) == deps[u]

    # ranks: every data edge goes to a higher rank; rank = 1 + max pred rank, or 1
    for d, u in frg.graph.edges:
        assert frg.ranks[d] < frg.ranks[u]
    for c in frg.ids:
        preds = frg.preds(c)
        assert frg.ranks[c] == (1 + max(frg.ranks[p] for p in preds) if preds else 1)
    # ... which is the longest path from a call without predecessors, plus one
    longest = {}
    for c in nx.topological_sort(frg.graph):
        longest[c] = max((longest[p] + 1 for p in frg.graph.predecessors(c)), default=1)
    assert longest == dict(frg.ranks)

    # R2: exactly the pairs of compute calls with equal rank, sorted and listed in plan order
    pairs = list(frg.exclusive_pairs())
    expected = [(a, b) for a, b in combinations(plan.ids, 2)
                if kinds[plan[a].function] == "compute" == kinds[plan[b].function]
                and frg.ranks[a] == frg.ranks[b]]
    assert pairs == expected
    for a, b in combinations(plan.ids, 2):
        assert frg.exclusive(a, b) == ((a, b) in expected) == frg.exclusive(b, a)

    # the order is topological
    position = {c: n for n, c in enumerate(frg.order)}
    assert sorted(frg.order) == sorted(frg.ids)
    assert all(position[d] < position[u] for d, u in frg.graph.edges)


def test_args_survive_into_the_plan_for_the_frg():
    plan = parse_plan('s1: f("a")')
    assert build_frg(plan, {}).call("s1").args == (Lit("a"),)


@settings(max_examples=80, deadline=None)
@given(dag_plans(), st.integers(0, 25))
def test_order_is_alg1_in_plan_order_on_either_path(case, cut):
    """A batch whose calls only use earlier ones is ranked in one pass; a batch with a forward
    reference goes through the heap. Either way the order is Alg. 1 visiting ready calls in plan
    order (networkx's lexicographic topological sort keyed on plan position), also when the
    plan arrives in two batches."""
    text, kinds, _ = case
    plan = parse_plan(text, strict=True)
    frg = build_frg(plan, kinds)
    position = {c: n for n, c in enumerate(plan.ids)}
    expected = tuple(nx.lexicographical_topological_sort(frg.graph, key=position.__getitem__))
    assert frg.order == expected
    # grown in two batches, when the first uses nothing of the second
    head = plan.calls[:cut]
    if all(r in {c.id for c in head} for c in head for r in c.refs):
        grown = FRG(kinds, plan.dialect)
        first = grown.add_calls(head)
        second = grown.add_calls(plan.calls[cut:])
        assert grown.ranks == frg.ranks
        assert first + second == list(grown.order)
        assert sorted(grown.order) == sorted(frg.order)
