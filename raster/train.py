"""Train the glyph model (LeViT + classifier + 128-D embedding) on a glyph database.

Every flag of the user's guide (docs/QUICK_FIX_GUIDE.md) is accepted. Recommended defaults are the
ones shown by ``--help``; see docs/results.md for the runs behind them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli
from raster.data.pipeline import add_data_args
from raster.engine.device import resolve_device
from raster.engine.distributed import init_distributed, shutdown
from raster.engine.fit import fit
from raster.engine.schedule import DECAYS
from raster.errors import TrainInputError
from raster.losses.arcface import DEFAULT_ARCFACE_MARGIN, DEFAULT_ARCFACE_SCALE

RECOMMENDED = (
    "Recommended on a CPU with a budget of minutes (what `make demo` runs): --img-size 64 "
    "--epochs 12 --time-budget 15 --pre-rasterize --font-disjoint --val-frac 0.1; at equal "
    "time 64 px beat 128 px by 27 points on a held-out family (docs/results.md). Every other "
    "default is the recommended value. On a GPU keep the guide's 128 px."
)


def _add_run_args(parser: argparse.ArgumentParser) -> None:
    """The ``run`` flags."""
    g = parser.add_argument_group("run")
    g.add_argument(
        "--epochs",
        type=cli.positive_int,
        default=30,
        help="epochs to train (a cap under --time-budget)",
    )
    g.add_argument(
        "--batch-size", type=cli.positive_int, default=128, help="glyphs per batch, per rank"
    )
    g.add_argument("--device", default="auto", help="auto|cpu|cuda|cuda:N")
    g.add_argument(
        "--out-dir",
        type=Path,
        default=Path("artifacts"),
        help="run directory: checkpoints, args.yaml, label_to_index.json",
    )
    g.add_argument(
        "--log-file",
        type=Path,
        default=None,
        help="per-epoch JSONL log (default: OUT_DIR/train_log.jsonl)",
    )
    g.add_argument("--resume", type=Path, default=None, help="checkpoint to continue from")
    g.add_argument(
        "--overwrite",
        action="store_true",
        help="--out-dir may hold an earlier run: delete its checkpoints and log first "
        "(without this flag, or --resume, such a folder is refused)",
    )
    g.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="start from this checkpoint's weights (fine-tuning: e.g. the shipped model, "
        "raster/weights/glyph-raster-r2.pt); classifier rows copied per label, new labels "
        "start fresh; optimizer and schedule start anew",
    )
    g.add_argument(
        "--save-every",
        type=cli.non_negative_int,
        default=0,
        help="also keep epoch_N.pt every N epochs",
    )
    cli.add_flag(
        g,
        "--num-workers",
        aliases=("--workers",),
        dest="num_workers",
        type=cli.non_negative_int,
        default=0,
        help="DataLoader worker processes",
    )
    g.add_argument(
        "--no-amp",
        action="store_true",
        help="train in fp32: no bf16 autocast (on by default on CUDA and on CPUs with "
        "AVX512-BF16 or AMX)",
    )
    g.add_argument(
        "--log-interval", type=cli.positive_int, default=200, help="steps between log lines"
    )
    g.add_argument(
        "--compile",
        action="store_true",
        help="run the training forward through torch.compile (inductor; on a CPU it needs "
        "g++ or clang++): compiled once before the first epoch, its seconds logged and kept "
        "as compile_seconds in the log, then faster steps; falls back to eager with a warning",
    )
    g.add_argument("--suppress-warnings", action="store_true", help="silence Python warnings")
    cli.add_progress_arg(g)
    cli.add_threads_arg(g)
    g.add_argument(
        "--time-budget",
        type=cli.non_negative_float,
        default=0.0,
        help="minutes of training (evaluation and start-up excluded); the learning rate "
        "then follows --budget-decay to zero at the budget (or at --epochs, if sooner) "
        "and training stops there; 0 = no limit",
    )


def _add_model_args(parser: argparse.ArgumentParser) -> None:
    """The ``model`` flags."""
    g = parser.add_argument_group("model")
    g.add_argument("--backbone", default="levit_128s", help="any timm model name")
    g.add_argument(
        "--drop-path", type=cli.fraction, default=0.0, help="stochastic depth rate of the backbone"
    )
    g.add_argument(
        "--emb-dropout", type=cli.fraction, default=0.1, help="dropout before the embedding head"
    )


def _add_optimization_args(parser: argparse.ArgumentParser) -> None:
    """The ``optimization`` flags."""
    g = parser.add_argument_group("optimization")
    g.add_argument(
        "--lr-backbone",
        type=cli.non_negative_float,
        default=1e-3,
        help="AdamW peak learning rate of the backbone",
    )
    g.add_argument(
        "--lr-head",
        type=cli.non_negative_float,
        default=2e-3,
        help="AdamW peak learning rate of the heads",
    )
    g.add_argument(
        "--weight-decay", type=cli.non_negative_float, default=0.05, help="AdamW weight decay"
    )
    g.add_argument(
        "--warmup-frac",
        type=cli.probability,
        default=0.05,
        help="share of the steps spent warming up",
    )
    schedule_help = "step schedule of an --epochs run without --time-budget"
    cli.add_choice(g, "--lr-schedule", ["cosine", "constant"], schedule_help)
    cli.add_choice(
        g,
        "--budget-clock",
        ["wall", "cpu"],
        "what --time-budget counts: wall-clock seconds, or this process's CPU seconds "
        "(the same training on a machine shared with other jobs)",
    )
    decay_help = "with --time-budget: decay to zero by training-time progress"
    cli.add_choice(g, "--budget-decay", DECAYS, decay_help)
    g.add_argument(
        "--grad-clip", type=cli.non_negative_float, default=0.0, help="max grad norm, 0 = off"
    )
    g.add_argument(
        "--freeze-backbone-epochs",
        type=cli.non_negative_int,
        default=0,
        help="train only the heads for N epochs",
    )
    g.add_argument(
        "--head-lr-bump-epoch",
        type=cli.non_negative_int,
        default=None,
        help="from this epoch on, the heads' learning rate is times --head-lr-bump-factor",
    )
    g.add_argument(
        "--head-lr-bump-factor",
        type=cli.non_negative_float,
        default=1.0,
        help="see --head-lr-bump-epoch",
    )
    sampler_help = "m-per-class puts M glyphs of each label in a batch (positives)"
    cli.add_choice(g, "--sampler", ["m-per-class", "random"], sampler_help)
    g.add_argument(
        "--m-per-class", type=cli.positive_int, default=4, help="M of the m-per-class sampler"
    )


def _add_losses_args(parser: argparse.ArgumentParser) -> None:
    """The ``losses`` flags."""
    g = parser.add_argument_group("losses")
    g.add_argument(
        "--label-smoothing", type=cli.fraction, default=0.0, help="cross-entropy label smoothing"
    )
    g.add_argument(
        "--arcface-scale",
        type=cli.positive_float,
        default=DEFAULT_ARCFACE_SCALE,
        help="ArcFace logit scale",
    )
    g.add_argument(
        "--arcface-margin",
        type=cli.non_negative_float,
        default=DEFAULT_ARCFACE_MARGIN,
        help="0 = linear classifier + CE",
    )
    g.add_argument(
        "--emb-loss-weight",
        type=cli.non_negative_float,
        default=0.3,
        help="supervised contrastive weight",
    )
    g.add_argument(
        "--contrastive-temperature",
        type=cli.positive_float,
        default=0.07,
        help="supervised contrastive temperature",
    )
    g.add_argument(
        "--contrastive-local",
        action="store_true",
        help="distributed runs: contrast within each rank's batch, not the global one",
    )
    g.add_argument(
        "--contrastive-grouping",
        choices=["label", "hybrid"],
        default="label",
        help="positives share a fine label, or (hybrid) a joining group, else a character class",
    )
    g.add_argument(
        "--grouping-switch-epoch",
        type=cli.non_negative_int,
        default=None,
        help="from this epoch on, group positives by fine label",
    )
    g.add_argument(
        "--emb-target-weight",
        type=cli.non_negative_float,
        default=None,
        help="ramp the embedding weight to this (default: --emb-loss-weight)",
    )
    g.add_argument(
        "--emb-start-epoch",
        type=cli.non_negative_int,
        default=0,
        help="embedding loss off before this",
    )
    g.add_argument(
        "--emb-ramp-epochs", type=cli.non_negative_int, default=0, help="linear ramp length, epochs"
    )
    g.add_argument(
        "--adaptive-emb-patience",
        type=cli.non_negative_int,
        default=0,
        help="decay the embedding weight after N retrieval checks without gain; 0 = off",
    )
    g.add_argument(
        "--adaptive-emb-decay",
        type=cli.probability,
        default=0.5,
        help="factor of each adaptive decay",
    )
    g.add_argument(
        "--adaptive-emb-min-weight",
        type=cli.non_negative_float,
        default=0.05,
        help="the adaptive decay stops at this weight",
    )


def _add_evaluation_args(parser: argparse.ArgumentParser) -> None:
    """The ``evaluation`` flags."""
    g = parser.add_argument_group("evaluation")
    g.add_argument("--no-retrieval", action="store_true", help="skip retrieval metrics")
    g.add_argument(
        "--retrieval-cap", type=cli.non_negative_int, default=3000, help="val samples for retrieval"
    )
    g.add_argument(
        "--retrieval-every",
        type=cli.positive_int,
        default=1,
        help="epochs between retrieval checks",
    )
    g.add_argument(
        "--bn-recalibrate-samples",
        type=cli.non_negative_int,
        default=2048,
        help="training images per rank used to recompute BatchNorm statistics before "
        "each evaluation (0 = keep the running averages)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.train", __doc__, epilog=RECOMMENDED)
    parser.add_argument("--config", type=Path, help="YAML file of defaults (explicit flags win)")
    add_data_args(parser)
    cli.set_ranges(
        parser,
        limit=cli.non_negative_int,
        val_frac=cli.fraction,
        seed=cli.seed_int,
        min_label_count=cli.non_negative_int,
        img_size=cli.positive_int,
        pre_raster_workers=cli.non_negative_int,
        augment_warmup=cli.probability,
    )
    for add in (
        _add_run_args,
        _add_model_args,
        _add_optimization_args,
        _add_losses_args,
        _add_evaluation_args,
    ):
        add(parser)
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse flags; ``--config run.yaml`` only sets defaults, so explicit flags win."""
    return cli.parse_with_config(build_parser(), argv, error=TrainInputError)


@cli.command("raster.train")
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)  # a bad --config: TrainInputError, one line through @command
    cli.apply_progress(args)
    ctx = init_distributed(resolve_device(args.device))
    # Only rank 0 talks; the others report warnings and errors.
    cli.setup_logging(logging.INFO if ctx.is_main else logging.WARNING, timestamps=True)
    try:
        return fit(args, ctx)
    finally:
        shutdown(ctx)


if __name__ == "__main__":
    sys.exit(main())
