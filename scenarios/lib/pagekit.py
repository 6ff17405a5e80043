"""Page and text analysis shared by the scenario scripts (seo.py, con.py, content.py, user.py).

Stdlib + numpy. Everything is deterministic.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlparse

from lib.common import (
    STOPWORDS,
    Node,
    content_words,
    corpus_documents,
    flesch,
    parse_html,
    sentences,
    syllables,
    words,
)

GENERIC_ANCHORS = frozenset(
    ["learn more", "read more", "click here", "here", "more", "details", "link", "this",
     "buy", "shop", "get started", "see more", "view more"]
)


@dataclass
class Page:
    """Facts about one HTML page."""

    root: Node
    html_bytes: int
    lang: str = ""
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    links_rel: list[dict[str, str]] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    anchors: list[tuple[str, str, str]] = field(default_factory=list)  # text, href, aria-label
    forms: list[Node] = field(default_factory=list)
    scripts: int = 0
    json_ld: int = 0
    text: str = ""
    main_text: str = ""
    paragraphs: list[str] = field(default_factory=list)


def load_page(html_text: str) -> Page:
    """Parse ``html_text`` and collect the facts an audit needs."""
    root = parse_html(html_text)
    page = Page(root=root, html_bytes=len(html_text.encode("utf-8")))
    body: Node | None = None
    for node in root.iter():
        tag, a = node.tag, node.attrs
        if tag == "html":
            page.lang = a.get("lang", "")
        elif tag == "title" and not page.title:
            page.title = node.text()
        elif tag == "meta":
            key = a.get("name") or a.get("property") or a.get("http-equiv")
            if key:
                page.meta[key.lower()] = a.get("content", "")
            elif "charset" in a:
                page.meta["charset"] = a["charset"]
        elif tag == "link":
            page.links_rel.append(a)
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            page.headings.append((int(tag[1]), node.text()))
        elif tag == "img":
            page.images.append(a)
        elif tag == "a":
            page.anchors.append((node.text(), a.get("href", ""), a.get("aria-label", "")))
        elif tag == "form":
            page.forms.append(node)
        elif tag == "script":
            page.scripts += 1
            if a.get("type") == "application/ld+json":
                page.json_ld += 1
        elif tag == "body":
            body = node
    if body is not None:
        page.text = body.text()
        main = next((n for n in body.iter() if n.tag == "main"), body)
        page.main_text = main.text()
        page.paragraphs = [
            p.text() for p in body.iter()
            if p.tag in ("p", "summary", "td")
            or (p.tag == "li" and not any(c.tag in ("p", "ul", "ol") for c in list(p.iter())[1:]))
        ]
        page.paragraphs = [p for p in page.paragraphs if len(p.split()) >= 3]
    return page


def link_kind(href: str, site_host: str) -> str:
    """internal, external, anchor, or other (mailto:, tel:, javascript:)."""
    if not href or href.startswith("#"):
        return "anchor"
    parsed = urlparse(href)
    if parsed.scheme in ("mailto", "tel", "javascript"):
        return "other"
    if not parsed.netloc:
        return "internal"
    host = parsed.netloc.lower().removeprefix("www.")
    return "internal" if host == site_host.removeprefix("www.") else "external"


def site_host(page: Page) -> str:
    for rel in page.links_rel:
        if rel.get("rel") == "canonical":
            return urlparse(rel.get("href", "")).netloc.lower()
    return urlparse(page.meta.get("og:url", "")).netloc.lower()


# --------------------------------------------------------------------------------------------
# CPU-heavy analyses (the work knobs are their parameters)
# --------------------------------------------------------------------------------------------


def readability_windows(text: str, window_sizes: list[int]) -> dict[int, dict[str, float]]:
    """Flesch reading ease over every window of ``w`` consecutive words (stride 1), per size.

    Each window is scored from scratch (syllables counted, sentence ends counted), the way a
    readability checker scores a selection. Returns min/mean/max/std and the hardest window's
    starting word.
    """
    toks = text.split()
    ends = [1 if t.endswith((".", "!", "?")) else 0 for t in toks]
    clean = [re.sub(r"[^A-Za-z']", "", t) for t in toks]
    out: dict[int, dict[str, float]] = {}
    for w in window_sizes:
        if len(toks) < w:
            continue
        scores = []
        for start in range(len(toks) - w + 1):
            chunk = clean[start : start + w]
            n_words = sum(1 for c in chunk if c)
            n_syll = sum(syllables(c) for c in chunk if c)
            n_sent = max(1, sum(ends[start : start + w]))
            scores.append(206.835 - 1.015 * n_words / n_sent - 84.6 * n_syll / max(1, n_words))
        mean = sum(scores) / len(scores)
        std = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
        worst = min(range(len(scores)), key=scores.__getitem__)
        out[w] = {"windows": len(scores), "min": round(min(scores), 1), "mean": round(mean, 1),
                  "max": round(max(scores), 1), "std": round(std, 1), "hardest_at_word": worst}
    return out


def ngrams(toks: list[str], n: int) -> list[str]:
    return [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]


def _gram_tokens(text: str) -> list[str]:
    return [w for w in words(text) if len(w) > 1]


def corpus_ngram_df(max_n: int = 3) -> tuple[Counter[str], int]:
    """Document frequency of all 1..max_n-grams (no stopword-only grams) over the corpus."""
    df: Counter[str] = Counter()
    docs = corpus_documents()
    for doc in docs:
        toks = _gram_tokens(doc)
        grams: set[str] = set()
        for n in range(1, max_n + 1):
            grams.update(g for g in ngrams(toks, n) if not _stop_gram(g))
        df.update(grams)
    return df, len(docs)


def _stop_gram(gram: str) -> bool:
    parts = gram.split()
    return parts[0] in STOPWORDS or parts[-1] in STOPWORDS


def keyword_table(text: str, max_n: int = 3, top: int = 12) -> dict[str, object]:
    """Keyword density of every 1..max_n-gram and TF-IDF against the bundled corpus."""
    toks = _gram_tokens(text)
    df, n_docs = corpus_ngram_df(max_n)
    density: dict[str, list[tuple[str, int, float]]] = {}
    tfidf: Counter[str] = Counter()
    for n in range(1, max_n + 1):
        counts = Counter(g for g in ngrams(toks, n) if not _stop_gram(g))
        total = max(1, len(toks) - n + 1)
        density[f"{n}-gram"] = [(g, c, round(100 * c / total, 2))
                                for g, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                                [:top]]
        for g, c in counts.items():
            if c >= 2:
                tfidf[g] = (c / total) * (math.log((1 + n_docs) / (1 + df.get(g, 0))) + 1) * n
    return {
        "words": len(toks),
        "density": density,
        "tfidf": [(g, round(s * 1000, 2)) for g, s in
                  sorted(tfidf.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
    }


def shingles(text: str, k: int = 5) -> set[int]:
    toks = words(text)
    if len(toks) < k:
        return {zlib.crc32(" ".join(toks).encode())} if toks else set()
    return {zlib.crc32(" ".join(toks[i : i + k]).encode()) for i in range(len(toks) - k + 1)}


_MERSENNE = (1 << 61) - 1


def minhash_signatures(sets: list[set[int]], num_perm: int, seed: int = 1) -> list[list[int]]:
    """MinHash signatures with ``num_perm`` universal hash functions ((a*x + b) mod 2^61-1)."""
    import random

    rng = random.Random(seed)
    params = [(rng.randrange(1, _MERSENNE), rng.randrange(0, _MERSENNE)) for _ in range(num_perm)]
    sigs = []
    for s in sets:
        items = list(s) or [0]
        sigs.append([min((a * x + b) % _MERSENNE for x in items) for a, b in params])
    return sigs


def lsh_candidates(sigs: list[list[int]], bands: int) -> set[tuple[int, int]]:
    """Pairs of signatures that agree on at least one band (locality-sensitive hashing)."""
    rows = len(sigs[0]) // bands if sigs else 0
    pairs: set[tuple[int, int]] = set()
    for b in range(bands):
        buckets: dict[tuple[int, ...], list[int]] = {}
        for i, sig in enumerate(sigs):
            buckets.setdefault(tuple(sig[b * rows : (b + 1) * rows]), []).append(i)
        for members in buckets.values():
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    pairs.add((members[x], members[y]))
    return pairs


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def levenshtein(a: str, b: str) -> int:
    """Edit distance (two-row dynamic programme)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


__all__ = [
    "GENERIC_ANCHORS",
    "Page",
    "content_words",
    "corpus_ngram_df",
    "flesch",
    "jaccard",
    "keyword_table",
    "levenshtein",
    "link_kind",
    "load_page",
    "lsh_candidates",
    "minhash_signatures",
    "readability_windows",
    "sentences",
    "shingles",
    "site_host",
]
