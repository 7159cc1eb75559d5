"""raster.batch on a local Dask cluster: pages per second per worker, 1 against 2 workers, and
a worker's memory.

The stripped fixtures of ``tests/pdf/fixtures`` (one page each), copied ``--copies`` times under
other names, go through ``run_batch`` (``text``, jsonl, the shipped model) on a
``LocalCluster`` of N single-threaded worker processes, for each N of ``--workers``. The clock
runs from the submission of the batch to its last manifest row (cluster start-up left out; each
worker's model load is in it). A worker's memory is its peak RSS (``getrusage``) after the batch;
the workers' CPU seconds per page (start-up and model load included) tell what a core of its own
gives on a machine that runs other work too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, write_json
from raster.cli import HelpFormatter
from raster.jobs.batch import JobSpec, model_release, run_batch


def _usage() -> tuple[float, float]:
    """(this process's peak RSS in MiB, its CPU seconds, user + system)."""
    import resource

    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_maxrss / 1024, u.ru_utime + u.ru_stime


def measure(inputs: list[str], workers: int, out: Path) -> dict:
    from distributed import Client, LocalCluster

    spec = JobSpec(kind="text", out=str(out), release=model_release(None))
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        start = time.perf_counter()
        result = run_batch(inputs, spec, client)
        seconds = time.perf_counter() - start
        usage = client.run(_usage)
    pages = sum(r.get("pages") or 0 for r in result.rows)
    return {
        "workers": workers,
        "files": len(result.rows),
        "failed": len(result.failed),
        "pages": pages,
        "seconds": round(seconds, 2),
        "pages_per_s": round(pages / seconds, 2),
        "pages_per_s_per_worker": round(pages / seconds / workers, 2),
        "worker_peak_rss_mb": round(max(rss for rss, _ in usage.values()), 1),
        # CPU time per page: what a core of its own would give, whatever else the machine runs
        "cpu_s_per_page": round(sum(cpu for _, cpu in usage.values()) / pages, 3),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=HelpFormatter)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--copies", type=int, default=2, help="copies of each fixture")
    p.add_argument("--json-out", type=Path, default=None)
    args = p.parse_args(argv)
    rows = []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for pdf in sorted((ROOT / "tests" / "pdf" / "fixtures").glob("*.pdf")):
            for k in range(args.copies):
                shutil.copy(pdf, src / f"{pdf.stem}-{k}.pdf")
        for n in args.workers:
            row = measure([str(src)], n, Path(tmp) / f"out-{n}")
            print(row, flush=True)
            rows.append(row)
    data = {
        "runs": rows,
        "copies": args.copies,
        "fixtures": len(list((ROOT / "tests" / "pdf" / "fixtures").glob("*.pdf"))),
        "load_avg_1m_at_start": round(load_start, 2),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
    }
    write_json(args.json_out, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
