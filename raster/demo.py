"""The main job on the bundled fonts: ingest, train without one family, identify that family.

Steps: (1) ingest the bundled fonts (named instances) into the glyph DB and print its summary;
(2) copy the DB without the held-out family; (3) train for a time budget; (4) build the
reference index; (5) ``identify --evaluate`` every font of the held-out family twice, from the
outlines only and as shipped (glyph names and GSUB used), and print both in one table; then
repair a sample PDF (held-out family, ToUnicode map stripped) with the model shipped in the
package and print its text before and after. Re-running reuses what is done (the DB, the
pre-raster cache, a finished model, the index) unless ``--fresh``. ``--ingest-only`` stops
after step 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path

from raster import cli, identify, train
from raster.data import ingest
from raster.data.bundled import bundled_font_paths
from raster.data.holdout import copy_without_family
from raster.data.stats import format_summary as db_summary
from raster.data.stats import summarize
from raster.evaluation.holdout_run import (
    OUTLINE_ONLY_FLAGS,
    comparison_table,
    holdout_training_argv,
)
from raster.paths import check_outputs

log = logging.getLogger("raster.demo")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.demo", __doc__)
    parser.add_argument(
        "--db",
        type=Path,
        default=Path("dataset/glyphs.db"),
        help="glyph database of the bundled fonts",
    )
    cli.add_flag(
        parser, "--out-dir", aliases=("--run-dir",), dest="run_dir", type=Path,
        default=Path("runs/demo"), help="the demo's run folder",
    )  # fmt: skip
    parser.add_argument(
        "--holdout-family",
        default="Amiri",
        help="family kept out of training and identified at the end",
    )
    parser.add_argument(
        "--time-budget", type=cli.non_negative_float, default=15.0, help="training minutes"
    )
    parser.add_argument(
        "--epochs",
        type=cli.positive_int,
        default=12,
        help="scheduled epochs (the cosine schedule spans them)",
    )
    parser.add_argument(
        "--img-size",
        type=cli.positive_int,
        default=64,
        help="64 px: at equal time it beats 128 px on a CPU (docs/results.md)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="delete the DB and the run; start over"
    )
    parser.add_argument("--ingest-only", action="store_true", help="stop after building the DB")
    cli.add_workers_arg(parser, default=2, help="font-parsing processes")
    return parser


def _train(args: argparse.Namespace, train_db: Path) -> int:
    run: Path = args.run_dir
    done = run / "done.json"
    if done.exists():
        log.info("step 3/5: model already trained (%s); --fresh retrains", done)
        return cli.EXIT_OK
    argv = holdout_training_argv(
        train_db, run, epochs=args.epochs, img_size=args.img_size, time_budget=args.time_budget
    )
    if (run / "last.pt").exists():
        argv += ["--resume", str(run / "last.pt")]  # an interrupted demo continues
    log.info("step 3/5: train (python -m raster.train %s)", " ".join(argv))
    rc = train.main(argv)
    if rc == 0:
        done.write_text(json.dumps({"epochs": args.epochs, "time_budget": args.time_budget}) + "\n")
    return rc


def _identify_heldout(
    paths: list[str], run: Path, ckpt: Path, ref: Path, flags: tuple[str, ...] = ()
) -> list[dict] | int:
    """``identify --evaluate [flags]`` each held-out font into RUN/identify (identify's
    defaults; the run report reads them) or, with :data:`OUTLINE_ONLY_FLAGS`, into
    RUN/identify_outline; their reports, or the first non-zero exit status."""
    reports = []
    folder = run / ("identify_outline" if flags == OUTLINE_ONLY_FLAGS else "identify")
    for path in paths:
        out = folder / (Path(path).stem + ".json")
        rc = identify.main(
            [
                path,
                "--checkpoint",
                str(ckpt),
                "--index",
                str(ref),
                *flags,
                "--evaluate",
                "--json-out",
                str(out),
                "--out",
                str(out.with_suffix(".csv")),
                "--quiet",
            ]
        )
        if rc != 0:
            return rc
        reports.append(json.loads(out.read_text()))
    return reports


def heldout_heading(family: str) -> str:
    """The lines above the held-out family's table: what each column is."""
    return (
        f"\nHeld-out family {family}, identified by the model trained without it "
        "(label = character + form):\n"
        "  outline only: from the glyph outlines alone "
        "(identify --names ignore --gsub ignore)\n"
        "  as shipped:   the fonts as they are, their glyph names and GSUB used too "
        "(identify's defaults)\n"
    )


@cli.command("raster.demo")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    check_outputs({"--db": args.db}, [], folders={"--out-dir": args.run_dir})
    if args.fresh:
        args.db.unlink(missing_ok=True)
        shutil.rmtree(args.run_dir, ignore_errors=True)
    fonts = bundled_font_paths()
    log.info(
        "step 1/5: ingest %d bundled font files (named instances) into %s", len(fonts), args.db
    )
    stats = ingest.ingest(args.db, fonts, instances="named", workers=args.workers)
    print(ingest.format_summary(stats, args.db))
    print()
    print(db_summary(summarize(args.db)))
    if not (stats.added or stats.present):
        return cli.EXIT_PARTIAL
    if args.ingest_only:
        return cli.EXIT_OK

    run: Path = args.run_dir
    run.mkdir(parents=True, exist_ok=True)
    train_db = run / "train.db"
    log.info("step 2/5: %s without the %s family -> %s", args.db, args.holdout_family, train_db)
    held = copy_without_family(args.db, train_db, args.holdout_family)
    rc = _train(args, train_db)
    if rc != 0:
        log.error("training failed (exit %d); see the log above", rc)
        return rc

    from raster.inference.checkpoint_loader import load_model
    from raster.inference.index import IndexMismatchError, build_index, load_index

    ckpt, ref = run / "best.pt", run / "ref"
    try:
        load_index(ref, ckpt)
        log.info("step 4/5: reference index %s is current", ref)
    except (IndexMismatchError, OSError, ValueError):
        log.info("step 4/5: build the reference index %s", ref)
        build_index(load_model(ckpt), train_db, ref)

    paths = sorted({h["path"] for h in held if h["instance"] is None})  # default instances
    log.info(
        "step 5/5: identify the %d %s fonts from their outlines", len(paths), args.holdout_family
    )
    outline = _identify_heldout(paths, run, ckpt, ref, OUTLINE_ONLY_FLAGS)
    if isinstance(outline, int):
        return outline
    shipped = _identify_heldout(paths, run, ckpt, ref)
    if isinstance(shipped, int):
        return shipped
    print(heldout_heading(args.holdout_family))
    print(comparison_table(outline, shipped))
    try:
        from raster import report
    except ImportError:
        rc = cli.EXIT_OK
    else:
        rc = report.main([str(run)])
    if rc == cli.EXIT_OK:
        _sample_repair(run, paths)
    return rc


def _sample_repair(run: Path, fonts: list[str]) -> None:
    """The last step: a stripped sample PDF repaired with the model shipped in the package."""
    from raster.evaluation.sample_repair import repair_sample
    from raster.inference.shipped import ShippedModelError

    regular = [p for p in fonts if "Regular" in Path(p).name] or fonts
    log.info("last step: repair a sample PDF with the shipped model (no --checkpoint)")
    try:
        res = repair_sample(regular[0], run / "sample_pdf")
    except ShippedModelError as exc:
        log.warning("no sample repair: %s", exc)
        return
    print(
        f"\nA PDF set in {Path(regular[0]).name} whose ToUnicode map was removed ({res.broken}),"
        "\nrepaired with the model shipped in the package (`python -m raster.pdf repair "
        f"{res.broken} {res.fixed}`;\nthat model was trained on every development font, this "
        "one included):"
    )
    print(f"  typeset:        {res.source}")
    print(f"  before repair:  {res.before[:120]}  ({res.accuracy_before:.1%} of characters right)")
    print(f"  after repair:   {res.after[:120]}  ({res.accuracy_after:.1%})")


if __name__ == "__main__":
    sys.exit(main())
