"""User-experience analysis of an HTML page for the purchase-intent scenario.

    python user.py PAGE [--labels 400]

PAGE is HTML or the path of a file holding it. Prints navigation and link structure, calls to
action, forms and their labels, image alt coverage, DOM depth, text density per block (CETD,
Sun et al. 2011) and confusable link labels: every pair of link/button labels compared by
normalised edit distance (--labels caps how many labels enter the pairwise comparison: the CPU
knob).
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter, defaultdict

from lib.common import Node, read_text_arg
from lib.pagekit import GENERIC_ANCHORS, levenshtein, link_kind, load_page, site_host

CTA = re.compile(r"^(buy|shop|get|start|try|learn|subscribe|sign|join|book|download|stream|"
                 r"compare|contact|view|read|see|explore|trade)\b", re.I)


def text_density(root: Node) -> list[tuple[float, str, int]]:
    """Characters per tag for every block element, with its text size (CETD's text density)."""
    rows = []
    for node in root.iter():
        if node.tag not in ("section", "div", "article", "ul", "nav", "footer", "header", "form"):
            continue
        chars = len(node.text())
        tags = sum(1 for _ in node.iter())
        label = node.tag + ("." + node.attrs["class"].split()[0] if node.attrs.get("class") else "")
        rows.append((chars / max(1, tags), label, chars))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", help="HTML or a path to an HTML file")
    ap.add_argument("--labels", type=int, default=400, help="labels compared pairwise (CPU knob)")
    ns = ap.parse_args()
    t0 = time.perf_counter()
    page = load_page(read_text_arg(ns.page))
    root = page.root
    out = ["USER EXPERIENCE ANALYSIS", ""]

    nav = next((n for n in root.iter() if n.tag == "nav"), None)
    nav_items = [n for n in nav.iter() if n.tag == "a"] if nav is not None else []
    host = site_host(page)
    kinds = Counter(link_kind(h, host) for _, h, _ in page.anchors)
    targets = Counter(h for _, h, _ in page.anchors if h)
    out.append(f"Navigation: {len(nav_items)} links in the first nav; page links: "
               f"{len(page.anchors)} ({kinds['internal']} internal, {kinds['external']} "
               f"external); {sum(1 for c in targets.values() if c > 1)} targets linked more "
               f"than once")

    by_text: defaultdict[str, set[str]] = defaultdict(set)
    for text, href, aria in page.anchors:
        if text.strip() and not aria:
            by_text[text.strip().lower()].add(href)
    ambiguous = {t: h for t, h in by_text.items() if len(h) > 1}
    generic = sum(1 for t, _, aria in page.anchors if t.strip().lower() in GENERIC_ANCHORS
                  and not aria)
    out.append(f"Link labels: {len(ambiguous)} labels lead to different places "
               f"({', '.join(sorted(ambiguous)[:5])}); {generic} generic labels without an "
               f"aria-label")

    buttons = [n for n in root.iter() if n.tag == "button"]
    ctas = [t for t, _, _ in page.anchors if CTA.match(t.strip())]
    ctas += [b.text() for b in buttons if CTA.match(b.text().strip())]
    out.append(f"Calls to action: {len(ctas)} (" + ", ".join(
        f"{w} {n}" for w, n in Counter(c.split()[0].title() for c in ctas).most_common(6)) + ")")

    labelled = {n.attrs.get("for") for n in root.iter() if n.tag == "label"}
    fields = [n for f in page.forms for n in f.iter() if n.tag in ("input", "select", "textarea")
              and n.attrs.get("type") not in ("hidden", "submit")]
    unlabelled = [f for f in fields if f.attrs.get("id") not in labelled
                  and not f.attrs.get("aria-label")]
    out.append(f"Forms: {len(page.forms)} with {len(fields)} fields; {len(unlabelled)} fields "
               f"without a label or aria-label" + (" (placeholder only)" if any(
                   f.attrs.get("placeholder") for f in unlabelled) else ""))
    no_alt = sum(1 for i in page.images if "alt" not in i)
    out.append(f"Images: {len(page.images)}, {no_alt} without alt (screen readers announce the "
               f"file name)")

    depths = [n.depth for n in root.iter()]
    out.append(f"DOM: {len(depths)} elements, max depth {max(depths)}, mean depth "
               f"{sum(depths) / len(depths):.1f}; text is {100 * len(page.text.encode()) / page.html_bytes:.0f}% of the HTML")  # noqa: E501
    dens = sorted(text_density(root), reverse=True)
    out.append("Densest blocks (chars/tag): " + ", ".join(
        f"{label} {d:.0f}" for d, label, chars in dens[:4] if chars > 200))
    sparse = [(d, label) for d, label, chars in dens if chars > 100][-3:]
    out.append("Sparsest blocks: " + ", ".join(f"{label} {d:.1f}" for d, label in sparse))

    # Every visible label a user picks or scans by: link texts, aria-labels, buttons,
    # headings, image alts and form options. Near-identical ones are hard to tell apart.
    labels = sorted({t.strip() for t, _, _ in page.anchors if t.strip()}
                    | {b.text().strip() for b in buttons if b.text().strip()}
                    | {a.strip() for _, _, a in page.anchors if a.strip()}
                    | {t.strip() for _, t in page.headings if t.strip()}
                    | {i.get("alt", "").strip() for i in page.images if i.get("alt", "").strip()}
                    | {n.text().strip() for n in root.iter() if n.tag == "option"})[: ns.labels]
    confusable = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            d = levenshtein(a.lower(), b.lower()) / max(len(a), len(b))
            if d <= 0.25:
                confusable.append((d, a, b))
    out.append(f"Confusable labels (normalised edit distance <= 0.25 over "
               f"{len(labels) * (len(labels) - 1) // 2} pairs of {len(labels)} labels): "
               f"{len(confusable)}" + ("; e.g. " + ", ".join(
                   f"{a!r}~{b!r}" for _, a, b in sorted(confusable)[:4]) if confusable else ""))
    score = 100 - 3 * len(ambiguous) - 2 * len(unlabelled) - no_alt - min(20, generic)
    out.append(f"UX score (heuristic, 100 = no issue found): {max(0, score)}")
    out.append(f"(analysed in {time.perf_counter() - t0:.2f} s)")
    print("\n".join(out))


if __name__ == "__main__":
    main()
