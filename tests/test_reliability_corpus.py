"""The bad-input corpus (tests/bad_inputs/): every file gives exit 2 and one line naming its
location, through the real CLI, and none of them runs code from the plan.

Also here: plans that are valid but carry injection payloads as data (they run, and the payloads
stay data), `python(file=...)` paths that lead out of the scenario folder, and the 10,000-call
plan in the sim.

The corpus runs through a zygote (tests/fault_scenarios/harness.py): one process imports the CLI
once and forks a child per invocation, which runs `main(argv)` as the console script does. The
slow variant starts a fresh `orchtui` process for every file instead.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_scenarios.harness import (
    CANARY,
    CORPUS,
    Zygote,
    category,
    check_error,
    clear_canary,
    corpus_files,
    escape_sandbox,
    expectation,
    run_cli,
    trace_events,
)

FILES = corpus_files()
CATEGORIES = {
    "yaml_syntax": "malformed YAML",
    "wrong_types": "wrong types",
    "unknown_keys": "unknown and missing keys",
    "bad_values": "bad values",
    "plan_errors": "unknown functions, cycles and other plan errors",
    "injection": "injection attempts in arguments and YAML tags",
    "shape": "binary garbage, empty files, a list where a mapping belongs",
    "large": "10,000-call plans with an error at the end",
}
COMMANDS = {
    "scenario": lambda f: ["scenario", str(f), "--headless", "--sim"],
    "plan": lambda f: ["plan", str(f)],
}


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _params() -> list:
    return [pytest.param(f, id=_id(f)) for f in FILES]


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    clear_canary()
    with Zygote() as z:
        yield z
    assert not CANARY.exists(), "a corpus file ran code from its plan: the canary exists"


def test_corpus_covers_every_category() -> None:
    counts = Counter(category(f) for f in FILES)
    assert set(counts) == set(CATEGORIES), counts
    assert all(n >= 2 for n in counts.values()), counts
    assert len(FILES) >= 150
    for f in FILES:
        expectation(f)  # every file says where its error is


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("path", _params())
def test_bad_input_gives_exit_2_and_one_located_line(zygote: Zygote, path: Path,
                                                     command: str) -> None:
    strict = ["--strict"] if expectation(path).strict else []
    result = zygote.run(COMMANDS[command](path) + strict)
    assert result["rc"] == 2, f"exit {result['rc']}: {result['err'][-500:]!r}"
    problem = check_error(result["err"], path, expectation(path), prefix=command != "plan")
    assert problem is None, problem
    assert result["out"] == ""
    assert not CANARY.exists()


@pytest.mark.parametrize("path", [pytest.param(f, id=_id(f)) for f in FILES
                                  if expectation(f).strict])
def test_without_strict_the_plan_is_read_with_warnings(zygote: Zygote, path: Path) -> None:
    """The corpus files that are errors only under --strict: read leniently, each warning one
    `FILE:LINE:COL: warning: ...` line on stderr, exit 0."""
    result = zygote.run(COMMANDS["plan"](path))
    assert result["rc"] == 0, result["err"]
    lines = result["err"].splitlines()
    assert lines and all(line.startswith(f"{path}:") and ": warning: " in line
                         for line in lines), result["err"]
    assert not CANARY.exists()


def _one_per_category() -> list:
    """The first file of each category, through one command or the other in turn."""
    seen: dict[str, Path] = {}
    for f in FILES:
        seen.setdefault(category(f), f)
    commands = sorted(COMMANDS)
    return [pytest.param(f, commands[n % 2], id=f"{_id(f)}-{commands[n % 2]}")
            for n, f in enumerate(seen.values())]


@pytest.mark.parametrize(("path", "command"), _one_per_category())
def test_fresh_process_agrees_with_the_zygote(path: Path, command: str) -> None:
    """A sample through a fresh `orchtui` process, so the zygote hides nothing."""
    strict = ["--strict"] if expectation(path).strict else []
    result = run_cli(COMMANDS[command](path) + strict)
    assert result.returncode == 2, result.stderr
    assert check_error(result.stderr, path, expectation(path),
                       prefix=command != "plan") is None, result.stderr
    assert not result.leftover


@pytest.mark.slow
@pytest.mark.parametrize("path", _params())
def test_every_file_in_a_fresh_process(path: Path) -> None:
    clear_canary()
    # files that are errors only under --strict (read leniently otherwise: the zygote test)
    strict = ["--strict"] if expectation(path).strict else []
    for command, argv in COMMANDS.items():
        result = run_cli(argv(path) + strict)
        assert result.returncode == 2, result.stderr
        assert check_error(result.stderr, path, expectation(path),
                           prefix=command != "plan") is None, result.stderr
    assert not CANARY.exists()


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with Zygote() as z:
        for target in (missing, tmp_path):
            for command, argv in COMMANDS.items():
                result = z.run(argv(target))
                assert result["rc"] == 2, result
                lines = result["err"].splitlines()
                assert len(lines) == 1 and str(target) in lines[0], (command, result["err"])
                assert "Traceback" not in result["err"]


# --------------------------------------------------------------------------- valid, hostile


@pytest.mark.parametrize("name", ["hostile_strings.yaml", "hostile_compiler.yaml"])
def test_payloads_in_valid_plans_stay_data(name: str, tmp_path: Path) -> None:
    """Real run: each check inside the plan compares a formatted argument with what it must
    be, byte for byte; the run ends ok only if all of them pass."""
    clear_canary()
    trace = tmp_path / "trace.jsonl"
    result = run_cli(["scenario", str(CORPUS / "valid" / name), "--headless", "--json",
                      "--trace", str(trace)])
    failed = [e for e in trace_events(trace) if e["event"] == "Failed"]
    assert result.returncode == 0, (result.stderr, failed)
    assert {c["status"] for c in result.json()["calls"]} == {"done"}
    assert not CANARY.exists()
    assert not result.leftover


# --------------------------------------------------------------------------- path escapes


def test_python_refuses_paths_out_of_the_scenario_folder(tmp_path: Path) -> None:
    """orchtui.functions.python in a real run: `..`, absolute paths, `~`, NUL, symlinks to a
    file and to a folder outside. The allowed call runs; every escape fails with its reason."""
    clear_canary()
    scenario = escape_sandbox(tmp_path)
    trace = tmp_path / "trace.jsonl"
    result = run_cli(["scenario", str(scenario), "--headless", "--json", "--trace",
                      str(trace)])
    assert result.returncode == 1, result.stderr
    status = {c["id"]: c["status"] for c in result.json()["calls"]}
    assert status.pop("s1") == "done"
    assert set(status.values()) == {"failed"}, status
    errors = {e["call"]: e["error"] for e in trace_events(trace) if e["event"] == "Failed"}
    assert set(errors) == set(status)
    for call, error in errors.items():
        assert "outside the scenario folder" in error or "relative path" in error, (call, error)
        assert "\n" not in error
    done = next(e for e in trace_events(trace) if e["event"] == "Finished")
    assert "$(touch" in done["preview"]  # the arguments reached the script as plain text
    assert not CANARY.exists()
    assert not result.leftover


def _pytool():
    from orchtui.executors.workers import load_impl

    return load_impl(str(CORPUS.parents[1] / "scenarios" / "lib" / "pytool.py:python"), None)


@pytest.mark.parametrize("file", [
    "../tests/bad_inputs/path_escape_target/evil.py",
    str(CORPUS / "path_escape_target" / "evil.py"),
    "lib/../../tests/bad_inputs/path_escape_target/evil.py",
    "~/evil.py", "..", "", "ok.py\x00../x.py",
])
def test_bundled_pytool_refuses_escapes(file: str) -> None:
    """scenarios/lib/pytool.py (the bundled scenarios' python()) refuses the same escapes."""
    clear_canary()
    with pytest.raises(ValueError):
        _pytool()(file)
    assert not CANARY.exists()


def test_bundled_pytool_check_follows_symlinks(tmp_path: Path) -> None:
    import sys

    _pytool()
    inside = sys.modules["lib.common"].inside  # the check pytool.python applies
    base = tmp_path / "scenario"
    base.mkdir()
    (base / "link.py").symlink_to(CORPUS / "path_escape_target" / "evil.py")
    (base / "dir").symlink_to(tmp_path, target_is_directory=True)
    for name in ("link.py", "dir/x.py"):
        with pytest.raises(ValueError):
            inside(base, name)


# --------------------------------------------------------------------------- 10,000 calls

PLAN_10K = CORPUS / "valid" / "plan_10000.yaml"
POLICIES = ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path")


def _run_10k(policy: str) -> None:
    """`--sim` runs the 10,000 calls in seconds: checked on the CLI's CPU time, which a busy
    machine does not inflate, with a generous bound on the wall time as well."""
    result = run_cli(["scenario", str(PLAN_10K), "--headless", "--sim", "--json",
                      "--policy", policy], timeout=300)
    assert result.returncode == 0, result.stderr
    data = result.json()
    assert data["status"] == "ok" and len(data["calls"]) == 10_000
    assert all(c["status"] == "done" for c in data["calls"])
    assert result.cpu_seconds < 20, result.cpu_seconds
    assert result.seconds < 120, result.seconds


def test_plan_10000_runs_in_the_sim() -> None:
    _run_10k("llmorch")  # the default policy; the others run in the slow test


@pytest.mark.slow
@pytest.mark.parametrize("policy", POLICIES)
def test_plan_10000_under_every_policy(policy: str) -> None:
    _run_10k(policy)


@pytest.mark.slow
def test_plan_10000_frg() -> None:
    result = run_cli(["plan", str(PLAN_10K), "--json"], timeout=300)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["calls"]) == 10_000
    assert result.cpu_seconds < 20, result.cpu_seconds


def test_large_corpus_files_stay_under_a_megabyte() -> None:
    for f in [*CORPUS.rglob("*.yaml"), *CORPUS.rglob("*.txt")]:
        assert os.path.getsize(f) < 1_000_000, f
