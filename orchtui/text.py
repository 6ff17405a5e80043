"""Text from functions, models and traces made inert before it is shown, and secrets redacted
before anything is written.

A function's result, an error message, a model's reply and every string of a replayed trace are
data, not instructions to the terminal: `inert` escapes the characters a terminal would obey
(ESC and the other C0/C1 controls, so no CSI, OSC 0 title, OSC 52 clipboard write or DCS can
form; carriage return and backspace, which overwrite what was shown; bidirectional overrides,
which reorder it). Each becomes visible text such as `\\x1b`, so nothing is lost from view.

Escaping every control character rather than parsing escape sequences is deliberate: there is no
sequence grammar to get wrong, and a sequence split across two strings is as harmless as a whole
one.

`redact` replaces what is shaped like an API key or a credential (`sk-…`, `Bearer …`,
`Authorization: …`, `api_key=…`, the value of OPENAI_API_KEY) before text reaches a trace, a log
or an error line.
"""

from __future__ import annotations

import os
import re

# C0 controls but \t and \n, DEL, C1 controls, and the bidi embedding/override/isolate marks.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_AND_LINES = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, *, newlines: bool = True) -> str:
    """`text` with every character a terminal would act on escaped as visible text. With
    `newlines=False` line breaks and tabs are escaped too (for one-line places: a table cell, a
    log line)."""
    pattern = _CONTROLS if newlines else _CONTROLS_AND_LINES
    if not isinstance(text, str):
        text = str(text)
    return pattern.sub(_escape, text)


def is_inert(text: str) -> bool:
    """True if `text` holds nothing a terminal would obey (line breaks and tabs allowed)."""
    return _CONTROLS.search(text) is None


# -- secrets ----------------------------------------------------------------------------------
HIDDEN = "***"
# Shapes of credentials, each keeping its recognisable prefix so a reader sees what was there.
_SHAPES = re.compile(
    r"(?P<header>\b(?:proxy-)?authorization\b[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?"
    r"[^\s\"',;}]+"
    r"|(?P<bearer>\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|(?P<named>\b(?:[a-z0-9]+[_-])?(?:api[_-]?key|apikey|secret[_-]?key|access[_-]?token|"
    r"auth[_-]?token|password|passwd|secret)\b[\"']?\s*[:=]\s*[\"']?)[^\s\"',;}]{4,}"
    r"|(?P<key>\bsk-)[A-Za-z0-9_-]{12,}"
    r"|(?P<github>\bgh[pousr]_)[A-Za-z0-9]{20,}"
    r"|(?P<slack>\bxox[abposr]-)[A-Za-z0-9-]{10,}"
    r"|(?P<aws>\bAKIA)[0-9A-Z]{16}\b",
    re.IGNORECASE,
)
# Substrings every match of _SHAPES contains (lower case).
_TRIGGERS = ("sk-", "bearer", "authorization", "key", "secret", "passw", "token", "gh",
             "xox", "akia")
# A placeholder key the openai client needs for local servers; not a secret.
_NOT_SECRETS = {"sk-no-key-required"}


def _hide(m: re.Match[str]) -> str:
    if m.group() in _NOT_SECRETS:
        return m.group()
    prefix = next(g for g in (m.group("header"), m.group("bearer"), m.group("named"),
                              m.group("key"), m.group("github"), m.group("slack"),
                              m.group("aws")) if g is not None)
    return prefix + HIDDEN


def redact(text: str, *secrets: str | None) -> str:
    """`text` with credential-shaped substrings, OPENAI_API_KEY's value and every one of
    `secrets` replaced by ***."""
    env_key = os.environ.get("OPENAI_API_KEY")
    for s in (*secrets, env_key):
        if s and len(s) >= 4 and s not in _NOT_SECRETS and s in text:
            text = text.replace(s, HIDDEN)
    lowered = text.lower()
    # Most text (every event of a long run) holds none of these: skip the regex, which costs
    # ten times more than the look.
    if any(t in lowered for t in _TRIGGERS):
        text = _SHAPES.sub(_hide, text)
    return text


def safe_line(text: str) -> str:
    """An error or warning line as orchtui prints it: one line, inert, with keys redacted."""
    return inert(redact(text), newlines=False)


def counted(n: int, noun: str) -> str:
    """"1 call", "2 calls", "0 calls"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
