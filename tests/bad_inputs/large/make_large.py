"""Write the corpus's large plans (run it again after changing it; the output is committed).

`plan_lines(n)` is a deterministic plan of n calls: a mix of inout (`fetch`) and compute
(`crunch`) calls, each using up to three results of the 50 calls before it, so the FRG is wide
and deep at once (hundreds of ranks, dozens of calls per rank).
"""

from __future__ import annotations

import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEAD = """name: {name}
description: {description}
processors: 4
functions:
  - {{name: fetch, kind: inout, cost: 0.5}}
  - {{name: crunch, kind: compute, cost: 1.0}}
plan: |
"""


def plan_lines(n: int = 10_000, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    lines = []
    for i in range(1, n + 1):
        function = rnd.choice(("fetch", "crunch"))
        k = rnd.choice((0, 0, 1, 1, 2, 3)) if i > 1 else 0
        refs = sorted({rnd.randint(max(1, i - 50), i - 1) for _ in range(k)})
        lines.append(f"s{i}: {function}({', '.join(f's{r}' for r in refs)})")
    return lines


def scenario(name: str, description: str, lines: list[str], expect: str | None = None) -> str:
    head = f"# expect: {expect}\n" if expect else ""
    return (head + HEAD.format(name=name, description=description)
            + "".join(f"  {line}\n" for line in lines))


def main() -> None:
    lines = plan_lines()
    valid = HERE.parent / "valid" / "plan_10000.yaml"
    valid.write_text(scenario("plan_10000", "10,000 calls; must run in the sim in seconds",
                              lines))
    # Bad ones: the error is on one of the last lines, so the whole plan is read first.
    head_lines = HEAD.count("\n") + 1  # + the expect line
    last = head_lines + len(lines)  # the file line of the last call
    cyc = [*lines[:-2], "s9999: crunch(s10000)", "s10000: fetch(s9999)"]
    (HERE / "plan_10000_cycle.yaml").write_text(scenario(
        "plan_10000_cycle", "10,000 calls, the last two in a cycle", cyc,
        f"{last - 1}:17 cycle"))
    undefined = [*lines[:-1], "s10000: crunch(s10001)"]
    (HERE / "plan_10000_undefined.txt").write_text(
        f"# expect: {len(lines) + 1}:16 undefined\n" + "\n".join(undefined) + "\n")


if __name__ == "__main__":
    main()
