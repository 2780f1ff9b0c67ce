"""A real browser for the tests of the site and the draw-a-digit page: Debian's Chromium,
driven headless by Playwright, on pages served from 127.0.0.1.

Nothing downloads a browser of its own. Outside CI, the tests that need it are skipped
with the command that installs it; in CI (``CI`` set) a missing browser fails them.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
INSTALL = "apt-get install chromium (Debian's package; nothing downloads a browser of its own)"
# Chromium as a test browser on a machine without internet: no background connections.
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync",
    "--disable-component-update", "--no-first-run", "--disable-quic",
]  # fmt: skip
# MathJax 2 declares a placeholder web font at url('about:blank') to detect font loading;
# Chromium refuses it with a console message. Nothing else may appear.
MATHJAX_PLACEHOLDER = "about:blank"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: {INSTALL}")
        pytest.skip(f"no Chromium at {CHROMIUM}: {INSTALL}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


def failed(request) -> list[str]:
    """A request that failed, unless it was MathJax's placeholder font or one that the
    browser itself cancelled because the test clicked on to the next page."""
    if request.url == MATHJAX_PLACEHOLDER or request.failure == "net::ERR_ABORTED":
        return []
    return [f"failed: {request.url} ({request.failure})"]


def visit(browser, url: str):
    """Open ``url``; return the page and the problems seen while it loaded."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda m: (
            problems.append(f"console: {m.text}")
            if m.type == "error" and MATHJAX_PLACEHOLDER not in m.text + str(m.location)
            else None
        ),
    )
    page.on("requestfailed", lambda r: problems.extend(failed(r)))
    host = urlparse(url).netloc

    def outside(request):
        parsed = urlparse(request.url)
        if parsed.scheme not in ("data", "about") and parsed.netloc != host:
            problems.append(f"left the machine: {request.url}")

    page.on("request", outside)
    page.goto(url, wait_until="load")
    return page, problems
