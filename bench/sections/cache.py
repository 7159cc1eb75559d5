"""Section ``cache`` of docs/benchmarks.md, owned by ``bench/bench_cache_memory.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _n, one_job

HEADING = "Pre-raster cache memory"


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Build and read the pre-raster cache."""
    name = "cache"
    args = ["--n", "5000", "--max-seconds", "5", "--memmap-compare", "2000"] if quick else []
    return one_job(name, "bench.bench_cache_memory", args)


def markdown(res: dict) -> list[str]:
    d = res["data"]["cache"]
    n, s = d["n"], d["img_size"]
    size_note = ", the size of the user's database" if n == d.get("user_n") else ""
    if d.get("note", "full size") != "full size":
        size_note += f"; {d['note']}"
    read = d.get("items_read", n)
    reading = f"all {_n(n)} items" if read >= n else f"{_n(read)} of {_n(n)} items (time limit)"
    lines = [
        f"(a synthetic sparse cache file of {_n(n)} × {s} × {s} uint8 = {d['file_gib']:.1f} GiB"
        f"{size_note}, read item by item through `GlyphDataset`)",
        "",
        "| what | value |",
        "|---|---:|",
        f"| RSS after `import torch` | {_n(d['rss_mb_start'])} MB |",
        f"| RSS with the dataset built | {_n(d['rss_mb_dataset_built'])} MB |",
        f"| RSS peak while reading {reading} | {_n(d['rss_mb_peak_while_iterating'])} MB |",
        f"| items/s | {_n(d['items_per_s'])} |",
        f"| RSS growth reading only {_n(d['memmap_items_read'])} items through `np.memmap` "
        f"(for comparison) | {_n(d['rss_mb_growth_via_np_memmap'])} MB |",
        "",
        "The cache is read with `os.pread` per item, so its pages are not mapped into the process "
        "and do not count toward its RSS.",
        "",
    ]
    return lines
