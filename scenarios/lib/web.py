"""``search(query)`` for the web scenarios: an OFFLINE STAND-IN for fetching a page (inout).

Nothing touches the network. The URL is mapped to a bundled, hand-written HTML page in
``data/web/`` and the call really waits ``latency`` seconds to model the network round trip.
The returned HTML starts with a comment saying it is the bundled offline copy.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

_ROOT = str(Path(__file__).resolve().parents[1])
if __package__ != "lib" and _ROOT not in sys.path:  # loaded by file path: make `lib` importable
    sys.path.append(_ROOT)
from lib.common import DATA_DIR, wait_latency  # noqa: E402

#: host (without www.) -> bundled page
PAGES = {"openai.com": "openai.html", "apple.com": "apple.html"}


def page_for(query: str) -> tuple[str, Path]:
    """The bundled page for a URL (or a query naming a bundled site). ValueError if none."""
    text = str(query).strip()
    host = urlparse(text if "//" in text else f"//{text}").netloc.lower().removeprefix("www.")
    if host in PAGES:
        return host, DATA_DIR / "web" / PAGES[host]
    lowered = text.lower()
    for site, name in PAGES.items():
        if site.split(".")[0] in lowered.split() or site in lowered:
            return site, DATA_DIR / "web" / name
    raise ValueError(f"no bundled page for {text!r} (offline stand-in; bundled: "
                     f"{', '.join('https://www.' + h + '/' for h in PAGES)})")


def search(query: str, latency: float = 0.8) -> str:
    """Fetch the page for ``query`` (a URL) from the bundled offline copies; returns its HTML.

    Waits ``latency`` seconds first (the declared network latency), then reads the file.
    """
    site, path = page_for(query)
    wait_latency(latency)
    html = path.read_text(encoding="utf-8")
    note = (f"<!-- orchtui offline stand-in for fetching https://www.{site}/ : bundled copy "
            f"data/web/{path.name}, network latency modelled as a {latency:g} s wait -->\n")
    return note + html
