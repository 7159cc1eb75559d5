"""bench.run_all: docs/benchmarks.md rendered from fixed bench JSON; plans; exit status."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bench/ is not an installed package

from bench import run_all  # noqa: E402

MACHINE = {
    "cpu": "AMD EPYC",
    "arch": "x86_64",
    "cores": 2,
    "usable_cores": 2,
    "memory_gib": 23.5,
    "gpu": "none",
    "os": "Linux-6.1-x86_64",
    "python": "3.11.7",
    "torch": "2.14.1",
    "skia": "144.1",
    "numpy": "2.4.6",
    "omp_num_threads": None,
    "date": "2026-11-25 10:00 UTC",
    "commit": "cf71a7e",
}

INGEST = {
    "workers": 2,
    "instances": "named",
    "corpus_counts": {"fonts-noto-core": 40, "fonts-hosny-amiri": 19},
    "max_files": 0,
    "cases": [
        {
            "name": "bundled",
            "files": 25,
            "fonts_added": 48,
            "no_glyphs": 0,
            "failed": 0,
            "failures": [],
            "glyphs": 35045,
            "seconds": 12.5,
            "db_bytes": 57_462_374,
            "summary": {
                "fonts": 48,
                "glyphs": 35045,
                "labels": 1063,
                "per_form": {
                    "isol": {"glyphs": 17135, "labels": 493},
                    "init": {"glyphs": 5220, "labels": 167},
                    "medi": {"glyphs": 5220, "labels": 167},
                    "fina": {"glyphs": 7470, "labels": 236},
                },
                "per_shaping": {"single": 22191, "composed": 12854},
                "joining_groups": 35,
                "single_glyph_labels": 0,
            },
        }
    ],
}

RASTERIZE = {
    "source": "dataset/glyphs.db (20000 rows)",
    "rows_from": "dataset/glyphs.db",
    "img_size": 128,
    "normalization": "em",
    "repeats": 3,
    "workers": 2,
    "glyphs": 20000,
    "glyphs_per_s_one_core_json_included": 10122,
    "glyphs_per_s_one_core_binary": 31250,
    "binary_outlines_stored": 20000,
    "parse_us_per_glyph": 45.2,
    "parse_binary_us_per_glyph": 3.1,
    "render_us_per_glyph": 28.9,
    "render_calls_us_per_glyph": 44.4,
    "render_64_us_per_glyph": 14.2,
    "render_64_calls_us_per_glyph": 30.0,
    "glyphs_per_s_one_core_binary_64": 57803,
    "json_bytes_per_glyph": 1128,
    "binary_bytes_per_glyph": 619,
    "renders_identical_to_calls": 2000,
    "load_avg_1m_at_end": 3.4,
    "mean_points_per_glyph": 78.6,
    "cache_build_s_workers_0": 1.46,
    "cache_build_s_workers_2": 1.93,
    "cpu_count": 2,
}

CACHE = {
    "n": 531398,
    "n_requested": 531398,
    "user_n": 531398,
    "img_size": 128,
    "file_gib": 8.11,
    "note": "full size",
    "max_seconds": 120.0,
    "rss_mb_start": 620,
    "rss_mb_dataset_built": 640,
    "items_read": 531398,
    "items_per_s": 19613,
    "rss_mb_peak_while_iterating": 641,
    "memmap_items_read": 50000,
    "rss_mb_growth_via_np_memmap": 782,
}


def train_run(augment: str, bare: float, loop: float) -> dict:
    return {
        "augment": augment,
        "bare_samples_per_s": bare,
        "loop_samples_per_s": loop,
        "loop_over_bare": round(loop / bare, 4),
        "batch_size": 64,
        "img_size": 128,
        "steps": 20,
        "warmup_steps": 3,
        "limit": 5000,
        "num_workers": 0,
        "backbone": "levit_128s",
        "threads": 2,
        "cpu_count": 2,
    }


EMBED = {
    "backbone": "levit_128s",
    "num_classes": 1063,
    "batch_size": 256,
    "repeats": 3,
    "threads": 2,
    "cpu_count": 2,
    "torch": "2.14.1",
    "sizes": [
        {"img_size": 128, "images": 2048, "seconds": 6.4, "images_per_s": 320.0,
         "ms_per_image": 3.125, "embed_dim": 128},
        {"img_size": 64, "images": 2048, "seconds": 1.6, "images_per_s": 1280.0,
         "ms_per_image": 0.781, "embed_dim": 128},
    ],
}  # fmt: skip

IDENTIFY = {
    "checkpoint": "artifacts/bench_identify/run/best.pt",
    "index": "artifacts/bench_identify/ref",
    "img_size": 64,
    "latency_font": "IBMPlexSansArabic-Regular.ttf",
    "latency_font_glyphs": 1701,
    "threads": 2,
    "runs": {
        "both": [
            {"seconds": 7.24, "peak_rss_mb": 1774.0},
            {"seconds": 7.09, "peak_rss_mb": 1770.0},
        ],
        "classifier": [{"seconds": 5.91, "peak_rss_mb": 1500.0}],
    },
}


REVIEW = {
    "font": "Amiri-Regular.ttf",
    "glyphs": 2000,
    "page_bytes": 1_735_555,
    "build_s": 6.8,
    "ready_ms_median": 373.2,
    "ready_ms_all": [527.1, 373.2, 371.4, 370.8, 401.8],
    "pick_ms_median": 18.8,
    "filter_ms_median": 45.6,
}
_STAGES = (
    "import_raster",
    "import_torch_timm",
    "sha256",
    "model",
    "index",
    "files",
    "api_load_model",
    "cpu_s",
    "peak_rss_mb",
)
SHIPPED = {
    "release": "glyph-raster-r1",
    "files_mb": {"glyph-raster-r1.pt": 14.6, "glyph-raster-r1.index.npz": 9.8},
    "total_mb": 24.4,
    "rows": 88000,
    "labels": 1063,
    "repeats": 3,
    "median": dict(zip(_STAGES, (0.03, 1.9, 0.12, 0.6, 0.5, 1.22, 1.0, 4.1, 900.0), strict=True)),
    "min": dict(zip(_STAGES, (0.02, 1.8, 0.11, 0.5, 0.4, 1.01, 0.9, 4.0, 880.0), strict=True)),
    "target_s": 3.0,
}  # fmt: skip


ANSWERS = {
    "machine": {"load_avg_1m_at_start": 1.2, "load_avg_1m_at_end": 1.4},
    "model": "shipped",
    "repeats": 3,
    "fonts": ["IBMPlexSansArabic-Regular.ttf", "Tajawal-Regular.ttf"],
    "targets": {"first_s": 3.0, "extra_s": 1.0, "peak_rss_mb": 800.0},
    "identify": {
        "one": {"median_s": 5.1, "peak_rss_mb": 1400.0, "phases": {"start-up": 3.2}},
        "many": {
            "median_s": 6.0,
            "peak_rss_mb": 1450.0,
            "files": 2,
            "per_extra_s": 0.9,
            "extra_font_phases": [{"read": 0.25, "forward": 0.5}],
            "font_glyphs": {"IBMPlexSansArabic-Regular.ttf": 1701, "Tajawal-Regular.ttf": 436},
        },
    },
    "repair": {"one": {"median_s": 9.0, "peak_rss_mb": 1500.0}},
}


def _scale_step(rows: int, fonts: int, cpu: float, built: bool = True) -> dict:
    cost = {"wall_s": cpu * 1.1, "cpu_s": cpu, "peak_mb": 64.0}
    return {
        "rows": rows,
        "fonts": fonts,
        "queries": 600 * fonts,
        "build": cost if built else None,
        "load": {"wall_s": 0.01, "cpu_s": 0.01, "peak_mb": 1.0},
        "search": cost,
        "ms_per_font": 1e3 * cpu * 1.1 / fonts,
        "disk_mb": rows / 1000,
    }


SCALE = {
    "dim": 128,
    "labels": 1063,
    "k": 10,
    "glyphs_per_font": 600,
    "font_rows": 100000,
    "threads": 1,
    "by_rows": [_scale_step(10_000, 1, 0.1), _scale_step(100_000, 1, 1.0)],
    "by_fonts": [_scale_step(100_000, 1, 1.0, False), _scale_step(100_000, 10, 10.0, False)],
    "rows_search": {"growth": [{"from": 10_000, "to": 100_000, "size_x": 10, "cost_x": 10.0}],
                    "superlinear_at": None},
    "rows_memory": {"growth": [{"from": 10_000, "to": 100_000, "size_x": 10, "cost_x": 1.0}],
                    "superlinear_at": None},
    "fonts_search": {"growth": [{"from": 1, "to": 10, "size_x": 10, "cost_x": 10.0}],
                     "superlinear_at": None},
    "faiss": [{"index": "IVF-Flat", "params": "nlist 1264, nprobe 16", "rows": 100_000,
               "queries": 1200, "build": {"wall_s": 5.0}, "search": {"wall_s": 0.05},
               "exact_search": {"wall_s": 2.0}, "recall_at_k": 0.99}],
}  # fmt: skip


def ok(commands: list[str], data: dict, seconds: float = 10.0) -> dict:
    return {"status": "ok", "commands": commands, "data": data, "errors": {}, "seconds": seconds}


BATCH = {
    "runs": [
        {"workers": 1, "files": 30, "failed": 0, "pages": 30, "seconds": 15.0,
         "pages_per_s": 2.0, "pages_per_s_per_worker": 2.0, "worker_peak_rss_mb": 530.6,
         "cpu_s_per_page": 0.45},
        {"workers": 2, "files": 30, "failed": 0, "pages": 30, "seconds": 10.0,
         "pages_per_s": 3.0, "pages_per_s_per_worker": 1.5, "worker_peak_rss_mb": 531.0,
         "cpu_s_per_page": 0.5},
    ],
    "copies": 2, "fixtures": 15, "load_avg_1m_at_start": 1.0, "load_avg_1m_at_end": 2.0,
    "cores": 2,
}  # fmt: skip


def full_results() -> dict:
    train = {
        "train-batch": train_run("batch", 178.9, 172.9),
        "train-off": train_run("off", 204.0, 196.6),
        "train-dataset": train_run("dataset", 184.1, 127.6),
    }
    return {
        "ingest": ok(["python -m bench.bench_ingest"], {"ingest": INGEST}),
        "rasterize": ok(["python -m bench.bench_rasterize"], {"rasterize": RASTERIZE}),
        "cache": ok(["python -m bench.bench_cache_memory"], {"cache": CACHE}),
        "train": ok(["python -m bench.bench_train_throughput --no-augment"] * 3, train),
        "embed": ok(["python -m bench.bench_embed"], {"embed": EMBED}),
        "identify": ok(["python -m bench.bench_identify --latency-only"], {"identify": IDENTIFY}),
        "review": ok(["python -m bench.bench_review --glyphs 2000"], {"review": REVIEW}),
        "shipped": ok(["python -m bench.bench_shipped --repeats 3"], {"shipped": SHIPPED}),
        "answers": ok(["python -m bench.bench_answers"], {"answers": ANSWERS}),
        "scale": ok(["python -m bench.bench_scale"], {"scale": SCALE}),
        "batch": ok(["python -m bench.bench_batch --copies 2"], {"batch": BATCH}),
    }


def test_render_tables_from_json():
    md = run_all.render(full_results(), MACHINE).splitlines()
    assert md[0] == "# Benchmarks (speed and memory)"
    assert not any("Quick smoke run" in line for line in md)
    assert "| CPU | AMD EPYC (x86_64), 2 cores |" in md
    assert "| software | Python 3.11.7, torch 2.14.1, skia-python 144.1, numpy 2.4.6 |" in md
    assert "| bundled | 25 | 48 | 35,045 | 12.5 | 3.84 | 2,804 | 54.8 |" in md
    assert (
        "Labels: bundled 1,063 distinct (isol 493, init 167, medi 167, fina 236), 35 joining "
        "groups, no label with a single glyph, 22,191 single-glyph and 12,854 composed rows."
    ) in md
    assert "| glyphs/s on one core, JSON parsing included, 128 px | **10,122** |" in md
    assert "| glyphs/s on one core from the binary `outline` column, 128 px | **31,250** |" in md
    assert "| render 64 px, µs/glyph (one call per verb: 30.0) | 14.2 |" in md
    assert "| bytes per glyph, JSON / binary | 1,128 / 619 |" in md
    assert any(
        line.endswith(
            "in this run the rasterizer from the binary column meets the floor and reaches the "
            "target; from JSON meets the floor and falls short of the target."
        )
        for line in md
    )
    assert (
        "| the same with `--pre-raster-workers 2` | 1.93 s (slower than in-process at this size) |"
    ) in md
    assert "| RSS peak while reading all 531,398 items | 641 MB |" in md
    assert "| `batch` (default) | 178.9 | 172.9 | **96.7 %** |" in md
    assert "| `dataset` (per item, in the main process) | 184.1 | 127.6 | 69.3 % |" in md
    assert "| 128 | 320.0 | 3.12 |" in md
    assert "| `both` (classifier + kNN over the reference index) | 7.09–7.24 s | 1.73 GiB |" in md
    assert "| `classifier` | 5.91 s | 1.46 GiB |" in md
    assert "| navigation start → list ready | 373 ms |" in md
    assert any("2,000 glyphs of Amiri-Regular.ttf" in line and "5 loads" in line for line in md)
    assert "| **the shipped files (sha256 + model + index)** | 1.22 (1.01) |" in md
    assert "Target: the shipped files load in under 3 s: met in this run" in " ".join(md)
    assert any(
        line.startswith("Each further font on its own")
        and "Tajawal-Regular.ttf (436 glyphs, 0.75 s, 1.72 ms per glyph)" in line
        for line in md
    )
    assert "| 2 | 30 | 10.0 s | 3.00 | 1.50 | 0.50 | 531 MB |" in md
    headings = [line for line in md if line.startswith("## ")]
    assert headings == [f"## {heading}" for heading, _ in run_all.SECTIONS.values()]
    # The command sits right above its section's prose and table.
    i = md.index("## Identify latency")
    assert md[i + 2] == "`python -m bench.bench_identify --latency-only`"


def test_prose_numbers_follow_the_json():
    results = full_results()
    results["rasterize"]["data"]["rasterize"] = {
        **RASTERIZE,
        "glyphs_per_s_one_core_json_included": 16000,
        "cache_build_s_workers_2": 0.9,
    }
    md = run_all.render(results, MACHINE)
    assert "from JSON meets the floor and reaches the target." in md
    assert "| the same with `--pre-raster-workers 2` | 0.90 s |" in md
    assert "loop ≥ 95 % of bare with the default augmentation: met in this run." in md
    assert "the loop runs at 64.9 % of its speed without augmentation" in md


def test_quick_failed_and_skipped_sections():
    results = full_results()
    del results["train"]["data"]["train-off"]
    results["train"]["errors"] = {"train-off": "RuntimeError: boom"}
    results["train"]["status"] = "failed"
    results["identify"] = {
        "status": "skipped",
        "commands": [],
        "data": {},
        "errors": {},
        "reason": "no trained model",
        "seconds": 0.0,
    }
    md = run_all.render(results, MACHINE, quick=True).splitlines()
    assert md[2].startswith("> **Quick smoke run**")
    assert "**Failed** (train-off): `RuntimeError: boom`" in md
    assert "| `batch` (default) | 178.9 | 172.9 | **96.7 %** |" in md
    assert not any(line.startswith("| off |") for line in md)
    # a bench that did not run leaves no empty section behind, one line under the run time
    assert "## Identify latency" not in md
    assert "Not measured this time: Identify latency (no trained model)." in md


def test_the_shipped_label_count_is_the_model_cards():
    # the model card counts the classifier's labels; the index adds lam-alef ligature labels
    results = full_results()
    data = results["shipped"]["data"]["shipped"]
    results["shipped"]["data"]["shipped"] = {**data, "labels": 1071, "classifier_labels": 1063}
    md = run_all.render(results, MACHINE)
    assert "1,063 labels (and 8 ligature labels that only its index holds)" in md


def test_only_renders_the_chosen_sections():
    results = {"embed": full_results()["embed"]}
    md = run_all.render(results, MACHINE)
    assert "Only these benches ran (`--only`): embed." in md
    assert "## Ingest" not in md


def test_plans(tmp_path):
    job = run_all.plan("rasterize", quick=False, root=tmp_path).jobs[0]
    assert job.command() == (
        "python -m bench.bench_rasterize --db dataset/glyphs.db --n 20000 --repeats 3 --workers 2"
    )
    assert "skipped" not in job.command()
    assert run_all.plan("identify", quick=False, root=tmp_path).skip.startswith("no trained model")
    assert run_all.plan("train", quick=True, root=tmp_path).skip.startswith(
        "no `dataset/glyphs.db`"
    )
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "glyphs.db").touch()
    keys = [j.key for j in run_all.plan("train", quick=False, root=tmp_path).jobs]
    assert keys == ["train-batch", "train-off", "train-dataset"]
    with pytest.raises(ValueError):
        run_all.plan("nope", quick=True)


def test_last_line_of_a_traceback():
    err = "Traceback (most recent call last):\n  File x\nValueError: bad font\n\n"
    assert run_all.last_line(err) == "ValueError: bad font"
    assert run_all.last_line("") == ""


def test_main_reports_failure_and_still_writes(tmp_path, monkeypatch):
    def fake_run_job(job, json_dir, timeout):
        return {"error": "OSError: no disk", "seconds": 0.1}

    monkeypatch.setattr(run_all, "run_job", fake_run_job)
    monkeypatch.setattr(run_all, "machine_info", lambda: MACHINE)
    out = tmp_path / "b.md"
    assert run_all.main(["--quick", "--only", "embed", "--out", str(out)]) == 1
    text = out.read_text()
    assert "**Failed** (embed): `OSError: no disk`" in text
    assert "Quick smoke run" in text
    with pytest.raises(SystemExit):
        run_all.main(["--only", "bogus", "--out", str(out)])


def test_scale_section_and_compile_line():
    results = full_results()
    batch = results["train"]["data"]["train-batch"]
    batch.update(compile_seconds=61.0, loop_compiled_samples_per_s=230.0, compiled_over_eager=1.33)
    md = run_all.render(results, MACHINE)
    assert "| 100,000 | 10 |  | 0.01 | 10.00 | 1,100 | 65 |" in md
    assert "kNN time against fonts: ×10 → ×10 (linear throughout)." in md
    assert "| IVF-Flat | nlist 1264, nprobe 16 | 100,000 | 5.0 | 0.050 (2.00) | 0.990 |" in md
    assert "runs 230.0 samples/s, 1.33× the eager loop, after 61 s of compilation" in md
    job = run_all.plan("scale", quick=True).jobs[0]
    assert job.command() == "python -m bench.bench_scale --quick"


def test_an_only_run_replaces_its_sections_and_keeps_the_others():
    old = "# Benchmarks\n\nintro\n\n## Ingest\n\nold ingest\n\n## Loading the shipped model\n\nold load\n"
    new = "# Benchmarks\n\nother intro\n\n## Loading the shipped model\n\nnew load\n\n## Scale\n\nnew scale\n"
    machine = {"date": "2026-12-03 05:20 UTC", "commit": "abc1234", "cpu": "AMD EPYC"}
    out = run_all.splice_sections(old, new, machine)
    stamp = "(Refreshed alone by `python -m bench.run_all --only`, 2026-12-03 05:20 UTC, commit abc1234, AMD EPYC.)"
    assert out == (
        "# Benchmarks\n\nintro\n\n## Ingest\n\nold ingest\n\n"
        f"## Loading the shipped model\n\n{stamp}\n\nnew load\n\n"
        f"## Scale\n\n{stamp}\n\nnew scale\n"
    )
