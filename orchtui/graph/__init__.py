"""The Function-call Relation Graph (DESIGN §3, paper Alg. 1)."""

from orchtui.graph.frg import FRG, build_frg

__all__ = ["FRG", "build_frg"]
