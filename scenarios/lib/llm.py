"""``chatbot``: an OFFLINE STAND-IN for a CPU-hosted LLM (the paper runs LLaMA3-8B on CPUs).

There is no real language model on this machine, so ``chatbot`` is a small, honest substitute
that does real CPU work of the same shape (train, then decode with candidate scoring):

1. It trains at call time on the bundled corpus (``data/corpus/*.txt``): interpolated trigram
   counts, and an LSA semantic space (positive PMI co-occurrence matrix reduced with an
   eigen-decomposition in numpy).
2. It decodes sentence by sentence: for every sentence it samples ``candidates`` continuations
   from the trigram model with a RNG seeded from the prompt, scores each one (trigram
   log-likelihood + LSA similarity to the prompt's key words - overlap with what it already
   wrote) and keeps the best.

For long prompts (reports to summarise) the reply also quotes the prompt's most informative
lines, marked as extractive. The reply always starts with ``[offline stand-in LLM]`` and names
the prompt's key words.
Same prompt, same reply.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import sys
from bisect import bisect
from collections import Counter, defaultdict
from itertools import accumulate
from pathlib import Path

import numpy as np

_ROOT = str(Path(__file__).resolve().parents[1])
if __package__ != "lib" and _ROOT not in sys.path:  # loaded by file path: make `lib` importable
    sys.path.append(_ROOT)
from lib.common import STOPWORDS, corpus_documents, sentences, words  # noqa: E402

LABEL = "[offline stand-in LLM]"
_BOS, _EOS = "<s>", "</s>"
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'+\-]*[A-Za-z0-9+]|[A-Za-z0-9]")


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN_RE.findall(text)]


def _prompt_seed(prompt: str, seed: int | None) -> int:
    digest = hashlib.sha256(prompt.encode("utf-8", "replace")).digest()
    return int.from_bytes(digest[:8], "big") ^ (seed or 0)


class _Model:
    """Trigram counts with interpolated probabilities, plus LSA word vectors."""

    def __init__(self, docs: list[str], dims: int = 64, window: int = 5) -> None:
        self.sents: list[list[str]] = []
        for doc in docs:
            for para in doc.split("\n\n")[1:]:  # skip the title line
                for s in sentences(para):
                    toks = _tokens(s)
                    if 4 <= len(toks) <= 40:
                        self.sents.append(toks)
        self.uni: Counter[str] = Counter()
        self.bi: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.tri: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        doc_freq: Counter[str] = Counter()
        for toks in self.sents:
            seq = [_BOS, _BOS, *toks, _EOS]
            self.uni.update(seq[2:])
            doc_freq.update(set(toks))
            for a, b, c in zip(seq, seq[1:], seq[2:], strict=False):
                self.bi[b][c] += 1
                self.tri[(a, b)][c] += 1
        self.total = sum(self.uni.values())
        self.n_sents = len(self.sents)
        self.idf = {w: math.log((1 + self.n_sents) / (1 + df)) + 1 for w, df in doc_freq.items()}
        self._tables: dict[tuple[str, str], tuple[list[str], list[int]]] = {}
        self._build_lsa(dims, window)

    # -- semantic space ---------------------------------------------------------------------
    def _build_lsa(self, dims: int, window: int) -> None:
        vocab = sorted(w for w in self.uni if w != _EOS and w not in STOPWORDS and len(w) > 2)
        self.index = {w: i for i, w in enumerate(vocab)}
        n = len(vocab)
        co = np.zeros((n, n), dtype=np.float64)
        for toks in self.sents:
            ids = [self.index[t] for t in toks if t in self.index]
            for i, a in enumerate(ids):
                for b in ids[i + 1 : i + 1 + window]:
                    co[a, b] += 1.0
                    co[b, a] += 1.0
        row = co.sum(axis=1, keepdims=True)
        total = max(co.sum(), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = np.log((co * total) / (row @ row.T))
        ppmi = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)
        vals, vecs = np.linalg.eigh(ppmi)
        order = np.argsort(-np.abs(vals))[: min(dims, n)]
        emb = vecs[:, order] * np.sqrt(np.abs(vals[order]))
        norms = np.linalg.norm(emb, axis=1, keepdims=True)
        self.emb = emb / np.where(norms > 0, norms, 1.0)

    def vector(self, toks: list[str]) -> np.ndarray | None:
        rows = [self.index[t] for t in toks if t in self.index]
        if not rows:
            return None
        weights = np.array([self.idf.get(t, 1.0) for t in toks if t in self.index])
        v = (self.emb[rows] * weights[:, None]).sum(axis=0)
        norm = float(np.linalg.norm(v))
        return v / norm if norm else None

    # -- trigram model ----------------------------------------------------------------------
    def logprob(self, a: str, b: str, c: str) -> float:
        tri = self.tri.get((a, b))
        p_tri = tri[c] / sum(tri.values()) if tri else 0.0
        bi = self.bi.get(b)
        p_bi = bi[c] / sum(bi.values()) if bi else 0.0
        p_uni = (self.uni[c] + 1) / (self.total + len(self.uni))
        return math.log(0.6 * p_tri + 0.3 * p_bi + 0.1 * p_uni)

    def sample(self, rng: random.Random, first: str | None, max_len: int = 36) -> list[str]:
        a, b = _BOS, _BOS
        out: list[str] = []
        if first is not None:
            out.append(first)
            a, b = _BOS, first
        while len(out) < max_len:
            key = (a, b)
            table = self._tables.get(key)
            if table is None:
                options = self.tri.get(key) or self.bi.get(b) or self.uni
                table = (list(options), list(accumulate(options.values())))
                self._tables[key] = table
            choices, cum = table
            c = choices[bisect(cum, rng.random() * cum[-1])]
            if c == _EOS:
                break
            out.append(c)
            a, b = b, c
        return out


_INSTRUCTION_WORDS = frozenset(
    [
        "give", "generate", "want", "need", "please", "tell", "write", "build", "based",
        "following", "answer", "question", "find", "show", "create", "provide", "using", "also",
        "first", "then", "finally", "prefer", "request", "local", "file", "html", "https", "http",
        "www", "com", "org", "net"
    ]
)
_URL_RE = re.compile(r"https?://\S+|www\.\S+")


def _keywords(model: _Model, prompt: str, k: int = 6) -> list[str]:
    text = _URL_RE.sub(" ", prompt)
    toks = [w for w in words(text)
            if w not in STOPWORDS and w not in _INSTRUCTION_WORDS and len(w) > 2]
    tf = Counter(toks)
    unseen = math.log(1 + model.n_sents) + 1
    scored = sorted(tf, key=lambda w: (-tf[w] * model.idf.get(w, unseen), w))
    return scored[:k]


def _key_points(prompt: str, model: _Model, k: int = 5) -> list[str]:
    """For long prompts (reports to summarise): the ``k`` most informative lines, in order.

    A line scores by the summed corpus idf of its words, per word, favouring numbered findings.
    """
    if len(prompt) < 400:
        return []
    unseen = math.log(1 + model.n_sents) + 1
    lines = [" ".join(line.split()) for line in prompt.splitlines()]
    lines = [line.lstrip("-* ") for line in lines if 6 <= len(line.split()) <= 60]
    def score(line: str) -> float:
        toks = [w for w in _tokens(line) if w not in STOPWORDS]
        bonus = 1.5 if re.match(r"^\d+\.\s", line) else 1.0
        return bonus * sum(model.idf.get(w, unseen) for w in toks) / (len(toks) + 3)
    best = sorted(range(len(lines)), key=lambda i: (-score(lines[i]), i))[:k]
    return [lines[i] for i in sorted(best)]


def _render(toks: list[str]) -> str:
    text = " ".join(toks)
    return text[:1].upper() + text[1:] + "."


def chatbot(prompt: str, tokens: int = 160, candidates: int = 2200, seed: int | None = None) -> str:
    """Answer ``prompt`` with the offline stand-in LLM (see the module docstring).

    ``tokens`` is the reply length in words; ``candidates`` is how many sampled continuations are
    scored per sentence (the knob for CPU work: about 2.5 s on one core with the defaults).
    """
    prompt = str(prompt)
    rng = random.Random(_prompt_seed(prompt, seed))
    model = _Model(corpus_documents())
    keys = _keywords(model, prompt)
    target = model.vector(keys) if keys else None
    known = [k for k in keys if k in model.uni]
    starters = [k for k in known if (_BOS, k) in model.tri]

    written: list[list[str]] = []
    seen_trigrams: set[tuple[str, ...]] = set()
    used: Counter[str] = Counter()
    n_words = 0
    while n_words < tokens:
        best, best_score = None, -math.inf
        for i in range(candidates):
            first = starters[i % len(starters)] if starters and i % 3 == 0 else None
            cand = model.sample(rng, first)
            if len(cand) < 6:
                continue
            seq = [_BOS, _BOS, *cand, _EOS]
            fluency = sum(model.logprob(a, b, c) for a, b, c in zip(seq, seq[1:], seq[2:],
                                                                     strict=False)) / len(cand)
            relevance = 0.0
            if target is not None:
                v = model.vector(cand)
                relevance = float(v @ target) if v is not None else 0.0
            hits = sum(1 for k in known if k in cand)
            grams = list(zip(cand, cand[1:], cand[2:], strict=False))
            copied = sum(1 for g in grams if g in seen_trigrams) / max(1, len(grams))
            repeat = sum(used[w] for w in set(cand) if w not in STOPWORDS) / len(cand)
            length = -abs(len(cand) - 18) / 18
            score = fluency + 6.0 * relevance + 1.0 * hits - 6.0 * copied - repeat + length
            if score > best_score:
                best, best_score = cand, score
        if best is None:
            break
        written.append(best)
        seen_trigrams.update(zip(best, best[1:], best[2:], strict=False))
        used.update(w for w in best if w not in STOPWORDS)
        n_words += len(best)

    header = f"{LABEL} Re: {', '.join(keys) if keys else '(no key words)'}"
    lines = [header]
    points = _key_points(prompt, model)
    if points:
        lines.append("Key points from the input (extractive):\n" + "\n".join(
            f"- {p}" for p in points))
    lines.append(" ".join(_render(s) for s in written))
    missing = [k for k in keys if k not in model.uni]
    if missing:
        lines.append(f"(Not in the stand-in's corpus, so not elaborated: {', '.join(missing)}.)")
    if "key" in words(prompt):
        derived = hashlib.sha256(b"orchtui-stand-in-key:" + prompt.encode("utf-8")).hexdigest()
        lines.append(
            f"Example key (stand-in: SHA-256 of the prompt, not a secure random key): {derived}"
        )
    return "\n\n".join(lines)
