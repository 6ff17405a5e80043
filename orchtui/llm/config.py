"""Where the model is: endpoint, model name, timeouts. The API key is not part of it.

The key is read from OPENAI_API_KEY when a backend is built, is held only by the `openai`
client, and never travels in a config, an event, a trace or a pickled call context: worker
processes read it from their own environment, which they inherit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

from orchtui.text import redact as redact_text

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 60.0
# A placeholder for local servers (llama.cpp, vLLM, Ollama) that ignore the key: the openai
# client refuses to start without one.
NO_KEY = "sk-no-key-required"


@dataclass(frozen=True)
class LLMConfig:
    model: str = DEFAULT_MODEL
    base_url: str | None = None  # None: OPENAI_BASE_URL, else OpenAI's own endpoint
    timeout: float = DEFAULT_TIMEOUT  # seconds: a deadline for a whole reply (llm/deadline.py)
    max_retries: int = 1  # the openai client's retries on connection errors and 5xx
    temperature: float = 0.0  # of the first translation; retranslations rise from it

    @classmethod
    def from_env(cls, model: str | None = None, base_url: str | None = None,
                 timeout: float | None = None, max_retries: int | None = None) -> LLMConfig:
        """Flags win over the environment: --model, then ORCHTUI_MODEL; --base-url, then
        OPENAI_BASE_URL."""
        cfg = cls(
            model=model or os.environ.get("ORCHTUI_MODEL") or DEFAULT_MODEL,
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None,
        )
        if timeout is not None:
            cfg = replace(cfg, timeout=timeout)
        if max_retries is not None:
            cfg = replace(cfg, max_retries=max_retries)
        return cfg

    @property
    def endpoint(self) -> str:
        """The endpoint as shown in messages: no credentials even if the URL carries some."""
        return shown_url(self.base_url or "https://api.openai.com/v1")


_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")


def shown_url(url: str) -> str:
    return _USERINFO.sub("***@", url)


def api_key() -> str | None:
    return os.environ.get("OPENAI_API_KEY") or None


def redact(text: str, *secrets: str | None) -> str:
    """`text` with every secret, anything shaped like a key, and URL credentials replaced:
    error bodies a server sends may echo the request."""
    return _USERINFO.sub("***@", redact_text(text, *secrets))
