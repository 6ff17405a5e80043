"""Coverage-guided fuzzing of the plan parser and the scenario loader with atheris (libFuzzer).

    .venv/bin/pip install atheris
    .venv/bin/python bench/fuzz_atheris.py plan -max_total_time=120
    .venv/bin/python bench/fuzz_atheris.py scenario -max_total_time=120

Any exception other than PlanError / ScenarioError (OrchError), and any error message that is
not a single line, is a crash: atheris prints the input and saves it as crash-<hash>. The seed
corpus is the bad-input corpus (tests/bad_inputs), the bundled scenarios and the test plans.
Extra arguments go to libFuzzer (-runs=N, -max_len=N, -jobs=N, ...).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]

with atheris.instrument_imports(include=["orchtui"]):
    from orchtui.errors import LocatedError, OrchError
    from orchtui.plan.parser import parse_plan
    from orchtui.scenario.loader import load_scenario

FUNCTIONS = {"search", "chatbot", "python", "math", "fetch", "crunch", "f", "g"}
# One fixed folder, reused: libFuzzer ends the process with exit(), past any clean-up of ours.
_tmp = Path(tempfile.gettempdir()) / "orchtui-atheris"
_tmp.mkdir(exist_ok=True)
_file = _tmp / "input.yaml"


def _check(err: OrchError) -> None:
    message = str(err)
    if "\n" in message or "\r" in message or not message.strip():
        raise AssertionError(f"not a one-line message: {message!r}")
    if isinstance(err, LocatedError) and err.line and err.col < 1:
        raise AssertionError(f"bad column: {message!r}")


def plan_target(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    known = fdp.ConsumeBool()
    text = fdp.ConsumeUnicodeNoSurrogates(len(data))
    try:
        parse_plan(text, functions=FUNCTIONS if known else None)
    except OrchError as err:
        _check(err)


def scenario_target(data: bytes) -> None:
    _file.write_bytes(data)
    try:
        load_scenario(_file)
    except OrchError as err:
        _check(err)


def seed_corpus(target: str) -> Path:
    seeds = _tmp / f"seeds-{target}"
    seeds.mkdir(exist_ok=True)
    sources = [*(ROOT / "tests" / "bad_inputs").rglob("*"), *(ROOT / "scenarios").glob("*.yaml"),
               *(ROOT / "tests" / "plans").glob("*.txt")]
    for n, src in enumerate(sorted(p for p in sources if p.is_file())):
        if src.stat().st_size <= 64_000 and src.suffix not in (".expect", ".py"):
            shutil.copy(src, seeds / f"{n:04d}{src.suffix}")
    return seeds


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("plan", "scenario"):
        sys.exit(__doc__)
    target = sys.argv[1]
    work = _tmp / f"corpus-{target}"
    work.mkdir(exist_ok=True)
    # libFuzzer: the first directory collects new inputs; the seeds are read from the second.
    argv = [sys.argv[0], *sys.argv[2:], str(work), str(seed_corpus(target))]
    atheris.Setup(argv, plan_target if target == "plan" else scenario_target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
