"""The CLI glue the lead wires into `orchtui scenario`: options and `prepare`."""

from __future__ import annotations

import argparse
from dataclasses import replace

import pytest

from orchtui.cli.llm_setup import add_llm_options, prepare
from orchtui.engine import events as ev
from orchtui.errors import OrchError
from orchtui.functions import context as fctx
from orchtui.scenario.loader import find_scenario, load_scenario


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--policy")
    add_llm_options(p)
    return p.parse_args(argv)


def test_options_and_defaults() -> None:
    a = parse()
    assert (a.llm, a.stream, a.repairs, a.retranslations, a.recovery_attempts) == (
        False, False, 2, 2, 2)
    a = parse("--llm", "--stream", "--model", "m", "--base-url", "http://h/v1", "--repairs",
              "1", "--retranslations", "0", "--recovery-attempts", "3")
    assert (a.model, a.base_url, a.repairs, a.retranslations, a.recovery_attempts) == (
        "m", "http://h/v1", 1, 0, 3)
    with pytest.raises(SystemExit):
        parse("--repairs", "-1")


def test_offline_setup_uses_the_recorded_plan_and_repairs() -> None:
    sc = load_scenario(find_scenario("parallelqa_83"))
    setup = prepare(sc, parse())
    assert setup.scenario.plan is sc.plan and setup.prelude == ()
    assert (setup.plan_source, setup.llm_label, setup.live) == ("recorded", "recorded", False)
    assert setup.repairer is not None and setup.repairer.source == "recorded"
    assert fctx.engine_mode() == fctx.RECORDED


def test_offline_translation_from_recorded_replies() -> None:
    sc = load_scenario(find_scenario("parallelqa_83"))
    bad = sc.plan_text.replace("s13:", "s12:")  # a duplicate id
    sc = replace(sc, plan=None, recorded={**sc.recorded, "translate": [bad],
                                          "repair_plan": [sc.plan_text]})
    setup = prepare(sc, parse())
    assert setup.scenario.plan is not None and len(setup.scenario.plan) == 13
    kinds = [(e.kind, e.ok) for e in setup.prelude if isinstance(e, ev.TranslationAttempt)]
    assert kinds == [("translate", False), ("repair", True)]


def test_clear_errors() -> None:
    sc = load_scenario(find_scenario("parallelqa_83"))
    with pytest.raises(OrchError, match="--stream-rate sets how fast --stream replays"):
        prepare(sc, parse("--stream-rate", "20"))
    with pytest.raises(OrchError, match="react plans call by call"):
        prepare(sc, parse("--stream", "--policy", "react"))
    with pytest.raises(OrchError, match="has none: add --llm"):
        prepare(replace(sc, plan_text="", plan=None, recorded={"repair_call": {"s1": "x"}}),
                parse("--stream"))
    with pytest.raises(OrchError, match="no plan: translate its query with --llm"):
        prepare(replace(sc, plan=None, recorded={}), parse())


def test_live_setup_picks_the_turns_and_the_plan_source() -> None:
    from fake_openai import FakeOpenAI

    from orchtui.llm.agents import Answerer, ReActAgent, ToolCallingAgent
    from orchtui.llm.streaming import StreamedPlan

    sc = load_scenario(find_scenario("parallelqa_83"))
    # math without an impl: no worker needs a model client, so no warm-up to wait for
    sc = replace(sc, functions=tuple(replace(f, impl=None) if f.name == "math" else f
                                     for f in sc.functions))
    try:
        with FakeOpenAI([sc.plan_text]) as server:
            url = ("--base-url", server.base_url)
            for argv, taker, streams in ((("--policy", "react"), ReActAgent, False),
                                         (("--policy", "parallelfc"), ToolCallingAgent, False),
                                         (("--stream",), Answerer, True),
                                         ((), Answerer, False)):
                plan_first = not streams and taker is Answerer
                setup = prepare(sc if plan_first else replace(sc, plan=None),
                                parse("--llm", *url, *argv))
                assert isinstance(setup.turn_taker(), taker)
                assert isinstance(setup.plan_stream(), StreamedPlan) == streams
                assert setup.live and setup.plan_source == "llm"
                if not plan_first:
                    assert setup.prelude == ()  # nothing asked before the run
                with pytest.raises(OrchError, match="real executor"):
                    setup.make_run("sim")
            assert len(server.requests) == 1  # the translation of the plan-first run
            setup = prepare(sc, parse("--llm", *url, "--policy", "react"))
            run = setup.make_run("real", processors=1)
            try:
                assert isinstance(run.turns, ReActAgent) and run.growing == "turns"
            finally:
                run.executor.close()
    finally:
        fctx.configure(fctx.RECORDED)


def test_json_of_a_failed_translation_is_a_failed_runs_json(tmp_path, capsys) -> None:
    """No valid plan came of the attempts: the run failed (exit 1, one line on stderr), and
    --json still prints JSON for the script reading it, as for any failed run."""
    import json

    from orchtui.cli.main import main

    path = tmp_path / "untranslatable.yaml"
    path.write_text("name: untranslatable\nquery: add one and two\nprocessors: 1\nfunctions:\n"
                    "  - {name: add, kind: compute, cost: 0.1, description: 'add(a, b)'}\n"
                    "recorded:\n  translate:\n    - 's1: nope(1, 2)'\n")
    argv = ["scenario", str(path), "--sim", "--headless", "--repairs", "0",
            "--retranslations", "0"]
    assert main([*argv, "--json"]) == 1
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert (record["scenario"], record["status"], record["calls"]) == (
        "untranslatable", "failed", [])
    assert record["error"].startswith("could not translate the query into a valid plan: "
                                      "1 attempt failed (1 translation, 0 repairs, "
                                      "0 retranslations)")
    assert record["turns"] == 1 and record["processors"] == 1 and record["makespan"] is None
    assert err.startswith("orchtui: could not translate the query") and err.count("\n") == 1
    # without --json: the same line, and nothing on stdout
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("orchtui: could not translate the query")
