"""Section ``review`` of docs/benchmarks.md, owned by ``bench/bench_review.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _n, _plural, one_job

HEADING = "Review page in the browser"


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Load review pages in headless Chromium."""
    name = "review"
    from raster.reviewing.browser import BrowserMissing, chromium_path

    try:
        chromium_path()
    except BrowserMissing as exc:
        return Plan(name, skip=f"{exc}")
    size = ["--glyphs", "200", "--repeats", "1"] if quick else ["--glyphs", "2000"]
    return one_job(name, "bench.bench_review", size)


def markdown(res: dict) -> list[str]:
    d = res["data"]["review"]
    return [
        f"(the review page of {_n(d['glyphs'])} glyphs of {d['font']}, random predictions, "
        f"{d['page_bytes'] / 1e6:.2f} MB, opened from `file://` in headless Debian chromium "
        f"through Playwright, {_plural(len(d['ready_ms_all']), 'load')})",
        "",
        "| measure | median |",
        "|---|---:|",
        f"| navigation start → list ready | {d['ready_ms_median']:.0f} ms |",
        f"| one key picking a runner-up → next frame | {d['pick_ms_median']:.0f} ms |",
        f'| filter to "only unsure" and back → next frame | {d["filter_ms_median"]:.0f} ms |',
        "",
    ]
