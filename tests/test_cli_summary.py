"""The headless summary of a long run: at most MAX_ROWS calls are listed (rich lays the whole
table out in memory: 100,000 rows took minutes and a gigabyte), failed calls always are."""

from __future__ import annotations

import pytest

from orchtui.cli.main import main
from orchtui.cli.run_cmd import MAX_ROWS


def _scenario(tmp_path, n: int, fail: str | None = None) -> str:
    lines = [f"  s{i}: c({f's{i - 1}' if i > 1 else ''})" for i in range(1, n + 1)]
    faults = f"faults:\n  {fail}: boom\n" if fail else ""
    path = tmp_path / "long.yaml"
    path.write_text("name: long\nprocessors: 2\nfunctions:\n  - name: c\n    kind: compute\n"
                    "    cost: 1.0\n" + faults + "plan: |\n" + "\n".join(lines) + "\n")
    return str(path)


def test_a_long_run_lists_the_first_calls_and_says_how_many_more(tmp_path, capsys):
    n = MAX_ROWS + 37
    assert main(["scenario", _scenario(tmp_path, n), "--sim", "--headless"]) == 0
    out = capsys.readouterr().out
    assert f"s{MAX_ROWS} " in out and f"s{MAX_ROWS + 1} " not in out
    assert "… and 37 more calls, not listed (--json lists every call)" in out


def test_a_failed_call_past_the_limit_is_listed(tmp_path, capsys):
    n = MAX_ROWS + 10
    last = f"s{n}"
    assert main(["scenario", _scenario(tmp_path, n, fail=last), "--sim", "--headless"]) == 1
    out = capsys.readouterr().out
    assert f"{last} " in out and "failed" in out
    assert "… and 9 more calls, not listed" in out


def test_a_short_run_lists_every_call(tmp_path, capsys):
    assert main(["scenario", _scenario(tmp_path, 12), "--sim", "--headless"]) == 0
    out = capsys.readouterr().out
    assert "s12 " in out and "more calls" not in out


def test_json_is_written_in_pieces_as_json_dumps_would(tmp_path, capsys):
    """--json prints RunRecord.json_text(): the same bytes as json.dumps(to_json()), with
    retries, a failure, repairs and warnings in it."""
    import json

    from orchtui.engine.record import CallRecord, RunRecord

    rec = RunRecord(scenario="q\"uote", policy="llmorch", processors=2, mode="sim",
                    status="failed", warnings=({"line": 1, "message": "lenient"},))
    rec.calls["s1"] = CallRecord("s1", "f", "compute", 1, (), 1.0, processor=0, start=0.0,
                                 end=1.0 / 3, status="done", retried=("worker lost",))
    rec.calls["s2"] = CallRecord("s2", "g", "inout", 2, ("s1",), 0.5, status="failed",
                                 error="boom ü", start=1.0, end=2.0)
    rec.calls["s3"] = CallRecord("s3", "f", "compute", 3, ("s2",), 1.0, status="skipped")
    rec.repairs.append(("s2", "g(1)", "g(2)"))
    assert "".join(rec.json_text()) == json.dumps(rec.to_json())
    assert "".join(RunRecord().json_text()) == json.dumps(RunRecord().to_json())
    # and the CLI prints it, one line
    assert main(["scenario", _scenario(tmp_path, 3), "--sim", "--headless", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and json.loads(out)["calls"][2]["id"] == "s3"


def test_json_of_thousands_of_calls_is_json_dumps_across_its_pieces():
    """json_text encodes the calls a chunk at a time (orchtui.engine.record._JSON_CHUNK): the
    pieces still join to json.dumps(to_json()), whatever falls on a chunk's edge."""
    import json

    from orchtui.engine.record import _JSON_CHUNK, CallRecord, RunRecord

    rec = RunRecord(scenario="big", policy="llmorch", processors=3, mode="sim", status="ok")
    for i in range(2 * _JSON_CHUNK + 7):
        status = ("done", "failed", "skipped", "running")[i % 4]
        rec.calls[f"s{i}"] = CallRecord(
            f"s{i}", "f" if i % 3 else "g\u00e9", ("compute", "inout")[i % 2], i % 5 + 1,
            (f"s{i - 1}",) if i else (), 0.5 + i % 3, processor=i % 3, cpu=i % 3,
            start=i / 7, end=None if i % 5 == 0 else i / 7 + 1 / 3, status=status,
            error="boom" if status == "failed" else "",
            retried=("worker lost",) if i % 11 == 0 else ())
    pieces = list(rec.json_text())
    assert len(pieces) == 2 + 3  # the head, three chunks of calls, the tail
    assert "".join(pieces) == json.dumps(rec.to_json())
    assert len(json.loads("".join(pieces))["calls"]) == 2 * _JSON_CHUNK + 7


def test_the_sim_summary_compares_with_a_react_run_of_the_same_plan(tmp_path, capsys):
    """The "speedup vs react" line's reference is a sim run of react (folded without a record):
    the same makespan and turns as a recorded react run."""
    from pathlib import Path

    from orchtui.engine.sweep import measure
    from orchtui.scenario import load_scenario

    seo = Path(__file__).parent.parent / "scenarios" / "seo_audit.yaml"
    path = tmp_path / "seo_audit.yaml"  # with model turns to pay: react pays one per call
    path.write_text(seo.read_text().replace("llm_turn: 0", "llm_turn: 0.25"))
    (tmp_path / "lib").symlink_to(seo.parent / "lib")
    react = measure(load_scenario(path), "sim", "react", 2)
    assert react.turns > 1
    assert main(["scenario", str(path), "--sim", "--headless", "--processors", "2"]) == 0
    out = capsys.readouterr().out
    assert f"(react {react.makespan:.3f} s, {react.turns} LLM turns, sim, without recovery)" \
        in out


def test_a_turn_that_is_not_a_finite_number_is_refused(tmp_path, capsys):
    """--llm-turn nan ran with turns of no length, inf made a sweep of `infs nan×`."""
    for bad in ("nan", "inf", "-inf"):
        code = main(["scenario", _scenario(tmp_path, 2), "--sim", "--headless",
                     f"--llm-turn={bad}"])
        assert code == 2
        assert capsys.readouterr().err == "orchtui: --llm-turn must be a finite number ≥ 0\n"


def test_a_memory_limit_past_what_the_os_can_set_is_refused(tmp_path, capsys):
    """Each worker failed to start with `OverflowError: Python int too large to convert to C
    long`, every call failed."""
    with pytest.raises(SystemExit) as exit_:
        main(["scenario", _scenario(tmp_path, 2), "--headless", "--memory-limit",
              "99999999999999"])
    assert exit_.value.code == 2
    assert "--memory-limit: must be at most 8796093022207 MB, got 99999999999999" in (
        capsys.readouterr().err)


def test_a_sweep_whose_runs_fail_says_so_and_fails(tmp_path, capsys):
    """Every run of this sweep failed (s1 raises): it printed speedups of the runs' early ends
    and exited 0, with no word of why."""
    import json

    path = _scenario(tmp_path, 3, fail="s1")
    assert main(["sweep", path, "--processors", "1-2", "--policies", "react,llmorch",
                 "--json"]) == 1
    captured = capsys.readouterr()
    rows = json.loads(captured.out)["rows"]
    assert {r["status"] for r in rows} == {"failed"}
    assert captured.err == ("orchtui: 4 of 4 runs failed; the first, react at P=1: "
                            "s1 failed: boom (injected fault)\n")


def test_a_sweep_recovers_a_failed_call_as_a_run_does(capsys):
    """parallelqa_83's s3 fails and is repaired from the recorded reply in every run of
    `orchtui scenario`; a sweep ran it without recovery, so each of its runs failed."""
    import json

    assert main(["scenario", "parallelqa_83", "--sim", "--headless", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recoveries"] == 1
    assert main(["sweep", "parallelqa_83", "--processors", "1-2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert {r["status"] for r in rows} == {"ok"}


def test_a_call_that_never_reached_a_worker_shows_its_processor_without_a_cpu(tmp_path, capsys):
    """s2's arguments cannot be bound (a float times a 4000-bit int), so it fails when it is
    dispatched, before any worker starts it: no cpu is known. The table left it "cpu None"."""
    (tmp_path / "f.py").write_text("def big():\n    return 2 ** 4000\n\n\n"
                                   "def use(x):\n    return x\n")
    path = tmp_path / "bind.yaml"
    path.write_text("name: bind\nprocessors: 1\nfunctions:\n"
                    "  - {name: big, kind: compute, impl: 'f.py:big', cost: 0.1}\n"
                    "  - {name: use, kind: compute, impl: 'f.py:use', cost: 0.1}\n"
                    "plan: |\n  s1: big()\n  s2: use(s1 * 1.5)\n")
    assert main(["scenario", str(path), "--real", "--headless"]) == 1
    out = capsys.readouterr().out
    assert "None" not in out
    row = next(line for line in out.splitlines() if line.startswith("│ s2 "))
    cells = [cell.strip() for cell in row.split("│")]
    assert cells[5] == "0" and cells[8].startswith("failed")
    s1 = next(line for line in out.splitlines() if line.startswith("│ s1 "))
    assert "0 (cpu " in s1


@pytest.mark.parametrize("policy", ["llmorch", "critical-path", "react"])
def test_compute_eager_is_refused_where_the_one_policy_ignores_it(policy, capsys):
    """--compute changes the parallelfc and llmcompiler baselines only: headless, with another
    policy it was ignored without a word (the TUI keeps it: `p` switches to a baseline)."""
    assert main(["scenario", "seo_audit", "--sim", "--headless", "--compute", "eager",
                 "--policy", policy]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == (
        "orchtui: --compute eager sets how the parallelfc and llmcompiler baselines run compute "
        f"calls, and {policy} places its own: use it with --policy parallelfc or llmcompiler\n")


def test_compute_eager_runs_a_baseline(capsys):
    assert main(["scenario", "seo_audit", "--sim", "--headless", "--compute", "eager",
                 "--policy", "llmcompiler"]) == 0
    assert "· compute eager" in capsys.readouterr().out
