"""Paths, declared latencies and small text utilities shared by the scenario functions.

Stdlib only, so that importing it is instant.
"""

from __future__ import annotations

import html
import math
import os
import re
import time
from collections import Counter
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

#: The scenario folder: bundled YAML files live directly in it, paths in plans are relative to it.
SCENARIO_DIR = Path(__file__).resolve().parents[1]
DATA_DIR = SCENARIO_DIR / "data"
#: Run outputs and big generated inputs (gitignored).
OUT_DIR = SCENARIO_DIR / "out"


def wait_latency(seconds: float) -> float:
    """Really wait ``seconds`` (a declared network/disk latency). Returns the time waited."""
    seconds = max(0.0, float(seconds))
    t0 = time.perf_counter()
    if seconds:
        time.sleep(seconds)
    return time.perf_counter() - t0


def inside(base: Path, relative: str | os.PathLike[str], *, what: str = "path") -> Path:
    """Resolve ``relative`` under ``base``; refuse absolute paths and anything escaping ``base``.

    Symlinks are resolved before the check, so a link pointing outside is refused too.
    """
    text = os.fspath(relative)
    if not text or "\x00" in text:
        raise ValueError(f"{what} must be a non-empty relative path, got {text!r}")
    candidate = Path(text)
    if candidate.is_absolute() or text.startswith("~"):
        raise ValueError(f"{what} {text!r} must be relative to {base}")
    base_resolved = base.resolve()
    resolved = (base_resolved / candidate).resolve()
    if resolved != base_resolved and base_resolved not in resolved.parents:
        raise ValueError(f"{what} {text!r} resolves outside {base_resolved}")
    return resolved


# --------------------------------------------------------------------------------------------
# Text utilities
# --------------------------------------------------------------------------------------------

STOPWORDS = frozenset(
    [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
        "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
        "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few",
        "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
        "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
        "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of",
        "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over",
        "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their",
        "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
        "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when",
        "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
        "yours", "yourself", "yourselves", "s", "t", "can't", "don't", "it's", "we're", "you're",
        "i'm", "let's", "one", "two", "per", "via", "may", "might", "must", "shall", "us", "get",
        "make", "made", "like", "new", "use", "used", "using", "every", "many", "much", "well",
        "within", "without", "into", "onto", "upon", "across", "along", "among", "around",
        "whether", "either", "neither", "yet", "still", "even", "ever"
    ]
)

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")
_SENT_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[])")
_ABBREV = ("e.g.", "i.e.", "etc.", "vs.", "Mr.", "Mrs.", "Dr.", "Inc.", "U.S.", "St.", "No.")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters, inner apostrophes and hyphens)."""
    return [w.lower() for w in _WORD_RE.findall(text)]


def content_words(text: str, *, min_len: int = 3) -> list[str]:
    """Word tokens without stopwords and very short words."""
    return [w for w in words(text) if len(w) >= min_len and w not in STOPWORDS]


def sentences(text: str, *, lines: bool = False) -> list[str]:
    """Split prose into sentences (rule based, abbreviation aware).

    With ``lines=True`` every line break also ends a sentence (text extracted from HTML, where
    headings, buttons and list items are lines without final punctuation).
    """
    if lines:
        return [s for line in text.split("\n") for s in sentences(line)]
    protected = text
    for i, abbr in enumerate(_ABBREV):
        protected = protected.replace(abbr, f"\x00{i}\x00")
    out = []
    for part in _SENT_RE.split(" ".join(protected.split())):
        for i, abbr in enumerate(_ABBREV):
            part = part.replace(f"\x00{i}\x00", abbr)
        part = part.strip()
        if part:
            out.append(part)
    return out


_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Heuristic English syllable count (vowel groups, silent final e)."""
    w = word.lower().strip("'")
    if not w:
        return 0
    n = len(_VOWEL_GROUPS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    return max(1, n)


def flesch(word_list: list[str], sentence_count: int) -> dict[str, float]:
    """Flesch reading ease and Flesch-Kincaid grade for a token list."""
    n_words = max(1, len(word_list))
    n_sent = max(1, sentence_count)
    n_syll = sum(syllables(w) for w in word_list)
    wps = n_words / n_sent
    spw = n_syll / n_words
    return {
        "reading_ease": round(206.835 - 1.015 * wps - 84.6 * spw, 2),
        "grade": round(0.39 * wps + 11.8 * spw - 15.59, 2),
    }


def corpus_documents() -> list[str]:
    """The bundled plain-English corpus, one string per document (sorted by file name)."""
    return [p.read_text(encoding="utf-8") for p in sorted((DATA_DIR / "corpus").glob("*.txt"))]


def document_frequencies(docs: Iterable[list[str]]) -> tuple[Counter[str], int]:
    """Document frequency of every term over tokenised documents, and the document count."""
    df: Counter[str] = Counter()
    n = 0
    for toks in docs:
        df.update(set(toks))
        n += 1
    return df, n


def idf(term: str, df: Counter[str], n_docs: int) -> float:
    """Smoothed inverse document frequency."""
    return math.log((1 + n_docs) / (1 + df.get(term, 0))) + 1.0


def read_text_arg(arg: str) -> str:
    """A script argument is either the text itself or the path of a file holding it."""
    if len(arg) < 4096 and "\n" not in arg:
        try:
            p = Path(arg)
            if p.is_file():
                return p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            pass
    return arg


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_VOID = frozenset(
    [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"
    ]
)
_BLOCK = frozenset(
    [
        "p", "div", "section", "article", "header", "footer", "nav", "main", "aside", "h1", "h2",
        "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tr", "td", "th", "form", "figure",
        "figcaption", "blockquote", "br", "hr", "title", "button", "label", "option"
    ]
)


class Node:
    """A DOM element: tag, attributes, children (Nodes or text strings), depth."""

    __slots__ = ("attrs", "children", "depth", "parent", "tag")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []
        self.parent = parent
        self.depth = 0 if parent is None else parent.depth + 1

    def iter(self) -> Iterable[Node]:
        """This node and all element descendants, document order."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(c for c in reversed(node.children) if isinstance(c, Node))

    def text(self) -> str:
        """All text below this node, with block elements separated by newlines."""
        parts: list[str] = []

        def walk(n: Node) -> None:
            if n.tag in ("script", "style", "noscript", "template"):
                return
            for c in n.children:
                if isinstance(c, str):
                    parts.append(c)
                else:
                    # Element boundaries separate words (<a>Learn more</a><a>Buy</a>).
                    sep = "\n" if c.tag in _BLOCK else " "
                    parts.append(sep)
                    walk(c)
                    parts.append(sep)

        walk(self)
        lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
        return "\n".join(line for line in lines if line)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in _VOID:
            self.cur = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data: str) -> None:
        if data:
            self.cur.children.append(data)


def parse_html(text: str) -> Node:
    """Parse HTML into a light DOM with :mod:`html.parser` (tolerant of unclosed tags)."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def unescape(text: str) -> str:
    return html.unescape(text)
