"""Replies a scenario recorded, served like a model would serve them (DESIGN §8).

The scenario's `recorded:` mapping holds, per purpose, one of:
  - a text: the reply to every request of that purpose;
  - a list of texts: the replies in order (translate: the first translation then each
    retranslation; repair_plan: each compile-time repair; repair_call: each runtime repair);
  - a mapping: a reply per key. When the caller gives a key (repair_call: the call id), that
    key exactly; otherwise the longest mapping key that occurs in the request's last user
    message (a math question, a chatbot prompt). `"*"` is the fallback.
Lists are consumed per backend instance. Functions build a backend per call, so they use
mappings (or one text).

A recorded reply costs no model time, so a function's recorded reply can be paced to the
call's declared cost: real CPU work for a compute function (the stand-in for a model running on
these CPUs keeps its processor busy, as the live one would), a wait for an inout one. Offline
runs then load the processors like live ones and agree with the sim.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from orchtui.llm.backend import ChatReply, LLMError, Message

_TOKEN = re.compile(r"\s*\S+|\s+")


class RecordedBackend:
    source = "recorded"
    label = "recorded"

    def __init__(self, recorded: Mapping[str, Any], pace: tuple[str, float] | None = None
                 ) -> None:
        self.recorded = recorded
        self.pace = pace  # (kind, seconds) each reply takes; None: at once
        self._used: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"RecordedBackend(purposes={sorted(self.recorded)})"

    def has(self, purpose: str) -> bool:
        return bool(self.recorded.get(purpose))

    def complete(self, messages: Sequence[Message], *, purpose: str, temperature: float = 0.0,
                 tools: Sequence[Mapping[str, Any]] | None = None,
                 key: str | None = None) -> ChatReply:
        t0 = time.perf_counter()
        text = self._reply(messages, purpose, key)
        if self.pace is not None:
            spend(*self.pace)
        return ChatReply(text, finish_reason="stop", seconds=time.perf_counter() - t0)

    def stream(self, messages: Sequence[Message], *, purpose: str, temperature: float = 0.0,
               key: str | None = None) -> Iterator[str]:
        yield from _TOKEN.findall(self._reply(messages, purpose, key))

    def _reply(self, messages: Sequence[Message], purpose: str, key: str | None) -> str:
        entry = self.recorded.get(purpose)
        if entry is None or entry == [] or entry == {}:
            raise LLMError(f"the scenario has no recorded {purpose} reply (recorded: "
                           f"{', '.join(sorted(self.recorded)) or 'none'}); use --llm to ask "
                           "a model")
        if isinstance(entry, str):
            return entry
        if isinstance(entry, list):
            n = self._used.get(purpose, 0)
            if n >= len(entry):
                raise LLMError(f"the scenario's {len(entry)} recorded {purpose} "
                               f"repl{'y is' if len(entry) == 1 else 'ies are'} used up")
            self._used[purpose] = n + 1
            return str(entry[n])
        if isinstance(entry, Mapping):
            return str(_lookup(entry, key, last_user(messages), purpose))
        raise LLMError(f"recorded.{purpose}: expected text, a list or a mapping")


def _lookup(entry: Mapping[str, Any], key: str | None, prompt: str, purpose: str) -> Any:
    if key is not None:  # a call id: exact, never a substring (s1 is in s12's prompt)
        if key in entry:
            return entry[key]
    else:
        hits = [k for k in entry if k != "*" and k in prompt]
        if hits:
            return entry[max(hits, key=len)]
    if "*" in entry:
        return entry["*"]
    shown = key or " ".join(prompt.split())[:80]
    raise LLMError(f"no recorded {purpose} reply matches {shown!r} (recorded keys: "
                   f"{', '.join(repr(k) for k in list(entry)[:6])}); use --llm to ask a model")


def last_user(messages: Sequence[Message]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            content = m.get("content")
            return content if isinstance(content, str) else str(content)
    return ""


def spend(kind: str, seconds: float) -> None:
    """Take `seconds`: busy on this CPU for a compute call, asleep for an inout one."""
    end = time.perf_counter() + max(0.0, seconds)
    if kind != "compute":
        time.sleep(max(0.0, end - time.perf_counter()))
        return
    x = 1
    while time.perf_counter() < end:
        for _ in range(2000):  # real arithmetic, checked against the clock now and then
            x = (x * 1103515245 + 12345) % 2147483648
