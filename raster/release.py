"""Make and check the model shipped in the package (``raster/weights/``).

``half CKPT OUT.pt`` writes the inference part of a checkpoint with fp16 weights; build its
index with ``python -m raster.index build --checkpoint OUT.pt``; ``pack`` writes the release's
three files (fp16 checkpoint, int8 index, JSON sidecar with sha256s); ``verify`` checks and
loads a release. ``scripts/train_release_model.sh`` runs the whole chain.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from raster.inference.checkpoint_loader import CheckpointError
from raster.inference.index import IndexMismatchError
from raster.inference.shipped import (
    RELEASE,
    ShippedModelError,
    describe,
    half_checkpoint,
    load_shipped_index,
    load_shipped_model,
    pack_release,
    read_sidecar,
    shipped_files,
    verify_file,
)

log = logging.getLogger("raster.release")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m raster.release",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("half", help="checkpoint -> inference checkpoint with fp16 weights")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("out", type=Path)
    p = sub.add_parser(
        "pack",
        help="write the release files (checkpoint, packed index, sidecar)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--checkpoint", type=Path, required=True, help="the fp16 checkpoint (half)")
    p.add_argument("--index", type=Path, required=True, help="its index directory (index build)")
    p.add_argument("--out", type=Path, default=Path("raster/weights"), help="release folder")
    p.add_argument("--release", default=RELEASE, help="release name (file name stem)")
    p.add_argument("--recipe", type=Path, default=None, help="JSON describing the training run")
    p.add_argument("--manifest", type=Path, default=None, help="the corpus manifest JSON")
    p = sub.add_parser("verify", help="check sha256s and load a release")
    p.add_argument("--dir", type=Path, default=None, help="release folder (default: the package's)")
    p.add_argument("--release", default=RELEASE)
    return parser


def _verify(args) -> int:
    files = shipped_files(args.dir, args.release)
    t0 = time.perf_counter()
    info = read_sidecar(files)
    for path in (files.model, files.index):
        verify_file(path, info)
    t1 = time.perf_counter()
    loaded = load_shipped_model("cpu", files)
    t2 = time.perf_counter()
    ref = load_shipped_index(files)
    t3 = time.perf_counter()
    total = files.model.stat().st_size + files.index.stat().st_size
    print(f"{describe(info)}: files match the sidecar ({total / 2**20:.1f} MB)")
    print(
        f"sha256 {t1 - t0:.2f} s, model {t2 - t1:.2f} s ({len(loaded.index_to_label)} labels), "
        f"index {t3 - t2:.2f} s ({len(ref)} rows)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("faiss").setLevel(logging.WARNING)
    try:
        if args.command == "half":
            out = half_checkpoint(args.checkpoint, args.out)
            print(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MB, fp16 weights)")
            return 0
        if args.command == "pack":
            recipe = json.loads(args.recipe.read_text()) if args.recipe else None
            info = pack_release(
                args.checkpoint,
                args.index,
                args.out,
                release=args.release,
                recipe=recipe,
                corpus_manifest=args.manifest,
            )
            size = sum(f["bytes"] for f in info["files"].values())
            for name, f in info["files"].items():
                print(f"{args.out / name}: {f['bytes'] / 2**20:.1f} MB sha256 {f['sha256'][:12]}")
            print(f"release {info['release']}: {size / 2**20:.1f} MB in all")
            return 0
        return _verify(args)
    except (ShippedModelError, CheckpointError, IndexMismatchError, OSError, ValueError) as exc:
        log.error("%s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
