"""Technical SEO audit of an HTML page.

    python seo.py PAGE [--windows 50,100,200,400] [--max-n 3]

PAGE is the HTML text or the path of a file holding it (``python(file, args)`` passes long
arguments as temp-file paths). Prints a compact report. The CPU-bound part is the keyword
density / TF-IDF of every 1..max-n-gram against the bundled corpus and the Flesch reading ease
of every sliding window of each size in --windows (each window scored from scratch).
"""

from __future__ import annotations

import argparse
import time
from itertools import pairwise

from lib.common import read_text_arg, sentences, words
from lib.pagekit import (
    GENERIC_ANCHORS,
    flesch,
    keyword_table,
    link_kind,
    load_page,
    readability_windows,
    site_host,
)


def audit(html_text: str, windows: list[int], max_n: int) -> list[str]:
    t0 = time.perf_counter()
    page = load_page(html_text)
    issues: list[str] = []
    out = ["TECHNICAL SEO AUDIT", ""]

    title_len = len(page.title)
    desc = page.meta.get("description", "")
    out.append(f"Title: {page.title!r} ({title_len} chars)")
    if not 30 <= title_len <= 60:
        issues.append(f"title is {title_len} chars; aim for 30-60 with the main keyword first")
    out.append(f"Meta description: {len(desc)} chars")
    if not desc:
        issues.append("meta description missing")
    elif not 120 <= len(desc) <= 160:
        issues.append(f"meta description is {len(desc)} chars; aim for 120-160")
    canonical = [r.get("href") for r in page.links_rel if r.get("rel") == "canonical"]
    hreflang = sum(1 for r in page.links_rel if r.get("hreflang"))
    og = sorted(k for k in page.meta if k.startswith("og:"))
    tw = sorted(k for k in page.meta if k.startswith("twitter:"))
    out.append(f"Canonical: {canonical[0] if canonical else 'missing'}; hreflang alternates: "
               f"{hreflang}; lang={page.lang or 'missing'}; viewport="
               f"{'yes' if 'viewport' in page.meta else 'no'}; robots="
               f"{page.meta.get('robots', 'not set')}")
    out.append(f"Open Graph tags: {len(og)}; Twitter tags: {len(tw)}; JSON-LD blocks: "
               f"{page.json_ld}; scripts: {page.scripts}")
    if not canonical:
        issues.append("no canonical link")
    if "viewport" not in page.meta:
        issues.append("no viewport meta tag (mobile)")

    levels = [lvl for lvl, _ in page.headings]
    h1 = levels.count(1)
    skips = [(a, b, page.headings[i + 1][1])
             for i, (a, b) in enumerate(pairwise(levels)) if b > a + 1]
    out.append(f"Headings: {len(levels)} (" + ", ".join(
        f"H{n}={levels.count(n)}" for n in range(1, 7) if levels.count(n)) + ")")
    if h1 != 1:
        issues.append(f"{h1} H1 headings; use exactly one")
    for a, b, text in skips[:5]:
        issues.append(f"heading level skips H{a} -> H{b} (at {text[:40]!r})")

    imgs = page.images
    no_alt = [i.get("src", "?") for i in imgs if "alt" not in i]
    empty_alt = sum(1 for i in imgs if i.get("alt", None) == "")
    lazy = sum(1 for i in imgs if i.get("loading") == "lazy")
    coverage = 100 * (len(imgs) - len(no_alt)) / max(1, len(imgs))
    out.append(f"Images: {len(imgs)}; alt coverage {coverage:.0f}% ({len(no_alt)} without alt, "
               f"{empty_alt} decorative alt=\"\"); lazy-loaded: {lazy}")
    if no_alt:
        issues.append(f"{len(no_alt)} images lack alt text, e.g. {', '.join(no_alt[:3])}")

    host = site_host(page)
    kinds = [link_kind(href, host) for _, href, _ in page.anchors]
    generic = [t for t, _, aria in page.anchors if t.lower().strip() in GENERIC_ANCHORS
               and not aria]
    out.append(f"Links: {len(kinds)} (internal {kinds.count('internal')}, external "
               f"{kinds.count('external')}, in-page {kinds.count('anchor')}); generic anchor "
               f"text: {len(generic)}")
    if generic:
        issues.append(f"{len(generic)} links use generic anchor text ({generic[0]!r}, ...)")

    text = page.text
    toks = words(text)
    n_sent = len(sentences(text, lines=True))
    ratio = 100 * len(text.encode()) / max(1, page.html_bytes)
    score = flesch(toks, n_sent)
    out.append(f"Content: {len(toks)} words, {n_sent} sentences, text/HTML {ratio:.1f}%; Flesch "
               f"reading ease {score['reading_ease']} (grade {score['grade']})")
    if ratio < 10:
        issues.append(f"low text-to-HTML ratio ({ratio:.1f}%)")

    kw = keyword_table(text, max_n=max_n)
    out.append("")
    out.append("Keyword density (top):")
    for n, rows in kw["density"].items():
        out.append(f"  {n}: " + ", ".join(f"{g} {c}x ({d}%)" for g, c, d in rows[:6]))
    out.append("TF-IDF vs corpus: " + ", ".join(f"{g} ({s})" for g, s in kw["tfidf"][:10]))
    top_density = max((d for rows in kw["density"].values() for _, _, d in rows[:1]), default=0)
    if top_density > 3:
        issues.append(f"a keyword reaches {top_density}% density; above 3% reads as stuffing")

    main = page.main_text or text
    prof = readability_windows(main, windows)
    out.append("Readability of the main content over sliding windows (Flesch, stride 1 word):")
    for w, st in prof.items():
        start = int(st["hardest_at_word"])
        snippet = " ".join(main.split()[start : start + 8])
        out.append(f"  {w:>4}-word windows x{st['windows']}: min {st['min']} mean {st['mean']} "
                   f"max {st['max']} std {st['std']}; hardest at word {start}: {snippet!r}...")
        if st["min"] < 30:
            issues.append(f"a {w}-word passage scores {st['min']} (very hard) near word {start}")

    out.append("")
    out.append(f"Issues ({len(issues)}):")
    out.extend(f"  {i + 1}. {msg}" for i, msg in enumerate(issues))
    out.append(f"(analysed in {time.perf_counter() - t0:.2f} s)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", help="HTML text or a path to an HTML file")
    ap.add_argument("--windows", default="50,100,200,400",
                    help="sliding-window sizes in words (the CPU knob)")
    ap.add_argument("--max-n", type=int, default=3, help="longest n-gram for keyword density")
    ns = ap.parse_args()
    windows = [int(w) for w in ns.windows.split(",") if w.strip()]
    print("\n".join(audit(read_text_arg(ns.page), windows, ns.max_n)))


if __name__ == "__main__":
    main()
