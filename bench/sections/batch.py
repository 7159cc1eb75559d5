"""Section ``batch`` of docs/benchmarks.md, owned by ``bench/bench_batch.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _n, one_job, shipped_model_missing

HEADING = "Batches on Dask: pages per second per worker"


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """``raster.batch text`` on a LocalCluster of 1 and 2 workers."""
    name = "batch"
    try:
        import distributed  # noqa: F401
    except ImportError:
        return Plan(name, skip="Dask distributed is not installed (the `[dask]` extra)")
    sizes = ["--copies", "1", "--workers", "1"] if quick else ["--copies", "2"]
    return one_job(name, "bench.bench_batch", sizes, shipped_model_missing(root))


def markdown(res: dict) -> list[str]:
    d = res["data"]["batch"]
    copies = f"{d['copies']} {'copy' if d['copies'] == 1 else 'copies'} each"
    lines = [
        f"(`raster.batch text`, jsonl, the shipped model, on a `LocalCluster` of single-threaded "
        f"worker processes; the {d['fixtures']} one-page fixture PDFs of `tests/pdf/fixtures`, "
        f"{copies}; the clock from submission to the last manifest row, each worker's model load "
        f"included, cluster start-up not; {d['cores']} cores, load average "
        f"{d['load_avg_1m_at_start']} at the start, {d['load_avg_1m_at_end']} at the end)",
        "",
        "| workers | pages | wall | pages/s | pages/s per worker | CPU s per page | a worker's "
        "peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in d["runs"]:
        lines.append(
            f"| {r['workers']} | {r['pages']} | {r['seconds']:.1f} s | {r['pages_per_s']:.2f} | "
            f"{r['pages_per_s_per_worker']:.2f} | {r['cpu_s_per_page']:.2f} | "
            f"{_n(r['worker_peak_rss_mb'])} MB |"
        )
    return [*lines, ""]
