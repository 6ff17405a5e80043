"""Streamed plans: the incremental parser; the run loop scheduling calls while the plan streams
(a recorded reply replayed in the sim, under every plan-ahead policy, with runtime recovery);
a stream that closes mid-plan; and a live stream from a fake server that streams tokens at a
fixed rate through the real `openai` client.

Run this file as a script for the measurement reported in the README:
    .venv/bin/python tests/test_llm_streaming.py [token_interval_s]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_openai import FakeOpenAI, Reply, Request

from orchtui.engine import events as ev
from orchtui.engine.record import RunRecord
from orchtui.errors import PlanError
from orchtui.functions import context as fctx
from orchtui.llm.config import LLMConfig
from orchtui.llm.openai_backend import OpenAIBackend
from orchtui.llm.streaming import StreamedPlan, StreamParser, iter_calls
from orchtui.plan.model import Lit
from orchtui.scenario.loader import find_scenario, load_scenario
from orchtui.scenario.model import Scenario

PLAN = 's1: search("a")\ns2: search("b")\ns3: math("{s1} {s2}")'


def tokens(text: str, size: int = 3) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def test_calls_come_out_as_soon_as_their_line_ends() -> None:
    p = StreamParser()
    assert p.feed('s1: search("a"') == []
    assert [c.id for c in p.feed(')\ns2: sea')] == ["s1"]
    assert p.feed('rch("b")') == []  # its line has not ended: it could still go on
    assert [c.id for c in p.feed('\n')] == ["s2"]
    assert [c.id for c in p.feed('s3: math("{s1} {s2}")')] == []
    assert [c.id for c in p.finish()] == ["s3"]


def test_multi_line_calls_fences_and_thoughts() -> None:
    text = ('Here you go:\n```\nThought: first the page\ns1: search("a")\n'
            's2: chatbot("""Summarise:\n{s1}\n""")\ns3: search("c")\n```\nDone.')
    calls = list(iter_calls(tokens(text, 2)))
    assert [c.id for c in calls] == ["s1", "s2", "s3"]
    assert calls[0].thought == "first the page" and calls[1].refs == ("s1",)


def test_same_calls_as_parsing_the_whole_plan() -> None:
    sc = load_scenario(find_scenario("parallelqa_83"))
    for size in (1, 4, 17, 1000):
        assert tuple(iter_calls(tokens(sc.plan_text, size))) == sc.plan.calls


def test_a_broken_call_is_an_error_once_the_stream_moves_past_it() -> None:
    p = StreamParser(["search"])
    p.feed('s1: search("a")\n')
    assert p.feed('s2: google("b")\n') == []  # not certain yet: the reply may still change
    with pytest.raises(PlanError, match="unknown function 'google'"):
        p.feed('s3: search("c")\n')
    with pytest.raises(PlanError, match="unterminated string"):
        list(iter_calls(tokens('s1: search("a\n')))


def test_a_call_left_open_waits_for_the_next_line() -> None:
    # the parser closes an open call where the text ends; in a stream the text has not ended
    p = StreamParser(["search"])
    assert p.feed('s1: search("a",\n') == []
    assert [c.kwargs for c in p.feed("  k=2)\n")] == [(("k", Lit(2)),)]
    p = StreamParser(["search"])
    assert p.feed('s1: search("a"\n') == []
    assert [c.id for c in p.feed('s2: search("b")\n')] == ["s1", "s2"]  # s1 is closed
    # the stream's end closes the last call (a warning in the plan, not an error)
    assert [c.args for c in iter_calls(tokens('s1: search("a"\n'))] == [(Lit("a"),)]
    p = StreamParser(["search"])
    p.feed('s1: search("a"\n')
    assert [c.id for c in p.finish()] == ["s1"] and [w.kind for w in p.warnings] == ["unclosed"]


# -- the run loop on a replayed stream (sim: virtual time, deterministic) -----------------------
def replayed(policy: str, text: str | None = None, rate: float = 50.0, repair: bool = True,
             **options):
    from orchtui.engine.runner import Run, RunOptions
    from orchtui.executors.sim import SimExecutor
    from orchtui.llm.recorded import RecordedBackend
    from orchtui.llm.repair import LLMRepairer

    sc = load_scenario(find_scenario("parallelqa_83"))
    names = [f.name for f in sc.functions]
    stream = StreamedPlan.replay(sc.plan_text if text is None else text, names, rate)
    run = Run(sc, SimExecutor(2, sc.oversubscription_penalty),
              RunOptions(policy=policy, processors=2, transient_faults=True, **options),
              LLMRepairer(RecordedBackend(sc.recorded)) if repair else None, stream=stream)
    return list(run.events())


def test_llmorch_schedules_while_the_plan_streams_and_recovers() -> None:
    events = replayed("llmorch")
    plan_ready = next(e.t for e in events if isinstance(e, ev.PlanReady))
    first = min(e.t for e in events if isinstance(e, ev.Dispatched))
    assert first < plan_ready / 10  # s1 starts as soon as its line is complete
    # the exclusive s3 and s4 go to separate processors
    where = {e.call: e.processor for e in events if isinstance(e, ev.Dispatched)}
    assert {where["s3"], where["s4"]} == {0, 1}
    rec = RunRecord.from_events(events)
    assert rec.status == "ok" and rec.recoveries == 1 and len(rec.calls) == 13
    repaired = [e for e in events if isinstance(e, ev.CallRepaired) and e.before != e.after]
    assert [(e.call, e.after) for e in repaired] == [("s2", 's2: search("Florida", k=1000)')]
    rerun = [e for e in events if isinstance(e, ev.Started) and e.call == "s2"]
    assert len(rerun) == 2 and events.index(rerun[1]) > events.index(repaired[0])
    assert events == replayed("llmorch")  # deterministic


def test_every_plan_ahead_policy_streams() -> None:
    for policy in ("critical-path", "llmcompiler"):
        events = replayed(policy)
        rec = RunRecord.from_events(events)
        assert rec.status == "ok" and rec.recoveries == 1, policy
        plan_ready = next(e.t for e in events if isinstance(e, ev.PlanReady))
        assert min(e.t for e in events if isinstance(e, ev.Dispatched)) < plan_ready
    reasons = [e.reason for e in replayed("critical-path")
               if isinstance(e, ev.Dispatched) and e.processor is not None]
    assert any("so far: the plan is still growing" in r for r in reasons)


def test_a_call_arriving_after_its_input_failed_is_skipped() -> None:
    """Without a repairer, s3 and s4 fail while the plan still streams; s5 and s13, which
    arrive later and depend on them, are skipped on arrival, and the run ends."""
    for policy in ("llmorch", "critical-path", "llmcompiler"):
        events = replayed(policy, repair=False)
        skipped = {e.call: e.reason for e in events if isinstance(e, ev.Skipped)}
        failed_at = max(e.t for e in events if isinstance(e, ev.Failed))
        arrived = {d["id"]: e.t for e in events if isinstance(e, ev.GraphReady)
                   for d in e.calls}
        assert arrived["s13"] > failed_at and set(skipped) == {"s5", "s13"}, policy
        assert skipped["s13"] == "depends on s5, which was skipped"
        assert RunRecord.from_events(events).status == "failed"


def test_the_answer_turn_is_paid_after_a_streamed_plan() -> None:
    turns = [e.turn for e in replayed("llmorch", llm_label="recorded")
             if isinstance(e, ev.TurnStarted)]
    assert turns == ["plan"]  # llm_turn 0: only the stream itself takes time
    sc_turn = [e for e in replayed("llmcompiler") if isinstance(e, ev.TurnFinished)]
    assert sc_turn[0].turn == "plan" and sc_turn[0].duration > 0


def test_a_stream_that_closes_mid_plan_fails_the_run_with_its_reason() -> None:
    sc = load_scenario(find_scenario("parallelqa_83"))
    cut = sc.plan_text[: sc.plan_text.index("s9:") + 12]  # s9's line never closes
    events = replayed("llmorch", text=cut)
    end = events[-1]
    assert isinstance(end, ev.RunFinished) and end.status == "failed"
    assert end.error.startswith("the plan stream broke: the stream closed mid-plan")
    attempt = next(e for e in events if isinstance(e, ev.TranslationAttempt))
    assert not attempt.ok
    # the calls that had arrived ran to the end: nothing was lost or left running
    rec = RunRecord.from_events(events)
    assert set(rec.calls) == {f"s{n}" for n in range(1, 9)}
    assert all(c.status == "done" for c in rec.calls.values())


def test_cli_says_why_a_cut_stream_failed(tmp_path, capsys) -> None:
    import yaml

    from orchtui.cli.main import main

    data = yaml.safe_load(Path(find_scenario("parallelqa_83")).read_text())
    # the recorded reply the stream replays stops inside s13's arguments
    data["recorded"]["translate"] = [data["plan"][: data["plan"].index("s13:") + 20]]
    path = tmp_path / "cut.yaml"
    path.write_text(yaml.safe_dump(data))
    code = main(["scenario", str(path), "--stream", "--sim", "--headless"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "the stream closed mid-plan" in err


def test_strict_applies_to_a_streamed_plan(tmp_path, capsys) -> None:
    """A reply read leniently (a typographic quote) streams with a warning; with --strict the
    same reply breaks the stream at the lenient line, as `plan --strict` refuses it."""
    import json

    import yaml

    from orchtui.cli.main import main

    data = yaml.safe_load(Path(find_scenario("parallelqa_83")).read_text())
    data["recorded"]["translate"] = [data["plan"].replace('search("Florida")',
                                                          "search(\u201cFlorida\u201d)")]
    path = tmp_path / "curly.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["scenario", str(path), "--stream", "--sim", "--headless", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and out["warnings"]
    code = main(["scenario", str(path), "--stream", "--sim", "--headless", "--strict"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "the plan stream broke:" in err
    line = data["recorded"]["translate"][0].split("\n").index(
        next(x for x in data["recorded"]["translate"][0].split("\n") if "\u201c" in x)) + 1
    assert f"line {line}, column" in err, err


# -- a live stream from a fake server ---------------------------------------------------------
def scenario(search_s: float = 0.3):
    sc = load_scenario(find_scenario("parallelqa_83"))
    plan = sc.plan_text.replace('search("Florida")', 'search("Florida", k=1000)')
    fns = tuple(replace(f, cost=search_s) if f.name == "search" else f for f in sc.functions)
    return replace(sc, functions=fns, plan_text=plan, costs={}, faults={})


def responder(plan: str, interval: float):
    math = scenario().recorded["math"]

    def respond(request: Request) -> Reply | str:
        system = request.messages[0]["content"]
        if system.startswith("You translate"):
            return Reply(plan, token_interval=interval)
        hits = [k for k in math if k in request.last_user]
        return Reply(math[max(hits, key=len)] if hits else "ERROR: no", token_interval=0.0)

    return respond


def run_both(interval: float, search_s: float = 0.3, sc: Scenario | None = None,
             functions: str = fctx.LIVE) -> dict[str, float]:
    """Wall time of the same plan, generated at `interval` s per token, with and without
    a streamed plan (llmcompiler policy, real executor, 2 CPUs). `functions`: whether math
    asks the fake model (live) or answers from the scenario's recorded replies."""
    from orchtui.cli.llm_setup import warm_model_clients
    from orchtui.engine.runner import Run, RunOptions
    from orchtui.engine.session import allocate, make_executor
    from orchtui.llm.prompts import translation_messages
    from orchtui.llm.translate import translate

    sc = sc or scenario(search_s)
    out: dict[str, float] = {}
    with FakeOpenAI(responder=responder(sc.plan_text, interval)) as server:
        cfg = LLMConfig(base_url=server.base_url, max_retries=0, timeout=30)
        backend = OpenAIBackend(cfg)
        fctx.configure(functions, cfg)
        try:
            opts = RunOptions(policy="llmcompiler", processors=2, plan_source="llm")
            # one executor for both runs: starting workers is no part of either
            ex = make_executor(sc, "real", allocate(2, None, "real", 2))
            warm_model_clients(ex, sc)
            for streaming in (False, True):
                try:
                    ex.t0 = t0 = time.perf_counter()  # type: ignore[attr-defined]
                    if streaming:
                        stream = StreamedPlan.live(backend, translation_messages(sc),
                                                   [f.name for f in sc.functions])
                        run = Run(sc, ex, opts, stream=stream)
                    else:
                        tr = translate(sc, backend)
                        ex.t0 -= time.perf_counter() - t0  # type: ignore[attr-defined]
                        run = Run(sc.with_plan(tr.plan, tr.text), ex, opts,
                                  prelude=list(tr.events))
                    events = list(run.events())
                except BaseException:
                    ex.close()
                    raise
                rec = RunRecord.from_events(events)
                assert rec.status == "ok", [e for e in events if isinstance(e, ev.Failed)]
                name = "streaming" if streaming else "plan first"
                out[name] = time.perf_counter() - t0
                turn = [e for e in events if isinstance(e, ev.TurnFinished) and e.turn == "plan"]
                out[f"{name}: generation"] = turn[0].duration
                if streaming:
                    first = min(e.t for e in events if isinstance(e, ev.Started))
                    out["streaming: first call started at"] = first
            ex.close()
        finally:
            fctx.configure(fctx.RECORDED)
    return out


@pytest.mark.slow
def test_streaming_overlaps_execution_with_generation() -> None:
    """The #83 plan generated at 10 ms a word (about 0.9 s), searches of 0.1 s, math calls of
    0.1 s from recorded replies: with streaming, the first searches and maths run while the
    rest of the plan is still arriving."""
    sc = scenario(0.1)
    sc = replace(sc, functions=tuple(replace(f, cost=0.1) for f in sc.functions))
    r = run_both(interval=0.01, sc=sc, functions=fctx.RECORDED)
    assert r["streaming: first call started at"] < r["streaming: generation"] / 2
    assert r["streaming"] < r["plan first"] - 0.15


if __name__ == "__main__":
    from fake_openai import _TOKEN

    interval = float(sys.argv[1]) if len(sys.argv) > 1 else 0.02
    n_chunks = len(_TOKEN.findall(scenario().plan_text))
    print(f"plan: {n_chunks} streamed chunks (one per word) at {interval * 1000:g} ms each "
          f"({n_chunks * interval:.2f} s of generation)")
    for k, v in run_both(interval).items():
        print(f"  {k:36s} {v:7.3f} s")


def test_a_live_stream_that_stops_mid_plan_or_fails_says_so() -> None:
    """The model's own stream (a fake server through the real client): a reply that stops
    inside a call, and a server error, each end the run with one line saying why."""
    from orchtui.engine.runner import Run, RunOptions
    from orchtui.executors.sim import SimExecutor
    from orchtui.llm.prompts import translation_messages

    sc = load_scenario(find_scenario("parallelqa_83"))
    cut = sc.plan_text[: sc.plan_text.index("s5:") + 10]
    for reply, expected in ((Reply(cut, token_interval=0.0), "the stream closed mid-plan"),
                            (Reply(status=500), "the model's stream failed")):
        with FakeOpenAI([reply]) as server:
            backend = OpenAIBackend(LLMConfig(base_url=server.base_url, max_retries=0,
                                              timeout=5))
            stream = StreamedPlan.live(backend, translation_messages(sc),
                                       [f.name for f in sc.functions])
            events = list(Run(sc, SimExecutor(2, 0.0), RunOptions(policy="llmorch"),
                              stream=stream).events())
        end = events[-1]
        assert isinstance(end, ev.RunFinished) and end.status == "failed"
        assert expected in end.error and "\n" not in end.error, end.error


def test_json_of_a_streamed_run_shows_the_repair(capsys) -> None:
    import json

    from orchtui.cli.main import main

    assert main(["scenario", "parallelqa_83", "--stream", "--sim", "--headless", "--json",
                 "--stream-rate", "40"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and out["recoveries"] == 1 and out["error"] == ""
    assert {"call": "s2", "before": 's2: search("Florida")',
            "after": 's2: search("Florida", k=1000)'} in out["repairs"]


@pytest.mark.parametrize("tail", ["s99: bogus(1)", ""], ids=["unknown-function", "no-calls"])
def test_a_whole_reply_that_is_wrong_is_not_said_to_be_cut(tail: str) -> None:
    """A reply that ended whole but is wrong (an unknown function on its last line, which is
    complete only at the end; no calls at all) was reported as "the stream closed mid-plan"."""
    sc = load_scenario(find_scenario("parallelqa_83"))
    text = sc.plan_text.rstrip() + "\n" + tail if tail else "I cannot help with that."
    end = replayed("llmorch", text=text, repair=False)[-1]
    assert isinstance(end, ev.RunFinished) and end.status == "failed"
    assert "the streamed plan does not parse" in end.error, end.error
    assert "mid-plan" not in end.error
