"""Embedding throughput: images/s through the model in eval mode, logits and embeddings out.

A randomly initialised model from :func:`raster.models.glyph_net.build_model` (no checkpoint
needed: the cost of a forward pass does not depend on the weights) runs over random uint8
renders through :func:`raster.inference.embedding.forward_images`, the path ``embed``,
``index build`` and ``identify`` take. Best of ``--repeats`` passes after one warm-up batch.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from bench.common import write_json
from raster.cli import HelpFormatter, add_seed_arg, add_threads_arg, apply_threads
from raster.data.render import RasterConfig
from raster.inference.checkpoint_loader import LoadedModel
from raster.inference.embedding import forward_images
from raster.models.glyph_net import ModelConfig, build_model


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=HelpFormatter
    )
    g = parser.add_argument_group("model")
    g.add_argument("--backbone", default=ModelConfig.backbone, help="timm backbone name")
    g.add_argument(
        "--img-size", type=int, nargs="+", default=[128, 64], help="image sides, multiples of 16"
    )
    g.add_argument("--num-classes", type=int, default=1063, help="classifier outputs")
    g = parser.add_argument_group("run")
    g.add_argument("--n", type=int, default=2048, help="images per timed pass")
    g.add_argument("--batch-size", type=int, default=256)
    g.add_argument("--repeats", type=int, default=3, help="best of N passes")
    add_threads_arg(g)
    add_seed_arg(g)
    g.add_argument("--json-out", type=Path, default=None, help="also write the result here")
    return parser


def random_model(backbone: str, img_size: int, num_classes: int) -> LoadedModel:
    """A freshly initialised model in eval mode, wrapped as inference code expects it."""
    config = ModelConfig(num_classes=num_classes, backbone=backbone, img_size=img_size)
    model = build_model(config).eval()
    return LoadedModel(
        model=model,
        ckpt={},
        raster=RasterConfig(img_size=img_size),
        index_to_label=[str(i) for i in range(num_classes)],
        path=Path("<random init>"),
        device=torch.device("cpu"),
    )


def time_embedding(loaded: LoadedModel, images: np.ndarray, batch_size: int, repeats: int) -> dict:
    """Best-of-``repeats`` throughput of :func:`forward_images` over uint8 (N, S, S) ``images``."""
    forward_images(loaded, images[:batch_size], batch_size)  # warm-up: allocator, kernels
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        _, embeddings = forward_images(loaded, images, batch_size)
        best = min(best, time.perf_counter() - t0)
    return {
        "img_size": loaded.img_size,
        "images": len(images),
        "seconds": round(best, 4),
        "images_per_s": round(len(images) / best, 1),
        "ms_per_image": round(best / len(images) * 1e3, 3),
        "embed_dim": int(embeddings.shape[1]),
    }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    apply_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    rows = []
    for size in args.img_size:
        loaded = random_model(args.backbone, size, args.num_classes)
        images = rng.integers(0, 256, (args.n, size, size), dtype=np.uint8)
        rows.append(time_embedding(loaded, images, args.batch_size, args.repeats))
    result = {
        "backbone": args.backbone,
        "num_classes": args.num_classes,
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "sizes": rows,
    }
    print("| img px | images/s | ms/image |\n|---:|---:|---:|")
    for r in rows:
        print(f"| {r['img_size']} | {r['images_per_s']:.1f} | {r['ms_per_image']:.2f} |")
    print(
        f"\n{args.backbone}, random init, eval mode, batch {args.batch_size}, {args.n} images, "
        f"best of {args.repeats}, {torch.get_num_threads()} threads"
    )
    write_json(args.json_out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
