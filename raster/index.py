"""Reference index of known glyphs for ``raster.identify``: ``python -m raster.index build``;
``python -m raster.index lists`` adds inverted lists for approximate search of a large index.

Stores the checkpoint's embeddings of a DB (faiss ``IndexFlatIP``), their labels, the
checkpoint's sha256 fingerprint (``identify`` refuses an index made by another checkpoint) and
the confidence calibration fitted on the run's validation glyphs. Library API:
:func:`load_index`, :func:`build_index`, :class:`ReferenceIndex`, :class:`IndexMismatchError`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from raster import cli
from raster.inference.index import (
    DEFAULT_KNN_K,
    IndexMismatchError,
    ReferenceIndex,
    add_inverted_lists,
    build_index,
    load_index,
)
from raster.inference.reference import DEFAULT_NPROBE, inverted_list_count
from raster.inference.shipped import model_or_shipped
from raster.paths import check_outputs

__all__ = ["IndexMismatchError", "ReferenceIndex", "build_index", "load_index", "main"]

log = logging.getLogger("raster.index")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.index", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = cli.add_subcommand(sub, "build", "embed a DB and write the index directory")
    g = b.add_argument_group("input")
    g.add_argument("--db", type=Path, required=True, help="glyph database (SQLite)")
    cli.add_checkpoint_arg(g)
    g.add_argument(
        "--limit",
        type=cli.non_negative_int,
        default=None,
        help="row limit (default: the run's own, so its val split calibrates)",
    )
    g = b.add_argument_group("output")
    cli.add_flag(
        g, "--out-dir", aliases=("--out",), dest="out", type=Path, required=True,
        help="index directory",
    )  # fmt: skip
    g = b.add_argument_group("run")
    g.add_argument(
        "--k", type=cli.positive_int, default=DEFAULT_KNN_K, help="neighbours per kNN vote"
    )
    g.add_argument(
        "--ligatures",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="add the lam-alef ligature glyphs of the DB's fonts (reopens the font files); "
        "--no-ligatures leaves them out",
    )
    g.add_argument(
        "--batch-size", type=cli.positive_int, default=256, help="glyphs per forward pass"
    )
    cli.add_device_arg(g)
    cli.add_progress_arg(g)
    li = cli.add_subcommand(
        sub,
        "lists",
        "add inverted lists to an index directory: approximate, much faster search of a "
        "large index (as the shipped model's)",
    )
    li.add_argument("--index", type=Path, required=True, help="index directory (build)")
    li.add_argument(
        "--lists", type=cli.non_negative_int, default=0, help="lists (0: rows / 192, at most 1,024)"
    )
    li.add_argument(
        "--nprobe", type=cli.positive_int, default=DEFAULT_NPROBE, help="lists a query visits"
    )
    return parser


def _lists(args) -> int:
    ref = load_index(args.index)
    n = args.lists or inverted_list_count(len(ref))
    lists = add_inverted_lists(args.index, n, args.nprobe)
    sizes = np.bincount(lists.lists, minlength=len(lists.centroids))
    print(
        f"{args.index}: {len(ref)} rows in {len(lists.centroids)} lists "
        f"({sizes.min()}-{sizes.max()} rows each); a query visits {lists.nprobe}"
    )
    return cli.EXIT_OK


@cli.command("raster.index")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    if args.command == "lists":
        with cli.input_errors():
            return _lists(args)
    with cli.input_errors():
        check_outputs({}, [args.db, args.checkpoint], folders={"--out-dir": args.out})
        loaded = model_or_shipped(args.checkpoint, args.device)
        info = build_index(
            loaded,
            args.db,
            args.out,
            limit=args.limit,
            batch_size=args.batch_size,
            k=args.k,
            ligatures=args.ligatures,
        )
    cal = info["calibration"]
    print(
        f"index: {info['n']} glyphs, {info['labels']} labels, "
        f"{info['ligatures']} lam-alef ligature glyphs -> {args.out}"
    )
    print(
        f"calibration: temperature {cal['temperature']:.3f} on {cal['temperature_fit_rows']} "
        f"val glyphs; kNN k={cal['knn_k']} tau={cal['knn_tau']:.3f} eps={cal['knn_eps']:.3g} "
        f"on {cal['knn_fit_rows']} queries (other fonts only)"
    )
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
