"""Run every bench that fits ~20 minutes on 2 cores and rewrite docs/benchmarks.md from them.

Each bench runs as its own process with ``--json-out``; the Markdown is rendered from those
JSON files only, with the machine's description at the top. ``make bench`` runs this module.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from raster.cli import HelpFormatter

ROOT = Path(__file__).resolve().parents[1]
DB = "dataset/glyphs.db"
IDENTIFY_WORK = "artifacts/bench_identify"
DEMO_RUN = "runs/demo"  # `make demo`'s model: timed when bench_identify has not trained one
NAMES = (
    "ingest", "rasterize", "cache", "train", "embed", "identify", "review", "shipped", "answers",
    "scale", "batch",
)  # fmt: skip
# Targets the figures are read against (from the issues), not measurements.
RASTER_FLOOR, RASTER_AMBITION = 5_000, 15_000
LOOP_TARGET = 0.95  # issue 18: the training loop at ≥ 95 % of the bare model
TRAIN_MODES = (  # (JSON key, flags, row label)
    ("batch", ["--augment-mode", "batch"], "`batch` (default)"),
    ("off", ["--no-augment"], "off"),
    ("dataset", ["--augment-mode", "dataset"], "`dataset` (per item, {where})"),
)
SHAPING_WORDS = {"single": "single-glyph", "composed": "composed"}
IDENTIFY_METHODS = {
    "both": "`both` (classifier + kNN over the reference index)",
    "classifier": "`classifier`",
}


@dataclass
class Job:
    """One bench process: ``python -m MODULE ARGS --json-out DIR/KEY.json``."""

    key: str
    module: str
    args: list[str]

    def command(self) -> str:
        """The command as the doc shows it (without the runner's ``--json-out``)."""
        return shlex.join(["python", "-m", self.module, *self.args])


@dataclass
class Plan:
    """What one section runs, or why it is skipped (``skip``, Markdown)."""

    name: str
    jobs: list[Job] = field(default_factory=list)
    skip: str | None = None


def plan(name: str, quick: bool, root: Path = ROOT, scratch: Path | None = None) -> Plan:
    """The jobs of bench ``name``: full settings, or tiny ones with ``quick``.

    Args:
        name: one of :data:`NAMES`.
        quick: smoke-test sizes (seconds per bench).
        root: the repository (where ``dataset/`` and ``artifacts/`` are looked for).
        scratch: a directory for the quick training run's cache (default: the bench's own).
    """
    if name == "ingest":
        args = ["--no-corpus", "--max-files", "2", "--num-workers", "1"] if quick else []
        return Plan(name, [Job(name, "bench.bench_ingest", args)])
    if name == "rasterize":
        sizes = ["--n", "300", "--repeats", "1"] if quick else ["--n", "20000", "--repeats", "3"]
        return Plan(
            name, [Job(name, "bench.bench_rasterize", ["--db", DB, *sizes, "--workers", "2"])]
        )
    if name == "cache":
        args = ["--n", "5000", "--max-seconds", "5", "--memmap-compare", "2000"] if quick else []
        return Plan(name, [Job(name, "bench.bench_cache_memory", args)])
    if name == "train":
        if not (root / DB).is_file():
            return Plan(name, skip=f"no `{DB}`: run `python -m raster.demo --ingest-only` first")
        base = ["--db", DB, "--batch-size", "64", "--steps", "20"]
        if quick:
            base = ["--db", DB, "--batch-size", "16", "--steps", "2", "--warmup-steps", "1"]
            base += ["--limit", "400", "--img-size", "64"]
            if scratch is not None:
                base += ["--out-dir", str(scratch / "bench_train")]
        # The default mode also times the loop through torch.compile (minutes: not in --quick).
        compile_flag = [] if quick else ["--compile"]
        jobs = [
            Job(
                f"train-{key}",
                "bench.bench_train_throughput",
                base + flags + (compile_flag if key == "batch" else []),
            )
            for key, flags, _ in TRAIN_MODES
        ]
        return Plan(name, jobs)
    if name == "embed":
        sizes = "--img-size 128 64 --batch-size 256 --n 2048 --repeats 3".split()
        if quick:
            sizes = "--img-size 64 --batch-size 32 --n 64 --repeats 1".split()
        return Plan(name, [Job(name, "bench.bench_embed", sizes)])
    if name == "identify":
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
        return Plan(name, [Job(name, "bench.bench_identify", ["--latency-only", *model, *runs])])
    if name == "review":
        from raster.reviewing.browser import BrowserMissing, chromium_path

        try:
            chromium_path()
        except BrowserMissing as exc:
            return Plan(name, skip=f"{exc}")
        size = ["--glyphs", "200", "--repeats", "1"] if quick else ["--glyphs", "2000"]
        return Plan(name, [Job(name, "bench.bench_review", size)])
    if name == "shipped":
        if not any((root / "raster" / "weights").glob("*.json")):
            return Plan(name, skip="no shipped model in `raster/weights/`")
        repeats = ["--repeats", "1" if quick else "3"]
        return Plan(name, [Job(name, "bench.bench_shipped", repeats)])
    if name == "answers":
        if not any((root / "raster" / "weights").glob("*.json")):
            return Plan(name, skip="no shipped model in `raster/weights/`")
        sizes = "--repeats 1 --fonts 2 --pdfs 2" if quick else "--repeats 3 --fonts 4 --pdfs 3"
        return Plan(name, [Job(name, "bench.bench_answers", sizes.split())])
    if name == "scale":
        return Plan(name, [Job(name, "bench.bench_scale", ["--quick"] if quick else [])])
    if name == "batch":
        try:
            import distributed  # noqa: F401
        except ImportError:
            return Plan(name, skip="Dask distributed is not installed (the `[dask]` extra)")
        if not any((root / "raster" / "weights").glob("*.json")):
            return Plan(name, skip="no shipped model in `raster/weights/`")
        sizes = ["--copies", "1", "--workers", "1"] if quick else ["--copies", "2"]
        return Plan(name, [Job(name, "bench.bench_batch", sizes)])
    raise ValueError(f"unknown bench {name!r}; choose from {', '.join(NAMES)}")


def last_line(text: str) -> str:
    """The last non-empty line of ``text`` (an exception's message ends a traceback)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_job(job: Job, json_dir: Path, timeout: float) -> dict:
    """Run one bench process; ``{"data": ..., "seconds": ...}`` or ``{"error": ..., ...}``."""
    out = json_dir / f"{job.key}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", job.module, *job.args, "--json-out", str(out)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s", "seconds": time.perf_counter() - t0}
    seconds = time.perf_counter() - t0
    (json_dir / f"{job.key}.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    if proc.returncode != 0:
        error = last_line(proc.stderr) or last_line(proc.stdout)
        return {"error": error or f"exit code {proc.returncode}", "seconds": seconds}
    if not out.is_file():
        return {"error": f"exit code 0 but no {out.name} written", "seconds": seconds}
    return {"data": json.loads(out.read_text()), "seconds": seconds}


def run_plan(p: Plan, json_dir: Path, timeout: float) -> dict:
    """Run a section's jobs; the section's result as :func:`render` reads it."""
    res: dict = {"commands": [j.command() for j in p.jobs], "data": {}, "errors": {}}
    if p.skip:
        return {**res, "status": "skipped", "reason": p.skip, "seconds": 0.0}
    seconds = 0.0
    for job in p.jobs:
        print(f"[bench] {job.command()}", file=sys.stderr, flush=True)
        r = run_job(job, json_dir, timeout)
        seconds += r["seconds"]
        if "error" in r:
            res["errors"][job.key] = r["error"]
            print(f"[bench]   FAILED after {r['seconds']:.0f} s: {r['error']}", file=sys.stderr)
        else:
            res["data"][job.key] = r["data"]
            print(f"[bench]   ok, {r['seconds']:.1f} s", file=sys.stderr, flush=True)
    return {**res, "status": "failed" if res["errors"] else "ok", "seconds": seconds}


def _cpuinfo_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _mem_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + (" with uncommitted changes" if dirty else "")


def machine_info() -> dict:
    """CPU, cores, memory, GPU, library versions, date and commit of this run."""
    import torch  # here, not at module import: the tests render without it

    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    mem = _mem_gib()
    return {
        "cpu": _cpuinfo_model(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": None if mem is None else round(mem, 1),
        "gpu": ", ".join(gpus) if gpus else "none",
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skia": _version("skia-python"),
        "numpy": _version("numpy"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
    }


# ---------------------------------------------------------------- rendering (pure functions)


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "es" if word.endswith("s") else "s")


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _command_lines(res: dict) -> list[str]:
    cmds = res["commands"]
    if len(cmds) == 1:
        return [_code(cmds[0])]
    return ["```bash", *cmds, "```"]


def _status_lines(res: dict) -> list[str]:
    if res["status"] == "skipped":
        return [f"**Skipped**: {res['reason']}.", ""]
    return [f"**Failed** ({key}): {_code(err)}" for key, err in res["errors"].items()] + (
        [""] if res["errors"] else []
    )


def _ingest(res: dict) -> list[str]:
    d = res["data"].get("ingest")
    if d is None:
        return []
    counts = d["corpus_counts"]
    if not counts:
        corpus = "bundled fonts only, `--no-corpus`"
    elif sum(counts.values()) == 0:
        corpus = "no Debian corpus on this machine (`make fonts` installs it)"
    else:
        corpus = (
            f"the Debian corpus is what `scripts/install_corpus_fonts.sh` installs, "
            f"Arabic-capable Noto files only: {_n(sum(counts.values()))} files"
        )
    first = "all bundled fonts"
    if d.get("max_files"):
        first = f"the first {_plural(d['max_files'], 'bundled file')}"
    lines = [
        f"(`--num-workers {d['workers']} --instances {d['instances']}`, default repertoire, "
        f"{first}; {corpus})",
        "",
        "| set | files | fonts added | glyphs | s | fonts/s | glyphs/s | DB MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in d["cases"]:
        s = c["seconds"]
        lines.append(
            f"| {c['name']} | {_n(c['files'])} | {_n(c['fonts_added'])} | {_n(c['glyphs'])} | "
            f"{s:.1f} | {c['fonts_added'] / s:.2f} | {_n(c['glyphs'] / s)} | "
            f"{c['db_bytes'] / 2**20:.1f} |"
        )
    lines.append("")
    for c in d["cases"]:
        if c["failed"] or c["no_glyphs"]:
            lines.append(
                f"{c['name']}: {c['failed']} files failed, {c['no_glyphs']} had no glyphs"
                + "".join(f"; {_code(f'{a}: {b}')}" for a, b in c["failures"])
                + "."
            )
            lines.append("")
    parts = []
    for c in d["cases"]:
        s = c["summary"]
        forms = ", ".join(f"{f} {_n(v['labels'])}" for f, v in s["per_form"].items())
        single = s["single_glyph_labels"]
        single_txt = (
            "no label with a single glyph"
            if single == 0
            else f"{_n(single)} label{'s' if single != 1 else ''} with a single glyph"
        )
        shaping = " and ".join(
            f"{_n(v)} {SHAPING_WORDS.get(k, k)}" for k, v in s["per_shaping"].items()
        )
        parts.append(
            f"{c['name']} {_n(s['labels'])} distinct ({forms}), {s['joining_groups']} joining "
            f"groups, {single_txt}" + (f", {shaping} rows" if shaping else "")
        )
    lines += ["Labels: " + "; ".join(parts) + ".", ""]
    return lines


def _rasterize(res: dict) -> list[str]:
    d = res["data"].get("rasterize")
    if d is None:
        return []
    g = d["glyphs"]
    build0 = d.get("cache_build_s_workers_0")
    w = d.get("workers", 0)
    build_w = d.get(f"cache_build_s_workers_{w}") if w else None
    source = d["rows_from"]
    source = source if source.startswith(("a ", "synthetic")) else _code(source)
    rate = d["glyphs_per_s_one_core_json_included"]
    rate_bin = d.get("glyphs_per_s_one_core_binary")
    size = d["img_size"]
    lines = [
        f"({_n(g)} rows of {source}, {d['mean_points_per_glyph']:.1f} points per glyph on "
        f"average, {size} px, `{d['normalization']}`; per-glyph figures are CPU time of one "
        "process, best of the passes"
        + (
            f"; load average {d['load_avg_1m_at_end']:.1f} on the machine"
            if "load_avg_1m_at_end" in d
            else ""
        )
        + ")",
        "",
        "| what | value |",
        "|---|---:|",
    ]
    if rate_bin is not None:
        lines.append(
            f"| glyphs/s on one core from the binary `outline` column, {size} px | **{_n(rate_bin)}** |"
        )
    lines += [
        f"| glyphs/s on one core, JSON parsing included, {size} px | **{_n(rate)}** |",
        f"| parse (JSON → validated outline), µs/glyph | {d['parse_us_per_glyph']:.1f} |",
    ]
    if "parse_binary_us_per_glyph" in d:
        lines.append(
            f"| parse (binary → validated outline), µs/glyph | {d['parse_binary_us_per_glyph']:.1f} |"
        )
    lines.append(
        f"| render {size} px (skia path, AA fill, read-back), µs/glyph | {d['render_us_per_glyph']:.1f} |"
    )
    if "render_calls_us_per_glyph" in d:
        lines.append(
            f"| the same, path built with one skia call per verb (before), µs/glyph | "
            f"{d['render_calls_us_per_glyph']:.1f} |"
        )
    if "render_64_us_per_glyph" in d:
        lines += [
            f"| render 64 px, µs/glyph (one call per verb: {d['render_64_calls_us_per_glyph']:.1f}) "
            f"| {d['render_64_us_per_glyph']:.1f} |",
            f"| glyphs/s on one core from the binary column, 64 px | {_n(d['glyphs_per_s_one_core_binary_64'])} |",
            f"| bytes per glyph, JSON / binary | {_n(d['json_bytes_per_glyph'])} / "
            f"{_n(d['binary_bytes_per_glyph'])} |",
        ]
    if build0 is not None:
        lines.append(f"| pre-raster cache build, {_n(g)} glyphs, in-process | {build0:.2f} s |")
    if build_w is not None:
        note = " (slower than in-process at this size)" if build0 and build_w > build0 else ""
        lines.append(f"| the same with `--pre-raster-workers {w}` | {build_w:.2f} s{note} |")

    def verdict(r: float) -> str:
        floor = "meets the floor" if r >= RASTER_FLOOR else "is below the floor"
        amb = "reaches the target" if r >= RASTER_AMBITION else "falls short of the target"
        return f"{floor} and {amb}"

    said = f"from JSON {verdict(rate)}"
    if rate_bin is not None:
        said = f"from the binary column {verdict(rate_bin)}; " + said
    lines += [
        "",
        f"The floor is {_n(RASTER_FLOOR)} glyphs/s per core and the target (issue 18) "
        f"{_n(RASTER_AMBITION)}: in this run the rasterizer {said}.",
        "",
    ]
    if "renders_identical_to_calls" in d:
        lines += [
            f"The bench checks that the serialized paths draw the first "
            f"{_n(d['renders_identical_to_calls'])} glyphs pixel for pixel as the call-by-call "
            "paths do (it stops otherwise). Databases made before the `outline` column get it "
            "with `python -m raster.ingest --db DB --add-outlines`.",
            "",
        ]
    return lines


def _cache(res: dict) -> list[str]:
    d = res["data"].get("cache")
    if d is None:
        return []
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


def _train(res: dict) -> list[str]:
    rows = {
        key: res["data"][f"train-{key}"]
        for key, _, _ in TRAIN_MODES
        if f"train-{key}" in res["data"]
    }
    if not rows:
        return []
    d = next(iter(rows.values()))
    lines = [
        f"(`{d['backbone']}`, {d['img_size']} px, batch {d['batch_size']}, "
        f"{_plural(d['threads'], 'thread')}, {_plural(d['steps'], 'timed step')} after "
        f"{_plural(d['warmup_steps'], 'warm-up step')}, a {_n(d['limit'])}-glyph "
        'sample; "bare" = forward + cross-entropy + backward + AdamW step on batches already in '
        'memory; "loop" = `train_one_epoch` over the real DataLoader with pre-raster cache, '
        "m-per-class sampler, augmentation, contrastive loss and logging)",
        "",
        "| augmentation | bare samples/s | loop samples/s | loop / bare |",
        "|---|---:|---:|---:|",
    ]
    for key, _, label in TRAIN_MODES:
        r = rows.get(key)
        if r is None:
            continue
        workers = r.get("num_workers", 0)
        where = "in the main process" if workers == 0 else f"in {workers} DataLoader workers"
        ratio = _pct(r["loop_over_bare"])
        lines.append(
            f"| {label.format(where=where)} | {r['bare_samples_per_s']:.1f} | "
            f"{r['loop_samples_per_s']:.1f} | {f'**{ratio}**' if key == 'batch' else ratio} |"
        )
    lines.append("")
    compiled = rows.get("batch", {})
    if compiled.get("loop_compiled_samples_per_s"):
        lines += [
            f"With `--compile` (`torch.compile` of the forward, as `raster.train --compile`) the "
            f"default loop runs {compiled['loop_compiled_samples_per_s']:.1f} samples/s, "
            f"{compiled['compiled_over_eager']:.2f}× the eager loop, after "
            f"{compiled['compile_seconds']:.0f} s of compilation once per run.",
            "",
        ]
    elif "compile_seconds" in compiled:
        lines += ["`--compile`: compilation failed in this run (see the bench's log).", ""]
    if "batch" in rows:
        met = "met" if rows["batch"]["loop_over_bare"] >= LOOP_TARGET else "not met"
        lines += [
            f"The issue's target is loop ≥ {100 * LOOP_TARGET:.0f} % of bare with the default "
            f"augmentation: {met} in this run.",
            "",
        ]
    if "off" in rows and "dataset" in rows:
        share = rows["dataset"]["loop_samples_per_s"] / rows["off"]["loop_samples_per_s"]
        lines += [
            f"With per-item augmentation in `__getitem__` the loop runs at {_pct(share)} of its "
            "speed without augmentation in this run; `--augment-mode batch` (the same random "
            "draws, applied to whole batches on the training device) is the default.",
            "",
        ]
    lines += [
        "End-to-end epoch throughput of the guide's quick test (with evaluation and BatchNorm "
        "recalibration) is in docs/results.md.",
        "",
    ]
    return lines


def _embed(res: dict) -> list[str]:
    d = res["data"].get("embed")
    if d is None:
        return []
    sizes = d["sizes"]
    dim = sizes[0]["embed_dim"] if sizes else "?"
    n = sizes[0]["images"] if sizes else 0
    lines = [
        f"(`{d['backbone']}` with random weights, eval mode, through "
        f"`raster.inference.embedding.forward_images`: uint8 renders in, {_n(d['num_classes'])} "
        f"classifier logits and {dim}-D unit embeddings out; batch {d['batch_size']}, "
        f"{_plural(d['threads'], 'thread')}, best of {_plural(d['repeats'], 'pass')} over "
        f"{_plural(n, 'image')})",
        "",
        "| img px | images/s | ms/image |",
        "|---:|---:|---:|",
    ]
    for r in sizes:
        lines.append(f"| {r['img_size']} | {r['images_per_s']:,.1f} | {r['ms_per_image']:.2f} |")
    lines.append("")
    return lines


def _identify(res: dict) -> list[str]:
    d = res["data"].get("identify")
    if d is None:
        return []
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


def _review(res: dict) -> list[str]:
    d = res["data"].get("review")
    if d is None:
        return []
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


def _label_count(d: dict) -> str:
    """The shipped model's labels as the model card counts them: the classifier's, and the
    ligature labels only its index holds."""
    cls = d.get("classifier_labels")
    if not cls or cls == d["labels"]:
        return f"{_n(d['labels'])} labels"
    return f"{_n(cls)} labels (and {d['labels'] - cls} ligature labels that only its index holds)"


def _shipped(res: dict) -> list[str]:
    d = res["data"].get("shipped")
    if d is None:
        return []
    med, low = d["median"], d["min"]
    files = ", ".join(f"`{n}` {mb:.1f} MB" for n, mb in d["files_mb"].items())
    lines = [
        f"(the release `{d['release']}`: {files}, {d['total_mb']:.1f} MB in all; "
        f"{_label_count(d)}, an index of {_n(d['rows'])} glyphs; each of "
        f"{_plural(d['repeats'], 'repeat')} a fresh interpreter, median (min))",
        "",
        "| stage | seconds |",
        "|---|---:|",
    ]
    onnx = d.get("runtime") == "OnnxModel"
    stages = (
        ("import_raster", "`import raster`"),
        ("import_runtime", "`import onnxruntime, faiss`"),
        ("sha256", "sha256 of the files"),
        ("model", "model: the ONNX export in an onnxruntime session"),
        ("index", "index: int8 → fp32, re-normalized, with its inverted lists"),
        ("files", "**the shipped files (sha256 + model + index)**"),
        ("api_load_model", "`raster.load_model()` once more, all of it"),
        ("import_torch", "(not needed) `import torch` after all of it"),
    )
    if not onnx:  # a run before the ONNX path, or without onnxruntime
        stages = tuple(
            (k, lab.replace("the ONNX export in an onnxruntime session", "fp16 checkpoint → fp32"))
            for k, lab in stages
        )
    for key, label in stages:
        if key in med:
            lines.append(f"| {label} | {med[key]:.2f} ({low[key]:.2f}) |")
    met = "met" if med["files"] < d["target_s"] else "not met"
    torch_note = (
        "torch was not imported before the last row"
        if not d.get("torch_imported", True)
        else "torch was imported on the way"
    )
    lines += [
        "",
        f"Target: the shipped files load in under {d['target_s']:.0f} s: {met} in this run "
        f"(process CPU time {med['cpu_s']:.1f} s, peak RSS {_n(med['peak_rss_mb'])} MB before "
        f"`import torch`; {torch_note}).",
        "",
    ]
    return lines


def _verdict(value: float, target: float, unit: str) -> str:
    """``≤ 3 s: met`` / ``≤ 3 s: **not met**``."""
    return f"≤ {target:g} {unit}: {'met' if value <= target else '**not met**'}"


def _answers(res: dict) -> list[str]:
    d = res["data"].get("answers")
    if d is None:
        return []
    t, ident, rep = d["targets"], d["identify"], d.get("repair")
    m = d["machine"]
    lines = [
        f"(the {d['model']} model; each figure the median of {_plural(d['repeats'], 'process')}, "
        "interpreter start, imports and model + index load included; fonts: "
        f"{', '.join(d['fonts'])}; load average {m['load_avg_1m_at_start']} at the start, "
        f"{m['load_avg_1m_at_end']} at the end)",
        "",
        "| what | wall | peak RSS | target (issue 18) |",
        "|---|---:|---:|---|",
    ]
    one = ident["one"]
    peak = max(v["peak_rss_mb"] for v in ident.values())
    lines.append(
        f"| `identify`, first font | {one['median_s']:.2f} s | {_n(one['peak_rss_mb'])} MB | "
        f"{_verdict(one['median_s'], t['first_s'], 's')} |"
    )
    if "many" in ident:
        many = ident["many"]
        lines.append(
            f"| `identify`, each further font ({many['files']} in one process) | "
            f"{many['per_extra_s']:.2f} s | {_n(many['peak_rss_mb'])} MB | "
            f"{_verdict(many['per_extra_s'], t['extra_s'], 's')} |"
        )
    if rep:
        lines.append(
            f"| `pdf repair`, one PDF | {rep['one']['median_s']:.2f} s | "
            f"{_n(rep['one']['peak_rss_mb'])} MB | |"
        )
        if "many" in rep:
            many = rep["many"]
            lines.append(
                f"| `pdf repair`, each further PDF (a folder of {many['files']}) | "
                f"{many['per_extra_s']:.2f} s | {_n(many['peak_rss_mb'])} MB | |"
            )
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in one["phases"].items())
    lines += [
        "",
        f"Peak memory of `identify`: {_n(peak)} MB, {_verdict(peak, t['peak_rss_mb'], 'MB')}. "
        f"Where the first font's time goes (`identify --timings`, medians): {phases}.",
        "",
    ]
    further = _further_fonts(d)
    if further:
        lines += [further, ""]
    return lines


def _further_fonts(d: dict) -> str:
    """One sentence: each further font's own time (its phases' medians) and glyph count."""
    many = d["identify"].get("many")
    counts = (many or {}).get("font_glyphs")
    if not many or not counts or not many.get("extra_font_phases"):
        return ""
    names = d["fonts"][1:]
    parts = []
    for name, phases in zip(names, many["extra_font_phases"], strict=False):
        secs = sum(phases.values())
        n = counts.get(name)
        glyphs = f"{_n(n)} glyphs, " if n else ""
        per = f", {1000 * secs / n:.2f} ms per glyph" if n else ""
        parts.append(f"{name} ({glyphs}{secs:.2f} s{per})")
    return (
        "Each further font on its own (the sum of its `--timings` phases, medians): "
        + "; ".join(parts)
        + f". The {d['targets']['extra_s']:g} s target is a matter of glyph count: "
        "the time grows with the glyphs a font holds."
    )


def _scale_row(s: dict) -> str:
    build = "" if s["build"] is None else f"{s['build']['wall_s']:.1f}"
    return (
        f"| {s['rows']:,} | {s['fonts']} | {build} | {s['load']['wall_s']:.2f} | "
        f"{s['search']['cpu_s']:.2f} | {s['ms_per_font']:,.0f} | "
        f"{s['load']['peak_mb'] + s['search']['peak_mb']:,.0f} |"
    )


def _scale_growth(d: dict, key: str, what: str) -> str:
    g = d[key]
    steps = ", ".join(f"×{x['size_x']:g} → ×{x['cost_x']:g}" for x in g["growth"])
    at = g["superlinear_at"]
    tail = "linear throughout" if at is None else f"superlinear from {at:,}"
    return f"{what}: {steps} ({tail})."


def _scale(res: dict) -> list[str]:
    d = res["data"].get("scale")
    if d is None:
        return []
    lines = [
        f"(identify's kNN path on synthetic {d['dim']}-D unit vectors around {_n(d['labels'])} "
        f"label centres: `save_index`/`load_index`, then exact `ReferenceIndex.search` + "
        f"`knn_vote` for fonts of {d['glyphs_per_font']} glyphs, k = {d['k']}; "
        f"{_plural(d['threads'], 'thread')}; memory = peak RSS above the step's start)",
        "",
        "| index rows | fonts | write s | load s | kNN + vote CPU s | ms per font | peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *[_scale_row(s) for s in d["by_rows"] + d["by_fonts"]],
        "",
        _scale_growth(d, "rows_search", "kNN time against index rows")
        + " "
        + _scale_growth(d, "rows_memory", "Memory against index rows")
        + " "
        + _scale_growth(d, "fonts_search", "kNN time against fonts"),
        "",
    ]
    if d.get("faiss"):
        lines += [
            "| faiss index | settings | rows | build s | search s (exact s) | recall@k |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for f in d["faiss"]:
            lines.append(
                f"| {f['index']} | {f['params']} | {f['rows']:,} | {f['build']['wall_s']:.1f} | "
                f"{f['search']['wall_s']:.3f} ({f['exact_search']['wall_s']:.2f}) | "
                f"{f['recall_at_k']:.3f} |"
            )
        lines += [
            "",
            "Where the exact search stops being cheap (a few hundred ms per font of 600 glyphs, "
            "about 100,000 rows), switch on inverted lists: `python -m raster.index lists "
            "--index DIR` (faiss `IndexIVFFlat`; rows / 192 lists, 32 visited per query), as the "
            "shipped index carries them; `identify` then searches them instead of every row.",
            "",
        ]
    return lines


def _batch(res: dict) -> list[str]:
    d = res["data"].get("batch")
    if d is None:
        return []
    lines = [
        f"(`raster.batch text`, jsonl, the shipped model, on a `LocalCluster` of single-threaded "
        f"worker processes; the {d['fixtures']} one-page fixture PDFs of `tests/pdf/fixtures`, "
        f"{d['copies']} {'copy' if d['copies'] == 1 else 'copies'} each; the clock from submission to the last manifest "
        f"row, each worker's model load included, cluster start-up not; {d['cores']} cores, "
        f"load average {d['load_avg_1m_at_start']} at the start, {d['load_avg_1m_at_end']} at "
        "the end)",
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


SECTIONS = {  # name: (heading, body renderer)
    "ingest": ("Ingest: fonts → glyph database", _ingest),
    "rasterize": ("Rasterizer", _rasterize),
    "cache": ("Pre-raster cache memory", _cache),
    "train": ("Training loop vs the bare model", _train),
    "embed": ("Embedding throughput", _embed),
    "identify": ("Identify latency", _identify),
    "review": ("Review page in the browser", _review),
    "shipped": ("Loading the shipped model", _shipped),
    "answers": ("Answers in seconds: identify and repair, one file and several", _answers),
    "scale": ("Scale: reference index rows and fonts", _scale),
    "batch": ("Batches on Dask: pages per second per worker", _batch),
}


def _machine_lines(m: dict) -> list[str]:
    cores = f"{m['cores']} cores"
    if m.get("usable_cores") and m["usable_cores"] != m["cores"]:
        cores += f" ({m['usable_cores']} usable)"
    mem = "unknown" if m.get("memory_gib") is None else f"{m['memory_gib']:.1f} GiB"
    lines = [
        "| machine | |",
        "|---|---|",
        f"| CPU | {m['cpu']} ({m['arch']}), {cores} |",
        f"| memory | {mem} |",
        f"| GPU | {m['gpu']} |",
        f"| OS | {m['os']} |",
        f"| software | Python {m['python']}, torch {m['torch']}, skia-python {m['skia']}, "
        f"numpy {m['numpy']} |",
    ]
    if m.get("omp_num_threads"):
        lines.append(f"| `OMP_NUM_THREADS` | {m['omp_num_threads']} |")
    lines += [f"| measured | {m['date']}, commit {m['commit']} |", ""]
    return lines


def render(results: dict[str, dict], machine: dict, quick: bool = False) -> str:
    """docs/benchmarks.md from the sections' results (see :func:`run_plan`) and machine info.

    Args:
        results: ``{name: result}`` in :data:`NAMES` order; names left out are not rendered.
        machine: :func:`machine_info`'s dict.
        quick: mark the file as a smoke run whose figures mean nothing.
    """
    lines = ["# Benchmarks (speed and memory)", ""]
    if quick:
        lines += [
            "> **Quick smoke run** (`python -m bench.run_all --quick`): tiny sizes that only check "
            "that every bench runs. These figures are not benchmarks; `make bench` writes the "
            "real ones.",
            "",
        ]
    lines += [
        (
            "Written by `python -m bench.run_all --quick`."
            if quick
            else "Written by `make bench` (`python -m bench.run_all`)."
        )
        + " Each figure comes from the command above its table "
        "(the runner adds `--json-out` to collect it); rerun that command to check one figure, "
        "or `make bench` to refresh the file.",
        "",
        *_machine_lines(machine),
    ]
    ran = [n for n in NAMES if n in results]
    if len(ran) < len(NAMES):
        lines += [f"Only these benches ran (`--only`): {', '.join(ran)}.", ""]
    timing = ", ".join(
        f"{n} {results[n]['seconds']:.0f} s" for n in ran if results[n]["status"] != "skipped"
    )
    total = sum(results[n]["seconds"] for n in ran) / 60
    lines += [f"Run time: {timing}; {total:.1f} min in all.", ""]
    skipped = [n for n in ran if results[n]["status"] == "skipped"]
    lines += [
        f"Not measured this time: {SECTIONS[n][0]} ({results[n]['reason']})." for n in skipped
    ] + ([""] if skipped else [])
    for name in (n for n in ran if n not in skipped):
        heading, body = SECTIONS[name]
        res = results[name]
        lines += [f"## {heading}", ""]
        if res["commands"]:
            lines += _command_lines(res)  # the prose under it continues the same paragraph
        if res["status"] != "ok":
            lines += ([""] if res["commands"] else []) + _status_lines(res)
        lines += body(res)
        if lines[-1] != "":
            lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=HelpFormatter
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="Markdown to write (default: docs/benchmarks.md; with --quick "
        "artifacts/bench_quick.md, so a smoke run never replaces the measured file)",
    )
    parser.add_argument(
        "--only", default=None, help=f"comma-separated benches to run, of: {','.join(NAMES)}"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke test, the file says so"
    )
    parser.add_argument(
        "--json-dir",
        type=Path,
        default=None,
        help="keep each bench's JSON and log here (default: a temporary directory)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per bench process (default 900, quick 300)",
    )
    return parser


def splice_sections(old: str, new: str, machine: dict) -> str:
    """``old`` (a full benchmarks file) with each ``## `` section of ``new`` (an ``--only``
    run's) put in place of the section of the same heading, or appended; each such section
    says which run measured it, since the machine line at the top is the full run's."""

    def sections(text: str) -> list[str]:
        return re.split(r"(?m)^(?=## )", text)

    parts = sections(old)
    heads = [p.split("\n", 1)[0] for p in parts]
    stamp = (
        f"(Refreshed alone by `python -m bench.run_all --only`, {machine.get('date', '?')}, "
        f"commit {machine.get('commit', '?')}, {machine.get('cpu', '?')}.)"
    )
    for part in sections(new)[1:]:
        head, body = part.split("\n", 1)
        part = f"{head}\n\n{stamp}\n{body}".rstrip("\n") + "\n\n"
        if head in heads:
            parts[heads.index(head)] = part
        else:
            parts.append(part)
            heads.append(head)
    return "".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    names = list(NAMES)
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in NAMES]
        if unknown:
            parser.error(f"unknown bench {', '.join(unknown)}; choose from {', '.join(NAMES)}")
        names = [n for n in NAMES if n in wanted]
    timeout = args.timeout or (300.0 if args.quick else 900.0)
    with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp:
        json_dir = args.json_dir or Path(tmp)
        json_dir.mkdir(parents=True, exist_ok=True)
        machine = machine_info()
        results = {}
        for name in names:
            p = plan(name, args.quick, scratch=json_dir)
            if p.skip:
                print(f"[bench] {name}: skipped: {p.skip}", file=sys.stderr)
            results[name] = run_plan(p, json_dir, timeout)
    out = args.out or ROOT / ("artifacts/bench_quick.md" if args.quick else "docs/benchmarks.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render(results, machine, quick=args.quick)
    if args.only and out.exists():  # a partial run refreshes its sections, keeps the rest
        text = splice_sections(out.read_text(encoding="utf-8"), text, machine)
    out.write_text(text)
    failed = [n for n, r in results.items() if r["status"] == "failed"]
    print(f"[bench] wrote {out}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
