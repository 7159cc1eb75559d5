"""Leave-families-out cross-validation of the training recipe on the corpus.

Families (grouped by family key, see raster.data.corpus) are dealt into k seeded folds,
stratified by design class; each fold trains on the others, indexes its training fonts and
identifies every font of the fold, as shipped and stripped (no cmap, layout tables or glyph
names), next to a raw-pixel nearest-neighbour baseline. Flags this command does not know are
passed to raster.train (the recipe under test), e.g. ``--backbone resnet18``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli, train
from raster.evaluation.crossval import (
    CrossvalConfig,
    fold_training_argv,
    format_summary,
    run_crossval,
    score_trained_run,
)
from raster.paths import check_outputs

log = logging.getLogger("raster.crossval")

# --quick: checks the plumbing end to end in seconds, not the number.
QUICK = {
    "folds": 2,
    "time_budget": 0.03,
    "epochs": 2,
    "img_size": 32,
    "max_fonts": 1,
    "limit": 1500,
    "pixel_per_label": 3,
    "pixel_size": 16,
}
QUICK_TRAIN_ARGS = ["--batch-size", "64", "--retrieval-every", "100", "--no-retrieval"]


def build_parser() -> argparse.ArgumentParser:
    p = cli.new_parser("raster.crossval", __doc__)
    p.add_argument("--db", type=Path, default=Path("dataset/corpus.db"), help="corpus glyph DB")
    cli.add_flag(
        p,
        "--out-dir",
        aliases=("--out",),
        dest="out",
        type=Path,
        default=Path("runs/cv"),
        help="run folder (resumable)",
    )
    p.add_argument("--folds", type=cli.int_at_least(2), default=5, help="k")
    cli.add_seed_arg(p, help="fold split and training seed")
    p.add_argument(
        "--time-budget", type=cli.non_negative_float, default=20.0, help="training minutes per fold"
    )
    p.add_argument("--epochs", type=cli.positive_int, default=1000, help="epoch cap per fold")
    p.add_argument(
        "--img-size",
        type=cli.positive_int,
        default=64,
        help="image side in pixels, a multiple of 16",
    )
    p.add_argument(
        "--folds-to-run",
        type=cli.fold_list,
        default=None,
        metavar="I,J,...",
        help="only these folds (others already in OUT are kept in the summary)",
    )
    p.add_argument(
        "--max-fonts", type=cli.non_negative_int, default=0, help="test faces per fold, 0 = all"
    )
    p.add_argument(
        "--limit", type=cli.non_negative_int, default=0, help="training rows cap, 0 = all"
    )
    p.add_argument(
        "--method",
        choices=["classifier", "knn", "both"],
        default="both",
        help="how identify scores each test glyph: classifier, kNN vote, or their mean",
    )
    p.add_argument(
        "--prior",
        type=cli.non_negative_float,
        default=None,
        metavar="S",
        help="identify's label-prior strength (default: identify's); the decision ablation "
        "reports every strength anyway",
    )
    p.add_argument(
        "--pixel-per-label",
        type=cli.non_negative_int,
        default=40,
        help="reference glyphs per label of the raw-pixel baseline (0: no baseline)",
    )
    p.add_argument(
        "--pixel-size", type=cli.positive_int, default=32, help="the baseline's render size"
    )
    p.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="no training: score this trained run (best.pt, ref/) on every corpus family its "
        "--train-db lacks (OUT/heldout/)",
    )
    p.add_argument("--train-db", type=Path, default=None, help="the --model-dir run's training DB")
    p.add_argument(
        "--quick",
        action="store_true",
        help="CI smoke test: 2 folds, a few seconds of training, 1 font per fold, 32 px",
    )
    return p


def train_fold(db: Path, model_dir: Path, cfg: CrossvalConfig, resume: Path | None) -> int:
    """Train one fold with raster.train's hold-out flags plus the recipe's."""
    return train.main(fold_training_argv(db, model_dir, cfg, resume))


@cli.command("raster.crossval")
def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    cli.setup_logging(timestamps=True)
    if extra and not extra[0].startswith("-"):
        parser.error(f"unexpected argument {extra[0]!r}")
    settings = {
        "folds": args.folds,
        "time_budget": args.time_budget,
        "epochs": args.epochs,
        "img_size": args.img_size,
        "max_fonts": args.max_fonts,
        "limit": args.limit,
        "pixel_per_label": args.pixel_per_label,
        "pixel_size": args.pixel_size,
    }
    if args.quick:
        settings.update(QUICK)
        extra = [*QUICK_TRAIN_ARGS, *extra]
    if not args.db.exists():
        log.error("%s: no such glyph database (make corpus builds it)", args.db)
        return cli.EXIT_INPUT
    check_outputs({}, [args.db, args.train_db, args.model_dir], folders={"--out-dir": args.out})
    cfg = CrossvalConfig(
        db=args.db,
        out=args.out,
        seed=args.seed,
        train_args=extra,
        folds_to_run=args.folds_to_run,
        method=args.method,
        prior=args.prior,
        **settings,
    )
    if args.model_dir is not None:
        if args.train_db is None:
            parser.error("--model-dir needs --train-db")
        print(format_summary(score_trained_run(cfg, args.model_dir, args.train_db)))
        return cli.EXIT_OK
    with cli.input_errors():
        summary = run_crossval(cfg, train_fold)
    print(format_summary(summary))
    print(f"summary: {args.out / 'summary.json'}")
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
