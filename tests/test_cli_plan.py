"""`orchtui plan FILE`: the FRG as a table or as JSON; plan and scenario errors as
`FILE:LINE:COL: message` on stderr, exit status 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchtui.cli.main import main

PLANS = Path(__file__).parent / "plans"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["plan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_fig6_table_shows_13_calls_in_4_ranks(capsys):
    code, out, err = run(capsys, str(PLANS / "fig6.txt"), "--compute", "math")
    assert code == 0 and err == ""
    assert "13 calls in 4 ranks" in out
    assert "s3 ⇄ s4 ⇄ s8 ⇄ s9 ⇄ s12" in out and "s5 ⇄ s10" in out


def test_fig6_json(capsys):
    code, out, _ = run(capsys, str(PLANS / "fig6.txt"), "--compute", "math", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"calls", "exclusive_groups", "warnings"}
    calls = data["calls"]
    assert [c["id"] for c in calls] == [f"s{i}" for i in range(1, 14)]
    assert calls[0] == {"id": "s1", "function": "search", "kind": "inout", "rank": 1, "deps": []}
    assert calls[12] == {"id": "s13", "function": "math", "kind": "compute", "rank": 4,
                         "deps": ["s5", "s10", "s12"]}
    assert {c["rank"] for c in calls} == {1, 2, 3, 4}
    assert data["exclusive_groups"] == [{"rank": 2, "calls": ["s3", "s4", "s8", "s9", "s12"]},
                                        {"rank": 3, "calls": ["s5", "s10"]}]
    assert data["warnings"] == []
    code, out, _ = run(capsys, str(PLANS / "fig6.txt"), "--compute", "math", "--json", "--pairs")
    pairs = json.loads(out)["exclusive"]
    assert pairs[:4] == [["s3", "s4"], ["s3", "s8"], ["s3", "s9"], ["s3", "s12"]]
    assert ["s5", "s10"] in pairs and len(pairs) == 11  # 5·4/2 + 1


def test_json_is_exactly_the_documented_shape(capsys):
    code, out, _ = run(capsys, str(PLANS / "seo.txt"), "--compute", "chatbot,python", "--json")
    assert code == 0
    assert json.loads(out) == {
        "calls": [
            {"id": "s1", "function": "search", "kind": "inout", "rank": 1, "deps": []},
            {"id": "s2", "function": "chatbot", "kind": "compute", "rank": 1, "deps": []},
            {"id": "s3", "function": "python", "kind": "compute", "rank": 2, "deps": ["s1"]},
            {"id": "s4", "function": "python", "kind": "compute", "rank": 2, "deps": ["s1"]},
            {"id": "s5", "function": "chatbot", "kind": "compute", "rank": 3,
             "deps": ["s2", "s3", "s4"]},
        ],
        "exclusive_groups": [{"rank": 2, "calls": ["s3", "s4"]}],
        "warnings": [],
    }


def test_llmcompiler_ids_as_written(capsys, tmp_path):
    plan = tmp_path / "p.txt"
    plan.write_text("1: f()\n2. g($1)\n3: g(${1}, '$2')\n4. join()<END_OF_PLAN>")
    code, out, _ = run(capsys, str(plan), "--compute", "g", "--json")
    assert code == 0
    assert json.loads(out) == {
        "calls": [
            {"id": "1", "function": "f", "kind": "inout", "rank": 1, "deps": []},
            {"id": "2", "function": "g", "kind": "compute", "rank": 2, "deps": ["1"]},
            {"id": "3", "function": "g", "kind": "compute", "rank": 3, "deps": ["1", "2"]},
        ],
        "exclusive_groups": [],
        "warnings": [],
    }


def test_exclusive_pairs_sorted_by_plan_order(capsys, tmp_path):
    plan = tmp_path / "p.txt"
    plan.write_text("s9: f()\ns2: f()\ns5: f()\ns1: h()")
    code, out, _ = run(capsys, str(plan), "--compute", "f", "--json", "--pairs")
    data = json.loads(out)
    assert code == 0 and data["exclusive"] == [["s9", "s2"], ["s9", "s5"], ["s2", "s5"]]
    assert data["exclusive_groups"] == [{"rank": 1, "calls": ["s9", "s2", "s5"]}]


def test_pairs_are_refused_past_the_bound(capsys, tmp_path, monkeypatch):
    from orchtui.cli import plan_cmd

    monkeypatch.setattr(plan_cmd, "MAX_PAIRS", 5)  # 4 calls of one rank: 6 pairs
    plan = tmp_path / "p.txt"
    plan.write_text("".join(f"s{i}: f()\n" for i in range(1, 5)))
    code, out, err = run(capsys, str(plan), "--compute", "f", "--json", "--pairs")
    assert code == 2 and out == ""
    assert err == ("--pairs: the plan has 6 exclusive pairs, over the 5 that --pairs lists: "
                   "read exclusive_groups instead\n")
    code, out, _ = run(capsys, str(plan), "--compute", "f", "--json")  # the groups still work
    assert code == 0 and json.loads(out)["exclusive_groups"][0]["calls"] == ["s1", "s2", "s3", "s4"]
    code, _, err = run(capsys, str(plan), "--pairs")
    assert code == 2 and err == "--pairs goes with --json\n"


def test_json_of_a_big_rank_is_linear(capsys, tmp_path):
    """2,000 compute calls of one rank: 2,000 ids in one group, not 1,999,000 pairs."""
    plan = tmp_path / "p.txt"
    plan.write_text("".join(f"s{i}: f()\n" for i in range(1, 2001)))
    code, out, _ = run(capsys, str(plan), "--compute", "f", "--json")
    assert code == 0 and len(out) < 200_000
    (group,) = json.loads(out)["exclusive_groups"]
    assert group["rank"] == 1 and len(group["calls"]) == 2000


def test_scenario_yaml(capsys):
    code, out, _ = run(capsys, str(PLANS / "fig6.yaml"), "--json")
    assert code == 0 and len(json.loads(out)["calls"]) == 13
    code, out, _ = run(capsys, str(PLANS / "fig6.yaml"))
    assert code == 0 and "parallelqa-83: 13 calls in 4 ranks" in out


@pytest.mark.parametrize("text, where, message", [
    ("s1: search(s2)\n", "1:12", "s1 refers to undefined id s2"),
    ("s1: f()\ns1: g()\n", "2:1", "duplicate id s1"),
    ("s1: f(s2)\ns2: f(s1)\n", "1:7", "cycle: s1 -> s2 -> s1"),
    ('s1: f("abc)\n', "1:7", "unterminated string"),
    ("1. First I will search\n", "1:1", "no function calls"),
    ("s1: f(__import__('os').system('echo pwned'))\n", "1:7", "not allowed in a plan"),
    ("", "1:1", "no function calls"),
])
def test_plan_errors(capsys, tmp_path, text, where, message):
    plan = tmp_path / "bad.txt"
    plan.write_text(text)
    code, out, err = run(capsys, str(plan))
    assert code == 2 and out == ""
    assert err.startswith(f"{plan}:{where}: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_scenario_errors(capsys):
    bad = PLANS.parent / "scenarios_bad"
    code, out, err = run(capsys, str(bad / "plan_unknown_function_block.yaml"))
    assert code == 2 and out == ""
    assert err == f"{bad / 'plan_unknown_function_block.yaml'}:8:8: plan: unknown function 'h' " \
                  "(available: f, g)\n"
    code, _, err = run(capsys, str(bad / "processors_zero.yaml"))
    assert code == 2 and err.startswith(f"{bad / 'processors_zero.yaml'}:6:13: processors:")


def test_missing_file_and_binary_file(capsys, tmp_path):
    code, _, err = run(capsys, str(tmp_path / "nope.txt"))
    assert code == 2 and "no such scenario file" in err and "Traceback" not in err
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"s1: f()\n\xff\xfe\x00")
    code, _, err = run(capsys, str(binary))
    assert code == 2 and err.startswith(f"{binary}:2:1: not UTF-8 text")
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"s1: f()\ns2: g(\x00)")
    code, _, err = run(capsys, str(nul))
    assert code == 2 and err.startswith(f"{nul}:2:7: the plan contains a NUL byte")


def test_a_scenario_without_a_plan(capsys, tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("query: what?\nfunctions:\n  - {name: f, kind: inout}\n")
    code, _, err = run(capsys, str(path))
    assert code == 2 and "has no plan" in err


def test_the_installed_command():
    """The real entry point, in a subprocess: exit status 2 and one line on stderr."""
    exe = Path(sys.executable).parent / "orchtui"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "orchtui"]
    bad = PLANS.parent / "scenarios_bad" / "plan_syntax_block.yaml"
    failed = subprocess.run([*command, "plan", str(bad)], capture_output=True, text=True,
                            timeout=60)
    assert failed.returncode == 2 and failed.stdout == ""
    # after our prefix comes Python's own wording of the syntax error: not asserted
    assert failed.stderr.startswith(f"{bad}:8:9: plan: syntax error: ")
    assert failed.stderr.count("\n") == 1 and failed.stderr.endswith("\n")


@pytest.mark.slow
def test_plan_json_on_100000_calls_of_one_rank(tmp_path):
    """Issue 14: 10,000 calls of one rank took 75 s and 6.3 GB (every pair listed); 100,000
    calls must take under 10 s of CPU and 1 GB. Measured in a fresh process, which reports the
    CPU time and peak memory of the CLI it runs (a busy machine inflates wall time, not these)."""
    plan = tmp_path / "p.txt"
    plan.write_text("".join(f"s{i}: crunch({i})\n" for i in range(1, 100_001)))
    probe = (
        "import resource, subprocess, sys\n"
        "out = subprocess.run([sys.executable, '-m', 'orchtui', 'plan', sys.argv[1], '--compute',"
        " 'crunch', '--json'], capture_output=True, text=True)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(out.returncode, u.ru_utime + u.ru_stime, u.ru_maxrss, len(out.stdout))\n"
        "sys.stdout.write(out.stdout)\n")
    result = subprocess.run([sys.executable, "-c", probe, str(plan)], capture_output=True,
                            text=True, timeout=300)
    head, _, body = result.stdout.partition("\n")
    code, cpu, rss_kb, _ = head.split()
    assert code == "0", result.stderr
    data = json.loads(body)
    assert len(data["calls"]) == 100_000 and len(data["exclusive_groups"][0]["calls"]) == 100_000
    assert float(cpu) < 10 and int(rss_kb) < 1024 * 1024, (cpu, rss_kb)


def test_one_call_is_counted_in_the_singular(capsys, tmp_path):
    plan = tmp_path / "one.txt"
    plan.write_text('1. search("Texas")\n', encoding="utf-8")
    code, out, _ = run(capsys, str(plan))
    assert code == 0
    assert "one: 1 call in 1 rank" in out
