"""Draw a labelled grid of glyphs rendered from a glyph DB (label, character, form, font).

Each cell shows the glyph exactly as training renders it (shown black on white) with its label,
the character drawn in a bundled Arabic font, the form and the font family.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli
from raster.data.render import NORMALIZATIONS, RasterConfig
from raster.data.selection import SelectionConfig, select_glyphs
from raster.paths import check_outputs
from raster.reporting.plots import glyph_grid

log = logging.getLogger("raster.visualize")


def build_parser() -> argparse.ArgumentParser:
    p = cli.new_parser("raster.visualize", __doc__)
    g = p.add_argument_group("input")
    g.add_argument("--db", type=Path, required=True, help="glyph database")
    cli.add_seed_arg(g, help="sample seed")
    g.add_argument("--label-regex", default=None, help="only labels matching (re.search)")
    g.add_argument(
        "--glyph-ids", type=cli.non_negative_int, nargs="+", default=None, help="only these glyphs"
    )
    o = p.add_argument_group("grid")
    o.add_argument("--rows", type=cli.positive_int, default=6, help="grid rows")
    o.add_argument("--cols", type=cli.positive_int, default=8, help="grid columns")
    o.add_argument("--out", type=Path, required=True, help="PNG file")
    cli.add_render_args(o, NORMALIZATIONS)
    return p


@cli.command("raster.visualize")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    n = args.rows * args.cols
    with cli.input_errors():
        check_outputs({"--out": args.out}, [args.db])
        cfg = RasterConfig(img_size=args.img_size, normalization=args.normalization)
        table, _ = select_glyphs(
            SelectionConfig(
                db=args.db,
                limit=0 if args.glyph_ids else n,
                seed=args.seed,
                label_regex=args.label_regex,
                glyph_ids=args.glyph_ids,
            )
        )
    glyph_grid(table, cfg, args.rows, args.cols, args.out)
    log.info("wrote a %dx%d grid of %d glyphs to %s", args.rows, args.cols, len(table), args.out)
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
