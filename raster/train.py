"""Train the glyph model (LeViT + classifier + 128-D embedding) on a glyph database.

Every flag of the user's guide (QUICK_FIX_GUIDE.md) is accepted. Recommended defaults are the
ones shown by ``--help``; see docs/results.md for the runs behind them.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import sqlite3
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
import yaml
from torch.utils.data import DataLoader

from raster.cli import (
    EXIT_DIVERGED,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUT_OF_SYNC,
    add_progress_arg,
    apply_progress,
    command,
    setup_logging,
)
from raster.data.augment import augment_batch
from raster.data.pipeline import DataConfig, add_data_args, build_datasets, write_label_map
from raster.data.samplers import EpochShuffleSampler, MPerClassSampler
from raster.data.schema import SchemaError, db_fingerprint
from raster.engine.checkpoint import (
    init_from,
    load_checkpoint,
    plain,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from raster.engine.distributed import (
    DistContext,
    barrier,
    init_distributed,
    replicas_in_sync,
    shutdown,
)
from raster.engine.loop import (
    LossConfig,
    NonFiniteLossError,
    evaluate,
    recalibrate_batchnorm,
    train_one_epoch,
)
from raster.engine.optim import ScheduleConfig, build_optimizer, build_scheduler
from raster.engine.run_dir import RunFolderError, check_run_folder, clear_run
from raster.engine.schedule import (
    CLOCKS,
    DECAYS,
    ProgressSchedule,
    TrainingClock,
    build_progress_scheduler,
)
from raster.errors import DeviceError, TrainInputError
from raster.models.glyph_net import ModelConfig, build_model
from raster.paths import OutputPathError, check_outputs

log = logging.getLogger("raster.train")


RECOMMENDED = (
    "Recommended on a CPU with a budget of minutes (what `make demo` runs): --img-size 64 "
    "--epochs 12 --time-budget 15 --pre-rasterize --font-disjoint --val-frac 0.1; at equal "
    "time 64 px beat 128 px by 27 points on a held-out family (docs/results.md). Every other "
    "default is the recommended value. On a GPU keep the guide's 128 px."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m raster.train",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog=RECOMMENDED,
    )
    parser.add_argument("--config", type=Path, help="YAML file of defaults (explicit flags win)")
    add_data_args(parser)

    g = parser.add_argument_group("run")
    g.add_argument("--epochs", type=int, default=30)
    g.add_argument("--batch-size", type=int, default=128)
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
        "raster/weights/glyph-raster-r1.pt); classifier rows copied per label, new labels "
        "start fresh; optimizer and schedule start anew",
    )
    g.add_argument("--save-every", type=int, default=0, help="also keep epoch_N.pt every N epochs")
    g.add_argument("--num-workers", type=int, default=0, help="DataLoader worker processes")
    g.add_argument("--no-amp", action="store_true", help="disable bf16 autocast on CUDA")
    g.add_argument("--log-interval", type=int, default=200, help="steps between log lines")
    g.add_argument("--suppress-warnings", action="store_true", help="silence Python warnings")
    add_progress_arg(g)
    g.add_argument(
        "--time-budget",
        type=float,
        default=0.0,
        help="minutes of training (evaluation and start-up excluded); the learning rate "
        "then follows --budget-decay to zero at the budget (or at --epochs, if sooner) "
        "and training stops there; 0 = no limit",
    )

    g = parser.add_argument_group("model")
    g.add_argument("--backbone", default="levit_128s", help="any timm model name")
    g.add_argument("--drop-path", type=float, default=0.0)
    g.add_argument("--emb-dropout", type=float, default=0.1)

    g = parser.add_argument_group("optimization")
    g.add_argument("--lr-backbone", type=float, default=1e-3)
    g.add_argument("--lr-head", type=float, default=2e-3)
    g.add_argument("--weight-decay", type=float, default=0.05)
    g.add_argument("--warmup-frac", type=float, default=0.05)
    g.add_argument(
        "--lr-schedule",
        choices=["cosine", "constant"],
        default="cosine",
        help="step schedule of an --epochs run without --time-budget",
    )
    g.add_argument(
        "--budget-clock",
        choices=["wall", "cpu"],
        default="wall",
        help="what --time-budget counts: wall-clock seconds, or this process's CPU seconds "
        "(the same training on a machine shared with other jobs)",
    )
    g.add_argument(
        "--budget-decay",
        choices=DECAYS,
        default="linear",
        help="with --time-budget: decay to zero by training-time progress",
    )
    g.add_argument("--grad-clip", type=float, default=0.0, help="max grad norm, 0 = off")
    g.add_argument("--freeze-backbone-epochs", type=int, default=0)
    g.add_argument("--head-lr-bump-epoch", type=int, default=None)
    g.add_argument("--head-lr-bump-factor", type=float, default=1.0)
    g.add_argument(
        "--sampler",
        choices=["random", "m-per-class"],
        default="m-per-class",
        help="m-per-class puts M glyphs of each label in a batch (positives)",
    )
    g.add_argument("--m-per-class", type=int, default=4)

    g = parser.add_argument_group("losses")
    g.add_argument("--label-smoothing", type=float, default=0.0)
    g.add_argument("--arcface-scale", type=float, default=30.0)
    g.add_argument("--arcface-margin", type=float, default=0.0, help="0 = linear classifier + CE")
    g.add_argument(
        "--emb-loss-weight", type=float, default=0.3, help="supervised contrastive weight"
    )
    g.add_argument("--contrastive-temperature", type=float, default=0.07)
    g.add_argument(
        "--contrastive-local",
        action="store_true",
        help="distributed runs: contrast within each rank's batch, not the global one",
    )
    g.add_argument("--contrastive-grouping", choices=["label", "hybrid"], default="label")
    g.add_argument(
        "--grouping-switch-epoch",
        type=int,
        default=None,
        help="from this epoch on, group positives by fine label",
    )
    g.add_argument(
        "--emb-target-weight",
        type=float,
        default=None,
        help="ramp the embedding weight to this (default: --emb-loss-weight)",
    )
    g.add_argument("--emb-start-epoch", type=int, default=0, help="embedding loss off before this")
    g.add_argument("--emb-ramp-epochs", type=int, default=0, help="linear ramp length, epochs")
    g.add_argument(
        "--adaptive-emb-patience",
        type=int,
        default=0,
        help="decay the embedding weight after N retrieval checks without gain; 0 = off",
    )
    g.add_argument("--adaptive-emb-decay", type=float, default=0.5)
    g.add_argument("--adaptive-emb-min-weight", type=float, default=0.05)

    g = parser.add_argument_group("evaluation")
    g.add_argument("--no-retrieval", action="store_true", help="skip retrieval metrics")
    g.add_argument("--retrieval-cap", type=int, default=3000, help="val samples for retrieval")
    g.add_argument("--retrieval-every", type=int, default=1, help="epochs between retrieval checks")
    g.add_argument(
        "--bn-recalibrate-samples",
        type=int,
        default=2048,
        help="training images per rank used to recompute BatchNorm statistics before "
        "each evaluation (0 = keep the running averages)",
    )
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse flags; ``--config run.yaml`` only sets defaults, so explicit flags win."""
    parser = build_parser()
    pre, _ = parser.parse_known_args(argv)
    if pre.config is not None:
        cfg = pre.config
        try:
            with open(cfg) as fh:
                values = yaml.safe_load(fh) or {}
        except OSError as exc:
            raise TrainInputError(f"{cfg}: cannot read the config ({exc.strerror or exc})") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            why = getattr(exc, "problem", None) or type(exc).__name__
            raise TrainInputError(f"{cfg}: not valid YAML{at} ({why})") from exc
        if not isinstance(values, dict):
            raise TrainInputError(
                f"{cfg}: must map flag names to values, not a {type(values).__name__}"
            )
        known = {a.dest for a in parser._actions}
        unknown = set(values) - known
        if unknown:
            raise TrainInputError(f"{cfg}: unknown keys {sorted(unknown)}")
        parser.set_defaults(**values)
    return parser.parse_args(argv)


def _load_resume(path: Path, device) -> dict:
    """The ``--resume`` checkpoint, checked to be resumable (not weights-only)."""
    try:
        ckpt = load_checkpoint(path, map_location=device)
    except FileNotFoundError as exc:
        raise TrainInputError(f"{path}: no such checkpoint (--resume)") from exc
    except ValueError as exc:
        raise TrainInputError(str(exc)) from exc
    if "optimizer" not in ckpt or "rng_state" not in ckpt:
        raise TrainInputError(
            f"{path} holds weights only (best.pt is exported so); resume from last.pt or epoch_N.pt"
        )
    return ckpt


def sampler_advice(exc: ValueError, args: argparse.Namespace, train_ds) -> str:
    """The one line for a sampler that cannot be built: what failed and which flag helps."""
    if args.sampler != "m-per-class":
        return f"--sampler {args.sampler}: {exc}"
    labels = len(set(np.asarray(train_ds.labels).tolist()))
    return (
        f"--sampler m-per-class: {exc} ({labels} labels in the training split, --batch-size "
        f"{args.batch_size}, --m-per-class {args.m_per_class}); use --sampler random, or "
        f"--batch-size at most {labels * args.m_per_class} (a multiple of --m-per-class)"
    )


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError("--device cuda asked for, but no CUDA device is available")
    return device


def weights_only(payload: dict) -> dict:
    """A checkpoint payload without the optimizer, scheduler, scaler and RNG states: it
    rebuilds the model (``load_trained_model``) but cannot resume training."""
    drop = ("optimizer", "scheduler", "scaler", "rng_state")
    return {k: v for k, v in payload.items() if k not in drop} | {"weights_only": True}


def configure_threads() -> int:
    """Respect OMP_NUM_THREADS/MKL_NUM_THREADS when set; else use every core."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            n = int(os.environ[var])
            break
    else:
        n = os.cpu_count() or 1
    torch.set_num_threads(max(1, n))
    return torch.get_num_threads()


def emb_weight_for_epoch(args: argparse.Namespace, epoch: int, adaptive_factor: float) -> float:
    """Effective contrastive weight: 0 before ``--emb-start-epoch``, then a linear ramp to the
    target over ``--emb-ramp-epochs``, times the adaptive decay factor (floored)."""
    target = args.emb_target_weight if args.emb_target_weight is not None else args.emb_loss_weight
    if epoch < args.emb_start_epoch:
        return 0.0
    if args.emb_ramp_epochs > 0:
        target *= min(1.0, (epoch - args.emb_start_epoch + 1) / args.emb_ramp_epochs)
    weight = target * adaptive_factor
    if adaptive_factor < 1.0:
        weight = max(weight, args.adaptive_emb_min_weight)
    return weight


def grouping_for_epoch(args: argparse.Namespace, epoch: int) -> str:
    if args.grouping_switch_epoch is not None and epoch >= args.grouping_switch_epoch:
        return "label"
    return args.contrastive_grouping


def make_train_loader(args, train_ds, device, ctx: DistContext | None = None) -> DataLoader:
    """The training loader; ``--batch-size`` is per rank, ranks share each global batch."""
    ctx = ctx or DistContext(device=device)
    shard = dict(num_replicas=ctx.world_size, rank=ctx.rank)
    if args.sampler == "m-per-class":
        sampler = MPerClassSampler(
            train_ds.labels, args.m_per_class, args.batch_size, args.seed, **shard
        )
    else:
        sampler = EpochShuffleSampler(len(train_ds), args.seed, batch_size=args.batch_size, **shard)
    return DataLoader(
        train_ds,
        batch_size=args.batch_size,
        sampler=sampler,
        drop_last=len(train_ds) >= args.batch_size,  # full batches: positives and BatchNorm
        num_workers=args.num_workers,
        pin_memory=device.type == "cuda",
        persistent_workers=args.num_workers > 0,
    )


def _write_log_line(path: Path, record: dict) -> None:
    with open(path, "a") as fh:
        fh.write(json.dumps(record) + "\n")


def _trim_log(path: Path, last_epoch: int) -> None:
    """On resume, drop log lines of epochs after the checkpoint (they will be redone)."""
    if not path.exists():
        return
    keep = [
        line
        for line in path.read_text().splitlines()
        if line.strip() and json.loads(line).get("epoch", -1) <= last_epoch
    ]
    path.write_text("".join(line + "\n" for line in keep))


def _format_epoch(rec: dict) -> str:
    parts = [
        f"epoch {rec['epoch']:3d}",
        f"progress {rec.get('progress', 0.0):6.1%}",
        f"loss {rec['train_loss']:.4f}",
        f"(ce {rec['ce_loss']:.4f} emb {rec['emb_loss']:.4f} x{rec['emb_weight']:.2f})",
        f"acc {rec['train_acc']:.3f}",
        f"val_loss {rec['val_loss']:.4f}",
        f"val_top1 {rec['val_top1']:.4f}",
        f"val_top5 {rec['val_top5']:.4f}",
    ]
    if "top10" in rec:
        parts += [
            f"top10 {rec['top10']:.4f}",
            f"mrr {rec['mrr']:.4f}",
            f"effect {rec['effect_size']:.3f}",
        ]
    parts += [
        f"pos {rec['pos_anchor_frac']:.2f}",
        f"{rec['epoch_seconds']:.0f}s",
        f"{rec['samples_per_s']:.0f}/s",
    ]
    return " ".join(parts)


@command("raster.train")
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)  # a bad --config: TrainInputError, one line through @command
    ctx = init_distributed(resolve_device(args.device))
    try:
        return _run(args, ctx)
    finally:
        shutdown(ctx)


def _run(args: argparse.Namespace, ctx: DistContext) -> int:
    # Only rank 0 talks; the others report warnings and errors.
    setup_logging(logging.INFO if ctx.is_main else logging.WARNING, timestamps=True)
    if args.suppress_warnings:
        warnings.filterwarnings("ignore")
    apply_progress(args)
    threads = configure_threads()
    device = ctx.device
    amp = not args.no_amp
    out_dir: Path = args.out_dir
    log_file: Path = args.log_file or out_dir / "train_log.jsonl"
    # Every check first: a refused or failed start writes nothing (and keeps an old run).
    try:
        old_run = check_run_folder(
            out_dir, resume=args.resume, overwrite=args.overwrite, log_file=args.log_file
        )
        check_outputs(
            {"--log-file": args.log_file},
            [args.db, args.resume, args.config, args.init_from],
            folders={"--out-dir": out_dir},
        )
        resume_ckpt = _load_resume(args.resume, device) if args.resume is not None else None
        data_cfg = DataConfig.from_args(args)
    except (RunFolderError, OutputPathError, TrainInputError) as exc:
        log.error("%s", exc)
        return EXIT_INPUT
    except ValueError as exc:  # DataConfig/RasterConfig: a bad flag value
        log.error("%s", exc)
        return EXIT_INPUT

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    # Rank 0 builds the pre-raster cache file first; the others then find it complete.
    if not ctx.is_main:
        barrier(ctx)
    try:
        try:
            bundle = build_datasets(data_cfg)
        finally:
            if ctx.is_main:
                barrier(ctx)
    except (ValueError, SchemaError, OSError, sqlite3.Error) as exc:  # bad or empty --db
        log.error("%s", exc if not isinstance(exc, sqlite3.Error) else f"{args.db}: {exc}")
        return EXIT_INPUT
    train_ds, val_ds = bundle.train, bundle.val
    num_classes = len(bundle.label_to_index)
    if len(train_ds) == 0:
        log.error("%s: no training glyphs after filtering; nothing to train", args.db)
        return EXIT_INPUT
    if resume_ckpt is not None and resume_ckpt["label_to_index"] != bundle.label_to_index:
        log.error(
            "%s: its label map differs from this data selection (same --db/--limit/--seed?)",
            args.resume,
        )
        return EXIT_INPUT

    model_cfg = ModelConfig(
        num_classes=num_classes,
        backbone=args.backbone,
        img_size=data_cfg.img_size,
        embed_dropout=args.emb_dropout,
        drop_path=args.drop_path,
    )
    model = build_model(model_cfg).to(device)
    forward_model = model
    if ctx.enabled:
        if device.type == "cuda":
            # Batch statistics over the global batch, as one process would compute them.
            # (SyncBatchNorm needs CUDA; on CPU/gloo each rank normalizes its own batch.)
            model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
        forward_model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    try:
        train_loader = make_train_loader(args, train_ds, device, ctx)
    except ValueError as exc:
        log.error("%s", sampler_advice(exc, args, train_ds))
        return EXIT_INPUT
    # Each rank evaluates every world_size-th validation glyph; evaluate() gathers them.
    val_part = torch.utils.data.Subset(val_ds, range(ctx.rank, len(val_ds), ctx.world_size))
    val_loader = DataLoader(
        val_part,
        batch_size=args.batch_size,
        shuffle=False,
        num_workers=args.num_workers,
        pin_memory=device.type == "cuda",
    )
    steps_per_epoch = len(train_loader)
    optimizer = build_optimizer(model, args.lr_backbone, args.lr_head, args.weight_decay)
    schedule = ScheduleConfig(
        total_steps=max(1, steps_per_epoch * args.epochs),
        warmup_frac=args.warmup_frac,
        kind=args.lr_schedule,
        head_bump_step=None
        if args.head_lr_bump_epoch is None
        else args.head_lr_bump_epoch * steps_per_epoch,
        head_bump_factor=args.head_lr_bump_factor,
    )
    scheduler = build_scheduler(optimizer, schedule)
    clock = TrainingClock(CLOCKS[args.budget_clock])  # the epochs' training passes only
    progress_schedule = None
    if args.time_budget > 0:
        progress_schedule = ProgressSchedule(
            budget_s=args.time_budget * 60.0,
            total_steps=schedule.total_steps,
            warmup=args.warmup_frac,
            decay=args.budget_decay,
            clock=clock,
            head_bump_step=schedule.head_bump_step,
            head_bump_factor=schedule.head_bump_factor,
        )
        scheduler = build_progress_scheduler(optimizer, progress_schedule)
    augment_on_device = data_cfg.augment and data_cfg.augment_mode in ("batch", "gpu")

    start_epoch = 0
    best = {"val_top1": -1.0, "epoch": -1}
    adaptive = {"factor": 1.0, "best_top10": -1.0, "stale": 0}
    args_dict = plain(vars(args))
    if resume_ckpt is not None:
        ckpt = resume_ckpt
        try:
            model.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
            scheduler.load_state_dict(ckpt["scheduler"])
        except (RuntimeError, KeyError, ValueError) as exc:
            log.error(
                "%s: does not fit this model (another --backbone, --img-size or head?): %s",
                args.resume,
                str(exc).splitlines()[0],
            )
            return EXIT_INPUT
        set_rng_state(ckpt["rng_state"])
        start_epoch = ckpt["epoch"] + 1
        clock = TrainingClock(CLOCKS[args.budget_clock], seconds=ckpt.get("train_seconds", 0.0))
        if progress_schedule is not None:
            progress_schedule.clock = clock
        best = ckpt.get("best", best)
        adaptive = ckpt.get("adaptive", adaptive)
        if ctx.is_main:
            _trim_log(log_file, ckpt["epoch"])
        log.info("resumed from %s at epoch %d", args.resume, start_epoch)
    elif args.init_from is not None:
        try:
            got = init_from(model, args.init_from, bundle.label_to_index)
        except (FileNotFoundError, ValueError) as exc:
            log.error("--init-from %s", exc)
            return EXIT_INPUT
        log.info(
            "initialized from %s: %d tensors, classifier rows of %d labels (%d new labels)",
            args.init_from,
            got["tensors"],
            got["labels_copied"],
            got["labels_new"],
        )

    if ctx.is_main:  # every check passed: now the run folder is written
        clear_run(old_run)
        out_dir.mkdir(parents=True, exist_ok=True)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        if args.resume is None and log_file.exists():
            log_file.unlink()
        write_label_map(out_dir, bundle.label_to_index)
        with open(out_dir / "args.yaml", "w") as fh:
            yaml.safe_dump({**args_dict, "world_size": ctx.world_size}, fh, sort_keys=True)
    log.info(
        "device %s x %d ranks, %d threads, %d train / %d val glyphs, %d classes, "
        "%d steps/epoch, batch %d per rank = %d global, img %d px, sampler %s",
        device,
        ctx.world_size,
        threads,
        len(train_ds),
        len(val_ds),
        num_classes,
        steps_per_epoch,
        args.batch_size,
        args.batch_size * ctx.world_size,
        data_cfg.img_size,
        args.sampler,
    )

    db_fp = db_fingerprint(args.db) if ctx.is_main else None

    def checkpoint_payload(epoch: int, metrics: dict) -> dict:
        return {
            "db_fingerprint": db_fp,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "scaler": {},  # bf16 autocast needs no loss scaling
            "rng_state": rng_state(),
            "epoch": epoch,
            "args": args_dict,
            "model_config": model_cfg.to_dict(),
            "raster_config": data_cfg.raster.to_dict(),
            "label_to_index": bundle.label_to_index,
            "group_of_label": list(bundle.group_of_label),
            "group_names": list(bundle.group_names),
            "metrics": plain(metrics),
            "best": best,
            "adaptive": adaptive,
            "train_seconds": clock.seconds,
        }

    def out_of_time() -> bool:
        return progress_schedule is not None and progress_schedule.done(scheduler.last_epoch)

    def progress() -> float:
        if progress_schedule is not None:
            return progress_schedule.progress(scheduler.last_epoch)
        return scheduler.last_epoch / max(1, schedule.total_steps)

    last_epoch_done = start_epoch - 1
    record: dict = {}
    try:
        for epoch in range(start_epoch, args.epochs):
            # Fix #2: a new augmentation draw and batch order every epoch, same on a re-run.
            train_ds.set_epoch(epoch)
            train_loader.sampler.set_epoch(epoch)
            batch_augment = None
            if augment_on_device:

                def batch_augment(images, indices, epoch=epoch):
                    return augment_batch(
                        images,
                        args.seed,
                        epoch,
                        indices,
                        mild=data_cfg.mild_augment,
                        design=data_cfg.design_augment,
                    )

            frozen = epoch < args.freeze_backbone_epochs
            for p in model.backbone.parameters():
                p.requires_grad_(not frozen)
            loss_cfg = LossConfig(
                emb_weight=emb_weight_for_epoch(args, epoch, adaptive["factor"]),
                temperature=args.contrastive_temperature,
                grouping=grouping_for_epoch(args, epoch),
                arcface_scale=args.arcface_scale,
                arcface_margin=args.arcface_margin,
                label_smoothing=args.label_smoothing,
            )
            with clock.running():
                train_metrics = train_one_epoch(
                    model,
                    train_loader,
                    optimizer,
                    scheduler,
                    device=device,
                    epoch=epoch,
                    loss_cfg=loss_cfg,
                    grad_clip=args.grad_clip,
                    amp=amp,
                    batch_augment=batch_augment,
                    log_interval=args.log_interval,
                    should_stop=out_of_time,
                    forward_model=forward_model,
                    dist_ctx=ctx,
                    contrastive_local=args.contrastive_local,
                    progress=None if ctx.is_main else False,
                )
            # Fresh BatchNorm statistics for the weights as they are now (see the docstring).
            recalibrate_batchnorm(
                model,
                train_loader,
                device=device,
                max_samples=args.bn_recalibrate_samples,
                batch_augment=batch_augment,
                dist_ctx=ctx,
            )
            do_retrieval = not args.no_retrieval and (
                (epoch + 1) % max(1, args.retrieval_every) == 0 or epoch + 1 == args.epochs
            )
            val_metrics = evaluate(
                model,
                val_loader,
                device=device,
                loss_cfg=loss_cfg,
                retrieval_cap=args.retrieval_cap,
                retrieval=do_retrieval,
                seed=args.seed,
                amp=amp,
                dist_ctx=ctx,
            )
            record = {
                "epoch": epoch,
                **train_metrics,
                **val_metrics,
                "emb_weight": loss_cfg.emb_weight,
                "grouping": loss_cfg.grouping,
                "backbone_frozen": frozen,
                "progress": progress(),
                "train_seconds": clock.seconds,
            }
            if do_retrieval and args.adaptive_emb_patience > 0:
                if record["top10"] > adaptive["best_top10"]:
                    adaptive.update(best_top10=record["top10"], stale=0)
                else:
                    adaptive["stale"] += 1
                    if adaptive["stale"] >= args.adaptive_emb_patience:
                        adaptive.update(
                            factor=adaptive["factor"] * args.adaptive_emb_decay, stale=0
                        )
            log.info(_format_epoch(record))
            improved = record["val_top1"] > best["val_top1"]
            if improved:
                best = {"val_top1": record["val_top1"], "epoch": epoch}
            if ctx.is_main:  # one writer for the log and the checkpoints
                _write_log_line(log_file, plain(record))
                payload = checkpoint_payload(epoch, record)
                if improved:  # weights only: what embed/index/identify load, 1/3 of the size
                    save_checkpoint(out_dir / "best.pt", weights_only(payload))
                save_checkpoint(out_dir / "last.pt", payload)
                if args.save_every > 0 and (epoch + 1) % args.save_every == 0:
                    save_checkpoint(out_dir / f"epoch_{epoch}.pt", payload)
            last_epoch_done = epoch
            if out_of_time():
                log.info("time budget of %.1f min spent after epoch %d", args.time_budget, epoch)
                break
    except NonFiniteLossError as exc:
        log.error("%s", exc)
        return EXIT_DIVERGED
    except KeyboardInterrupt:
        # Mid-epoch weights with the previous epoch's counter would make --resume replay part
        # of an epoch; the clean end-of-epoch checkpoint on disk is kept instead.
        if last_epoch_done >= start_epoch or args.resume is not None:
            log.warning(
                "interrupted during epoch %d: kept %s from the end of epoch %d; --resume it "
                "to redo epoch %d",
                last_epoch_done + 1,
                out_dir / "last.pt",
                last_epoch_done,
                last_epoch_done + 1,
            )
        else:
            log.warning(
                "interrupted during epoch %d: no epoch completed, no checkpoint", start_epoch
            )
        return EXIT_INTERRUPTED

    if ctx.enabled:
        if not replicas_in_sync(ctx, model):
            log.error("rank %d: model replicas differ after training", ctx.rank)
            return EXIT_OUT_OF_SYNC
        log.info("model replicas identical on all %d ranks", ctx.world_size)
    if best["epoch"] >= 0:
        log.info(
            "best epoch %d: val_top1 %.4f; checkpoints in %s",
            best["epoch"],
            best["val_top1"],
            out_dir,
        )
    if record and not math.isfinite(record.get("train_loss", 0.0)):
        return EXIT_DIVERGED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
