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
from pathlib import Path

from raster import cli
from raster.inference.shipped import (
    RELEASE,
    describe,
    half_checkpoint,
    pack_release,
    verify_release,
)

log = logging.getLogger("raster.release")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.release", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = cli.add_subcommand(sub, "half", "checkpoint -> inference checkpoint with fp16 weights")
    p.add_argument("checkpoint", type=Path, help="a training checkpoint (.pt)")
    p.add_argument("out", type=Path, help="the inference checkpoint to write (.pt)")
    p = cli.add_subcommand(
        sub, "pack", "write the release files (checkpoint, packed index, sidecar)"
    )
    p.add_argument("--checkpoint", type=Path, required=True, help="the fp16 checkpoint (half)")
    p.add_argument("--index", type=Path, required=True, help="its index directory (index build)")
    cli.add_flag(
        p,
        "--out-dir",
        aliases=("--out",),
        dest="out",
        type=Path,
        default=Path("raster/weights"),
        help="release folder",
    )
    p.add_argument("--release", default=RELEASE, help="release name (file name stem)")
    p.add_argument("--recipe", type=Path, default=None, help="JSON describing the training run")
    p.add_argument("--manifest", type=Path, default=None, help="the corpus manifest JSON")
    p = cli.add_subcommand(sub, "verify", "check sha256s and load a release")
    p.add_argument("--dir", type=Path, default=None, help="release folder (default: the package's)")
    p.add_argument("--release", default=RELEASE, help="release name (file name stem)")
    return parser


def _verify(args) -> int:
    check = verify_release(args.dir, args.release)
    print(f"{describe(check.info)}: files match the sidecar ({check.total_bytes / 2**20:.1f} MB)")
    print(
        f"sha256 {check.sha_seconds:.2f} s, model {check.model_seconds:.2f} s "
        f"({check.labels} labels), index {check.index_seconds:.2f} s ({check.rows} rows)"
    )
    return cli.EXIT_OK


@cli.command("raster.release")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    with cli.input_errors():
        if args.command == "half":
            out = half_checkpoint(args.checkpoint, args.out)
            print(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MB, fp16 weights)")
            return cli.EXIT_OK
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
            return cli.EXIT_OK
        return _verify(args)


if __name__ == "__main__":
    sys.exit(main())
