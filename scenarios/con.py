"""Content analysis of an HTML page (or plain text).

    python con.py PAGE [--perm 256] [--bands 64]

PAGE is HTML/text or the path of a file holding it. Prints a report: sentence statistics,
readability, keywords (TF-IDF against the bundled corpus and TextRank), and duplicate or
near-duplicate paragraphs found with 5-word shingles, MinHash signatures (--perm hash
functions, the CPU knob) and LSH banding, confirmed with exact Jaccard similarity; page
paragraphs are also checked against the corpus's paragraphs (originality).
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter, defaultdict

from lib.common import STOPWORDS, content_words, corpus_documents, read_text_arg, sentences, words
from lib.pagekit import (
    flesch,
    jaccard,
    keyword_table,
    load_page,
    lsh_candidates,
    minhash_signatures,
    shingles,
)

_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?\w+(?:ed|en)\b", re.I)


def textrank(text: str, window: int = 4, iterations: int = 60, top: int = 10) -> list[str]:
    """Keywords by PageRank over the word co-occurrence graph (Mihalcea & Tarau, 2004)."""
    toks = content_words(text)
    graph: defaultdict[str, set[str]] = defaultdict(set)
    for i, a in enumerate(toks):
        for b in toks[i + 1 : i + window]:
            if a != b:
                graph[a].add(b)
                graph[b].add(a)
    score = dict.fromkeys(graph, 1.0)
    for _ in range(iterations):
        score = {w: 0.15 + 0.85 * sum(score[v] / len(graph[v]) for v in graph[w])
                 for w in graph}
    return sorted(score, key=lambda w: (-score[w], w))[:top]


def analyse(raw: str, num_perm: int, bands: int) -> list[str]:
    t0 = time.perf_counter()
    if "<" in raw and ">" in raw:
        page = load_page(raw)
        text = page.main_text or page.text
        paragraphs = page.paragraphs
    else:
        text = raw
        paragraphs = [p.strip() for p in raw.split("\n\n") if p.strip()]
    out = ["CONTENT ANALYSIS", ""]
    sents = sentences(text, lines=True)
    lengths = [len(words(s)) for s in sents]
    toks = words(text)
    long_sents = [s for s, n in zip(sents, lengths, strict=False) if n > 25]
    passive = sum(1 for s in sents if _PASSIVE.search(s))
    score = flesch(toks, len(sents))
    avg = sum(lengths) / max(1, len(lengths))
    out.append(f"Words: {len(toks)}; sentences: {len(sents)} (mean {avg:.1f} words, "
               f"{len(long_sents)} over 25 words); passive-voice sentences: {passive}")
    out.append(f"Readability: Flesch reading ease {score['reading_ease']}, "
               f"Flesch-Kincaid grade {score['grade']}")
    lexical = len(set(toks)) / max(1, len(toks))
    out.append(f"Lexical diversity (type/token): {lexical:.3f}; paragraphs: {len(paragraphs)}")
    if long_sents:
        out.append(f"Longest sentence ({max(lengths)} words): {max(long_sents, key=len)[:120]}...")

    kw = keyword_table(text, max_n=2, top=10)
    out.append("TF-IDF keywords vs corpus: " + ", ".join(g for g, _ in kw["tfidf"]))
    out.append("TextRank keywords: " + ", ".join(textrank(text)))

    # Duplicates inside the page, and overlap with the corpus (originality).
    page_sets = [shingles(p) for p in paragraphs]
    corpus_paras = [p for doc in corpus_documents() for p in doc.split("\n\n")[1:] if p.strip()]
    corpus_sets = [shingles(p) for p in corpus_paras]
    sigs = minhash_signatures(page_sets + corpus_sets, num_perm)
    pairs = lsh_candidates(sigs, bands)
    n_page = len(page_sets)
    dupes, borrowed = [], []
    for i, j in sorted(pairs):
        if i < n_page and j < n_page:
            est = sum(a == b for a, b in zip(sigs[i], sigs[j], strict=False)) / num_perm
            exact = jaccard(page_sets[i], page_sets[j])
            if exact >= 0.5:
                dupes.append((exact, est, i, j))
        elif i < n_page <= j:
            exact = jaccard(page_sets[i], corpus_sets[j - n_page])
            if exact >= 0.3:
                borrowed.append((exact, i))
    out.append("")
    out.append(f"Near-duplicate paragraphs (MinHash {num_perm} perms, {bands} LSH bands, "
               f"{len(pairs)} candidate pairs, confirmed Jaccard >= 0.5): {len(dupes)}")
    for exact, est, i, j in sorted(dupes, reverse=True)[:5]:
        out.append(f"  paragraphs {i} and {j}: Jaccard {exact:.2f} (MinHash estimate {est:.2f}): "
                   f"{paragraphs[i][:70]!r}...")
    original = 100 * (1 - len({i for _, i in borrowed}) / max(1, n_page))
    out.append(f"Originality vs corpus ({len(corpus_paras)} paragraphs): {original:.0f}% of page "
               f"paragraphs share no long passage with it")

    content = Counter(w for w in toks if w not in STOPWORDS and len(w) > 3)
    out.append("Most repeated content words: " + ", ".join(
        f"{w} ({c})" for w, c in content.most_common(8)))
    findings = []
    if dupes:
        findings.append(f"merge or rewrite {len(dupes)} duplicated paragraph pair(s)")
    if score["reading_ease"] < 50:
        findings.append("shorten sentences and prefer plainer words (reading ease below 50)")
    if long_sents:
        findings.append(f"split the {len(long_sents)} sentences longer than 25 words")
    if passive > len(sents) * 0.2:
        findings.append("reduce passive voice")
    out.append("Findings: " + ("; ".join(findings) if findings else "none"))
    out.append(f"(analysed in {time.perf_counter() - t0:.2f} s)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", help="HTML/text, or a path to a file holding it")
    ap.add_argument("--perm", type=int, default=128, help="MinHash hash functions (CPU knob)")
    ap.add_argument("--bands", type=int, default=32, help="LSH bands (perm must divide evenly)")
    ns = ap.parse_args()
    print("\n".join(analyse(read_text_arg(ns.page), ns.perm, ns.bands)))


if __name__ == "__main__":
    main()
