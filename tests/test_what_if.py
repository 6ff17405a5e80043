"""What-if: a call's cost, kind or timeout, or the processor count, changed and run in the sim
beside the original; the numbers are those of a sim run of the YAML edited by hand."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Input, Static

from orchtui.cli.inputs import load_input
from orchtui.engine.sweep import measure
from orchtui.errors import OrchError
from orchtui.scenario.whatif import WhatIf, apply_what_if
from orchtui.tui import theme
from orchtui.tui.app import AppOptions, OrchApp
from orchtui.tui.screens.what_if import WhatIfForm, WhatIfScreen

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SIZE = (120, 36)


def edited_seo_yaml(tmp_path: Path) -> Path:
    """seo_audit.yaml edited by hand: s2 calls a chatbot hosted elsewhere, an inout function
    of its own; s5 keeps the local one. (Without impls: the sim needs none.)"""
    text = (SCENARIOS / "seo_audit.yaml").read_text(encoding="utf-8")
    text = re.sub(r"\n    impl: .*", "", text)
    text = text.replace("plan: |", """  - name: chatbot_remote
    kind: inout
    description: "chatbot(prompt): the same model, hosted elsewhere"
    cost: 1.96
    timeout: 120
plan: |""", 1)
    assert "s2: chatbot(" in text
    text = text.replace("s2: chatbot(", "s2: chatbot_remote(", 1)
    path = tmp_path / "seo_remote.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_s2_inout_equals_a_hand_edited_yaml(tmp_path: Path) -> None:
    seo = load_input("seo_audit")
    edited = apply_what_if(seo, WhatIf("s2", kind="inout"))
    by_hand = load_input(str(edited_seo_yaml(tmp_path)))
    before = measure(seo, "sim", "llmorch", 2, seed=0)
    after = measure(edited, "sim", "llmorch", 2, seed=0)
    hand = measure(by_hand, "sim", "llmorch", 2, seed=0)
    assert after.makespan < before.makespan
    assert after.makespan == pytest.approx(hand.makespan, abs=1e-9)
    assert after.lower_bound == pytest.approx(hand.lower_bound, abs=1e-9)
    # the other chatbot call keeps the local, compute one
    assert edited.plan is not None
    assert edited.function(edited.plan["s5"].function).kind == "compute"
    assert edited.function(edited.plan["s2"].function).kind == "inout"


def test_a_function_with_one_call_is_changed_in_place() -> None:
    seo = load_input("seo_audit")
    edited = apply_what_if(seo, WhatIf("s1", kind="compute", timeout=5))
    assert [f.name for f in edited.functions] == [f.name for f in seo.functions]
    assert edited.function("search").kind == "compute"
    assert edited.function("search").timeout == 5


def test_cost_and_processors() -> None:
    seo = load_input("seo_audit")
    cheaper = apply_what_if(seo, WhatIf("s3", cost=0.5))
    assert cheaper.cost("s3") == 0.5 and seo.cost("s3") != 0.5
    one = apply_what_if(seo, WhatIf("s3", processors=1))
    assert one.processors == 1
    assert (measure(one, "sim", "llmorch", 1, seed=0).makespan
            > measure(seo, "sim", "llmorch", 2, seed=0).makespan)


def test_a_timeout_below_the_cost_fails_the_call_at_the_timeout() -> None:
    seo = load_input("seo_audit")
    edited = apply_what_if(seo, WhatIf("s1", timeout=0.5))
    from orchtui.engine.record import RunRecord
    from orchtui.engine.session import make_run

    run = make_run(edited, policy="llmorch", seed=0)
    try:
        rec = RunRecord.from_events(run.events())
    finally:
        run.executor.close()
    assert rec.calls["s1"].status == "failed"
    assert rec.calls["s1"].end == pytest.approx(0.5)
    assert "timed out after 0.5 s" in rec.calls["s1"].error


@pytest.mark.parametrize("what, message", [
    (WhatIf("s9", cost=1), "no call 's9'"),
    (WhatIf("s1", cost=-1), "must be a number of seconds ≥ 0"),
    (WhatIf("s1", timeout=0), "must be a number of seconds > 0"),
    (WhatIf("s1", processors=0), "at least one processor"),
])
def test_bad_what_ifs_are_refused(what: WhatIf, message: str) -> None:
    with pytest.raises(OrchError, match=re.escape(message)):
        apply_what_if(load_input("seo_audit"), what)


def seo_app() -> OrchApp:
    return OrchApp(load_input("seo_audit"),
                   AppOptions(step=True, threaded=False, speed=math.inf, seed=0))


async def open_form(app: OrchApp, pilot, call: str) -> None:
    """Select `call` in the graph and press w: the what-if form for it is on screen."""
    app.frg.select(call)
    await pilot.pause()
    await pilot.press("w")
    await pilot.pause()


@pytest.mark.anyio
async def test_w_on_s2_runs_the_what_if_beside_the_original(tmp_path: Path) -> None:
    app = seo_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_form(app, pilot, "s2")
        assert isinstance(app.screen, WhatIfForm)
        await pilot.press("tab", "down", "enter")  # kind: inout
        await pilot.press("shift+tab", "enter")  # back in the cost field: enter runs it
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhatIfScreen)
        assert screen.runs is not None
        before, after = screen.runs
        hand = measure(load_input(str(edited_seo_yaml(tmp_path))), "sim", "llmorch", 2, seed=0)
        assert before.record.makespan == pytest.approx(
            measure(load_input("seo_audit"), "sim", "llmorch", 2, seed=0).makespan)
        assert after.record.makespan == pytest.approx(hand.makespan)
        assert after.record.makespan < before.record.makespan
        assert after.record.calls["s2"].kind == "inout"
        await pilot.press("escape")
        assert not isinstance(app.screen, WhatIfScreen)


@pytest.mark.anyio
async def test_the_form_says_what_is_wrong_and_stays() -> None:
    app = seo_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_form(app, pilot, "s3")
        form = app.screen
        assert isinstance(form, WhatIfForm)
        form.query_one("#what-if-cost").value = "-2"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form
        shown = str(form.query_one("#what-if-error").render())
        assert "the cost of s3 must be a number of seconds ≥ 0" in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, WhatIfForm)


@pytest.mark.anyio
async def test_what_if_on_a_replayed_trace() -> None:
    from orchtui.engine.session import make_run

    run = make_run(load_input("seo_audit"), seed=0)
    try:
        events = list(run.events())
    finally:
        run.executor.close()
    app = OrchApp(None, AppOptions(step=True, threaded=False, speed=math.inf), replay=events)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.frg.select("s2")
        await pilot.pause()
        await pilot.press("w", "tab", "down", "enter", "shift+tab", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhatIfScreen) and screen.runs is not None
        before, after = screen.runs
        assert after.record.makespan < before.record.makespan


def test_describe_compares_processors_with_the_run_shown() -> None:
    seo = load_input("seo_audit")  # 2 processors in its YAML
    assert WhatIf("s2", processors=3).describe(seo, processors=3) == "no change"
    assert WhatIf("s2", processors=4).describe(seo, processors=3) == "4 processors (was 3)"
    assert WhatIf("s2", processors=3).describe(seo) == "3 processors (was 2)"


@pytest.mark.anyio
async def test_the_title_says_no_change_after_plus_and_w_enter() -> None:
    """`+` runs 3 processors; the form then holds 3, and both runs use 3: the title said
    "3 processors (was 2)", the YAML's count, though nothing changed."""
    app = seo_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("plus")
        await pilot.pause()
        await open_form(app, pilot, "s2")
        await pilot.press("enter")  # in the cost field: runs the form as it is
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhatIfScreen) and screen.runs is not None
        title = str(screen.query_one("#what-if-title", Static).content)
        assert title.endswith("no change"), title
        assert [r.record.processors for r in screen.runs] == [3, 3]


@pytest.mark.anyio
async def test_enter_on_the_kind_chooses_it_and_runs() -> None:
    """The form's own line says "enter: run": in the kind field too, enter takes the kind
    under the cursor and runs (it only toggled the radio button, and the form stayed)."""
    app = seo_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.frg.select("s2")
        await pilot.pause()
        await pilot.press("w", "tab", "down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhatIfScreen) and screen.runs is not None
        assert screen.what.kind == "inout"
        assert screen.runs[1].record.calls["s2"].kind == "inout"


@pytest.mark.anyio
async def test_a_failed_after_run_is_not_shown_as_faster() -> None:
    """s2 timing out at 0.5 s ends the after-run early, failed: its shorter "makespan" is no
    gain, and is not drawn in the colour of one."""
    app = seo_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_form(app, pilot, "s2")
        app.screen.query_one("#what-if-timeout", Input).value = "0.5"
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhatIfScreen) and screen.runs is not None
        before, after = screen.runs
        assert after.record.status == "failed"
        assert after.record.makespan < before.record.makespan
        table = screen.query_one("#what-if-table", Static).content
        assert isinstance(table, Table)
        gain = Style(color=theme.STATE_COLOUR["done"]).color
        styled = [str(cell) for column in table.columns for cell in column.cells
                  if isinstance(cell, Text) and isinstance(cell.style, Style)
                  and cell.style.color == gain]
        assert styled == []
