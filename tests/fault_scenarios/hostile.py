"""Functions whose results and errors try to drive the terminal or leak a key
(tests/test_reliability_text.py). Loaded as `hostile.py:NAME`, next to the scenario."""

from __future__ import annotations

import os

# Clear the screen, set the window title (OSC 0), write the clipboard (OSC 52), a C1 CSI that
# turns text red, a carriage return that overwrites the line, a right-to-left override.
ESCAPES = ("\x1b[2J\x1b[HCLEARED \x1b]0;PWNED-TITLE\x07 \x1b]52;c;UFdORUQ=\x07 "
           "\x9b31mRED\x9b0m \rOVERWRITE \u202eTXET")
KEY = "sk-proj-canary0123456789abcdefghij"


def escapes(*_: object) -> str:
    return ESCAPES


def raise_escapes(*_: object) -> None:
    raise ValueError(ESCAPES)


def echo_key(*_: object) -> str:
    """A careless tool that echoes what it was given: a header, a key, the environment's key."""
    env_key = os.environ.get("OPENAI_API_KEY", "")
    return f"Authorization: Bearer {KEY} then {KEY} and env {env_key}"
