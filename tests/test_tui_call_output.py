"""The call detail shows what a call printed (issue 14), with escape sequences made inert."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from orchtui.engine.record import CallRecord
from orchtui.tui.components.call_detail import CallDetail

pytestmark = pytest.mark.anyio


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield CallDetail(id="detail")


def _text(detail: CallDetail) -> str:
    return "\n".join(strip.text for strip in detail._lines)


async def test_printed_output_is_shown_and_inert() -> None:
    call = CallRecord("s1", "shout", "compute", 1, (), 0.1, processor=0, cpu=0, pid=42,
                      start=0.0, end=0.1, status="done", preview="'ok'",
                      output="hello\x1b[2J\x1b]0;title\x07\n… 10 bytes more\n")
    app = _Host()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = app.query_one(CallDetail)
        detail.show(call, {"text": "s1: shout()"}, (0,))
        await pilot.pause()
        text = _text(detail)
    assert "printed" in text and "hello\\x1b[2J\\x1b]0;title\\x07" in text
    assert "… 10 bytes more" in text and "\x1b" not in text


async def test_no_printed_row_when_nothing_was_printed() -> None:
    call = CallRecord("s1", "quiet", "compute", 1, (), 0.1, start=0.0, end=0.1, status="done")
    app = _Host()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = app.query_one(CallDetail)
        detail.show(call, {"text": "s1: quiet()"}, (0,))
        await pilot.pause()
        assert "printed" not in _text(detail)


def _segments(detail: CallDetail) -> list[list[tuple[str, object]]]:
    return [[(s.text, s.style) for s in strip] for strip in detail._lines]


@pytest.mark.parametrize("size", [(100, 30), (60, 30)])  # the timing row fits, or folds
async def test_a_running_calls_timing_alone_renders_as_the_whole_table_would(size) -> None:
    # While the call runs only its timing row is rendered again: the panel must then hold
    # the lines a fresh render of the whole table gives, through a width change of the row
    call = CallRecord("s1", "python", "compute", 1, (), 2.0, processor=0, cpu=0, pid=7,
                      start=0.5, status="running", reason="placed on a free processor")
    info = {"text": 's1: python(file="seo.py", args=[s9, s10, s11, s12, s13, s14])'}
    app = _Host()
    async with app.run_test(size=size) as pilot:
        detail = app.query_one(CallDetail)
        for now in (1.0, 9.99, 10.5, 123.25):
            detail.show(call, info, (0,), now=now)
            stepped = _segments(detail)
            fresh = CallDetail(id="fresh")
            await app.mount(fresh)
            await pilot.pause()
            fresh.show(call, info, (0,), now=now)
            assert stepped == _segments(fresh), now
            assert f"running {now - 0.5:.2f} s" in _text(detail).replace("\n", "")
            await fresh.remove()


async def test_a_call_of_a_big_plan_lists_a_few_of_its_exclusive_partners() -> None:
    call = CallRecord("s1", "python", "compute", 2, ("s0",), 1.0, status="waiting")
    partners = tuple(f"s{n}" for n in range(2, 5002))
    app = _Host()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = app.query_one(CallDetail)
        detail.show(call, {"text": "s1: python()"}, (0,), partners)
        await pilot.pause()
        text = _text(detail)
    assert "s25" in text and "s26," not in text and "(+4976 more)" in text
