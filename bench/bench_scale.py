"""Scale: how identification's kNN time and memory grow with the reference index and the fonts.

    python -m bench.bench_scale [--rows 10000 100000 1000000] [--fonts 1 10 100] [--quick]

Synthetic 128-D unit vectors stand in for embeddings: ``--labels`` class centres with noise
around them (cosine ~0.8 to their centre, as trained embeddings cluster), so approximate
indexes see the structure they would see on real data. Every step runs the path ``identify``
runs: ``save_index`` / ``load_index`` (``vectors.npy`` memory-mapped), then
``ReferenceIndex.search`` (exact, torch, blocks of ~64 MB) and ``knn_vote`` for each font of
``--glyphs-per-font`` queries. Rows grow with one font; fonts grow at ``--font-rows`` rows.
At the largest index, faiss IVF and HNSW are timed against the exact search (recall@k).
Time is wall and CPU seconds; memory is the peak RSS above the step's start (sampled).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch

from raster.inference.calibration import DEFAULT_KNN_EPS, DEFAULT_KNN_TAU, knn_vote
from raster.inference.index import DEFAULT_KNN_K, load_index, save_index
from raster.metrics.knn import knn

NONLINEAR = 1.5  # a step costing this many times its size ratio is no longer linear


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--fonts", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument(
        "--font-rows", type=int, default=100_000, help="index rows of the font axis"
    )
    parser.add_argument("--glyphs-per-font", type=int, default=600, help="queries per font")
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--labels", type=int, default=1063, help="distinct labels (class centres)")
    parser.add_argument("--k", type=int, default=DEFAULT_KNN_K)
    parser.add_argument("--no-faiss", action="store_true", help="skip the IVF/HNSW comparison")
    parser.add_argument("--hnsw-rows", type=int, default=100_000, help="rows HNSW is built on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes (rows 2000 20000, fonts 1 3): a smoke run"
    )
    parser.add_argument("--work-dir", type=Path, default=None, help="index files (default: temp)")
    parser.add_argument("--json-out", type=Path, default=None, help="also write the figures here")
    return parser


class PeakRSS:
    """Peak resident memory above the start of a ``with`` block, sampled every ``every`` s."""

    def __init__(self, every: float = 0.005):
        self.every, self.peak_mb = every, 0.0

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self.rss_mb() - self.start)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRSS:
        self.start, self._stop = self.rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.rss_mb() - self.start)


def timed(fn):
    """``(result, {"wall_s", "cpu_s", "peak_mb"})`` of ``fn()``."""
    with PeakRSS() as mem:
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return out, {"wall_s": round(wall, 4), "cpu_s": round(cpu, 4), "peak_mb": round(mem.peak_mb, 1)}


def unit_vectors(centres: np.ndarray, labels: np.ndarray, rng, spread: float = 0.06) -> np.ndarray:
    """float32 (N, D) unit vectors near ``centres[labels]`` (cosine ~0.8 at D=128), in blocks."""
    out = np.empty((len(labels), centres.shape[1]), np.float32)
    for lo in range(0, len(labels), 65536):
        part = labels[lo : lo + 65536]
        v = centres[part] + spread * rng.standard_normal((len(part), centres.shape[1]), np.float32)
        out[lo : lo + len(part)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def identify_fonts(index, queries: np.ndarray, fonts: int, per_font: int, k: int) -> None:
    """What ``identify`` does per font after the forward pass: exact kNN, then the vote."""
    for f in range(fonts):
        q = queries[f * per_font : (f + 1) * per_font]
        idx, sims = index.search(q, k)
        labels = np.where(idx >= 0, index.label_codes[np.maximum(idx, 0)], -1)
        knn_vote(labels, sims, len(index.label_names), DEFAULT_KNN_TAU, DEFAULT_KNN_EPS)


def make_index(path: Path, rows: int, centres, rng) -> None:
    """Write an index of ``rows`` synthetic rows at ``path``."""
    labels = rng.integers(0, len(centres), rows)
    vectors = unit_vectors(centres, labels, rng)
    meta = [
        {"glyph_id": i, "f_id": f"font{i // 600}", "label": f"L{c}"} for i, c in enumerate(labels)
    ]
    save_index(path, vectors, meta, {"fingerprint": "synthetic", "img_size": 64})


def step(work: Path, rows: int, fonts: int, args, centres, rng, queries) -> dict:
    """One row of the table: write, load, then identify ``fonts`` fonts against ``rows`` rows."""
    path, built = work / f"rows{rows}", None  # an index of this size is written once
    if not path.is_dir():
        _, built = timed(lambda: make_index(path, rows, centres, rng))
    index, loaded = timed(lambda: load_index(path))
    _, searched = timed(lambda: identify_fonts(index, queries, fonts, args.glyphs_per_font, args.k))
    return {
        "rows": rows,
        "fonts": fonts,
        "queries": fonts * args.glyphs_per_font,
        "build": built,
        "load": loaded,
        "search": searched,
        "ms_per_font": round(1e3 * searched["wall_s"] / fonts, 2),
        "disk_mb": round(sum(p.stat().st_size for p in path.iterdir()) / 2**20, 1),
    }


def linear_until(steps: list[dict], size_key: str, cost) -> dict:
    """Growth of ``cost(step)`` against ``size_key``: per-step ratios and the first size whose
    cost grew more than :data:`NONLINEAR` times its size ratio (None: linear throughout)."""
    growth, broke = [], None
    for a, b in zip(steps, steps[1:], strict=False):
        size, cost_ratio = b[size_key] / a[size_key], cost(b) / max(cost(a), 1e-9)
        growth.append(
            {"from": a[size_key], "to": b[size_key], "size_x": size, "cost_x": round(cost_ratio, 2)}
        )
        if broke is None and cost_ratio > NONLINEAR * size:
            broke = b[size_key]
    return {"growth": growth, "superlinear_at": broke}


def faiss_alternatives(vectors: np.ndarray, queries: np.ndarray, k: int, hnsw_rows: int) -> list:
    """IVF-Flat and HNSW-Flat (inner product): build, search, recall@k against the exact
    search (:func:`raster.metrics.knn.knn`). HNSW is built on the first ``hnsw_rows`` rows
    only (its single-thread build takes minutes per million rows)."""
    import faiss

    d, n = vectors.shape[1], len(vectors)
    nlist = int(4 * np.sqrt(n))  # faiss' rule of thumb: 4-16 sqrt(N) lists

    def ivf(vectors):
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        train = vectors[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)]
        index.train(train)
        index.add(vectors)
        index.nprobe = 16
        return index

    def hnsw(vectors):
        index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
        index.add(vectors)
        index.hnsw.efSearch = 64
        return index

    rows = []
    for name, build, params, m in (
        ("IVF-Flat", ivf, f"nlist {nlist}, nprobe 16", n),
        ("HNSW-Flat", hnsw, "M 32, efConstruction 40, efSearch 64", min(n, hnsw_rows)),
    ):
        part = vectors[:m]
        exact_idx, exact = timed(lambda part=part: knn(queries, part, k, exclude_self=False)[0])
        index, built = timed(lambda build=build, part=part: build(part))
        (_, idx), searched = timed(lambda index=index: index.search(queries, k))
        hits = [len(set(a[a >= 0]) & set(b)) for a, b in zip(idx, exact_idx, strict=True)]
        rows.append(
            {
                "index": name,
                "params": params,
                "rows": m,
                "exact_search": exact,
                "queries": len(queries),
                "build": built,
                "search": searched,
                "recall_at_k": round(sum(hits) / (k * len(queries)), 4),
            }
        )
    return rows


def run(args: argparse.Namespace, work: Path) -> dict:
    """Both axes and the faiss comparison; the JSON the bench writes."""
    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((args.labels, args.dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    most = max(args.fonts) * args.glyphs_per_font
    queries = unit_vectors(centres, rng.integers(0, args.labels, most), rng)
    by_rows = [step(work, n, 1, args, centres, rng, queries) for n in args.rows]
    by_fonts = []
    for fonts in args.fonts:
        by_fonts.append(step(work, args.font_rows, fonts, args, centres, rng, queries))
    result = {
        "dim": args.dim,
        "labels": args.labels,
        "k": args.k,
        "glyphs_per_font": args.glyphs_per_font,
        "font_rows": args.font_rows,
        "by_rows": by_rows,
        "by_fonts": by_fonts,
        "rows_search": linear_until(by_rows, "rows", lambda s: s["search"]["cpu_s"]),
        "rows_memory": linear_until(
            by_rows, "rows", lambda s: s["search"]["peak_mb"] + s["load"]["peak_mb"]
        ),
        "fonts_search": linear_until(by_fonts, "fonts", lambda s: s["search"]["cpu_s"]),
        "faiss": [],
    }
    if not args.no_faiss:
        n = max(args.rows)
        path = work / f"rows{n}"
        index = load_index(path)
        q = queries[: args.glyphs_per_font * 2]  # two fonts
        vectors = np.ascontiguousarray(index.vectors)
        result["faiss"] = faiss_alternatives(vectors, q, args.k, args.hnsw_rows)
    return result


def print_tables(r: dict) -> None:
    """The Markdown tables of :func:`run`'s result."""
    print(
        "| rows | fonts | build s | load s | kNN+vote s (CPU s) | ms/font | peak MB (load, kNN) | disk MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in r["by_rows"] + r["by_fonts"]:
        build = "(above)" if s["build"] is None else f"{s['build']['wall_s']:.2f}"
        print(
            f"| {s['rows']:,} | {s['fonts']} | {build} | {s['load']['wall_s']:.2f} | "
            f"{s['search']['wall_s']:.2f} ({s['search']['cpu_s']:.2f}) | {s['ms_per_font']:.1f} | "
            f"{s['load']['peak_mb']:.0f}, {s['search']['peak_mb']:.0f} | {s['disk_mb']:.0f} |"
        )
    for key in ("rows_search", "rows_memory", "fonts_search"):
        grow = ", ".join(f"{g['size_x']:g}x -> {g['cost_x']}x" for g in r[key]["growth"])
        print(f"\n{key}: {grow}; superlinear from: {r[key]['superlinear_at']}")
    if r["faiss"]:
        print(
            "\n| faiss index | params | rows | queries | build s | search s (exact s) | recall@k |"
        )
        print("|---|---|---:|---:|---:|---:|---:|")
        for f in r["faiss"]:
            print(
                f"| {f['index']} | {f['params']} | {f['rows']:,} | {f['queries']} | "
                f"{f['build']['wall_s']:.1f} | {f['search']['wall_s']:.3f} "
                f"({f['exact_search']['wall_s']:.2f}) | {f['recall_at_k']:.3f} |"
            )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.rows, args.fonts, args.font_rows = [2000, 20000], [1, 3], 2000
        args.hnsw_rows = min(args.hnsw_rows, 5000)
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        work = args.work_dir or Path(tmp)
        result = run(args, work)
    result.update(
        threads=torch.get_num_threads(),
        omp_num_threads=os.environ.get("OMP_NUM_THREADS"),
        cpu_count=os.cpu_count(),
        usable_cpus=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        machine=f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"numpy {np.__version__}, Python {platform.python_version()}",
        quick=args.quick,
    )
    print_tables(result)
    print(
        f"\n{result['cpu_count']} cores ({result['usable_cpus']} usable), "
        f"{result['threads']} torch threads, {result['machine']}"
    )
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
