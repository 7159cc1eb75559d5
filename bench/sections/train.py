"""Section ``train`` of docs/benchmarks.md, owned by ``bench/bench_train_throughput.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import DB, Job, Plan, _n, _pct, _plural

HEADING = "Training loop vs the bare model"
LOOP_TARGET = 0.95  # issue 18: the training loop at ≥ 95 % of the bare model
TRAIN_MODES = (  # (JSON key, flags, row label)
    ("batch", ["--augment-mode", "batch"], "`batch` (default)"),
    ("off", ["--no-augment"], "off"),
    ("dataset", ["--augment-mode", "dataset"], "`dataset` (per item, {where})"),
)


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Time the training loop against the bare model, per augmentation mode."""
    name = "train"
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


def markdown(res: dict) -> list[str]:
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
    if compiled.get("fp32_loop_samples_per_s"):
        lines += [
            f"Precision: the figures above are {compiled['precision']} autocast, what "
            "`raster.train` uses by default on a CPU with AVX512-BF16 or AMX (fp32 master "
            "weights). The same default loop in fp32 (`--no-amp`): bare "
            f"{compiled['fp32_bare_samples_per_s']:.1f}, loop "
            f"{compiled['fp32_loop_samples_per_s']:.1f} samples/s; bf16 runs "
            f"{compiled['bf16_over_fp32']:.2f}× the fp32 loop.",
            "",
        ]
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
