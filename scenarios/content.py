"""Product-page content analysis for the purchase-intent scenario.

    python content.py PAGE [--windows 50,100,200,300,450,600]

PAGE is HTML or the path of a file holding it. Prints the products the page promotes with their
prices and pitch, claim and tone statistics, the legal-footnote burden, keywords (TF-IDF
against the bundled corpus) and a sliding-window readability profile (--windows: the CPU knob).
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter

from lib.common import read_text_arg, sentences, words
from lib.pagekit import flesch, keyword_table, load_page, readability_windows

PRICE = re.compile(r"\$\s?(\d[\d,]*(?:\.\d\d)?)(/mo\.)?")
SUPERLATIVE = re.compile(r"\b(?:most|best|biggest|brightest|thinnest|fastest|largest|first|ever|"
                         r"\w+est)\b", re.I)
POSITIVE = frozenset([
    "powerful", "brilliant", "beautiful", "fast", "faster", "free", "easy", "effortlessly",
    "helpful", "innovative", "incredible", "incredibly", "new", "favourite", "personal", "safe",
    "secure", "private", "award-winning", "inspiring", "breakthrough", "capable", "bold",
    "brightest", "thinnest", "biggest", "best", "magic", "love"
])
NEGATIVE = frozenset([
    "not", "never", "no", "restrictions", "limited", "damaged", "fees", "terms", "subject", "vary",
    "apply", "requires", "required", "only", "eligible", "approval"
])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", help="HTML or a path to an HTML file")
    ap.add_argument("--windows", default="50,100,200,300,450,600", help="window sizes (CPU knob)")
    ns = ap.parse_args()
    t0 = time.perf_counter()
    page = load_page(read_text_arg(ns.page))
    out = ["PRODUCT PAGE CONTENT ANALYSIS", ""]

    # Products: a heading followed by a price.
    products = []
    body = next((n for n in page.root.iter() if n.tag == "main"), page.root)
    nodes = list(body.iter())
    for k, node in enumerate(nodes):
        if node.tag in ("h2", "h3"):
            head = node.text()
            for nxt in nodes[k + 1 : k + 6]:
                if nxt.tag in ("h2", "h3"):
                    break
                m = PRICE.search(nxt.text()) if nxt.tag == "p" else None
                if m:
                    pitch = next((n.text() for n in nodes[k + 1 : k + 6]
                                  if n.attrs.get("class") == "subhead"), "")
                    products.append((head, float(m.group(1).replace(",", "")),
                                     bool(m.group(2)), pitch))
                    break
    out.append(f"Products with a price ({len(products)}):")
    for name, price, monthly, pitch in sorted(products, key=lambda p: -p[1]):
        out.append(f"  {name}: from ${price:,.0f}{' (monthly plan offered)' if monthly else ''}"
                   f" - {pitch}")
    if products:
        prices = sorted(p[1] for p in products)
        out.append(f"  price range ${prices[0]:,.0f}-${prices[-1]:,.0f}, median "
                   f"${prices[len(prices) // 2]:,.0f}")

    main_text = page.main_text or page.text
    sents = sentences(main_text, lines=True)
    toks = words(main_text)
    sup = sum(1 for s in sents if SUPERLATIVE.search(s))
    pos = sum(1 for w in toks if w in POSITIVE)
    neg = sum(1 for w in toks if w in NEGATIVE)
    score = flesch(toks, len(sents))
    out.append("")
    out.append(f"Main copy: {len(toks)} words, {len(sents)} sentences/lines; reading ease "
               f"{score['reading_ease']} (grade {score['grade']})")
    out.append(f"Claims: {sup} sentences with superlatives; tone: {pos} positive vs {neg} "
               f"hedging/negative words ({pos / max(1, pos + neg):.0%} positive)")
    foot = next((n for n in page.root.iter() if n.attrs.get("class") == "ac-gf-footnotes"), None)
    if foot is not None:
        fw = len(words(foot.text()))
        out.append(f"Legal footnotes: {fw} words ({fw / max(1, fw + len(toks)):.0%} of the copy)")
    mentions = Counter()
    for name, *_ in products:
        mentions[name] = main_text.count(name)
    out.append("Product mentions: "
               + ", ".join(f"{n} {c}" for n, c in mentions.most_common(6)))
    kw = keyword_table(main_text, max_n=2, top=10)
    out.append("TF-IDF keywords vs corpus: " + ", ".join(g for g, _ in kw["tfidf"]))

    prof = readability_windows(main_text, [int(w) for w in ns.windows.split(",") if w.strip()])
    out.append("Readability over sliding windows: " + "; ".join(
        f"{w} words: min {st['min']} mean {st['mean']} max {st['max']}" for w, st in prof.items()))
    out.append(f"(analysed in {time.perf_counter() - t0:.2f} s)")
    print("\n".join(out))


if __name__ == "__main__":
    main()
