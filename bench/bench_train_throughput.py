"""Training-loop throughput vs the bare model's forward+backward on the same batches.

    python -m bench.bench_train_throughput --db dataset/glyphs.db [--steps 20 --batch-size 64]

"Bare" = model forward, cross-entropy, backward and the AdamW step on batches already in
memory. "Loop" = ``raster.engine.loop.train_one_epoch`` over the real DataLoader (pre-raster
cache, m-per-class sampler, augmentation, contrastive loss, logging) for the same number of
steps. The issue's target: loop >= 95% of bare. Both are timed in fp32 and, where the CPU has
native bf16 math (AVX512-BF16/AMX: ``raster.engine.device.bf16_autocast_supported``), with the
bf16 autocast ``raster.train`` then uses by default. ``--compile`` also times the loop with the
forward through ``torch.compile`` (``raster.train --compile``), compile seconds apart. Prints a
Markdown block; ``--json-out`` writes the figures ``bench.run_all`` renders into
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from raster.data.pipeline import DataConfig, add_data_args, build_datasets
from raster.engine.compile import compile_forward
from raster.engine.device import autocast, bf16_autocast_supported
from raster.engine.fit import make_train_loader
from raster.engine.loop import LossConfig, train_one_epoch
from raster.engine.optim import ScheduleConfig, build_optimizer, build_scheduler
from raster.models.glyph_net import ModelConfig, build_model

CPU = torch.device("cpu")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_args(parser)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--sampler", default="m-per-class")
    parser.add_argument("--m-per-class", type=int, default=4)
    parser.add_argument("--num-workers", type=int, default=0)
    parser.add_argument("--out-dir", type=Path, default=Path("artifacts/bench_train"))
    parser.add_argument(
        "--compile",
        action="store_true",
        help="also time the loop with torch.compile (as raster.train --compile)",
    )
    parser.add_argument("--json-out", type=Path, default=None, help="also write the figures here")
    parser.set_defaults(limit=5000, pre_rasterize=True)
    return parser


class _Limited:
    """The first ``n`` batches of a loader, as a loader (has ``len``)."""

    def __init__(self, loader, n):
        self.loader, self.n = loader, n

    def __iter__(self):
        return itertools.islice(iter(self.loader), self.n)

    def __len__(self):
        return self.n


def time_bare(model, batches, opt, args, amp: bool) -> float:
    """Samples/s of forward + cross-entropy + backward + step on ``batches`` (in memory), the
    forward under :func:`raster.engine.device.autocast` when ``amp``."""
    model.train()
    for i, batch in enumerate(batches):
        if i == args.warmup_steps:
            t0 = time.perf_counter()
        with autocast(CPU, amp):
            out = model(batch["image"])
        loss = F.cross_entropy(out["logits"].float(), batch["label"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return args.steps * args.batch_size / (time.perf_counter() - t0)


def time_loop(model, loader, opt, sched, augment, args, amp: bool, forward_model=None) -> dict:
    """``train_one_epoch`` over ``--warmup-steps`` batches, then its metrics over ``--steps``."""
    common = dict(device=CPU, loss_cfg=LossConfig(), progress=False, amp=amp)
    common.update(log_interval=10**9, forward_model=forward_model)
    train_one_epoch(model, _Limited(loader, args.warmup_steps), opt, sched, epoch=1, **common)
    return train_one_epoch(
        model, _Limited(loader, args.steps), opt, sched, epoch=2, batch_augment=augment, **common
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    torch.manual_seed(0)
    cfg = DataConfig.from_args(args)
    bundle = build_datasets(cfg, out_dir=args.out_dir)
    model = build_model(ModelConfig(num_classes=len(bundle.label_to_index), img_size=cfg.img_size))
    device = torch.device("cpu")
    loader = make_train_loader(args, bundle.train, device)
    bundle.train.set_epoch(0)
    loader.sampler.set_epoch(0)
    batches = list(itertools.islice(iter(loader), args.steps + args.warmup_steps))

    def opt_sched():
        opt = build_optimizer(model, 1e-3, 2e-3, 0.05)
        return opt, build_scheduler(opt, ScheduleConfig(total_steps=10_000, warmup_frac=0.0))

    amp = bf16_autocast_supported(CPU)  # the precision raster.train picks on this CPU
    precision = "bf16" if amp else "fp32"
    bare = time_bare(model, batches, opt_sched()[0], args, amp)

    opt, sched = opt_sched()
    augment = None
    if cfg.augment and cfg.augment_mode == "batch":  # "gpu" is resolved to "batch"
        from raster.data.augment import augment_batch

        def augment(images, indices):
            return augment_batch(images, args.seed, 2, indices, mild=cfg.mild_augment)

    metrics = time_loop(model, loader, opt, sched, augment, args, amp)
    fp32 = None
    if amp:  # the same bare step and loop in fp32 (raster.train --no-amp), for the speed-up
        fp32_bare = time_bare(model, batches, opt_sched()[0], args, False)
        fp32_loop = time_loop(model, loader, opt, sched, augment, args, False)["samples_per_s"]
        fp32 = {"bare": fp32_bare, "loop": fp32_loop}
    compiled = None
    if args.compile:
        example = torch.zeros_like(batches[0]["image"])
        forward, seconds = compile_forward(model, model, example)
        if seconds is not None:
            run = time_loop(model, loader, opt, sched, augment, args, amp, forward_model=forward)
            compiled = {"compile_seconds": seconds, "samples_per_s": run["samples_per_s"]}
    loop = metrics["samples_per_s"]
    augment_label = cfg.augment_mode if cfg.augment else "off"
    print("| what | samples/s |\n|---|---|")
    print(f"| bare model forward+backward+step ({precision}) | {bare:.1f} |")
    print(f"| full training loop (`train_one_epoch`, {precision}) | {loop:.1f} |")
    print(f"| loop / bare | {loop / bare:.1%} |")
    if fp32 is not None:
        print(f"| bare, fp32 (`--no-amp`) | {fp32['bare']:.1f} |")
        print(f"| loop, fp32 (`--no-amp`) | {fp32['loop']:.1f} |")
        print(f"| loop bf16 / loop fp32 | {loop / fp32['loop']:.2f}x |")
    if compiled is not None:
        fast = compiled["samples_per_s"]
        print(f"| loop with `--compile` | {fast:.1f} ({fast / loop:.2f}x the eager loop) |")
        print(f"| `torch.compile` time, once per run | {compiled['compile_seconds']:.1f} s |")
    elif args.compile:
        print("| loop with `--compile` | compile failed (see the warning) |")
    print(
        f"\nbatch {args.batch_size}, img {cfg.img_size} px, {args.steps} timed steps, augment "
        f"{augment_label}, threads {torch.get_num_threads()}, "
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, torch {torch.__version__}"
    )
    if args.json_out:
        result = {
            "augment": augment_label,
            "precision": precision,
            "bare_samples_per_s": round(bare, 2),
            "loop_samples_per_s": round(loop, 2),
            "loop_over_bare": round(loop / bare, 4),
            "batch_size": args.batch_size,
            "img_size": cfg.img_size,
            "steps": args.steps,
            "warmup_steps": args.warmup_steps,
            "limit": cfg.limit,
            "num_workers": args.num_workers,
            "backbone": model.config.backbone,
            "threads": torch.get_num_threads(),
            "cpu_count": os.cpu_count(),
        }
        if fp32 is not None:
            result["fp32_bare_samples_per_s"] = round(fp32["bare"], 2)
            result["fp32_loop_samples_per_s"] = round(fp32["loop"], 2)
            result["bf16_over_fp32"] = round(loop / fp32["loop"], 4)
        if args.compile:
            result["compile_seconds"] = compiled and round(compiled["compile_seconds"], 2)
            result["loop_compiled_samples_per_s"] = compiled and round(compiled["samples_per_s"], 2)
            result["compiled_over_eager"] = compiled and round(compiled["samples_per_s"] / loop, 4)
        args.json_out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
