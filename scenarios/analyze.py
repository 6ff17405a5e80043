"""Purchase-history analysis for the purchase-intent scenario.

    python analyze.py HISTORY [--customer C0042] [--brand Apple] [--bootstrap 150]

HISTORY is the path of a CSV purchase export (``history.txt``; a bare name is also looked up in
``data/``) or the CSV text itself. Prints: RFM scores and segments of all customers, the focal
customer's profile (spend, categories, brand affinity, purchase intervals), association rules
between categories (Apriori over orders), and a logistic-regression estimate of the probability
that the focal customer buys the brand in the next 90 days, with a bootstrap confidence interval
(--bootstrap refits: the CPU knob).
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
from lib.common import DATA_DIR, read_text_arg


def load(arg: str) -> tuple[list[dict[str, str]], str | None]:
    path = Path(arg)
    if not path.is_file() and (DATA_DIR / arg).is_file():
        arg = str(DATA_DIR / arg)
    elif not path.is_file() and "\n" not in arg:
        raise SystemExit(f"analyze.py: history file {arg!r} not found (here or in data/)")
    text = read_text_arg(arg)
    focal = None
    body = []
    for line in text.splitlines():
        if line.startswith("#"):
            if "Focal user" in line:
                focal = line.rsplit(":", 1)[1].strip()
            continue
        body.append(line)
    return list(csv.DictReader(io.StringIO("\n".join(body)))), focal


def features(rows: list[dict[str, str]], brand: str, cutoff: date) -> dict[str, list[float]]:
    """Per customer: recency (days), frequency (orders), monetary, brand share, before cutoff."""
    orders: dict[str, set[str]] = defaultdict(set)
    spend: Counter[str] = Counter()
    brand_spend: Counter[str] = Counter()
    last: dict[str, date] = {}
    for r in rows:
        d = date.fromisoformat(r["date"])
        if d >= cutoff:
            continue
        c = r["customer_id"]
        value = float(r["unit_price"]) * int(r["quantity"])
        orders[c].add(r["order_id"])
        spend[c] += value
        if r["brand"] == brand:
            brand_spend[c] += value
        last[c] = max(last.get(c, d), d)
    return {c: [(cutoff - last[c]).days, len(orders[c]), spend[c], brand_spend[c] / spend[c]]
            for c in orders}


def fit_logistic(x: np.ndarray, y: np.ndarray, iters: int = 400, lr: float = 0.5) -> np.ndarray:
    """L2-regularised logistic regression by gradient descent (x already standardised)."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) / len(y) + 0.01 * np.r_[0.0, w[1:]]
        w -= lr * grad
    return w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("history", help="CSV path (or text) of the purchase export")
    ap.add_argument("--customer", default=None, help="focal customer (default: file header)")
    ap.add_argument("--brand", default="Apple")
    ap.add_argument("--bootstrap", type=int, default=150, help="bootstrap refits (CPU knob)")
    ns = ap.parse_args()
    t0 = time.perf_counter()
    rows, focal = load(ns.history)
    focal = ns.customer or focal or Counter(r["customer_id"] for r in rows).most_common(1)[0][0]
    end = max(date.fromisoformat(r["date"]) for r in rows) + timedelta(days=1)
    out = ["PURCHASE HISTORY ANALYSIS", ""]
    out.append(f"{len(rows)} purchase lines, {len({r['order_id'] for r in rows})} orders, "
               f"{len({r['customer_id'] for r in rows})} customers, up to {end - timedelta(1)}")

    # RFM over the whole history.
    feats = features(rows, ns.brand, end)
    ids = sorted(feats)
    mat = np.array([feats[c] for c in ids])
    def quintile(col: np.ndarray, reverse: bool = False) -> np.ndarray:
        ranks = col.argsort(kind="stable").argsort(kind="stable") / max(1, len(col) - 1)
        q = 1 + np.minimum(4, (ranks * 5).astype(int))
        return 6 - q if reverse else q
    r_s, f_s, m_s = quintile(mat[:, 0], True), quintile(mat[:, 1]), quintile(mat[:, 2])
    def segment(r: int, f: int, m: int) -> str:
        if r >= 4 and f >= 4:
            return "champion"
        if f >= 4:
            return "loyal"
        if r >= 4:
            return "promising"
        if r <= 2 and f >= 3:
            return "at risk"
        return "hibernating" if r <= 2 else "needs attention"
    segs = [segment(int(r), int(f), int(m)) for r, f, m in zip(r_s, f_s, m_s, strict=True)]
    out.append("Segments: " + ", ".join(f"{s} {n}" for s, n in Counter(segs).most_common()))

    i = ids.index(focal)
    out.append("")
    out.append(f"Focal customer {focal}: RFM {r_s[i]}{f_s[i]}{m_s[i]} ({segs[i]}); last purchase "
               f"{int(mat[i, 0])} days ago; {int(mat[i, 1])} orders; spend ${mat[i, 2]:,.2f}; "
               f"{ns.brand} share {100 * mat[i, 3]:.0f}% (all customers: median "
               f"{100 * np.median(mat[:, 3]):.0f}%)")
    mine = [r for r in rows if r["customer_id"] == focal]
    cats = Counter()
    for r in mine:
        cats[r["category"]] += float(r["unit_price"]) * int(r["quantity"])
    out.append("  spend by category: " + ", ".join(f"{c} ${v:,.0f}" for c, v in cats.most_common()))
    brands = Counter(r["brand"] for r in mine)
    out.append("  items by brand: " + ", ".join(f"{b} {n}" for b, n in brands.most_common(6)))
    dates = sorted({date.fromisoformat(r["date"]) for r in mine})
    gaps = [(b - a).days for a, b in pairwise(dates)]
    if gaps:
        out.append(f"  days between purchases: median {int(np.median(gaps))}, "
                   f"min {min(gaps)}, max {max(gaps)}")
    devices = [(r["date"], r["product"]) for r in mine
               if r["category"] in ("Phones", "Laptops", "Tablets", "Wearables")]
    out.append("  main devices: " + "; ".join(f"{d} {p}" for d, p in devices[-6:]))

    # Apriori over orders (category level).
    baskets: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        baskets[r["order_id"]].add(r["category"])
    n_b = len(baskets)
    support: dict[frozenset[str], float] = {}
    level = [frozenset([c]) for c in sorted({c for b in baskets.values() for c in b})]
    k = 1
    while level and k <= 3:
        counts = Counter()
        for b in baskets.values():
            for cand in level:
                if cand <= b:
                    counts[cand] += 1
        kept = {s: n / n_b for s, n in counts.items() if n / n_b >= 0.02}
        support.update(kept)
        k += 1
        items = sorted(kept, key=sorted)
        level = sorted({a | b for a, b in combinations(items, 2) if len(a | b) == k}, key=sorted)
    rules = []
    for s, sup in support.items():
        if len(s) < 2:
            continue
        for rhs in s:
            lhs = s - {rhs}
            conf = sup / support[lhs]
            lift = conf / support[frozenset([rhs])]
            if conf >= 0.3 and lift > 1.2:
                rules.append((lift, conf, sup, sorted(lhs), rhs))
    rules.sort(key=lambda r: (-r[0], r[4]))
    out.append("")
    out.append(f"Association rules over {n_b} orders (support >= 2%, confidence >= 30%):")
    for lift, conf, sup, lhs, rhs in rules[:6]:
        out.append(f"  {' + '.join(lhs)} -> {rhs}: confidence {conf:.0%}, lift {lift:.2f}, "
                   f"support {sup:.1%}")

    # Purchase-intent model: features before a cutoff, label = bought the brand after it.
    cutoff = end - timedelta(days=90)
    train = features(rows, ns.brand, cutoff)
    buyers = {r["customer_id"] for r in rows
              if r["brand"] == ns.brand and date.fromisoformat(r["date"]) >= cutoff}
    tid = sorted(train)
    x = np.array([train[c] for c in tid], dtype=float)
    x[:, 2] = np.log1p(x[:, 2])
    y = np.array([1.0 if c in buyers else 0.0 for c in tid])
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mu) / sd
    w = fit_logistic(z, y)
    xf = np.array(feats[focal], dtype=float)
    xf[2] = np.log1p(xf[2])
    zf = np.r_[1.0, (xf - mu) / sd]
    prob = float(1 / (1 + np.exp(-zf @ w)))
    rng = np.random.default_rng(12345)
    boots = []
    for _ in range(ns.bootstrap):
        idx = rng.integers(0, len(tid), len(tid))
        wb = fit_logistic(z[idx], y[idx])
        boots.append(float(1 / (1 + np.exp(-zf @ wb))))
    lo, hi = np.percentile(boots, [2.5, 97.5])
    pred = 1 / (1 + np.exp(-np.hstack([np.ones((len(z), 1)), z]) @ w))
    acc = float(((pred > 0.5) == (y > 0.5)).mean())
    out.append("")
    out.append(f"Intent model (logistic regression on recency, frequency, log spend, "
               f"{ns.brand} share; trained on {len(tid)} customers, label = bought {ns.brand} in "
               f"the last 90 days, base rate {y.mean():.0%}, training accuracy {acc:.0%}):")
    out.append("  weights: " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(
        ["bias", "recency", "frequency", "log spend", "brand share"], w, strict=True)))
    out.append(f"  P({focal} buys {ns.brand} in the next 90 days) = {prob:.2f} "
               f"(95% bootstrap CI {lo:.2f}-{hi:.2f}, {ns.bootstrap} refits)")
    out.append(f"(analysed in {time.perf_counter() - t0:.2f} s)")
    print("\n".join(out))


if __name__ == "__main__":
    main()
