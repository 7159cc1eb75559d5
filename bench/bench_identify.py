"""Identify benchmark: train without one font family, identify that family's fonts, report.

Steps: (1) copy the glyph DB without the held-out family (``fonts.family``); (2) train on it
(``raster.train``, a time budget); (3) build the reference index; (4) for every font of the
held-out family, identify from outlines only and score against the labels its own cmap + GSUB
give (classifier, kNN, both; with and without ``--assign``); (5) the pixel nearest-neighbour
baseline on the same split (cosine on raw renders against the training fonts' renders);
(6) latency of ``python -m raster.identify`` on a ~1,500-glyph font, model load included.
Prints a Markdown block for docs/results.md. ``--latency-only`` times step (6) alone against the
model and index a previous full run left in ``--work-dir`` (what ``bench.run_all`` uses).

Why Amiri by default: it is the only Naskh design among the bundled families (a calligraphic,
high-contrast book face with many ligatures and stacked forms); the others (Cairo, Tajawal,
Almarai, IBM Plex Sans Arabic, Noto Sans/Kufi Arabic) are low-contrast sans or Kufi designs.
Holding it out asks the hardest honest question: does the model know letters or only fonts?
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from bench.common import timed_run, write_json
from raster.cli import HelpFormatter, setup_logging
from raster.data.holdout import copy_without_family
from raster.data.render import RasterConfig, render_contours
from raster.data.schema import FORMS
from raster.data.selection import SelectionConfig, select_glyphs
from raster.evaluation.holdout_run import holdout_training_argv
from raster.inference.assign import assign_labels
from raster.inference.checkpoint_loader import load_model
from raster.inference.evaluate import evaluate_predictions, truth_labels
from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.index import build_index, load_index
from raster.inference.predict import Predictor
from raster.metrics.knn import knn, l2_normalize

log = logging.getLogger("bench_identify")
# Methods timed by --latency-only: the default with an index, then the classifier alone.
METHODS = ("both", "classifier")
ROOT = Path(__file__).resolve().parents[1]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=HelpFormatter)
    p.add_argument("--db", type=Path, default=ROOT / "dataset" / "glyphs.db")
    p.add_argument("--holdout-family", default="Amiri")
    p.add_argument("--work-dir", type=Path, default=ROOT / "artifacts" / "bench_identify")
    p.add_argument("--img-size", type=int, default=64)
    p.add_argument("--limit", type=int, default=0, help="training rows (0 = all)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--time-budget", type=float, default=12.0, help="training minutes")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--skip-train", action="store_true", help="reuse WORK/run/best.pt")
    p.add_argument(
        "--latency-only",
        action="store_true",
        help="reuse WORK/run/best.pt and WORK/ref; time raster.identify (methods both and "
        "classifier: wall time, peak RSS) and nothing else",
    )
    p.add_argument("--latency-runs", type=int, default=2, help="timed runs per method")
    p.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="--latency-only: time the model in this run directory (best.pt and ref/, e.g. "
        "runs/demo) instead of WORK/run/best.pt and WORK/ref",
    )
    p.add_argument(
        "--latency-font",
        type=Path,
        default=None,
        help="default: IBM Plex Sans Arabic Regular (1,701 glyphs)",
    )
    p.add_argument("--threads", type=int, default=2, help="threads of the latency run")
    p.add_argument(
        "--train-threads",
        type=int,
        default=0,
        help="OMP_NUM_THREADS of the training run (0 = inherit)",
    )
    p.add_argument("--json-out", type=Path, default=None)
    return p


def train(args, db: Path, run: Path) -> None:
    # The demo's hold-out flags; the schedule is raster.train's default (cosine).
    flags = holdout_training_argv(
        db,
        run,
        epochs=args.epochs,
        img_size=args.img_size,
        time_budget=args.time_budget,
        limit=args.limit,
        batch_size=args.batch_size,
        retrieval_every=5,
    )
    cmd = [sys.executable, "-m", "raster.train", *flags]
    log.info("training: %s", " ".join(cmd))
    env = dict(os.environ)
    if args.train_threads > 0:
        env["OMP_NUM_THREADS"] = str(args.train_threads)
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)


def accumulate(total: dict, r: dict) -> None:
    """Add one font's evaluation (rates x n) into running sums."""
    for form, f in {
        "all": {"n": r["glyphs"], **{k: r[k] for k in r if k.startswith("top")}},
        **r["per_form"],
    }.items():
        t = total.setdefault(form, {})
        for k, v in f.items():
            if k == "n":
                t["n"] = t.get("n", 0) + v
            elif v is not None:
                t[k] = t.get(k, 0.0) + v * f["n"]


def rates(total: dict) -> dict:
    return {
        form: {"n": t["n"], **{k: v / t["n"] for k, v in t.items() if k != "n" and t["n"]}}
        for form, t in total.items()
    }


def pixel_baseline(db: Path, limit: int, cfg: RasterConfig, queries: list[tuple]) -> dict:
    """Top-1/top-5 of the nearest training render by cosine on raw pixels.

    Args:
        queries: (truth dict, gids, renders uint8 (N, S, S)) per held-out font.
    """
    table, _ = select_glyphs(SelectionConfig(db=db, limit=limit, seed=42))
    refs = np.stack(
        [render_contours(o, u, cfg) for o, u in zip(table.outlines, table.upems, strict=True)]
    )
    refs = l2_normalize(refs.reshape(len(refs), -1).astype(np.float32))
    labels = np.asarray(table.labels)
    names, codes = np.unique(labels, return_inverse=True)
    total: dict = {}
    for truth, gids, images in queries:
        keep = [i for i, g in enumerate(gids.tolist()) if g in truth]
        q = l2_normalize(images[keep].reshape(len(keep), -1).astype(np.float32))
        idx, _ = knn(q, refs, 50, exclude_self=False)
        # Probabilities: rank-ordered distinct labels of the nearest renders (top-5 = the 5
        # nearest distinct labels), encoded as decreasing scores for evaluate_predictions.
        probs = np.zeros((len(keep), len(names)))
        for r, row in enumerate(codes[idx]):
            seen: list[int] = []
            for c in row.tolist():
                if c not in seen:
                    seen.append(c)
            probs[r, seen] = np.linspace(1.0, 0.5, len(seen))
        accumulate(total, evaluate_predictions(truth, gids[keep], names.tolist(), probs))
    return rates(total)


def latency_runs(
    args, ckpt: Path, ref: Path, font: Path, method: str | None = None, runs: int = 2
) -> list[dict]:
    """``runs`` timings of ``raster.identify`` on ``font`` (``method`` None = its default)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    cmd = [
        sys.executable,
        "-m",
        "raster.identify",
        str(font),
        "--checkpoint",
        str(ckpt),
        "--index",
        str(ref),
        "--quiet",
        "--threads",
        str(args.threads),
        "--out",
        str(args.work_dir / "latency.json"),
    ]
    if method is not None:
        cmd += ["--method", method]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", ",".join(str(i) for i in range(args.threads))] + cmd
    timings = [timed_run(cmd, env) for _ in range(runs)]
    return [{"seconds": t["seconds"], "peak_rss_mb": t["peak_rss_mb"]} for t in timings]


def latency(args, ckpt: Path, ref: Path, font: Path) -> list[float]:
    return [r["seconds"] for r in latency_runs(args, ckpt, ref, font)]


def latency_font(args) -> Path:
    from raster.data.bundled import bundled_font_paths

    return args.latency_font or next(
        p for p in bundled_font_paths() if p.name == "IBMPlexSansArabic-Regular.ttf"
    )


def latency_only(args) -> int:
    """Time ``raster.identify`` against WORK/run/best.pt and WORK/ref; print and write JSON."""
    if args.model_dir is not None:
        ckpt, ref = args.model_dir / "best.pt", args.model_dir / "ref"
    else:
        ckpt, ref = args.work_dir / "run" / "best.pt", args.work_dir / "ref"
    if not ckpt.is_file() or not ref.is_dir():
        print(
            f"no trained model in {args.work_dir} (needs run/best.pt and ref/): "
            "run `python -m bench.bench_identify` first",
            file=sys.stderr,
        )
        return 2
    font = latency_font(args)

    def shown(path: Path) -> str:  # relative to the repository when inside it
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

    res = {
        "checkpoint": shown(ckpt),
        "index": shown(ref),
        "img_size": load_model(ckpt).raster.img_size,
        "latency_font": font.name,
        "latency_font_glyphs": len(read_font_glyphs(font)),
        "threads": args.threads,
        "runs": {m: latency_runs(args, ckpt, ref, font, m, args.latency_runs) for m in METHODS},
    }
    print("| method | wall time s | peak RSS MiB |\n|---|---|---|")
    for method, runs in res["runs"].items():
        wall = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"| {method} | {wall} | {max(r['peak_rss_mb'] for r in runs):.0f} |")
    write_json(args.json_out, res, indent=2)
    return 0


def markdown(res: dict) -> str:
    lines = [
        f"### Identify: held-out family {res['holdout']} ({res['fonts']} fonts, "
        f"{res['glyphs_with_truth']} glyphs with truth labels)",
        "",
        f"Model: {res['img_size']} px, trained {res['train_minutes']:.1f} min on "
        f"{res['train_rows']} glyphs of the other families (`{res['train_cmd']}`); "
        f"classifier temperature {res['temperature']:.3f}, kNN k={res['knn_k']} "
        f"tau={res['knn_tau']:.3f}.",
        "",
        "| method | assign | all top-1 | all top-5 | char top-1 | "
        + " | ".join(f"{f} top-1" for f in FORMS)
        + " |",
        "|---|---|---|---|---|" + "---|" * len(FORMS),
    ]

    def pct(d, k):
        v = d.get(k)
        return "-" if v is None else f"{100 * v:.1f}%"

    for name, r in res["results"].items():
        method, _, assign = name.partition("+")
        a = r["all"]
        lines.append(
            f"| {method} | {'yes' if assign else 'no'} | {pct(a, 'top1_label')} | "
            f"{pct(a, 'top5_label')} | {pct(a, 'top1_char')} | "
            + " | ".join(pct(r.get(f, {}), "top1_label") for f in FORMS)
            + " |"
        )
    lines += [
        "",
        f"Assignment changed {res['assign_changed']} predictions (both, all fonts). "
        "Top-5 with assign is the unassigned top-5.",
        f"Latency (`raster.identify` with index, {res['latency_font_glyphs']} glyphs, "
        f"{res['threads']} threads, model load included): "
        + ", ".join(f"{s:.1f} s" for s in res["latency_s"])
        + ".",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(timestamps=True)
    if args.latency_only:
        return latency_only(args)
    work: Path = args.work_dir
    db = work / "train.db"
    run = work / "run"
    held = copy_without_family(args.db, db, args.holdout_family)
    t0 = time.perf_counter()
    if not args.skip_train:
        train(args, db, run)
    train_min = (time.perf_counter() - t0) / 60
    ckpt = run / "best.pt"
    loaded = load_model(ckpt)
    ref = work / "ref"
    build_index(loaded, db, ref, progress=False)
    index = load_index(ref, ckpt)
    pred = Predictor(loaded, index)
    totals: dict[str, dict] = {}
    changed = 0
    queries = []
    n_truth = 0
    fonts = [h for h in held if h["instance"] is None]  # identify reads default instances
    for h in fonts:
        path = Path(h["path"])
        glyphs = read_font_glyphs(path)
        truth = truth_labels(glyphs.face)
        images = glyphs.render(loaded.raster)
        raw = pred.run(images)
        for method in ("classifier", "knn", "both"):
            probs = pred.probabilities(raw, method)
            r = evaluate_predictions(truth, glyphs.gids, pred.labels, probs)
            accumulate(totals.setdefault(method, {}), r)
            assigned = assign_labels(probs)
            ra = evaluate_predictions(truth, glyphs.gids, pred.labels, probs, assigned)
            accumulate(totals.setdefault(method + "+assign", {}), ra)
            if method == "both":
                changed += int((assigned != probs.argmax(1)).sum())
        n_truth += len(truth)
        queries.append((truth, glyphs.gids, images))
        log.info("%s: %d glyphs, %d with truth", path.name, len(glyphs), len(truth))
    results = {name: rates(t) for name, t in totals.items()}
    results["pixel-NN"] = pixel_baseline(db, args.limit, loaded.raster, queries)
    res = {
        "holdout": args.holdout_family,
        "fonts": len(fonts),
        "glyphs_with_truth": n_truth,
        "img_size": loaded.raster.img_size,
        "train_minutes": train_min,
        "train_rows": index.info["n"],
        "temperature": pred.temperature,
        "knn_k": pred.k,
        "knn_tau": pred.knn_tau,
        "results": results,
        "assign_changed": changed,
        "train_cmd": f"--img-size {args.img_size} --limit {args.limit} --time-budget "
        f"{args.time_budget} --font-disjoint",
        "threads": args.threads,
        "calibration": index.calibration,
    }
    lat_font = latency_font(args)
    res["latency_font_glyphs"] = len(read_font_glyphs(lat_font))
    torch.set_num_threads(args.threads)
    res["latency_s"] = latency(args, ckpt, ref, lat_font)
    print(markdown(res))
    write_json(args.json_out, res, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
