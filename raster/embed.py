"""Embed DB glyphs with a trained checkpoint: (N, 128) L2-normalized float32 + a meta JSONL.

Images come from the same rasterizer, raster config and pre-raster cache as training (the
checkpoint's settings, augmentation off); rows are every glyph with contours (or a seeded
``--limit`` sample), in ascending glyph_id. ``python -m raster.eval_similarity`` reads the output.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli
from raster.data.pipeline import build_datasets
from raster.inference.embedding import data_config, embed_dataset, save_embeddings
from raster.inference.shipped import model_or_shipped
from raster.paths import check_outputs

log = logging.getLogger("raster.embed")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.embed", __doc__)
    g = parser.add_argument_group("input")
    g.add_argument("--db", type=Path, required=True, help="glyph database (SQLite)")
    cli.add_checkpoint_arg(g)
    g.add_argument(
        "--limit", type=cli.non_negative_int, default=0, help="seeded sample of N glyphs; 0 = all"
    )
    g = parser.add_argument_group("output")
    g.add_argument("--out-embeds", type=Path, required=True, help="(N, D) float32 .npy")
    g.add_argument(
        "--out-meta", type=Path, required=True, help="JSONL, one {glyph_id, f_id, label} per row"
    )
    g = parser.add_argument_group("run")
    g.add_argument(
        "--batch-size", type=cli.positive_int, default=256, help="glyphs per forward pass"
    )
    cli.add_device_arg(g)
    cli.add_progress_arg(g)
    return parser


@cli.command("raster.embed")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    with cli.input_errors():
        check_outputs(
            {"--out-embeds": args.out_embeds, "--out-meta": args.out_meta},
            [args.db, args.checkpoint],
        )
        loaded = model_or_shipped(args.checkpoint, args.device)
        bundle = build_datasets(
            data_config(loaded, args.db, training_selection=False, limit=args.limit)
        )
    emb, meta = embed_dataset(loaded, bundle.train, bundle.index_to_label, args.batch_size)
    save_embeddings(emb, meta, args.out_embeds, args.out_meta)
    log.info(
        "embedded %d glyphs (%d-D) with %s -> %s, %s",
        len(meta),
        emb.shape[1],
        args.checkpoint,
        args.out_embeds,
        args.out_meta,
    )
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
