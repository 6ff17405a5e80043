"""`orchtui serve` in a real browser (headless Debian chromium driven by Playwright).

Runs in CI (.ci/run installs chromium); may skip on a developer's machine without chromium, and
says why. Under CI=true a missing browser is a failure, not a skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from serve_browser import CHROMIUM, run_in_browser


def _need(what: str, missing: bool) -> None:
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI: {what} is missing, so the browser test cannot run (.ci/run installs "
                    "chromium; the test extra brings playwright and textual-serve)")
    pytest.skip(f"{what} is not installed here (apt-get install chromium; "
                "pip install -e '.[test]')")


def test_the_app_in_a_browser_steps_with_n(tmp_path: Path) -> None:
    _need(f"Debian's chromium ({CHROMIUM})", not CHROMIUM.exists())
    for module in ("playwright", "textual_serve"):
        try:
            __import__(module)
        except ImportError:
            _need(f"the Python package {module}", True)
    result = run_in_browser(tmp_path)
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert result.frg_seen, f"the FRG never appeared in the page; server said:\n{log}"
    assert result.stepped_seen, "n did not step the run in the browser"
    assert result.before and result.after
    assert result.before != result.after, "the page did not change after n"
    assert result.leftover_pids == [], "the server left processes behind"
