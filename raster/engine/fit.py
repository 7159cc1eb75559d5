"""A whole training run: check the inputs, build data/model/optimizer, resume, loop, checkpoint.

``fit(args, ctx) -> exit code`` is what ``python -m raster.train`` calls; ``args`` are the flags
of ``raster.train``'s parser. The steps are separate functions (:func:`check_inputs`,
:func:`build_run`, :func:`resume`, :func:`init_weights`, :func:`write_run_folder`,
:func:`run_epoch`) so each can be read, and tested, on its own. One epoch's arithmetic lives
in :mod:`raster.engine.loop`; the checkpoint policy in :class:`~raster.engine.checkpoint.CheckpointSaver`.
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import sqlite3
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from torch.utils.data import DataLoader

from raster.data.augment import augment_batch
from raster.data.pipeline import DataBundle, DataConfig, build_datasets, write_label_map
from raster.data.samplers import EpochShuffleSampler, MPerClassSampler
from raster.data.schema import SchemaError, db_fingerprint
from raster.engine.checkpoint import (
    CheckpointSaver,
    init_from,
    load_checkpoint,
    plain,
    rng_state,
    set_rng_state,
)
from raster.engine.compile import compile_forward
from raster.engine.device import precision_line
from raster.engine.distributed import DistContext, barrier, replicas_in_sync
from raster.engine.loop import LossConfig, evaluate, recalibrate_batchnorm, train_one_epoch
from raster.engine.optim import ScheduleConfig, build_optimizer, build_scheduler
from raster.engine.run_dir import check_run_folder, claim_run_folder, clear_run
from raster.engine.run_log import append_record, format_epoch, trim_log
from raster.engine.schedule import (
    CLOCKS,
    EmbeddingWeightSchedule,
    ProgressSchedule,
    TrainingClock,
    build_progress_scheduler,
)
from raster.engine.threads import set_torch_threads
from raster.errors import (
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUT_OF_SYNC,
    TrainInputError,
)
from raster.models.glyph_net import GlyphNet, ModelConfig, build_model
from raster.paths import check_outputs

# The command's logger: what a user reads comes from ``raster.train``, as before the split.
log = logging.getLogger("raster.train")


@dataclass
class TrainingRun:
    """Everything one training process holds: built by :func:`build_run`, advanced by
    :func:`run_epoch`. ``start_epoch`` > 0 after :func:`resume`."""

    args: argparse.Namespace
    ctx: DistContext
    data_cfg: DataConfig
    bundle: DataBundle
    model_cfg: ModelConfig
    model: GlyphNet
    forward_model: torch.nn.Module  # the model, or its DistributedDataParallel wrapper
    train_loader: DataLoader
    val_loader: DataLoader
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    total_steps: int
    progress_schedule: ProgressSchedule | None
    clock: TrainingClock
    emb_schedule: EmbeddingWeightSchedule
    saver: CheckpointSaver
    log_file: Path
    start_epoch: int = 0
    db_fingerprint: str | None = None
    compile_seconds: float | None = None  # --compile: seconds spent compiling (None: eager)

    def progress(self) -> float:
        """Share of the run done, in [0, 1]: by training time under a budget, else by steps."""
        if self.progress_schedule is not None:
            return self.progress_schedule.progress(self.scheduler.last_epoch)
        return self.scheduler.last_epoch / max(1, self.total_steps)

    def out_of_time(self) -> bool:
        """True once a ``--time-budget`` is spent (checked between batches and epochs)."""
        ps = self.progress_schedule
        return ps is not None and ps.done(self.scheduler.last_epoch)

    def payload(self, epoch: int, metrics: dict) -> dict:
        """The self-describing checkpoint of the end of ``epoch`` (resumable)."""
        return {
            "db_fingerprint": self.db_fingerprint,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": {},  # bf16 autocast needs no loss scaling
            "rng_state": rng_state(),
            "epoch": epoch,
            "args": plain(vars(self.args)),
            "model_config": self.model_cfg.to_dict(),
            "data_config": plain(self.data_cfg.to_dict()),
            "raster_config": self.data_cfg.raster.to_dict(),
            "label_to_index": self.bundle.label_to_index,
            "group_of_label": list(self.bundle.group_of_label),
            "group_names": list(self.bundle.group_names),
            "metrics": plain(metrics),
            "best": self.saver.best,
            "adaptive": self.emb_schedule.state_dict(),
            "train_seconds": self.clock.seconds,
        }


def embedding_weight_schedule(args: argparse.Namespace) -> EmbeddingWeightSchedule:
    """The contrastive-weight schedule of the ``--emb-*`` and ``--adaptive-emb-*`` flags."""
    target = args.emb_target_weight if args.emb_target_weight is not None else args.emb_loss_weight
    return EmbeddingWeightSchedule(
        target=target,
        start_epoch=args.emb_start_epoch,
        ramp_epochs=args.emb_ramp_epochs,
        patience=args.adaptive_emb_patience,
        decay=args.adaptive_emb_decay,
        min_weight=args.adaptive_emb_min_weight,
    )


def grouping_for_epoch(args: argparse.Namespace, epoch: int) -> str:
    """How contrastive positives are grouped this epoch (``--grouping-switch-epoch``)."""
    if args.grouping_switch_epoch is not None and epoch >= args.grouping_switch_epoch:
        return "label"
    return args.contrastive_grouping


def load_resume(path: Path, device: torch.device) -> dict:
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


def make_train_loader(args, train_ds, device, ctx: DistContext | None = None) -> DataLoader:
    """The training loader; ``--batch-size`` is per rank, ranks share each global batch.

    Raises:
        ValueError: the sampler cannot be built (see :func:`sampler_advice`).
    """
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


def check_paths(args: argparse.Namespace) -> None:
    """The output paths can be written and overwrite no input (before the folder is claimed).

    Raises:
        OutputPathError: one line naming the path and the flag.
    """
    check_outputs(
        {"--log-file": args.log_file},
        [args.db, args.resume, args.config, args.init_from],
        folders={"--out-dir": args.out_dir},
    )


def check_inputs(args: argparse.Namespace, ctx: DistContext) -> tuple[list[Path], dict | None]:
    """Every check before the run writes (the folder is claimed, see :func:`fit`): a refused
    start keeps an old run untouched.

    Returns:
        (the files of an earlier run that ``--overwrite`` will delete, the ``--resume``
        checkpoint or None).

    Raises:
        RasterError: the run folder, the resume file or a flag is unusable.
    """
    old_run = check_run_folder(
        args.out_dir, resume=args.resume, overwrite=args.overwrite, log_file=args.log_file
    )
    resume_ckpt = load_resume(args.resume, ctx.device) if args.resume is not None else None
    return old_run, resume_ckpt


def load_data(args: argparse.Namespace, data_cfg: DataConfig, ctx: DistContext) -> DataBundle:
    """The train/val split of ``--db``; rank 0 builds a pre-raster cache before the others
    read it. A bad or empty database is a :class:`TrainInputError`."""
    if not ctx.is_main:
        barrier(ctx)
    try:
        try:
            bundle = build_datasets(data_cfg)
        finally:
            if ctx.is_main:
                barrier(ctx)
    except sqlite3.Error as exc:
        raise TrainInputError(f"{args.db}: {exc}") from exc
    except SchemaError:
        raise
    except (ValueError, OSError) as exc:
        raise TrainInputError(str(exc)) from exc
    if len(bundle.train) == 0:
        raise TrainInputError(f"{args.db}: no training glyphs after filtering; nothing to train")
    return bundle


def _wrap_for_ranks(model: GlyphNet, ctx: DistContext) -> torch.nn.Module:
    """The module the training step calls: the model itself, or DDP around it."""
    if not ctx.enabled:
        return model
    if ctx.device.type == "cuda":
        # Batch statistics over the global batch, as one process would compute them.
        # (SyncBatchNorm needs CUDA; on CPU/gloo each rank normalizes its own batch.)
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    device_ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def _schedulers(args, optimizer, steps_per_epoch: int, clock: TrainingClock):
    """(LR scheduler, progress schedule or None, planned steps): the step schedule of an
    ``--epochs`` run, or the time-progress one under ``--time-budget``."""
    schedule = ScheduleConfig(
        total_steps=max(1, steps_per_epoch * args.epochs),
        warmup_frac=args.warmup_frac,
        kind=args.lr_schedule,
        head_bump_step=None
        if args.head_lr_bump_epoch is None
        else args.head_lr_bump_epoch * steps_per_epoch,
        head_bump_factor=args.head_lr_bump_factor,
    )
    if args.time_budget <= 0:
        return build_scheduler(optimizer, schedule), None, schedule.total_steps
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
    return scheduler, progress_schedule, schedule.total_steps


def build_run(args: argparse.Namespace, ctx: DistContext, data_cfg: DataConfig) -> TrainingRun:
    """Data, model, loaders, optimizer and schedules of a fresh run (seeded by ``--seed``).

    Raises:
        TrainInputError: the data or the sampler cannot be built (one line).
    """
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    bundle = load_data(args, data_cfg, ctx)
    model_cfg = ModelConfig(
        num_classes=len(bundle.label_to_index),
        backbone=args.backbone,
        img_size=data_cfg.img_size,
        embed_dropout=args.emb_dropout,
        drop_path=args.drop_path,
    )
    model = build_model(model_cfg).to(ctx.device)
    forward_model = _wrap_for_ranks(model, ctx)
    try:
        train_loader = make_train_loader(args, bundle.train, ctx.device, ctx)
    except ValueError as exc:
        raise TrainInputError(sampler_advice(exc, args, bundle.train)) from exc
    # Each rank evaluates every world_size-th validation glyph; evaluate() gathers them.
    val_part = torch.utils.data.Subset(bundle.val, range(ctx.rank, len(bundle.val), ctx.world_size))
    val_loader = DataLoader(
        val_part,
        batch_size=args.batch_size,
        shuffle=False,
        num_workers=args.num_workers,
        pin_memory=ctx.device.type == "cuda",
    )
    optimizer = build_optimizer(model, args.lr_backbone, args.lr_head, args.weight_decay)
    clock = TrainingClock(CLOCKS[args.budget_clock])  # the epochs' training passes only
    scheduler, progress_schedule, total_steps = _schedulers(
        args, optimizer, len(train_loader), clock
    )
    return TrainingRun(
        args=args,
        ctx=ctx,
        data_cfg=data_cfg,
        bundle=bundle,
        model_cfg=model_cfg,
        model=model,
        forward_model=forward_model,
        train_loader=train_loader,
        val_loader=val_loader,
        optimizer=optimizer,
        scheduler=scheduler,
        total_steps=total_steps,
        progress_schedule=progress_schedule,
        clock=clock,
        emb_schedule=embedding_weight_schedule(args),
        # without validation glyphs the newest epoch is the best one can tell
        saver=CheckpointSaver(
            args.out_dir,
            save_every=args.save_every,
            metric="val_top1" if len(bundle.val) else "epoch",
        ),
        log_file=args.log_file or args.out_dir / "train_log.jsonl",
        db_fingerprint=db_fingerprint(args.db) if ctx.is_main else None,
    )


def resume(run: TrainingRun, ckpt: dict) -> None:
    """Continue ``run`` from a resumable checkpoint: weights, optimizer, schedule, RNG, clock,
    best epoch and the embedding-weight state; the log loses the epochs to be redone."""
    args = run.args
    if ckpt["label_to_index"] != run.bundle.label_to_index:
        raise TrainInputError(
            f"{args.resume}: its label map differs from this data selection "
            "(same --db/--limit/--seed?)"
        )
    try:
        run.model.load_state_dict(ckpt["model"])
        run.optimizer.load_state_dict(ckpt["optimizer"])
        run.scheduler.load_state_dict(ckpt["scheduler"])
    except (RuntimeError, KeyError, ValueError) as exc:
        raise TrainInputError(
            f"{args.resume}: does not fit this model (another --backbone, --img-size or head?): "
            f"{str(exc).splitlines()[0]}"
        ) from exc
    set_rng_state(ckpt["rng_state"])
    run.start_epoch = ckpt["epoch"] + 1
    run.clock.restore(ckpt.get("train_seconds", 0.0))
    if "best" in ckpt:
        run.saver.best = dict(ckpt["best"])
    run.emb_schedule.load_state_dict(ckpt.get("adaptive", {}))
    if run.ctx.is_main:
        trim_log(run.log_file, ckpt["epoch"])
    log.info("resumed from %s at epoch %d", args.resume, run.start_epoch)


def init_weights(run: TrainingRun, path: Path) -> None:
    """``--init-from``: start from another checkpoint's weights (fine-tuning)."""
    try:
        got = init_from(run.model, path, run.bundle.label_to_index)
    except (FileNotFoundError, ValueError) as exc:
        raise TrainInputError(f"--init-from {exc}") from exc
    log.info(
        "initialized from %s: %d tensors, classifier rows of %d labels (%d new labels)",
        path,
        got["tensors"],
        got["labels_copied"],
        got["labels_new"],
    )


def write_run_folder(run: TrainingRun, old_run: list[Path]) -> None:
    """Every check passed: clear an ``--overwrite``-n run, write the label map and args.yaml."""
    args = run.args
    clear_run(old_run)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    run.log_file.parent.mkdir(parents=True, exist_ok=True)
    if args.resume is None and run.log_file.exists():
        run.log_file.unlink()
    write_label_map(args.out_dir, run.bundle.label_to_index)
    with open(args.out_dir / "args.yaml", "w") as fh:
        args_dict = plain(vars(args))
        yaml.safe_dump({**args_dict, "world_size": run.ctx.world_size}, fh, sort_keys=True)


def compile_run(run: TrainingRun) -> None:
    """``--compile``: the training step calls a compiled forward, compiled here on a blank
    batch of the training shape (its time is ``run.compile_seconds``, in no epoch's time).
    Evaluation and checkpoints keep using the plain model."""
    size = run.data_cfg.img_size
    batch = min(run.args.batch_size, len(run.bundle.train))
    example = torch.zeros(batch, 1, size, size, device=run.ctx.device)
    run.model.train()
    run.forward_model, run.compile_seconds = compile_forward(run.forward_model, run.model, example)


def augment_strength(progress: float, warmup: float) -> float:
    """``--augment-warmup``: the augmentation strength in [0, 1] at ``progress`` (the run's
    share done) when it ramps linearly from 0 to 1 over the first ``warmup`` of the run."""
    return 1.0 if warmup <= 0 else min(1.0, max(0.0, progress / warmup))


def _batch_augment(run: TrainingRun, epoch: int, strength: float = 1.0):
    """The on-device augmentation of ``--augment-mode batch`` for ``epoch``, or None."""
    cfg, seed = run.data_cfg, run.args.seed
    if not run.bundle.augment_in_batch:
        return None

    def batch_augment(images, indices):
        return augment_batch(
            images,
            seed,
            epoch,
            indices,
            mild=cfg.mild_augment,
            design=cfg.design_augment,
            strength=strength,
        )

    return batch_augment


def run_epoch(run: TrainingRun, epoch: int) -> dict:
    """Train one epoch, refresh BatchNorm statistics, evaluate; returns the epoch's record."""
    args, ctx = run.args, run.ctx
    # Fix #2: a new augmentation draw and batch order every epoch, same on a re-run.
    strength = augment_strength(run.progress(), run.data_cfg.augment_warmup)
    run.bundle.train.set_epoch(epoch, strength)
    run.train_loader.sampler.set_epoch(epoch)
    batch_augment = _batch_augment(run, epoch, strength)
    frozen = epoch < args.freeze_backbone_epochs
    for p in run.model.backbone.parameters():
        p.requires_grad_(not frozen)
    loss_cfg = LossConfig(
        emb_weight=run.emb_schedule.weight(epoch),
        temperature=args.contrastive_temperature,
        grouping=grouping_for_epoch(args, epoch),
        arcface_scale=args.arcface_scale,
        arcface_margin=args.arcface_margin,
        label_smoothing=args.label_smoothing,
    )
    with run.clock.running():
        train_metrics = train_one_epoch(
            run.model,
            run.train_loader,
            run.optimizer,
            run.scheduler,
            device=ctx.device,
            epoch=epoch,
            loss_cfg=loss_cfg,
            grad_clip=args.grad_clip,
            amp=not args.no_amp,
            batch_augment=batch_augment,
            log_interval=args.log_interval,
            should_stop=run.out_of_time,
            forward_model=run.forward_model,
            dist_ctx=ctx,
            contrastive_local=args.contrastive_local,
            progress=None if ctx.is_main else False,
        )
    # Fresh BatchNorm statistics for the weights as they are now (see the docstring).
    recalibrate_batchnorm(
        run.model,
        run.train_loader,
        device=ctx.device,
        max_samples=args.bn_recalibrate_samples,
        batch_augment=batch_augment,
        dist_ctx=ctx,
    )
    do_retrieval = not args.no_retrieval and (
        (epoch + 1) % max(1, args.retrieval_every) == 0 or epoch + 1 == args.epochs
    )
    val_metrics = {}  # no validation glyphs: no val metrics (announced once by fit)
    if len(run.bundle.val):
        val_metrics = evaluate(
            run.model,
            run.val_loader,
            device=ctx.device,
            loss_cfg=loss_cfg,
            retrieval_cap=args.retrieval_cap,
            retrieval=do_retrieval,
            seed=args.seed,
            amp=not args.no_amp,
            dist_ctx=ctx,
        )
    if "top10" in val_metrics:  # too few validation glyphs for retrieval: no top10
        run.emb_schedule.observe(val_metrics["top10"])
    return {
        "epoch": epoch,
        **train_metrics,
        **val_metrics,
        "emb_weight": loss_cfg.emb_weight,
        **({"augment_strength": strength} if run.data_cfg.augment_warmup > 0 else {}),
        "grouping": loss_cfg.grouping,
        "backbone_frozen": frozen,
        "progress": run.progress(),
        "train_seconds": run.clock.seconds,
        **({"compile_seconds": run.compile_seconds} if args.compile else {}),
    }


def save_epoch(run: TrainingRun, epoch: int, record: dict) -> None:
    """Rank 0 logs the epoch (console and JSONL) and writes its checkpoints."""
    log.info(format_epoch(record))
    improved = run.saver.update(epoch, record)
    if run.ctx.is_main:  # one writer for the log and the checkpoints
        append_record(run.log_file, plain(record))
        run.saver.save(epoch, run.payload(epoch, record), improved)


def _interrupted(run: TrainingRun, last_epoch_done: int) -> int:
    # Mid-epoch weights with the previous epoch's counter would make --resume replay part
    # of an epoch; the clean end-of-epoch checkpoint on disk is kept instead.
    if last_epoch_done >= run.start_epoch or run.args.resume is not None:
        log.warning(
            "interrupted during epoch %d: kept %s from the end of epoch %d; --resume it "
            "to redo epoch %d",
            last_epoch_done + 1,
            run.args.out_dir / "last.pt",
            last_epoch_done,
            last_epoch_done + 1,
        )
    else:
        log.warning(
            "interrupted during epoch %d: no epoch completed, no checkpoint", run.start_epoch
        )
    return EXIT_INTERRUPTED


def _finish(run: TrainingRun, record: dict) -> int:
    """After the last epoch: replicas agree, the best epoch is named, the exit code."""
    ctx, best = run.ctx, run.saver.best
    if ctx.enabled:
        if not replicas_in_sync(ctx, run.model):
            log.error("rank %d: model replicas differ after training", ctx.rank)
            return EXIT_OUT_OF_SYNC
        log.info("model replicas identical on all %d ranks", ctx.world_size)
    if best["epoch"] >= 0 and "val_top1" in best:
        log.info(
            "best epoch %d: val_top1 %.4f; checkpoints in %s",
            best["epoch"],
            best["val_top1"],
            run.args.out_dir,
        )
    elif best["epoch"] >= 0:
        log.info(
            "no validation: best.pt is epoch %d; checkpoints in %s", best["epoch"], run.args.out_dir
        )
    if record and not math.isfinite(record.get("train_loss", 0.0)):
        return EXIT_DIVERGED
    return EXIT_OK


def _announce(run: TrainingRun, threads: int) -> None:
    args, ctx = run.args, run.ctx
    log.info(
        "device %s x %d ranks, %d threads, %d train / %d val glyphs, %d classes, "
        "%d steps/epoch, batch %d per rank = %d global, img %d px, sampler %s, %s",
        ctx.device,
        ctx.world_size,
        threads,
        len(run.bundle.train),
        len(run.bundle.val),
        run.model_cfg.num_classes,
        len(run.train_loader),
        args.batch_size,
        args.batch_size * ctx.world_size,
        run.data_cfg.img_size,
        args.sampler,
        precision_line(ctx.device, not args.no_amp),
    )


def fit(args: argparse.Namespace, ctx: DistContext) -> int:
    """Train as ``args`` (raster.train's flags) say, on this process's rank; returns the exit
    code (0, 3 diverged, 4 replicas differ, 130 interrupted). Bad input raises a
    :class:`~raster.errors.RasterError` before anything is written."""
    if args.suppress_warnings:
        warnings.filterwarnings("ignore")
    # --threads, else OMP_NUM_THREADS, else the CPUs this process may use (affinity, quota)
    threads = set_torch_threads(getattr(args, "threads", 0))
    check_paths(args)
    # One training per folder: the claim comes before the "holds a run" check, so two starts
    # at once cannot both pass it; it is let go at the end, on an error and on Ctrl-C.
    take_over = args.resume is not None or args.overwrite
    with claim_run_folder(args.out_dir, take_over=take_over, enabled=ctx.is_main):
        return _fit_claimed(args, ctx, threads)


def _fit_claimed(args: argparse.Namespace, ctx: DistContext, threads: int) -> int:
    """:func:`fit` once the run folder is this process's."""
    old_run, resume_ckpt = check_inputs(args, ctx)
    if resume_ckpt is not None and resume_ckpt["epoch"] + 1 >= args.epochs:
        # said, not silent; exit 0: the run is complete (demo and crossval resume so)
        log.warning(
            "%s: its run already did %d epochs, so --epochs %d leaves nothing to train (give a "
            "larger --epochs to train on); nothing written",
            args.resume,
            resume_ckpt["epoch"] + 1,
            args.epochs,
        )
        return EXIT_OK
    try:
        data_cfg = DataConfig.from_args(args)
    except ValueError as exc:  # DataConfig/RasterConfig: a bad flag value
        raise TrainInputError(str(exc)) from exc
    run = build_run(args, ctx, data_cfg)
    if resume_ckpt is not None:
        resume(run, resume_ckpt)
    elif args.init_from is not None:
        init_weights(run, args.init_from)
    if ctx.is_main:  # every check passed: now the run folder is written
        write_run_folder(run, old_run)
    _announce(run, threads)
    if not len(run.bundle.val):
        log.warning(
            "no validation glyphs (--val-frac %s; a label needs a few glyphs to give some to "
            "validation): no val metrics, and best.pt is simply the last epoch",
            args.val_frac,
        )
    if args.compile:
        compile_run(run)

    last_epoch_done, record = run.start_epoch - 1, {}
    try:
        for epoch in range(run.start_epoch, args.epochs):
            record = run_epoch(run, epoch)
            save_epoch(run, epoch, record)
            last_epoch_done = epoch
            if run.out_of_time():
                log.info("time budget of %.1f min spent after epoch %d", args.time_budget, epoch)
                break
    except KeyboardInterrupt:
        return _interrupted(run, last_epoch_done)
    return _finish(run, record)
