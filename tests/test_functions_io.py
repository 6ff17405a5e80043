"""`search`, `python` and `chatbot`/`self` from orchtui.functions."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI

from orchtui.functions import chatbot, python, search
from orchtui.functions import context as fctx
from orchtui.functions import self as self_fn
from orchtui.llm.config import LLMConfig

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture
def in_scenarios():
    fctx.activate(fctx.FunctionContext(scenario_dir=str(SCENARIOS), mode=fctx.RECORDED))
    yield
    fctx.activate(None)


@pytest.fixture
def folder(tmp_path: Path):
    (tmp_path / "data" / "wiki").mkdir(parents=True)
    (tmp_path / "data" / "wiki" / "new-jersey.txt").write_text(
        "New Jersey\nNew Jersey is a state. " + "word " * 20 + "END", encoding="utf-8")
    (tmp_path / "data" / "wiki" / "jersey.txt").write_text("Jersey\nAn island.", "utf-8")
    (tmp_path / "hello.py").write_text(
        "import os, sys\nprint('args', sys.argv[1:], sorted(os.sched_getaffinity(0)))\n",
        encoding="utf-8")
    (tmp_path / "fail.py").write_text("raise SystemExit('bad input')\n", encoding="utf-8")
    fctx.activate(fctx.FunctionContext(scenario_dir=str(tmp_path), cost=0.2,
                                       mode=fctx.RECORDED))
    yield tmp_path
    fctx.activate(None)


def test_search_returns_the_first_k_words_of_the_best_match(folder: Path) -> None:
    assert search("New Jersey", k=4) == "New Jersey\nNew Jersey"
    assert search("jersey", 3) == "Jersey\nAn island."  # the exact title wins
    assert search("new jersey state", 1000).endswith("END")


def test_search_waits_the_declared_latency(folder: Path) -> None:
    t0 = time.perf_counter()
    search("Jersey", 2)
    assert 0.19 <= time.perf_counter() - t0 < 1.0
    # latency=0 overrides the call's declared cost: declared 30 s, so that returning at once
    # stands out on a busy machine too (a 0.2 s cost left it 0.15 s of scheduling slack)
    fctx.activate(replace(fctx.current(), cost=30.0))
    t0 = time.perf_counter()
    search("Jersey", 2, latency=0)
    assert time.perf_counter() - t0 < 5.0


def test_search_failures(folder: Path) -> None:
    with pytest.raises(LookupError, match="nothing matches"):
        search("Atlantis", latency=0)
    with pytest.raises(ValueError, match="k must be at least 1"):
        search("Jersey", 0)
    with pytest.raises(ValueError, match="outside the scenario folder"):
        search("Jersey", folder="../..")


def test_florida_figures_need_more_than_500_words(in_scenarios: None) -> None:
    short = search("Florida", 500, latency=0)
    long = search("Florida", 1000, latency=0)
    assert "21,538,187" not in short and "170,312" not in short
    assert "21,538,187" in long and "170,312" in long


def test_python_runs_a_script_of_the_folder(folder: Path) -> None:
    out = python("hello.py", ["a", 2, {"k": 1}, "x" * 2000])
    assert out.startswith("args ['a', '2', '{\"k\": 1}', '/")  # the long one went as a file


def test_python_refuses_paths_outside_the_folder(folder: Path) -> None:
    for bad in ("../x.py", "/etc/passwd", "data/../../x.py"):
        with pytest.raises(ValueError, match="outside the scenario folder"):
            python(bad)
    (folder / "link.py").symlink_to("/usr/lib/python3/dist-packages/../../../etc/hostname")
    with pytest.raises(ValueError, match="outside"):
        python("link.py")


def test_python_failures_are_one_line(folder: Path) -> None:
    with pytest.raises(RuntimeError, match=r"fail\.py exited with status 1: bad input"):
        python("fail.py")
    with pytest.raises(FileNotFoundError):
        python("nope.py")


def test_chatbot_and_self_recorded_and_live() -> None:
    fctx.activate(fctx.FunctionContext(mode=fctx.RECORDED, recorded={
        "chatbot": {"SEO": "Use descriptive titles."}, "self": "I am the planner."}))
    try:
        assert chatbot("Give an SEO tip") == "Use descriptive titles."
        assert self_fn("who are you?") == "I am the planner."
    finally:
        fctx.activate(None)
    with FakeOpenAI(["live answer"]) as server:
        fctx.activate(fctx.FunctionContext(mode=fctx.LIVE, llm=LLMConfig(
            model="local-llama", base_url=server.base_url, max_retries=0)))
        try:
            assert chatbot("hi") == "live answer"
        finally:
            fctx.activate(None)
    assert server.requests[0].body["model"] == "local-llama"
