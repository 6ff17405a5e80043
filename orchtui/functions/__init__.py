"""Functions for scenarios and users (name them in a scenario as `orchtui.functions:NAME`):

- `chatbot(prompt)`: an OpenAI-compatible chat call (compute when the model runs on these CPUs);
- `math(prompt, context)`: the model writes a Python expression; only a safe evaluator runs it;
- `search(term, k)`: offline search over the scenario's text files, first k words of the best;
- `python(file, args)`: a script of the scenario's folder in a pinned child, its stdout;
- `self(prompt)`: ask the planning model itself.

How they learn the run's model and recorded replies: see orchtui.functions.context. The
functions are imported on first use: the worker's per-call context hook imports this package,
and must stay cheap for calls that use none of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "math": ("orchtui.functions.calc", "math"),
    "chatbot": ("orchtui.functions.chat", "chatbot"),
    "self": ("orchtui.functions.chat", "self_call"),
    "self_call": ("orchtui.functions.chat", "self_call"),
    "python": ("orchtui.functions.script", "python"),
    "search": ("orchtui.functions.search", "search"),
}

__all__ = ["chatbot", "math", "python", "search", "self", "self_call"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module, attr = _WHERE[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'orchtui.functions' has no attribute {name!r}")
