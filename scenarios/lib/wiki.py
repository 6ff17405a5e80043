"""Offline "Wikipedia" for the QA scenarios (ParallelQA, HotpotQA, MovieRec).

``search(term, k)`` is an OFFLINE STAND-IN for a Wikipedia search (inout): it ranks the bundled
articles in ``data/wiki/`` (US states, films, companies) against the term, really waits
``latency`` seconds, and returns the best article's first ``k`` words. ``summarize`` is a light,
extractive stand-in for the paper's ``self`` summary call. ``extract_number`` is a deterministic
helper for tests of the ``math`` tool.

The Florida article gives its population and area only after its 500th word: with the default
``k=500`` the figures are missing (ParallelQA #83's failure), with ``k=1000`` they are there.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if __package__ != "lib" and _ROOT not in sys.path:  # loaded by file path: make `lib` importable
    sys.path.append(_ROOT)
from lib.common import DATA_DIR, STOPWORDS, sentences, wait_latency, words  # noqa: E402

WIKI_DIR = DATA_DIR / "wiki"
LABEL = "[offline Wikipedia stand-in]"


def _articles() -> dict[str, tuple[str, str]]:
    out = {}
    for p in sorted(WIKI_DIR.glob("*.txt")):
        title, _, body = p.read_text(encoding="utf-8").partition("\n")
        out[p.stem] = (title.strip(), body.strip())
    return out


def best_article(term: str) -> tuple[str, str]:
    """(title, body) of the article that best matches ``term``; ValueError if nothing does."""
    arts = _articles()
    q = [w for w in words(term) if w not in STOPWORDS]
    if not q:
        raise ValueError(f"empty search term {term!r}")
    n = len(arts)
    df = Counter(w for _, (t, b) in arts.items() for w in set(words(t + " " + b)))
    best, best_score = None, 0.0
    for slug, (title, body) in sorted(arts.items()):
        tw, bw = words(title), Counter(words(body))
        score = 0.0
        if " ".join(words(term)) == " ".join(tw):
            score += 100.0
        for w in q:
            idf = math.log((1 + n) / (1 + df.get(w, 0))) + 1
            score += 5.0 * idf * (w in tw) + idf * math.log1p(bw.get(w, 0))
        if score > best_score:
            best, best_score = slug, score
    if best is None:
        raise ValueError(f"no article matches {term!r}")
    return arts[best]


def search(term: str, k: int = 500, latency: float = 0.6) -> str:
    """The first ``k`` words of the best-matching bundled article, after a ``latency`` s wait.

    The reply's first line is ``<title> [offline Wikipedia stand-in, first k words]``.
    """
    title, body = best_article(str(term))
    wait_latency(latency)
    k = max(1, int(k))
    tokens = body.split()
    more = " ..." if len(tokens) > k else ""
    return f"{title} {LABEL[:-1]}, first {k} words]\n" + " ".join(tokens[:k]) + more


_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_POPULATION = [
    re.compile(r"population\s+(?:of|was|is|at|reached|stood at)\s+(?:about\s+|approximately\s+)?"
               + _NUM + r"(\s*million)?", re.I),
    re.compile(_NUM + r"(\s*million)?\s+(?:residents|inhabitants|people)\b", re.I),
]
_AREA_KM = re.compile(_NUM + r"\s*(?:km2|km²|km\^2|sq\.?\s*km|square\s+kilomet(?:er|re)s)", re.I)
_AREA_MI = re.compile(_NUM + r"\s*(?:sq\.?\s*mi|square\s+miles)", re.I)


def _subject(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first.split(LABEL[:-1])[0].strip() or "the subject"


def extract_number(text: str, what: str, subject: str | None = None) -> float:
    """Population (people) or area (km²) stated in ``text``, by regular expression.

    ``what`` is ``population`` or ``area`` (``area in km²`` and similar also work). Square miles
    are converted when no km² figure is given. Raises ``ValueError("can't extract the population
    of Florida")`` when the text does not state it; the subject defaults to the text's title line.
    """
    kind = "population" if "popul" in what.lower() else "area" if "area" in what.lower() else None
    if kind is None:
        raise ValueError(f"can only extract population or area, not {what!r}")
    about = subject or _subject(str(text))
    flat = " ".join(str(text).split())
    if kind == "population":
        for pattern in _POPULATION:
            m = pattern.search(flat)
            if m:
                value = float(m.group(1).replace(",", ""))
                return value * 1e6 if m.group(2) else value
    else:
        m = _AREA_KM.search(flat)
        if m:
            return float(m.group(1).replace(",", ""))
        m = _AREA_MI.search(flat)
        if m:
            return round(float(m.group(1).replace(",", "")) * 2.589988, 1)
    raise ValueError(f"can't extract the {kind} of {about}")


def summarize(*texts: object, sentences_out: int = 5, latency: float = 0.4) -> str:
    """Extractive summary of ``texts`` (strings or lists of them): a light stand-in for the
    paper's ``self`` LLM call. Waits ``latency`` s, then keeps the ``sentences_out`` sentences
    with the highest average content-word frequency, in their original order."""
    flat: list[str] = []
    for t in texts:
        flat.extend(str(x) for x in t) if isinstance(t, (list, tuple)) else flat.append(str(t))
    wait_latency(latency)
    sents = [s for t in flat for line in t.splitlines() for s in sentences(line)
             if len(s.split()) >= 5 and LABEL[1:-1] not in s]
    freq = Counter(w for s in sents for w in words(s) if w not in STOPWORDS and len(w) > 2)

    def score(s: str) -> float:
        toks = [w for w in words(s) if w not in STOPWORDS and len(w) > 2]
        return sum(freq[w] for w in toks) / (len(toks) + 1)

    keep = sorted(sorted(range(len(sents)), key=lambda i: (-score(sents[i]), i))[:sentences_out])
    return "[offline stand-in summary, extractive] " + " ".join(sents[i] for i in keep)
