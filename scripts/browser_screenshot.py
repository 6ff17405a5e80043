"""Write screenshots/browser.png: `orchtui serve` opened in headless Chromium, after one `n`.

    python scripts/browser_screenshot.py

The same code path as tests/test_serve_browser.py (tests/serve_browser.py): the server started
as a user would, Debian's chromium driven by Playwright, the FRG waited for, n pressed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from serve_browser import run_in_browser  # noqa: E402


def main() -> int:
    out = ROOT / "screenshots" / "browser.png"
    with tempfile.TemporaryDirectory() as tmp:
        result = run_in_browser(Path(tmp), screenshot=out)
    if not (result.frg_seen and result.stepped_seen) or result.leftover_pids:
        print(f"browser check failed: {result.frg_seen=} {result.stepped_seen=} "
              f"{result.leftover_pids=}", file=sys.stderr)
        return 1
    print(out.relative_to(ROOT), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
