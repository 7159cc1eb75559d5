"""Render glyphs from a glyph DB to PNG files, exactly as training sees them.

Files are named ``<glyph_id>_<label>.png``; pixel value = coverage (white glyph on black)
unless ``--black-on-white``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli
from raster.data.png_export import missing_glyph_ids, write_glyph_pngs
from raster.data.render import NORMALIZATIONS, RasterConfig
from raster.data.selection import SelectionConfig, select_glyphs
from raster.paths import check_outputs

log = logging.getLogger("raster.rasterize")


def build_parser() -> argparse.ArgumentParser:
    p = cli.new_parser("raster.rasterize", __doc__)
    g = p.add_argument_group("input")
    g.add_argument("--db", type=Path, required=True, help="glyph database")
    g.add_argument(
        "--limit", type=cli.non_negative_int, default=100, help="seeded sample of N glyphs; 0 = all"
    )
    cli.add_seed_arg(g, help="sample seed")
    g.add_argument(
        "--glyph-ids", type=cli.non_negative_int, nargs="+", default=None, help="only these glyphs"
    )
    g.add_argument("--label-regex", default=None, help="only labels matching (re.search)")
    o = p.add_argument_group("output")
    o.add_argument("--out-dir", type=Path, required=True, help="directory for the PNGs")
    cli.add_render_args(o, NORMALIZATIONS)
    o.add_argument("--black-on-white", action="store_true", help="invert for viewing")
    cli.add_progress_arg(o)
    return p


@cli.command("raster.rasterize")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    with cli.input_errors():
        check_outputs({}, [args.db], folders={"--out-dir": args.out_dir})
        cfg = RasterConfig(img_size=args.img_size, normalization=args.normalization)
        table, _ = select_glyphs(
            SelectionConfig(
                db=args.db,
                limit=0 if args.glyph_ids else args.limit,
                seed=args.seed,
                label_regex=args.label_regex,
                glyph_ids=args.glyph_ids,
            )
        )
    if args.glyph_ids:
        missing = missing_glyph_ids(args.glyph_ids, table)
        if missing:
            log.warning("glyph_ids not rendered (absent, no contours or malformed): %s", missing)
    if len(table) == 0:
        log.error("%s: no glyph selected (see the filters above): 0 PNGs written", args.db)
        return cli.EXIT_PARTIAL
    n_shrunk = write_glyph_pngs(table, cfg, args.out_dir, black_on_white=args.black_on_white)
    log.info("wrote %d PNGs to %s (%d shrunk to fit)", len(table), args.out_dir, n_shrunk)
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
