"""Regenerate the procedurally generated data files of the bundled scenarios.

    python scenarios/data/make_data.py

Writes, deterministically (fixed seeds, stdlib only):
- ``corpus/*.txt``: plain-English prose about SEO, content, UX, e-commerce analytics, security,
  text mining and reporting. The offline stand-in LLM trains on it; the analysis scripts use it
  as the background collection for TF-IDF.
- ``news.jsonl``: 1,000 short AGNews-style items in four topics (world, sports, business,
  sci/tech).
- ``history.txt``: a shop's purchase export (CSV) for the purchase-intent scenario.

The files are committed; rerunning this script reproduces them byte for byte.
"""

from __future__ import annotations

import datetime
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------

FILL = {
    "page": ["the home page", "a product page", "the pricing page", "a landing page",
             "the blog index", "a category page", "the documentation hub", "a support article"],
    "metric": ["organic traffic", "click-through rate", "bounce rate", "time on page",
               "conversion rate", "crawl coverage", "average position", "scroll depth"],
    "tool": ["a crawler", "the search console", "a log analyser", "an audit script",
             "a spreadsheet", "a dashboard", "a headless browser", "a site map validator"],
    "n": ["three", "four", "five", "six", "seven", "ten", "twelve", "twenty"],
    "pct": ["5 percent", "8 percent", "12 percent", "15 percent", "20 percent", "30 percent"],
    "aud": ["new visitors", "returning customers", "developers", "small business owners",
            "students", "enterprise buyers", "mobile users", "researchers"],
    "time": ["every week", "each month", "every quarter", "after each release",
             "before a redesign", "during the first sprint"],
}

BANKS: dict[str, list[str]] = {
    "seo": [
        "A technical SEO audit starts with a crawl of the whole site to find broken links, "
        "redirect chains and pages that return errors.",
        "The title tag should describe the page in fifty to sixty characters and place the main "
        "keyword near the beginning.",
        "A meta description does not change rankings directly, but a clear summary of one "
        "hundred and twenty to one hundred and sixty characters improves the click-through rate.",
        "Every page should have exactly one H1 heading, and the H2 and H3 headings below it "
        "should follow a logical hierarchy without skipping levels.",
        "Images need descriptive alt text, both for accessibility and so that search engines "
        "understand what the picture shows.",
        "Internal links spread authority across the site and help crawlers discover deep pages.",
        "Check {page} with {tool} and record the {metric} before changing anything.",
        "A canonical tag tells search engines which version of a duplicated page should rank.",
        "An XML sitemap lists the pages you want indexed, and the robots file tells crawlers "
        "what they may skip.",
        "Page speed matters: compress images, defer scripts that are not needed for the first "
        "paint and cache static assets.",
        "Structured data in JSON-LD lets search engines show rich results such as ratings, "
        "prices and frequently asked questions.",
        "Keyword density is a rough signal; it is better to cover the topic completely than to "
        "repeat the same phrase.",
        "Open Graph and Twitter card tags control how a page looks when it is shared on social "
        "networks.",
        "Mobile friendliness is essential because most search engines index the mobile version "
        "of a page first.",
        "A good SEO optimization example rewrites a vague title into a specific one, adds a "
        "meta description and fixes missing alt text.",
        "Audit {n} representative templates instead of every single page, because issues "
        "usually repeat across a template.",
        "Track the {metric} of {page} {time} to see whether the changes helped.",
        "Links with generic anchor text such as read more or click here waste an opportunity to "
        "describe the target page.",
        "Too many outbound links on one page dilute attention and can look like a link farm.",
        "Fixing duplicate titles on {page} raised the {metric} by about {pct} in our test.",
        "Search engine optimization is a long game, and the best results come from useful "
        "content that answers real questions.",
        "Hreflang annotations help when the same page exists in several languages.",
        "Lazy loading images below the fold keeps the first load light without hiding content "
        "from crawlers.",
        "A heading that skips from H2 to H4 confuses screen readers and weakens the outline of "
        "the page.",
    ],
    "content": [
        "Content analysis measures how readable, relevant and original a page is.",
        "Short sentences and familiar words raise the reading ease score and keep {aud} on the "
        "page.",
        "The Flesch reading ease score rewards short sentences and words with few syllables.",
        "TF-IDF highlights the terms that are frequent on this page but rare across the rest of "
        "the collection, which makes it a good way to extract keywords.",
        "Duplicate paragraphs are common on large sites, and shingling with MinHash finds them "
        "quickly.",
        "Write for {aud} first and for search engines second.",
        "A strong introduction states the problem, the promise and the proof in the first "
        "paragraph.",
        "Every section should answer one question, and its heading should say which one.",
        "Use concrete numbers: saying that the change saved {pct} of the time is more convincing "
        "than saying it was faster.",
        "Thin content with fewer than three hundred words rarely ranks for competitive queries.",
        "A content audit groups pages into keep, improve, merge and remove.",
        "Keywords should appear naturally in the title, the first paragraph and at least one "
        "heading.",
        "Long pages benefit from a table of contents and clear subheadings.",
        "Tone matters: a friendly, confident voice builds more trust than hype.",
        "Review {page} {time} and update facts that have gone stale.",
        "Readability varies across a long page, so measure it over sliding windows rather than "
        "once for the whole text.",
        "Passive voice and long noun phrases make technical writing harder to read.",
        "Calls to action should tell {aud} exactly what happens next.",
        "Content that earns links is usually original research, a useful tool or a clear guide.",
        "A summary report should list the most important findings first, each with a "
        "recommended action.",
    ],
    "ux": [
        "User experience analysis looks at how easily visitors find what they need and complete "
        "a task.",
        "A clear navigation bar with {n} top-level items is easier to scan than a crowded one.",
        "Primary calls to action should stand out visually and use a verb such as buy, start or "
        "learn.",
        "Forms should ask only for the information that is really needed.",
        "Text density that is too high tires readers, while too little text leaves questions "
        "unanswered.",
        "Link labels must make sense out of context; several links that all say learn more are "
        "confusing for screen reader users.",
        "Consistent design patterns reduce the effort {aud} spend on learning the interface.",
        "The first screen should explain what the product does and who it is for.",
        "Accessibility checks include contrast, keyboard navigation, focus order and alt text.",
        "Measure {metric} on {page} and compare mobile and desktop sessions.",
        "Usability testing with five participants usually reveals most of the serious problems.",
        "Product pages convert better when price, availability and delivery time are visible "
        "near the buy button.",
        "A deep DOM and many nested containers slow down rendering on older phones.",
        "Breadcrumbs help users understand where they are in a large catalogue.",
        "Reduce the number of choices on {page} so that {aud} can decide faster.",
        "Error messages should explain the problem and how to fix it in plain language.",
    ],
    "ecommerce": [
        "Purchase intent analysis estimates how likely a user is to buy a product soon.",
        "A user portrait combines demographics, interests, preferences and purchase history into "
        "a short profile.",
        "To build a user portrait, start with the purchase history, then add browsing behaviour "
        "and stated preferences.",
        "RFM scoring ranks customers by recency, frequency and monetary value.",
        "Customers who bought recently and often are the most likely to respond to a new "
        "offer.",
        "Association rules such as customers who buy a phone also buy a case reveal natural "
        "bundles.",
        "Brand affinity is the share of a customer's spending that goes to one brand.",
        "A recommendation system predicts what {aud} will want next from what similar users "
        "bought.",
        "Seasonality matters: electronics sales peak before the holidays and at the start of the "
        "school year.",
        "Average order value and basket size describe how a customer shops.",
        "A tutorial for analyzing user portraits should explain the data sources, the features, "
        "the segments and how to validate them.",
        "Segment customers into champions, loyal customers, promising newcomers, customers at "
        "risk and lost customers.",
        "Compare the {metric} of each segment {time}.",
        "Upgrade cycles for phones and laptops are typically two to four years.",
        "Price sensitivity shows up as purchases clustered around discounts and sales events.",
        "A judgement about purchase behaviour should cite the evidence for and against it.",
        "Cross-category purchases, for example a laptop followed by headphones, suggest an "
        "ecosystem buyer.",
        "Accessories often follow a main device purchase within a few weeks.",
    ],
    "security": [
        "End-to-end encryption means that only the sender and the receiver can read a message.",
        "AES is a symmetric block cipher with a block size of 128 bits and keys of 128, 192 or "
        "256 bits.",
        "Generate keys with a cryptographically secure random number generator, never from a "
        "memorable phrase alone.",
        "When a key must come from a passphrase, use a key derivation function such as PBKDF2 "
        "with a salt and many iterations.",
        "Counter mode turns a block cipher into a stream cipher, so the ciphertext has exactly "
        "the same length as the plaintext.",
        "Never reuse the same key and nonce pair for two different messages.",
        "Good ciphertext looks random: its byte entropy is close to eight bits per byte.",
        "To evaluate the encryption effect, compare the entropy and the byte histogram of the "
        "file before and after encryption.",
        "Encryption throughput is measured in megabytes per second and depends on the processor.",
        "A video call needs fast encryption so that frames are not delayed.",
        "Authenticated encryption adds a tag that detects tampering with the ciphertext.",
        "Store keys separately from the encrypted data and rotate them {time}.",
        "Decrypting with the correct key must reproduce the original file exactly, which a hash "
        "comparison confirms.",
        "An example of evaluating encryption reports the time taken, the size ratio, the "
        "entropy and a hash of the output.",
    ],
    "mining": [
        "Text mining turns a collection of documents into numbers that can be compared.",
        "TF-IDF weights each term by how often it appears in a document and how rare it is in "
        "the collection.",
        "t-SNE maps high-dimensional vectors to two dimensions so that similar documents land "
        "close together.",
        "The perplexity of t-SNE roughly sets how many neighbours each point considers.",
        "Latent Dirichlet Allocation models each document as a mixture of topics and each topic "
        "as a distribution over words.",
        "Collapsed Gibbs sampling is a simple and reliable way to fit an LDA model.",
        "A sample procedure for t-SNE and LDA analysis on news data: clean the text, remove "
        "stopwords, build the vocabulary, fit the models and inspect the top words.",
        "Reduce the dimensionality with PCA before t-SNE to speed it up and remove noise.",
        "Label the topics by reading their top words and a few representative documents.",
        "Save the coordinates, the topic assignments and the figures in a results folder.",
        "Run the analysis with a fixed random seed so that it can be reproduced.",
        "News articles about world events, sports, business and science form clear clusters.",
        "Evaluate the embedding by checking whether nearest neighbours share a label.",
        "Guidelines for the task should state the goal, the data, the parameters and the "
        "expected outputs.",
    ],
    "report": [
        "In summary, the audit found {n} issues that deserve attention.",
        "The highest priority is to fix problems that affect every page.",
        "We recommend addressing the quick wins first and scheduling larger changes for the next "
        "release.",
        "Overall the page is in good shape, but several details can be improved.",
        "The analysis suggests that {aud} respond well to clear and specific messages.",
        "Next steps: assign an owner to each recommendation and review progress {time}.",
        "The results should be read together with the raw measurements in the appendix.",
        "Key findings are listed below in order of expected impact.",
        "Monitor the {metric} after each change to confirm the improvement.",
        "This report summarises the technical audit, the content analysis and the "
        "recommendations.",
        "Based on the evidence, the most likely outcome is a moderate improvement within a few "
        "weeks.",
        "A final check after {n} weeks will show whether further work is needed.",
    ],
}

TITLES = {
    "seo": "Notes on technical SEO",
    "content": "Notes on content quality",
    "ux": "Notes on user experience",
    "ecommerce": "Notes on purchase behaviour",
    "security": "Notes on encryption",
    "mining": "Notes on text mining",
    "report": "Notes on reporting",
}


def _fill(rng: random.Random, sentence: str) -> str:
    for slot, options in FILL.items():
        while "{" + slot + "}" in sentence:
            sentence = sentence.replace("{" + slot + "}", rng.choice(options), 1)
    return sentence


def make_corpus(docs_per_topic: int = 24) -> None:
    rng = random.Random(20240501)
    out = HERE / "corpus"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    topics = list(BANKS)
    for t_index, topic in enumerate(topics):
        for d in range(docs_per_topic):
            # Mostly one topic, with a few sentences borrowed from a neighbouring topic, as
            # real articles do.
            other = topics[(t_index + 1 + d % (len(topics) - 1)) % len(topics)]
            paragraphs = []
            for _ in range(rng.randint(4, 6)):
                k = rng.randint(3, 6)
                picks = rng.sample(BANKS[topic], k)
                if rng.random() < 0.35:
                    picks.insert(rng.randrange(k), rng.choice(BANKS[other]))
                paragraphs.append(" ".join(_fill(rng, s) for s in picks))
            text = f"{TITLES[topic]} ({d + 1})\n\n" + "\n\n".join(paragraphs) + "\n"
            (out / f"{topic}-{d + 1:03d}.txt").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# News
# ---------------------------------------------------------------------------------------------

NEWS = {
    "world": {
        "subj": ["The prime minister", "The foreign minister", "Rebel leaders", "UN envoys",
                 "Opposition parties", "The president", "Peace negotiators", "Aid agencies",
                 "Election officials", "Border guards"],
        "verb": ["called for talks on", "rejected a plan for", "signed an agreement on",
                 "warned of unrest over", "held emergency talks about", "announced elections "
                 "after", "condemned violence in", "sent troops to stabilise"],
        "obj": ["the disputed border region", "the ceasefire", "the refugee crisis",
                "the nuclear programme", "the capital", "the coalition government",
                "humanitarian corridors", "the constitutional referendum"],
        "place": ["Baghdad", "Kabul", "Nairobi", "Jerusalem", "Kiev", "Caracas", "Islamabad",
                  "Brussels", "Khartoum", "Seoul", "Tehran", "Moscow"],
        "extra": ["Thousands of civilians fled the fighting.", "Diplomats said talks would "
                  "resume next week.", "Officials said at least a dozen people were killed.",
                  "The vote is seen as a test for the government.", "Neighbouring countries "
                  "urged restraint.", "Troops remained on alert overnight."],
    },
    "sports": {
        "subj": ["The defending champions", "The home team", "The veteran striker",
                 "The rookie quarterback", "The tennis star", "The coach", "The Yankees",
                 "The Red Sox", "Manchester United", "The Olympic team"],
        "verb": ["won the final against", "lost in overtime to", "signed a contract with",
                 "scored twice against", "beat", "were knocked out by", "clinched the title "
                 "against", "rallied late to defeat"],
        "obj": ["their league rivals", "the visiting side", "the top seed", "the Lakers",
                "Arsenal", "the Patriots", "the national team", "the wild card leaders"],
        "place": ["at the stadium", "in the semifinal", "in the playoffs", "at Wimbledon",
                  "in the season opener", "at the Olympics", "in the derby", "on the road"],
        "extra": ["The coach praised the defence after the game.", "Fans celebrated late into "
                  "the night.", "The injury could keep him out for the season.", "It was the "
                  "team's fifth straight win.", "The match went to a penalty shootout.",
                  "He finished with three goals and two assists."],
    },
    "business": {
        "subj": ["Oil prices", "Shares of the airline", "The central bank", "Retail sales",
                 "The carmaker", "Wall Street stocks", "The retailer", "Investors",
                 "The mining company", "Mortgage lenders"],
        "verb": ["rose after reports on", "fell sharply amid", "raised interest rates despite",
                 "agreed to buy", "reported record profit on", "cut jobs because of",
                 "posted a quarterly loss on", "rallied on news of"],
        "obj": ["weaker consumer spending", "a merger deal", "inflation worries",
                "higher fuel costs", "quarterly earnings", "a takeover bid", "strong exports",
                "the dollar's slide"],
        "place": ["in New York trading", "in London", "on the stock exchange", "in Tokyo",
                  "in early trade", "for the third quarter", "in the fiscal year",
                  "on Wall Street"],
        "extra": ["Analysts had expected a smaller decline.", "The company's shares closed "
                  "higher.", "Economists expect growth to slow next year.", "The deal is "
                  "worth about two billion dollars.", "Crude futures hit a new high.",
                  "Profit margins narrowed as costs climbed."],
    },
    "scitech": {
        "subj": ["Scientists", "The software giant", "NASA engineers", "Researchers",
                 "The chipmaker", "Astronomers", "A new study", "The search engine company",
                 "Hackers", "The space agency"],
        "verb": ["unveiled a new", "discovered evidence of", "released an update to",
                 "warned users about a flaw in", "launched", "tested a prototype of",
                 "published findings on", "patched a vulnerability in"],
        "obj": ["processor", "operating system", "Mars rover", "gene therapy",
                "browser", "comet", "climate model", "wireless network", "robot", "telescope",
                "software", "virus"],
        "place": ["at a developer conference", "in the journal Nature", "in orbit",
                  "in its laboratory", "on the internet", "in a research paper",
                  "at the space station", "on Linux"],
        "extra": ["The technology could reach consumers next year.", "The discovery may "
                  "change how planets form.", "Security experts urged users to update.",
                  "The chip is twice as fast as its predecessor.", "Data from the probe "
                  "will be released online.", "The open source community welcomed the move."],
    },
}


def make_news(n: int = 1000) -> None:
    rng = random.Random(1202)
    topics = list(NEWS)
    lines = []
    for i in range(n):
        topic = topics[i % 4] if rng.random() < 0.9 else rng.choice(topics)
        bank = NEWS[topic]
        # About one item in eight mixes in vocabulary of another topic (AGNews is not clean).
        mix = NEWS[rng.choice(topics)] if rng.random() < 0.12 else bank
        title = f"{rng.choice(bank['subj'])} {rng.choice(bank['verb'])} {rng.choice(bank['obj'])}"
        first = rng.choice(bank["extra"])
        second = rng.choice([e for e in mix["extra"] if e != first])
        source = rng.choice(["officials", "sources", "reports", "analysts"])
        day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Sunday"])
        text = f"{title} {rng.choice(bank['place'])}, {source} said on {day}. {first} {second}"
        label = {"world": "World", "sports": "Sports", "business": "Business",
                 "scitech": "Sci/Tech"}[topic]
        lines.append(json.dumps({"id": i + 1, "label": label, "title": title, "text": text}))
    (HERE / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Purchase history
# ---------------------------------------------------------------------------------------------

CATALOGUE = [
    # product, brand, category, price
    ("iPhone 15", "Apple", "Phones", 799.0), ("iPhone 15 Pro", "Apple", "Phones", 999.0),
    ("Galaxy S24", "Samsung", "Phones", 849.0), ("Pixel 8", "Google", "Phones", 699.0),
    ("MacBook Air 13", "Apple", "Laptops", 1099.0), ("MacBook Pro 14", "Apple", "Laptops", 1599.0),
    ("XPS 13", "Dell", "Laptops", 999.0), ("ThinkPad X1", "Lenovo", "Laptops", 1399.0),
    ("iPad Air", "Apple", "Tablets", 599.0), ("Galaxy Tab S9", "Samsung", "Tablets", 799.0),
    ("AirPods Pro", "Apple", "Audio", 249.0), ("WH-1000XM5", "Sony", "Audio", 399.0),
    ("Galaxy Buds2", "Samsung", "Audio", 149.0), ("Apple Watch SE", "Apple", "Wearables", 249.0),
    ("Apple Watch Series 9", "Apple", "Wearables", 399.0), ("Fitbit Charge 6", "Google",
                                                             "Wearables", 159.0),
    ("USB-C Charger 20W", "Apple", "Accessories", 19.0), ("Phone Case", "Generic",
                                                            "Accessories", 25.0),
    ("Screen Protector", "Generic", "Accessories", 12.0), ("Magic Mouse", "Apple",
                                                             "Accessories", 79.0),
    ("USB-C Cable", "Anker", "Accessories", 15.0), ("Power Bank", "Anker", "Accessories", 49.0),
    ("AppleCare+", "Apple", "Services", 199.0), ("Streaming Subscription", "Various",
                                                 "Services", 10.99),
    ("Running Shoes", "Nike", "Sports", 120.0), ("Yoga Mat", "Generic", "Sports", 30.0),
    ("Coffee Beans 1kg", "Generic", "Grocery", 18.0), ("Novel", "Various", "Books", 14.0),
]

FOLLOW_UPS = {
    "Phones": ["Phone Case", "Screen Protector", "USB-C Charger 20W", "USB-C Cable"],
    "Laptops": ["Magic Mouse", "USB-C Cable", "AppleCare+"],
    "Tablets": ["USB-C Charger 20W", "Screen Protector"],
    "Wearables": ["USB-C Cable"],
}


def make_history(customers: int = 320, focal: str = "C0042") -> None:
    rng = random.Random(77)
    by_name = {p[0]: p for p in CATALOGUE}
    rows = []
    order_no = 100000
    for c in range(1, customers + 1):
        cid = f"C{c:04d}"
        apple_bias = 0.55 if cid == focal else rng.choice([0.05, 0.15, 0.3, 0.5, 0.7])
        n_orders = 16 if cid == focal else rng.randint(2, 18)
        for _ in range(n_orders):
            order_no += 1
            date = (datetime.date(2022, 1, 1)
                    + datetime.timedelta(days=rng.randint(0, 729))).isoformat()
            channel = rng.choice(["web", "web", "app", "store"])
            if rng.random() < apple_bias:
                pool = [p for p in CATALOGUE if p[1] == "Apple"]
            else:
                pool = [p for p in CATALOGUE if p[1] != "Apple"]
            main = rng.choice(pool)
            items = [main]
            for extra in FOLLOW_UPS.get(main[2], []):
                if rng.random() < 0.45:
                    items.append(by_name[extra])
            if rng.random() < 0.25:
                items.append(rng.choice(CATALOGUE))
            for prod, brand, cat, price in items:
                qty = 1 if price > 100 else rng.choice([1, 1, 2])
                discount = rng.choice([0.0, 0.0, 0.0, 0.1, 0.15])
                rows.append(f"{date},O{order_no},{cid},{prod},{brand},{cat},{qty},"
                            f"{price * (1 - discount):.2f},{channel}")
    rows.sort()
    header = ("# Purchase history export (synthetic, generated by make_data.py).\n"
              f"# Focal user for the purchase-intent scenario: {focal}\n"
              "date,order_id,customer_id,product,brand,category,quantity,unit_price,channel\n")
    (HERE / "history.txt").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    make_corpus()
    make_news()
    make_history()
    print("wrote corpus/, news.jsonl, history.txt")
