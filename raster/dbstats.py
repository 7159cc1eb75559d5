"""Print statistics of a glyph database: counts per label, form, joining group, char class, font.

Works on databases built by ``raster.ingest`` and on the user's existing ``glyphs.db`` (which
lacks the ``form``/``shaping`` columns: the form is then read from the label's suffix).
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from pathlib import Path

from raster import cli
from raster.data.schema import SchemaError
from raster.data.stats import format_summary, summarize


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.dbstats", __doc__)
    db = parser.add_argument_group("database")
    db.add_argument(
        "--db", type=Path, default=Path("dataset/glyphs.db"), help="SQLite glyph database"
    )
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the full statistics as JSON")
    out.add_argument(
        "--top", type=cli.non_negative_int, default=15, help="items shown per list in text output"
    )
    out.add_argument(
        "--fewest", type=cli.non_negative_int, default=10, help="fonts listed under 'fewest labels'"
    )
    return parser


@cli.command("raster.dbstats")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv, logging.WARNING)
    try:
        stats = summarize(args.db, fewest=args.fewest)
    except (FileNotFoundError, SchemaError) as exc:  # their messages name the file
        print(exc, file=sys.stderr)
        return cli.EXIT_INPUT
    except sqlite3.DatabaseError as exc:
        print(f"{args.db}: not a readable SQLite database ({exc})", file=sys.stderr)
        return cli.EXIT_INPUT
    print(json.dumps(stats, indent=1) if args.json else format_summary(stats, args.top))
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
