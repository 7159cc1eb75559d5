"""Build the SQLite glyph database from font files: one row per (font, codepoint, form).

Labels come from HarfBuzz shaping (isol/init/medi/fina as the Unicode joining type allows),
contours from the fonts' outlines. Incremental: each font is one transaction, and a font whose
hash is already in the database with this repertoire is skipped, so an interrupted run can
simply be restarted; with a wider ``--ranges`` a known font gets the labels it lacks.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli
from raster.data.fonts import INSTANCE_MODES
from raster.data.glyph_rows import parse_ranges
from raster.data.ingest import add_outline_column, format_summary, ingest
from raster.errors import IngestAborted  # noqa: F401  (its old import path)


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.ingest", __doc__)
    src = parser.add_argument_group("input")
    src.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="font files or folders (recursive): .ttf .otf .ttc .otc .woff .woff2",
    )
    src.add_argument("--bundled", action="store_true", help="also ingest the bundled fontpkg fonts")
    src.add_argument(
        "--answers",
        type=Path,
        default=None,
        metavar="ANSWERS.json",
        help="add the glyphs a person labelled on the review page (python -m raster.review) "
        "as rows with label_source='user'; PATH is the one font or PDF they were made for",
    )
    db = parser.add_argument_group("database")
    db.add_argument(
        "--db",
        type=Path,
        default=Path("dataset/glyphs.db"),
        help="SQLite file (created if missing)",
    )
    sel = parser.add_argument_group("selection")
    sel.add_argument(
        "--instances",
        choices=INSTANCE_MODES,
        default="default",
        help="variable fonts: default instance only, or also every named instance",
    )
    sel.add_argument(
        "--ranges",
        type=parse_ranges,
        default="0600-06FF,0750-077F,08A0-08FF,0021-007E",
        metavar="HEX-HEX,...",
        help="codepoint ranges to label (hex, inclusive): by default Arabic plus printable ASCII",
    )
    sel.add_argument(
        "--skip-composed",
        action="store_true",
        help="skip forms that shape to several glyphs (body + dots) instead of composing them",
    )
    db.add_argument(
        "--add-outlines",
        action="store_true",
        help="add the binary outline column to a --db made before it and fill it from the "
        "JSON (training then reads glyphs without parsing JSON); no fonts needed",
    )
    run = parser.add_argument_group("run")
    cli.add_workers_arg(run, default=1, help="processes that parse fonts in parallel (one writer)")
    run.add_argument("--strict", action="store_true", help="exit non-zero when any font fails")
    cli.add_progress_arg(run)
    run.add_argument("-v", "--verbose", action="store_true", help="log every skipped font")
    return parser


@cli.command("raster.ingest")
def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    cli.setup_logging(logging.INFO if args.verbose else logging.WARNING)
    cli.apply_progress(args)
    if args.add_outlines and not (args.paths or args.bundled):
        filled, bad, seconds = add_outline_column(args.db)
        print(
            f"{args.db}: binary outlines for {filled} rows ({bad} undrawable rows left NULL) "
            f"in {seconds:.1f} s"
        )
        return cli.EXIT_OK
    paths: list[str | Path] = list(args.paths)
    if args.bundled:
        from raster.data.bundled import bundled_font_paths

        paths.extend(bundled_font_paths())
    if args.answers:
        from raster.reviewing.labelled import main_answers

        return main_answers(args.db, args.answers, args.paths)
    if not paths:
        parser.error("give font files or folders, or --bundled")
    stats = ingest(  # a bad database or a failed write: one line through @command
        args.db,
        paths,
        instances=args.instances,
        ranges=args.ranges,
        skip_composed=args.skip_composed,
        workers=args.workers,
        progress=args.progress,
    )
    print(format_summary(stats, args.db))
    if args.strict and stats.failed:
        return cli.EXIT_PARTIAL
    if stats.added == 0 and stats.present == 0 and stats.extended == 0:
        print("nothing could be ingested", file=sys.stderr)
        return cli.EXIT_PARTIAL
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
