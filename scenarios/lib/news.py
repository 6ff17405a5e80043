"""AGNews-style text mining: ``read_news`` (inout), ``embed`` and ``topics`` (compute).

``data/news.jsonl`` holds 1,000 short news items in four topics (World, Sports, Business,
Sci/Tech), generated procedurally by ``data/make_data.py`` (AGNews itself is not bundled).
``embed`` is TF-IDF + PCA + exact t-SNE in numpy; ``topics`` is LDA fitted by collapsed Gibbs
sampling. Both return small summaries (scores and top words), not arrays, and both report how
well the unsupervised result matches the items' labels.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

import numpy as np

_ROOT = str(Path(__file__).resolve().parents[1])
if __package__ != "lib" and _ROOT not in sys.path:  # loaded by file path: make `lib` importable
    sys.path.append(_ROOT)
from lib.common import SCENARIO_DIR, content_words, inside, wait_latency  # noqa: E402


def read_news(path: str = "data/news.jsonl", n: int = 1000, latency: float = 0.5) -> list[dict]:
    """The first ``n`` items of a JSON-lines file in the scenario folder (inout).

    Waits ``latency`` seconds (a declared storage/network latency) and reads the file. Each item
    is ``{"id", "label", "text"}``.
    """
    file = inside(SCENARIO_DIR, path, what="news file")
    wait_latency(latency)
    items = []
    with file.open(encoding="utf-8") as fh:
        for line in fh:
            if len(items) >= int(n):
                break
            if line.strip():
                rec = json.loads(line)
                items.append({"id": rec.get("id"), "label": rec.get("label", ""),
                              "text": rec.get("text") or rec.get("title", "")})
    return items


def _docs(news: object) -> tuple[list[list[str]], list[str]]:
    if isinstance(news, str):
        news = read_news(news, latency=0)
    if not isinstance(news, list) or not news:
        raise ValueError("news must be a non-empty list of items (read_news's result)")
    docs, labels = [], []
    for item in news:
        if isinstance(item, dict):
            docs.append(content_words(str(item.get("text", ""))))
            labels.append(str(item.get("label", "")))
        else:
            docs.append(content_words(str(item)))
            labels.append("")
    return docs, labels


def _vocabulary(docs: list[list[str]], min_df: int, max_share: float = 0.5) -> list[str]:
    """Terms in at least ``min_df`` documents and at most ``max_share`` of them."""
    df = Counter(t for d in docs for t in set(d))
    return sorted(t for t, c in df.items() if min_df <= c <= max_share * len(docs))


def _tfidf(docs: list[list[str]], min_df: int = 3) -> tuple[np.ndarray, list[str]]:
    df = Counter(t for d in docs for t in set(d))
    vocab = _vocabulary(docs, min_df)
    index = {t: i for i, t in enumerate(vocab)}
    x = np.zeros((len(docs), len(vocab)))
    for r, d in enumerate(docs):
        for t, c in Counter(d).items():
            if t in index:
                x[r, index[t]] = 1 + math.log(c)
    x *= np.log((1 + len(docs)) / (1 + np.array([df[t] for t in vocab]))) + 1
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x, vocab


def _perplexity_p(d2: np.ndarray, perplexity: float) -> np.ndarray:
    """Row-wise Gaussian affinities matching ``perplexity`` (vectorised bisection on beta)."""
    n = d2.shape[0]
    target = math.log(perplexity)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    beta = np.ones(n)
    np.fill_diagonal(d2, np.inf)
    for _ in range(64):
        p = np.exp(-(d2 - d2.min(axis=1, keepdims=True)) * beta[:, None])
        s = p.sum(axis=1, keepdims=True)
        p /= s
        h = -(p * np.log(np.maximum(p, 1e-300))).sum(axis=1)
        too_flat = h > target
        lo = np.where(too_flat, beta, lo)
        hi = np.where(too_flat, hi, beta)
        beta = np.where(np.isinf(hi), beta * 2, (lo + hi) / 2)
    return p


def _sq_distances(x: np.ndarray) -> np.ndarray:
    sq = (x * x).sum(axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)


def _knn_agreement(y: np.ndarray, labels: list[str], k: int = 10) -> float:
    d2 = _sq_distances(y)
    np.fill_diagonal(d2, np.inf)
    nn = np.argsort(d2, axis=1, kind="stable")[:, :k]
    lab = np.array(labels)
    return float((lab[nn] == lab[:, None]).mean())


def embed(news: object, perplexity: float = 30.0, iterations: int = 300, seed: int = 0) -> dict:
    """2-D t-SNE map of the news (compute): TF-IDF, PCA to 30 dims, exact t-SNE.

    ``iterations`` of gradient descent is the work knob (about 3 s on one core for 1,000 items).
    Returns the final KL divergence, the share of 10 nearest neighbours that share a label
    (in the map and in TF-IDF space), label centroids in the map and a few sample points.
    """
    docs, labels = _docs(news)
    x, vocab = _tfidf(docs)
    xc = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    z = xc @ vt[:30].T
    n = len(z)
    p = _perplexity_p(_sq_distances(z), perplexity)
    p = (p + p.T) / (2 * n)
    p = np.maximum(p, 1e-12).astype(np.float32)
    rng = np.random.default_rng(seed)
    y = (rng.standard_normal((n, 2)) * 1e-4).astype(np.float32)
    update = np.zeros_like(y)
    gains = np.ones_like(y)
    kl = float("nan")
    for it in range(iterations):
        exaggeration = np.float32(12.0 if it < 100 else 1.0)
        momentum = 0.5 if it < 120 else 0.8
        sq = (y * y).sum(axis=1)
        num = 1.0 / (1.0 + sq[:, None] + sq[None, :] - 2 * y @ y.T)
        np.fill_diagonal(num, 0.0)
        q = np.maximum(num / num.sum(), 1e-12)
        w = (exaggeration * p - q) * num
        grad = 4 * (w.sum(axis=1)[:, None] * y - w @ y)
        gains = np.where(np.sign(grad) != np.sign(update), gains + 0.2, gains * 0.8)
        gains = np.maximum(gains, 0.01)
        update = (momentum * update - 200.0 * gains * grad).astype(np.float32)
        y += update
        y -= y.mean(axis=0)
        if it == iterations - 1:
            kl = float((p * np.log(p / q)).sum())
    agree_map = _knn_agreement(y, labels)
    agree_tfidf = _knn_agreement(z, labels)
    centroids = {lab: [round(float(v), 2) for v in y[np.array(labels) == lab].mean(axis=0)]
                 for lab in sorted(set(labels))}
    return {
        "method": "TF-IDF -> PCA(30) -> exact t-SNE (numpy)",
        "items": n,
        "vocabulary": len(vocab),
        "perplexity": perplexity,
        "iterations": iterations,
        "kl_divergence": round(kl, 4),
        "knn10_label_agreement_map": round(agree_map, 3),
        "knn10_label_agreement_tfidf": round(agree_tfidf, 3),
        "label_centroids": centroids,
        "sample_points": [[round(float(a), 2), round(float(b), 2)] for a, b in y[:5]],
    }


def topics(news: object, k: int = 4, iterations: int = 80, alpha: float = 0.1,
           beta: float = 0.01, top: int = 8, seed: int = 0) -> dict:
    """LDA with ``k`` topics by collapsed Gibbs sampling (compute).

    ``iterations`` Gibbs sweeps is the work knob (about 3 s on one core for 1,000 items).
    Returns each topic's top words, the label it matches best with its purity, the
    log-likelihood at the start and the end, and the majority-label accuracy.
    """
    docs, labels = _docs(news)
    vocab = _vocabulary(docs, 2)
    index = {t: i for i, t in enumerate(vocab)}
    corpus = [[index[t] for t in d if t in index] for d in docs]
    v = len(vocab)
    rng = random.Random(seed)
    nwt = [[0] * k for _ in range(v)]
    ndt = [[0] * k for _ in corpus]
    nt = [0] * k
    z = []
    for di, doc in enumerate(corpus):
        zd = []
        for w in doc:
            t = rng.randrange(k)
            zd.append(t)
            nwt[w][t] += 1
            ndt[di][t] += 1
            nt[t] += 1
        z.append(zd)

    def loglik() -> float:
        total = 0.0
        for t in range(k):
            total += math.lgamma(v * beta) - math.lgamma(nt[t] + v * beta)
            total += sum(math.lgamma(nwt[w][t] + beta) for w in range(v)) - v * math.lgamma(beta)
        return total

    ll_start = loglik()
    vbeta = v * beta
    topics_range = range(k)
    for _ in range(iterations):
        for di, doc in enumerate(corpus):
            zd, nd = z[di], ndt[di]
            for i, w in enumerate(doc):
                t = zd[i]
                nw = nwt[w]
                nw[t] -= 1
                nd[t] -= 1
                nt[t] -= 1
                weights = [(nw[j] + beta) * (nd[j] + alpha) / (nt[j] + vbeta)
                           for j in topics_range]
                r = rng.random() * sum(weights)
                t = 0
                acc = weights[0]
                while acc < r and t < k - 1:
                    t += 1
                    acc += weights[t]
                zd[i] = t
                nw[t] += 1
                nd[t] += 1
                nt[t] += 1
    ll_end = loglik()

    doc_topic = [max(topics_range, key=lambda j, nd=nd: (nd[j], -j)) for nd in ndt]
    result_topics = []
    correct = 0
    for t in topics_range:
        words_t = sorted(range(v), key=lambda w, t=t: (-nwt[w][t], vocab[w]))[:top]
        members = [labels[d] for d in range(len(docs)) if doc_topic[d] == t]
        label, hits = Counter(members).most_common(1)[0] if members else ("", 0)
        correct += hits
        result_topics.append({
            "topic": t,
            "top_words": [vocab[w] for w in words_t],
            "documents": len(members),
            "best_label": label,
            "purity": round(hits / max(1, len(members)), 3),
        })
    return {
        "method": f"LDA, collapsed Gibbs sampling, {iterations} sweeps, alpha={alpha}, "
                  f"beta={beta}",
        "items": len(docs),
        "tokens": sum(len(d) for d in corpus),
        "vocabulary": v,
        "log_likelihood": [round(ll_start, 1), round(ll_end, 1)],
        "majority_label_accuracy": round(correct / max(1, len(docs)), 3),
        "topics": result_topics,
    }
