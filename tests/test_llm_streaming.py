"""Streaming dispatch: the incremental parser, and StreamingRun overlapping execution with
generation, against a fake server that streams tokens at a fixed rate through the real
`openai` client.

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
from orchtui.llm.streaming import StreamParser, iter_calls
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


# -- StreamingRun against a fake server ---------------------------------------------------------
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
    streaming dispatch (llmcompiler policy, real executor, 2 CPUs). `functions`: whether math
    asks the fake model (live) or answers from the scenario's recorded replies."""
    from orchtui.engine.runner import Run, RunOptions
    from orchtui.engine.session import allocate, make_executor
    from orchtui.llm.cli import warm_model_clients
    from orchtui.llm.streaming import StreamingRun
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
                        run = StreamingRun(sc, ex, opts, backend)
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
