"""Find the plan in a model's reply: models wrap it in code fences and prose.

The plan parser already skips lines that do not begin with a call id (prose, blank lines,
fences). Two things it cannot know are handled here: when a reply has fenced blocks, the plan is
in them (prose outside may mention `s1: ...` in passing); and a numbered line of prose
(`1. First I search ...`) in a reply written in the `s1:` dialect is prose, not an LLMCompiler
call.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
_S_CALL = re.compile(r"^[ \t]*s\d+[ \t]*:[ \t]*[^\W\d]\w*[ \t]*\(", re.M)
_ANY_CALL = re.compile(r"^[ \t]*(s\d+[ \t]*:|\d+[ \t]*[.:](?!\d))[ \t]*[^\W\d]\w*[ \t]*\(", re.M)
_NUMBERED = re.compile(r"^[ \t]*\d+[ \t]*[.:)](?!\d)")
_LOOKS_LIKE_N_CALL = re.compile(r"^[ \t]*\d+[ \t]*[.:](?!\d)[ \t]*[^\W\d]\w*[ \t]*\(")


_INLINE_CODE = re.compile(r"^([ \t]*)`([^`\n]+)`[ \t]*$", re.M)


def plan_text_from_reply(reply: str) -> str:
    """The part of `reply` that holds the plan, with numbered prose lines dropped."""
    text = reply.replace("\r\n", "\n").replace("\r", "\n")
    # a line that is all inline code: `s2: search("Florida", k=1000)`
    text = _INLINE_CODE.sub(r"\1\2", text)
    blocks = [m.group(2) for m in _FENCE.finditer(text) if _ANY_CALL.search(m.group(2))]
    if blocks:
        text = "\n".join(blocks)
    if _S_CALL.search(text):
        text = "\n".join(
            line for line in text.split("\n")
            if not (_NUMBERED.match(line) and not _LOOKS_LIKE_N_CALL.match(line))
        )
    return text.strip("\n")
