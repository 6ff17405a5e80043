"""The real `openai` client against a fake OpenAI-compatible server on 127.0.0.1: replies,
streaming, errors, timeouts, and the recorded backend behind the same interface."""

from __future__ import annotations

import pickle

import pytest
from fake_openai import FakeOpenAI, Reply

from orchtui.llm.backend import LLMError
from orchtui.llm.config import LLMConfig, redact
from orchtui.llm.openai_backend import OpenAIBackend
from orchtui.llm.recorded import RecordedBackend

KEY = "sk-test-KEY-0123456789abcdef"
MSGS = [{"role": "user", "content": "hello"}]


def backend(server: FakeOpenAI, timeout: float = 5.0) -> OpenAIBackend:
    return OpenAIBackend(LLMConfig(model="fake-model", base_url=server.base_url,
                                   timeout=timeout, max_retries=0), key=KEY)


def test_complete_sends_model_messages_temperature_and_key() -> None:
    with FakeOpenAI(["s1: search('x')"]) as server:
        reply = backend(server).complete(MSGS, purpose="translate", temperature=0.7)
    assert reply.text == "s1: search('x')"
    req = server.requests[0]
    assert req.body["model"] == "fake-model"
    assert req.body["messages"] == MSGS
    assert req.body["temperature"] == 0.7
    assert req.headers["authorization"] == f"Bearer {KEY}"


def test_stream_yields_tokens_as_they_arrive() -> None:
    with FakeOpenAI(["s1: search('a')\ns2: search('b')"], token_interval=0.001) as server:
        pieces = list(backend(server).stream(MSGS, purpose="translate"))
    assert len(pieces) > 3
    assert "".join(pieces) == "s1: search('a')\ns2: search('b')"
    assert server.requests[0].body["stream"] is True


def test_tool_calls_are_read() -> None:
    reply = Reply(tool_calls=(("search", {"term": "Texas"}), ("search", {"term": "Ohio"})))
    with FakeOpenAI([reply]) as server:
        got = backend(server).complete(MSGS, purpose="parallelfc", tools=[{
            "type": "function", "function": {"name": "search", "parameters": {}}}])
    assert [(c.name, c.arguments) for c in got.tool_calls] == [
        ("search", '{"term": "Texas"}'), ("search", '{"term": "Ohio"}')]
    assert server.requests[0].body["parallel_tool_calls"] is True


def test_server_error_is_one_line_naming_the_endpoint_not_the_key() -> None:
    with FakeOpenAI([Reply(status=500, text=f"upstream exploded, your key {KEY}")]) as server, \
            pytest.raises(LLMError) as err:
        backend(server).complete(MSGS, purpose="translate")
    text = str(err.value)
    assert "HTTP 500" in text and server.base_url in text and "(translate)" in text
    assert KEY not in text and "\n" not in text


def test_malformed_reply_is_a_clean_error() -> None:
    with FakeOpenAI([Reply(malformed=True)]) as server, \
            pytest.raises(LLMError, match="malformed reply"):
        backend(server).complete(MSGS, purpose="math")


def test_slow_server_times_out() -> None:
    with FakeOpenAI([Reply("late", delay=1.5)]) as server, \
            pytest.raises(LLMError, match=r"no reply within 0\.3 s"):
        backend(server, timeout=0.3).complete(MSGS, purpose="translate")


def test_slow_stream_times_out() -> None:
    with FakeOpenAI([Reply("a b c", delay=1.5)]) as server, \
            pytest.raises(LLMError, match="no reply within"):
        list(backend(server, timeout=0.3).stream(MSGS, purpose="translate"))


def test_unreachable_endpoint() -> None:
    with FakeOpenAI() as server:
        url = server.base_url
    cfg = LLMConfig(base_url=url, timeout=2, max_retries=0)
    with pytest.raises(LLMError, match="cannot connect"):
        OpenAIBackend(cfg, key=KEY).complete(MSGS, purpose="translate")


def test_no_key_and_no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMError, match="OPENAI_API_KEY"):
        OpenAIBackend(LLMConfig(base_url=None))


def test_local_endpoint_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(["ok"]) as server:
        b = OpenAIBackend(LLMConfig(base_url=server.base_url, max_retries=0))
        assert b.complete(MSGS, purpose="chatbot").text == "ok"


def test_the_key_is_in_no_repr_and_never_pickled() -> None:
    with FakeOpenAI() as server:
        b = backend(server)
        assert KEY not in repr(b) and KEY not in str(b)
        with pytest.raises(TypeError):
            pickle.dumps(b)


def test_redact_hides_keys_and_url_credentials() -> None:
    assert redact(f"bad {KEY} at http://u:p@host/v1", KEY) == "bad *** at http://***@host/v1"


def test_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ORCHTUI_MODEL", "llama")
    assert LLMConfig.from_env() == LLMConfig(model="llama", base_url="http://127.0.0.1:9/v1")
    assert LLMConfig.from_env("m", "http://x/v1").model == "m"


# -- the recorded backend ---------------------------------------------------------------------
def test_recorded_lists_are_served_in_order_then_used_up() -> None:
    b = RecordedBackend({"translate": ["one", "two"]})
    assert b.complete(MSGS, purpose="translate").text == "one"
    assert "".join(b.stream(MSGS, purpose="translate")) == "two"
    with pytest.raises(LLMError, match="used up"):
        b.complete(MSGS, purpose="translate")


def test_recorded_mappings_match_key_exactly_or_the_longest_phrase() -> None:
    b = RecordedBackend({"math": {"area of Texas": "a", "total area of Texas": "b", "*": "z"},
                         "repair_call": {"s1": "x"}})
    q = [{"role": "user", "content": "Question: total area of Texas and Ohio?"}]
    assert b.complete(q, purpose="math").text == "b"
    assert b.complete(MSGS, purpose="math").text == "z"
    assert b.complete(q, purpose="repair_call", key="s1").text == "x"
    with pytest.raises(LLMError, match="no recorded repair_call reply matches 's12'"):
        b.complete([{"role": "user", "content": "s1 s12"}], purpose="repair_call", key="s12")
    with pytest.raises(LLMError, match="no recorded chatbot reply"):
        b.complete(MSGS, purpose="chatbot")
