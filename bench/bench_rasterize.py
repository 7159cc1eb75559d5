"""Rasterizer speed: glyphs/s on one core at 128 px, JSON parsing included; cache build time.

Rows come from /work/main/dataset/glyphs.db (or --db) when it exists, else from a DB built
from bundled fonts with ``raster.ingest``, else from synthetic outlines.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from raster.data.cache import load_or_build
from raster.data.contours import content_key, parse_contours
from raster.data.render import RasterConfig, get_rasterizer

log = logging.getLogger(__name__)
DEFAULT_DB = Path("dataset/glyphs.db")


def synthetic_rows(n: int) -> list[tuple[str, float]]:
    """Outlines with ~80 points of mixed curves (about a real Arabic glyph's size)."""
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(n):
        subs = []
        for _c in range(2):
            cx, cy, r = rng.uniform(100, 600), rng.uniform(0, 500), rng.uniform(80, 300)
            cmds = [["moveTo", [cx + r, cy]]]
            for k in range(1, 13):
                a = 2 * math.pi * k / 12
                rr = r * rng.uniform(0.7, 1.1)
                p = [round(cx + rr * math.cos(a)), round(cy + rr * math.sin(a))]
                q = [
                    round(cx + rr * 1.1 * math.cos(a - 0.2)),
                    round(cy + rr * 1.1 * math.sin(a - 0.2)),
                ]
                cmds.append(["qCurveTo", [q, [(q[0] + p[0]) // 2 + 3, (q[1] + p[1]) // 2], p]])
            cmds.append(["closePath", None])
            subs.append(cmds)
        rows.append((json.dumps(subs), 1000.0))
    return rows


def load_rows(db: Path | None, n: int) -> tuple[list[tuple[str, float]], str]:
    """(contours JSON, upem) rows and a description of where they came from."""
    if db is None or not db.exists():
        tmp = Path(tempfile.mkdtemp()) / "bench.db"
        cmd = [
            sys.executable,
            "-m",
            "raster.ingest",
            "--bundled",
            "--db",
            str(tmp),
            "--no-progress",
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=600)
            db = tmp
        except (subprocess.SubprocessError, OSError):
            return synthetic_rows(n), "synthetic outlines"
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT g.contours, f.upem FROM glyphs g LEFT JOIN fonts f ON f.file_hash = g.f_id"
        " WHERE g.contours IS NOT NULL AND f.upem IS NOT NULL ORDER BY g.glyph_id LIMIT ?",
        (n,),
    ).fetchall()
    conn.close()
    return [(t, float(u)) for t, u in rows], f"{db} ({len(rows)} rows)"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--n", type=int, default=20000, help="rows to time")
    p.add_argument("--img-size", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3, help="best of N passes")
    p.add_argument("--workers", type=int, default=2, help="also time a cache build with N workers")
    p.add_argument("--json-out", type=Path, default=None, help="also write the result here")
    args = p.parse_args(argv)
    db_given = args.db is not None and args.db.exists()
    rows, source = load_rows(args.db, args.n)
    if source == "synthetic outlines":
        rows_from = source
    else:
        rows_from = str(args.db) if db_given else "a DB ingested from the bundled fonts"
    cfg = RasterConfig(img_size=args.img_size)
    r = get_rasterizer(cfg)
    out = np.empty((args.img_size, args.img_size), np.uint8)
    texts = [t for t, _ in rows]
    upems = [u for _, u in rows]
    best = math.inf
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for text, upem in rows:  # the full per-glyph path: JSON -> outline -> pixels
            r.render(parse_contours(text), upem, out)
        best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    outlines = [parse_contours(t) for t in texts]
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    for o, u in zip(outlines, upems, strict=True):
        r.render(o, u, out)
    t_render = time.perf_counter() - t0
    ids = np.arange(len(rows), dtype=np.int64)
    keys = np.asarray([content_key(t, u) for t, u in rows], np.int64)
    ups = np.asarray(upems)
    cache = {}
    for w in sorted({0, args.workers}):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            load_or_build(outlines, ups, ids, keys, cfg, path=Path(d) / "c.memmap", workers=w)
            cache[f"cache_build_s_workers_{w}"] = round(time.perf_counter() - t0, 2)
    result = {
        "source": source,
        "rows_from": rows_from,
        "img_size": args.img_size,
        "normalization": cfg.normalization,
        "repeats": args.repeats,
        "workers": args.workers,
        "glyphs": len(rows),
        "glyphs_per_s_one_core_json_included": round(len(rows) / best),
        "parse_us_per_glyph": round(t_parse / len(rows) * 1e6, 1),
        "render_us_per_glyph": round(t_render / len(rows) * 1e6, 1),
        "mean_points_per_glyph": round(float(np.mean([o.n_points for o in outlines])), 1),
        **cache,
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result, indent=1))
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
