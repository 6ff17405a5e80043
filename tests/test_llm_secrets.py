"""The API key never appears in a trace, a log, an error message, an event or a pickled call
context: a run with a recognisable fake key, scanned everywhere."""

from __future__ import annotations

import argparse
import json
import logging
import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, Reply, Request

from orchtui.cli.llm_setup import prepare
from orchtui.engine.record import RunRecord
from orchtui.engine.trace import TraceWriter
from orchtui.errors import OrchError
from orchtui.functions import context as fctx
from orchtui.scenario.loader import find_scenario, load_scenario


@pytest.fixture(autouse=True)
def _offline_afterwards():
    """prepare(--llm) makes this process's functions live: later tests expect recorded."""
    yield
    fctx.configure(fctx.RECORDED)


KEY = "sk-canary-7f3a9c1e5b2d4f6a8c0e"


def args(url: str) -> argparse.Namespace:
    return argparse.Namespace(llm=True, stream=False, policy=None, model="m", base_url=url,
                              llm_timeout=5.0, repairs=1, retranslations=0,
                              recovery_attempts=1)


def echo_key(request: Request) -> Reply | str:
    """A careless server that echoes the caller's key into everything it says."""
    system = request.messages[0]["content"]
    key = request.headers.get("authorization", "").removeprefix("Bearer ")
    if system.startswith("You translate"):
        sc = load_scenario(find_scenario("parallelqa_83"))
        return sc.plan_text
    if system.startswith("You are a calculator"):
        return Reply(status=500, text=f"quota exceeded for key {key}")
    return Reply(status=401, text=f"Incorrect API key provided: {key}")


@pytest.mark.slow
def test_the_key_appears_nowhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                 capfd: pytest.CaptureFixture[str],
                                 caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    sc = load_scenario(find_scenario("parallelqa_83"))
    sc = replace(sc, functions=tuple(replace(f, cost=0.01) for f in sc.functions))
    seen: list[str] = []
    with FakeOpenAI(responder=echo_key) as server:
        setup = prepare(sc, args(server.base_url))
        seen += [repr(setup), repr(setup.backend)]
        seen.append(pickle.dumps(fctx.call_context(setup.scenario, "s3", 0.1, "compute"))
                    .decode("latin-1"))
        trace = tmp_path / "trace.jsonl"
        writer = TraceWriter(trace)
        run = setup.make_run("real", processors=1)
        try:
            events = list(run.events())
        finally:
            run.executor.close()
        for e in events:
            writer.write(e)
        writer.close()
    # an error path too: a translation the server refuses, its message echoing the key
    with FakeOpenAI([Reply(status=401, text=f"Incorrect API key provided: {KEY}")]) as bad, \
            pytest.raises(OrchError) as err:
        prepare(sc, args(bad.base_url))
    assert "HTTP 401" in str(err.value)
    seen.append(str(err.value))
    # the engine's requests carry the key; workers' too when their environment has it (they
    # inherit it from the forkserver, which may predate this test's environment)
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    failed = [e for e in events if type(e).__name__ == "Failed"]
    assert failed and all("quota exceeded" in e.error for e in failed)  # the echo got through
    repairs = [e for e in events if type(e).__name__ == "RecoveryFailed"]
    assert repairs and "HTTP 401" in repairs[0].reason
    seen.append(trace.read_text(encoding="utf-8"))
    seen.append(json.dumps(RunRecord.from_events(events).to_json()))
    out = capfd.readouterr()
    seen += [out.out, out.err, caplog.text]
    for text in seen:
        assert KEY not in text
        assert KEY[8:20] not in text  # not even a piece of it
