"""The real backend: the `openai` client against any OpenAI-compatible endpoint (OpenAI, vLLM,
llama.cpp's server, Ollama)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from orchtui.llm.backend import ChatReply, LLMError, Message, ToolCall
from orchtui.llm.config import NO_KEY, LLMConfig, api_key, redact


class OpenAIBackend:
    source = "llm"

    def __init__(self, config: LLMConfig, key: str | None = None) -> None:
        import openai

        from orchtui.llm.deadline import http_client  # imports httpx2: only when a model is used

        self.config = config
        self.label = config.model
        key = key or api_key()
        if key is None:
            if config.base_url is None:
                raise LLMError("no API key: set OPENAI_API_KEY, or point --base-url (or "
                               "OPENAI_BASE_URL) at a local OpenAI-compatible server")
            key = NO_KEY
        # Kept only to scrub it from error text; never shown (see __repr__).
        self._secret = key
        try:
            self._client = openai.OpenAI(api_key=key, base_url=config.base_url,
                                         timeout=config.timeout, max_retries=config.max_retries,
                                         http_client=http_client())
        except openai.OpenAIError as err:
            raise LLMError(f"cannot set up the model client for {config.endpoint}: "
                           f"{redact(str(err), key)}") from None

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.config.model!r}, endpoint={self.config.endpoint!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickle the client (and its key) into a worker
        raise TypeError("OpenAIBackend cannot be pickled: workers build their own")

    # -- requests -----------------------------------------------------------------------------
    def complete(self, messages: Sequence[Message], *, purpose: str, temperature: float = 0.0,
                 tools: Sequence[Mapping[str, Any]] | None = None,
                 key: str | None = None) -> ChatReply:
        params: dict[str, Any] = {"model": self.config.model, "messages": list(messages),
                                  "temperature": temperature}
        if tools:
            params["tools"] = list(tools)
            params["parallel_tool_calls"] = True
        from orchtui.llm.deadline import within

        t0 = time.perf_counter()
        # --llm-timeout bounds the whole reply (retries included), not each read of it
        deadline = time.monotonic() + self.config.timeout
        try:
            with within(deadline):
                resp = self._client.chat.completions.create(**params)
            choice = resp.choices[0]
            msg = choice.message
            calls = tuple(
                ToolCall(tc.id, tc.function.name, tc.function.arguments or "{}")
                for tc in (msg.tool_calls or ())
                if getattr(tc, "function", None) is not None
            )
            return ChatReply(msg.content or "", calls, choice.finish_reason,
                             time.perf_counter() - t0)
        except Exception as err:  # every failure becomes one clean line
            raise self._error(err, purpose, deadline) from None

    def stream(self, messages: Sequence[Message], *, purpose: str, temperature: float = 0.0,
               key: str | None = None) -> Iterator[str]:
        # The deadline holds while this generator pulls from the network, and only then: the
        # consumer's own work between pieces runs on its thread without it.
        from orchtui.llm.deadline import within

        deadline = time.monotonic() + self.config.timeout
        chunks = None
        try:
            with within(deadline):
                chunks = self._client.chat.completions.create(
                    model=self.config.model, messages=list(messages), temperature=temperature,
                    stream=True)
                pieces = iter(chunks)
            while True:
                with within(deadline):
                    chunk = next(pieces, None)
                if chunk is None:
                    break
                if chunk.choices:
                    text = chunk.choices[0].delta.content
                    if text:
                        yield text
        except Exception as err:
            raise self._error(err, purpose, deadline) from None
        finally:
            if chunks is not None:
                with contextlib.suppress(Exception):
                    chunks.close()  # hang up on a server still sending

    def _error(self, err: Exception, purpose: str, deadline: float | None = None) -> LLMError:
        import openai

        from orchtui.llm.deadline import is_timeout, passed

        where = f"model endpoint {self.config.endpoint} ({purpose})"
        timed_out = isinstance(err, openai.APITimeoutError) or is_timeout(err)
        if timed_out or (deadline is not None and passed(deadline)):
            text = (f"{where}: no reply within {self.config.timeout:g} s (--llm-timeout, "
                    "a deadline for the whole reply)")
        elif isinstance(err, openai.APIStatusError):
            detail = _error_message(err)
            text = f"{where}: HTTP {err.status_code}" + (f": {detail}" if detail else "")
        elif isinstance(err, openai.APIConnectionError):
            cause = err.__cause__ or err.__context__
            text = f"{where}: cannot connect" + (f" ({_one_line(cause)})" if cause else "")
        elif isinstance(err, ValueError | openai.APIResponseValidationError | IndexError |
                        AttributeError | TypeError):
            text = f"{where}: malformed reply ({_one_line(err)})"
        else:
            text = f"{where}: {type(err).__name__}: {_one_line(err)}"
        return LLMError(redact(text, self._secret))


def _error_message(err: Any) -> str:
    body = getattr(err, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and inner.get("message"):
            return _one_line(str(inner["message"]))
    return _one_line(getattr(err, "message", "") or "")


def _one_line(x: object, limit: int = 200) -> str:
    text = " ".join(str(x).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
