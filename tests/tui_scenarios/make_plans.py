"""Write the generated test scenarios of the TUI tests: `python tests/tui_scenarios/make_plans.py`.

A deterministic random DAG in the LLMOrch dialect, shaped like a fan-out/fan-in agent plan:
a few searches, then fetches and analyses that each use one to three earlier results.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).parent

HEAD = """\
name: {name}
description: A generated {n}-call plan for the TUI tests (tests/tui_scenarios/make_plans.py).
query: Audit {n} pages and summarise them.
processors: 4
policy: llmorch
functions:
  - name: search
    kind: inout
    cost: 0.8
  - name: fetch
    kind: inout
    cost: 0.5
  - name: python
    kind: compute
    cost: 3.0
  - name: chatbot
    kind: compute
    cost: 2.0
  - name: math
    kind: compute
    cost: 0.6
plan: |
"""


def plan(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    lines: list[str] = []
    first = max(2, n // 12)
    for i in range(1, first + 1):
        fn = "search" if i % 3 else "chatbot"
        lines.append(f'  s{i}: {fn}("page {i}")')
    for i in range(first + 1, n + 1):
        lo = max(1, i - 10)
        deps = sorted(rng.sample(range(lo, i), k=min(i - lo, rng.choice((1, 1, 2, 3)))))
        fn = rng.choice(("fetch", "python", "python", "chatbot", "math"))
        refs = ", ".join(f"s{d}" for d in deps)
        lines.append(f"  s{i}: {fn}(args=[{refs}])")
    return lines


def write(name: str, n: int, seed: int) -> Path:
    path = HERE / f"{name}.yaml"
    path.write_text(HEAD.format(name=name, n=n) + "\n".join(plan(n, seed)) + "\n")
    return path


if __name__ == "__main__":
    for name, n in (("plan60", 60), ("plan200", 200)):
        print(write(name, n, seed=7), file=sys.stderr)
