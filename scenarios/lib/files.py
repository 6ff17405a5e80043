"""``write(path, content)``: save a result into the run output folder ``scenarios/out/`` (inout)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if __package__ != "lib" and _ROOT not in sys.path:  # loaded by file path: make `lib` importable
    sys.path.append(_ROOT)
from lib.common import OUT_DIR, inside, wait_latency  # noqa: E402


def write(path: str, content: object, latency: float = 0.3) -> dict:
    """Write ``content`` to ``path`` under ``scenarios/out/`` and return ``{path, bytes}``.

    ``path`` is relative to ``out/``; a leading ``/`` is read as the root of ``out/`` (so a
    plan's ``/result/tsne.json`` lands in ``out/result/tsne.json``); ``..`` escapes are refused.
    Strings are written as they are, anything else as indented JSON. Waits ``latency`` s (a
    declared storage latency) before writing.
    """
    rel = str(path).lstrip("/")
    target = inside(OUT_DIR, rel, what="output path")
    text = content if isinstance(content, str) else json.dumps(content, indent=2,
                                                               ensure_ascii=False, default=str)
    wait_latency(latency)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return {"path": str(target.relative_to(OUT_DIR.parent)), "bytes": len(text.encode("utf-8"))}
