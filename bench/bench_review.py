"""Review page load time in headless Chromium for a large font (the issue asks for 2,000 glyphs).

Builds the page of the first ``--glyphs`` outlined glyphs of a bundled font (default Amiri
Regular, which has ~6,000) with the page's real images, and predictions drawn at random over the
Arabic labels (the page's cost does not depend on the model; no checkpoint is needed), then
opens it ``--repeats`` times from ``file://`` in Debian's chromium through Playwright and reports:

* ``ready_ms``: navigation start -> the list is built (the script's last line), median;
* ``pick_ms``: one key press picking a runner-up and moving on, until the next frame;
* ``filter_ms``: switching the filter to "only unsure" and back;
* the page size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import write_json
from raster.data.bundled import bundled_font_paths
from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.pipeline import prediction_rows
from raster.reviewing.browser import chromium, open_page
from raster.reviewing.items import font_review
from raster.reviewing.page import write_page


def random_review(font: Path, n: int, seed: int = 0):
    """Review data of ``font``'s first ``n`` outlined glyphs, random peaked predictions."""
    glyphs = read_font_glyphs(font)
    glyphs = glyphs.take(range(min(n, len(glyphs))))
    labels = [f"{cp}_{f}" for cp in range(0x621, 0x64B) for f in ("isol", "init", "medi", "fina")]
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1, (len(glyphs), len(labels))) * rng.uniform(0.5, 6, (len(glyphs), 1))
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    rows = prediction_rows(glyphs, probs, labels, None, 6)
    return font_review(font, glyphs, probs, labels, rows, model="random predictions")


def measure(html: Path, repeats: int) -> dict:
    ready, pick, filt = [], [], []
    with chromium() as browser:
        for _ in range(repeats):
            page, errors, ms = open_page(browser, html)
            if errors:
                raise RuntimeError(f"page errors: {errors}")
            ready.append(ms)
            pick.append(
                page.evaluate(
                    """() => new Promise((done) => {
                  const t0 = performance.now();
                  document.dispatchEvent(new KeyboardEvent('keydown', {key: '1', bubbles: true}));
                  requestAnimationFrame(() => done(performance.now() - t0));
                })"""
                )
            )
            filt.append(
                page.evaluate(
                    """() => new Promise((done) => {
                  const s = document.getElementById('filter'); const t0 = performance.now();
                  s.value = 'unsure'; s.dispatchEvent(new Event('change'));
                  s.value = 'all'; s.dispatchEvent(new Event('change'));
                  requestAnimationFrame(() => done(performance.now() - t0));
                })"""
                )
            )
            page.close()
    return {
        "ready_ms_median": round(statistics.median(ready), 1),
        "ready_ms_all": [round(x, 1) for x in ready],
        "pick_ms_median": round(statistics.median(pick), 1),
        "filter_ms_median": round(statistics.median(filt), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", default="Amiri-Regular", help="bundled font file stem")
    parser.add_argument("--glyphs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None, help="keep the page here")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    font = next(p for p in bundled_font_paths() if p.stem == args.font)
    t0 = time.perf_counter()
    data = random_review(font, args.glyphs)
    build_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        html = write_page(data, args.keep or Path(tmp) / "review.html")
        result = {
            "font": font.name,
            "glyphs": len(data.items),
            "page_bytes": html.stat().st_size,
            "build_s": round(build_s, 2),
            **measure(html, args.repeats),
        }
    print(
        f"{result['glyphs']} glyphs of {font.name}: page {result['page_bytes'] / 1e6:.2f} MB "
        f"(built in {result['build_s']} s); list ready {result['ready_ms_median']} ms after "
        f"navigation (median of {args.repeats}: {result['ready_ms_all']}); a runner-up key "
        f"{result['pick_ms_median']} ms; filter switch {result['filter_ms_median']} ms"
    )
    write_json(args.json_out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
