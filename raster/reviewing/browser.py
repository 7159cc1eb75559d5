"""Open review pages in headless Chromium (Debian's ``chromium``) through Playwright.

For the browser test, the load-time bench and the docs screenshot; the commands never need a
browser. Playwright drives the system Chromium (``executable_path``): no browser is downloaded,
and the flags below keep Chromium off the network (the page needs none).
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

from raster.errors import BrowserMissing  # noqa: F401  (re-exported)

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
INSTALL_HINT = "install it with: bash scripts/install_chromium.sh (Debian's chromium, from apt)"


def chromium_path() -> str:
    """The system Chromium's path.

    Raises:
        BrowserMissing: none installed.
    """
    for c in CHROMIUM_CANDIDATES:
        if Path(c).is_file():
            return c
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise BrowserMissing(f"no chromium found; {INSTALL_HINT}")


@contextmanager
def chromium():
    """A Playwright ``Browser`` on the system Chromium (closed on exit).

    Raises:
        BrowserMissing: Chromium or the ``playwright`` package is missing.
    """
    exe = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserMissing("the playwright package is missing: pip install playwright") from exc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, html: str | Path, width: int = 1300, height: int = 900):
    """Open ``html`` from its ``file://`` URL; returns (page, errors list filled by the page,
    milliseconds from navigation start until the list was built: ``body[data-ready]``)."""
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(Path(html).resolve().as_uri(), timeout=120_000)
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    ready_ms = float(page.get_attribute("body", "data-ready"))
    return page, errors, ready_ms
