"""`search(term, k)`: offline search over a folder of text files shipped with a scenario.

Returns the first k words of the best-matching file, after waiting the I/O latency the
scenario declares for the call (its `cost`), so that a real run waits like a web search would.
The folder is `folder=` (relative to the scenario), else the scenario's `data/wiki/`, else the
scenario folder itself. A file's title is its first line (or its name); a term matching a title
wins, otherwise the file sharing most words with the term.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from pathlib import Path

from orchtui.functions import context as fctx

DEFAULT_K = 500
DEFAULT_FOLDERS = ("data/wiki", "wiki")
_WORD = re.compile(r"[a-z0-9]+")
_SPAN = re.compile(r"\S+")


def search(term: str, k: int = DEFAULT_K, *, folder: str | None = None,
           latency: float | None = None) -> str:
    t0 = time.perf_counter()
    ctx = fctx.current()
    k = _positive_int(k, "k")
    docs = _index(str(_folder(ctx.folder, folder)))
    best = _best(str(term), docs)
    if best is None:
        raise LookupError(f"search: nothing matches {str(term)!r} in {len(docs)} articles")
    text = first_words(best[1], k)
    wait = ctx.cost if latency is None else float(latency)
    left = wait - (time.perf_counter() - t0)
    if left > 0:
        time.sleep(left)
    return text


def first_words(text: str, k: int) -> str:
    """The text up to its k-th word, line breaks kept."""
    end = 0
    for n, m in enumerate(_SPAN.finditer(text), 1):
        end = m.end()
        if n == k:
            break
    return text[:end]


def _positive_int(value: object, name: str) -> int:
    try:
        n = int(float(str(value)))
    except ValueError:
        raise ValueError(f"search: {name} must be a whole number, got {value!r}") from None
    if n < 1:
        raise ValueError(f"search: {name} must be at least 1, got {n}")
    return n


def _folder(base: Path, folder: str | None) -> Path:
    if folder is not None:
        path = (base / folder).resolve()
        if base.resolve() not in (path, *path.parents):
            raise ValueError(f"search: folder {folder!r} is outside the scenario folder")
        if not path.is_dir():
            raise FileNotFoundError(f"search: no folder {folder!r} in {base}")
        return path
    for name in DEFAULT_FOLDERS:
        if (base / name).is_dir():
            return base / name
    return base


@lru_cache(maxsize=8)
def _index_cached(folder: str, stamp: tuple[tuple[str, float], ...]
                  ) -> tuple[tuple[str, str, frozenset[str]], ...]:
    out = []
    for name, _ in stamp:
        path = Path(folder) / name
        text = path.read_text(encoding="utf-8", errors="replace")
        first = text.split("\n", 1)[0].strip()
        title = first if 0 < len(first) <= 80 else path.stem.replace("-", " ").replace("_", " ")
        out.append((title, text, frozenset(_WORD.findall(text.lower()))))
    return tuple(out)


def _index(folder: str) -> tuple[tuple[str, str, frozenset[str]], ...]:
    files = sorted(p for p in Path(folder).glob("*.txt") if p.is_file())
    stamp = tuple((p.name, p.stat().st_mtime) for p in files)
    return _index_cached(folder, stamp)


def _best(term: str, docs: tuple[tuple[str, str, frozenset[str]], ...]
          ) -> tuple[str, str] | None:
    words = _WORD.findall(term.lower())
    if not words:
        return None
    key = " ".join(words)
    scored = []
    for n, (title, text, vocab) in enumerate(docs):
        t = " ".join(_WORD.findall(title.lower()))
        exact = t == key
        in_title = sum(w in t.split() for w in words)
        in_text = sum(w in vocab for w in words)
        if exact or in_title or in_text:
            scored.append(((exact, in_title, in_text, -n), (title, text)))
    return max(scored)[1] if scored else None
