"""Section ``identify`` of docs/benchmarks.md, owned by ``bench/bench_identify.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _code, _n, _plural, one_job

HEADING = "Identify latency"
IDENTIFY_WORK = "artifacts/bench_identify"
DEMO_RUN = "runs/demo"  # `make demo`'s model: timed when bench_identify has not trained one
IDENTIFY_METHODS = {
    "both": "`both` (classifier + kNN over the reference index)",
    "classifier": "`classifier`",
}


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Time identify with a trained model (bench_identify's own, else the demo's)."""
    name = "identify"
    work, demo = root / IDENTIFY_WORK, root / DEMO_RUN
    model: list[str] = []
    if not (work / "run" / "best.pt").is_file() or not (work / "ref").is_dir():
        if not (demo / "best.pt").is_file() or not (demo / "ref").is_dir():
            return Plan(
                name,
                skip=f"no trained model in `{IDENTIFY_WORK}/` (needs `run/best.pt` and "
                f"`ref/`) or `{DEMO_RUN}/`: run `make demo` or `python -m "
                "bench.bench_identify` (each trains ~15 min on 2 cores), then this again",
            )
        model = ["--model-dir", DEMO_RUN]
    runs = ["--threads", "1", "--latency-runs", "1"] if quick else ["--threads", "2"]
    return one_job(name, "bench.bench_identify", ["--latency-only", *model, *runs])


def markdown(res: dict) -> list[str]:
    d = res["data"]["identify"]
    runs = max(len(r) for r in d["runs"].values())
    lines = [
        f"(times `python -m raster.identify {d['latency_font']} --checkpoint {d['checkpoint']} "
        f"--index {d['index']} --method METHOD --threads {d['threads']}`: "
        f"{_n(d['latency_font_glyphs'])} outlined glyphs, a {d['img_size']} px checkpoint, "
        f"{_plural(d['threads'], 'thread')}, model and index load "
        f"included, {_plural(runs, 'run')} per method)",
        "",
        "| method | wall time | peak RSS |",
        "|---|---:|---:|",
    ]
    for method, timings in d["runs"].items():
        secs = sorted(r["seconds"] for r in timings)
        lo, hi = f"{secs[0]:.2f}", f"{secs[-1]:.2f}"
        wall = f"{lo} s" if lo == hi else f"{lo}–{hi} s"
        rss = max(r["peak_rss_mb"] for r in timings) / 1024
        lines.append(f"| {IDENTIFY_METHODS.get(method, _code(method))} | {wall} | {rss:.2f} GiB |")
    lines.append("")
    return lines
