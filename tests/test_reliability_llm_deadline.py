"""`--llm-timeout` is a deadline for a whole model reply (issue 14, item 2).

The real `openai` client against a local server (tests/fake_openai.py, loopback only) that never
stalls long enough for a read timeout: it streams one token every second, or sends a
non-streamed body one byte at a time. Each reply would take far longer than the deadline; each
is cut at the deadline with one clear line.
"""

from __future__ import annotations

import time

import pytest
from fake_openai import FakeOpenAI, Reply

from orchtui.llm.backend import LLMError
from orchtui.llm.config import LLMConfig
from orchtui.llm.openai_backend import OpenAIBackend

MSGS = [{"role": "user", "content": "hi"}]
DEADLINE = 2.0
# Twelve tokens a second apart: 12 s to stream, every gap far below the deadline.
SLOW_TOKENS = Reply(" ".join(f"t{n}" for n in range(12)), token_interval=1.0)


def backend(server: FakeOpenAI, retries: int = 0) -> OpenAIBackend:
    return OpenAIBackend(LLMConfig(model="m", base_url=server.base_url, timeout=DEADLINE,
                                   max_retries=retries), key="sk-test-deadline")


def cut(run) -> tuple[str, float]:
    t0 = time.monotonic()
    with pytest.raises(LLMError) as info:
        run()
    return str(info.value), time.monotonic() - t0


def check(message: str, seconds: float, full: float) -> None:
    assert "\n" not in message
    assert message.endswith(f"no reply within {DEADLINE:g} s (--llm-timeout, a deadline for "
                            "the whole reply)"), message
    # cut at the deadline: long before the reply would have ended (generous, on a busy machine)
    assert seconds < (DEADLINE + full) / 2, seconds


def test_a_stream_of_slow_tokens_is_cut_at_the_deadline() -> None:
    with FakeOpenAI([SLOW_TOKENS]) as server:
        got: list[str] = []
        message, seconds = cut(lambda: got.extend(backend(server).stream(MSGS,
                                                                          purpose="translate")))
    check(message, seconds, full=12.0)
    assert 0 < len(got) < 12  # some tokens came before the cut


def test_a_trickled_body_is_cut_at_the_deadline() -> None:
    # about 300 bytes, 40 ms apart: 12 s for the whole body
    with FakeOpenAI([Reply("x" * 40, trickle=0.04)]) as server:
        message, seconds = cut(lambda: backend(server).complete(MSGS, purpose="translate"))
    check(message, seconds, full=12.0)


def test_the_deadline_covers_retries() -> None:
    # every attempt trickles; a retry must not restart the clock
    with FakeOpenAI([Reply("x" * 40, trickle=0.04)]) as server:
        message, seconds = cut(lambda: backend(server, retries=2).complete(
            MSGS, purpose="translate"))
    check(message, seconds, full=12.0)


def test_a_reply_inside_the_deadline_is_whole() -> None:
    with FakeOpenAI([Reply("a b c", token_interval=0.05)]) as server:
        b = backend(server)
        assert "".join(b.stream(MSGS, purpose="translate")) == "a b c"
        assert b.complete(MSGS, purpose="translate").text == "a b c"
        # the deadline is per reply: a second one on the same connection has its own
        assert b.complete(MSGS, purpose="translate").text == "a b c"
