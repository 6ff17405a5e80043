"""The one chat interface everything model-related goes through: translation, compile-time and
runtime repair, the ReAct and tool-calling baselines, and the chatbot/math/self functions.

Two backends implement it: `OpenAIBackend` (the real `openai` client, against any
OpenAI-compatible endpoint) and `RecordedBackend` (replies a scenario recorded, for offline
demos). Both sit behind the same prompt-building and reply-parsing code, so a recorded run
exercises exactly what a live one does except the HTTP request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from orchtui.errors import OrchError

Message = Mapping[str, Any]  # an OpenAI chat message: {"role": ..., "content": ..., ...}

# What a request is for. The real backend ignores it; the recorded one picks its replies by it.
PURPOSES = ("translate", "repair_plan", "repair_call", "react", "parallelfc", "answer",
            "chatbot", "math", "self")


class LLMError(OrchError):
    """A model endpoint failed (unreachable, HTTP error, timeout, malformed reply), or a
    recorded reply is missing. One line; never contains the API key."""


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it


@dataclass(frozen=True)
class ChatReply:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    seconds: float = 0.0  # wall time the request took


class ChatBackend(Protocol):
    source: str  # "llm" | "recorded": how runs using this backend are labelled
    label: str  # the model's name, or "recorded"

    def complete(self, messages: Sequence[Message], *, purpose: str, temperature: float = 0.0,
                 tools: Sequence[Mapping[str, Any]] | None = None,
                 key: str | None = None) -> ChatReply:
        """One chat completion. `key` lets a recorded backend find a reply by call id or
        prompt. Raises LLMError."""
        ...

    def stream(self, messages: Sequence[Message], *, purpose: str, temperature: float = 0.0,
               key: str | None = None) -> Iterator[str]:
        """The reply's text as it is generated, in pieces. Raises LLMError."""
        ...
