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
