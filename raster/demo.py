"""The main job on the bundled fonts: build the glyph database and print its summary.

Re-running reuses what is done (fonts already in the database are skipped) unless ``--fresh``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import dbstats, ingest
from raster.data.bundled import bundled_font_paths

log = logging.getLogger("raster.demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m raster.demo",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--db", type=Path, default=Path("dataset/glyphs.db"))
    parser.add_argument("--fresh", action="store_true", help="delete the database and start over")
    parser.add_argument("--workers", type=int, default=2, help="font-parsing processes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.fresh and args.db.exists():
        args.db.unlink()
    fonts = bundled_font_paths()
    log.info(
        "step 1/1: ingest %d bundled font files (named instances) into %s", len(fonts), args.db
    )
    stats = ingest.ingest(args.db, fonts, instances="named", workers=args.workers)
    print(ingest.format_summary(stats, args.db))
    print()
    print(dbstats.format_summary(dbstats.summarize(args.db)))
    return 0 if (stats.added or stats.present) else 1


if __name__ == "__main__":
    sys.exit(main())
