"""`chatbot(prompt)` and `self(prompt)`: a chat call to an OpenAI-compatible model.

`chatbot` is a compute function when the model runs on these CPUs (the paper hosts LLaMA3-8B on
them; declare `kind: compute`), inout when it is remote. `self` asks the planning model itself
(the paper's grammar allows `self` calls). Both answer from the scenario's recorded replies
unless the run is live (--llm).
"""

from __future__ import annotations

from typing import Any

from orchtui.functions import context as fctx


def chatbot(prompt: Any, system: str | None = None) -> str:
    return _ask("chatbot", str(prompt), system)


def self_call(prompt: Any) -> str:
    return _ask("self", str(prompt), None)


def _ask(purpose: str, prompt: str, system: str | None) -> str:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": prompt}]
    return fctx.backend().complete(messages, purpose=purpose, temperature=0.0).text
