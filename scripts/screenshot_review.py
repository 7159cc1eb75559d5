"""Screenshot a review page (python -m raster.review) in headless Chromium, offline.

Usage: python scripts/screenshot_review.py REVIEW.html OUT.png [--keys 1,j,1] [--size 1300x900]

``--keys`` presses keys on the page first (comma-separated Playwright key names), so the shot
shows decisions as a person makes them. Needs Debian's chromium (scripts/install_chromium.sh)
and the playwright package (no browser download). Fails on any script error of the page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from raster.reviewing.browser import BrowserMissing, chromium, open_page  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--keys", default="", help="keys to press first, e.g. 1,j,j,1")
    parser.add_argument("--size", default="1300x900", help="window WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    if not args.html.is_file():
        print(f"error: {args.html}: no such page (python -m raster.review ...)", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.split("x"))
    try:
        with chromium() as browser:
            page, errors, ready_ms = open_page(browser, args.html, width, height)
            for key in filter(None, args.keys.split(",")):
                page.keyboard.press(key)
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(200)
            if errors:
                print(f"error: the page reported: {errors}", file=sys.stderr)
                return 1
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
    except BrowserMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(f"wrote {args.out} (list ready {ready_ms:.0f} ms after navigation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
