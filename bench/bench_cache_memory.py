"""Resident memory of a GlyphDataset reading a 531k x 128 x 128 uint8 cache file (8.7 GB).

The file is created sparse (no disk blocks written), then the dataset is iterated item by item
through its :class:`~raster.data.cache.CacheReader` (pread); the process RSS is reported
before, during and after. For comparison, the same number of reads through an ``np.memmap``
shows how mapped pages inflate RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import write_json
from raster.data.cache import CacheReader
from raster.data.dataset import GlyphDataset
from raster.data.render import RasterConfig
from raster.data.selection import GlyphTable

USER_N = 531_398


def rss_mb() -> float:
    """Resident set size of this process in MiB (psutil if installed, else /proc)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=USER_N, help="glyphs in the synthetic cache")
    p.add_argument("--img-size", type=int, default=128)
    p.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    p.add_argument("--max-seconds", type=float, default=120.0, help="stop iterating after this")
    p.add_argument("--memmap-compare", type=int, default=50_000, help="items read via np.memmap")
    p.add_argument("--json-out", type=Path, default=None, help="also write the result here")
    args = p.parse_args(argv)
    s = args.img_size
    need = args.n * s * s
    free = shutil.disk_usage(args.dir).free
    n = args.n
    note = "full size"
    if free < need:  # sparse files need no blocks, but refuse to pretend on a tiny disk
        n = int(free * 0.5) // (s * s)
        note = f"scaled down from {args.n}: only {free / 2**30:.1f} GiB free"
    path = args.dir / f"bench_cache_{os.getpid()}.memmap"
    result = {
        "n": n,
        "n_requested": args.n,
        "user_n": USER_N,
        "img_size": s,
        "file_gib": round(n * s * s / 2**30, 2),
        "note": note,
        "max_seconds": args.max_seconds,
    }
    try:
        with open(path, "wb") as f:
            f.truncate(n * s * s)  # sparse: holes read as zeros
        rss0 = rss_mb()
        ids = np.arange(n, dtype=np.int64)
        table = GlyphTable(
            glyph_ids=ids,
            labels=[],
            font_hashes=[],
            joining_groups=[],
            char_classes=[],
            upems=np.full(n, 1000.0),
            upem_inferred=np.zeros(n, bool),
            outlines=None,
            content_keys=ids,
        )
        ds = GlyphDataset(
            table,
            label_index=ids % 1588,
            group_index=ids % 249,
            raster=RasterConfig(img_size=s),
            images=CacheReader(path, n, s, "uint8"),
            rows=ids,
            augment=False,
        )
        rss_built = rss_mb()
        peak = rss_built
        t0 = time.perf_counter()
        done = 0
        for i in range(n):
            item = ds[i]
            done += 1
            if i % 20000 == 0:
                peak = max(peak, rss_mb())
                if time.perf_counter() - t0 > args.max_seconds:
                    break
        dt = time.perf_counter() - t0
        assert item["image"].shape == (1, s, s)
        peak = max(peak, rss_mb())
        result.update(
            rss_mb_start=round(rss0),
            rss_mb_dataset_built=round(rss_built),
            items_read=done,
            items_per_s=round(done / dt),
            rss_mb_peak_while_iterating=round(peak),
        )
        mm = np.memmap(path, dtype=np.uint8, mode="r", shape=(n, s, s))
        before = rss_mb()
        m = min(args.memmap_compare, n)
        total = 0
        for i in range(m):
            total += int(mm[i, 0, 0])
        result.update(memmap_items_read=m, rss_mb_growth_via_np_memmap=round(rss_mb() - before))
        del mm
    finally:
        path.unlink(missing_ok=True)
    print(json.dumps(result, indent=1))
    write_json(args.json_out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
