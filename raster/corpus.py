"""Ingest the whole development corpus (bundled + Debian + @fontsource) and write its manifest.

``make corpus`` runs scripts/build_corpus.sh, which installs and fetches the packages and then
calls this command. Resumable: fonts already in the database are skipped by hash.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli
from raster.data import ingest
from raster.data.corpus import (
    DEBIAN_PACKAGES,
    FONTSOURCE_FAMILIES,
    build_manifest,
    bundled_sources,
    debian_sources,
    fontsource_sources,
    format_manifest_summary,
    write_manifest,
)

log = logging.getLogger("raster.corpus")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.corpus", __doc__)
    parser.add_argument("--db", type=Path, default=Path("dataset/corpus.db"), help="SQLite file")
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="manifest JSON (default: corpus_manifest.json beside the database)",
    )
    parser.add_argument(
        "--fontsource",
        type=Path,
        default=Path("fonts_corpus/fontsource"),
        help="folder of scripts/fetch_fontsource_fonts.sh",
    )
    cli.add_workers_arg(parser, default=1, help="parsing processes")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--list",
        choices=("debian", "fontsource"),
        help="print the Debian packages or @fontsource families of the corpus and exit",
    )
    return parser


@cli.command("raster.corpus")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv, logging.WARNING)
    if args.list:
        print("\n".join(DEBIAN_PACKAGES if args.list == "debian" else FONTSOURCE_FAMILIES))
        return cli.EXIT_OK
    debian, missing_pkgs = debian_sources()
    npm, missing_fams = fontsource_sources(args.fontsource)
    for pkg in missing_pkgs:
        print(f"{pkg}: skipped, Debian package not installed", file=sys.stderr)
    for fam in missing_fams:
        print(f"@fontsource/{fam}: skipped, not fetched under {args.fontsource}", file=sys.stderr)
    sources = bundled_sources() + debian + npm
    stats = ingest.ingest(
        args.db,
        [s.path for s in sources],
        instances="named",
        workers=args.workers,
        progress=not args.no_progress,
    )
    print(ingest.format_summary(stats, args.db))
    manifest = build_manifest(args.db, sources)
    out = write_manifest(manifest, args.manifest or args.db.with_name("corpus_manifest.json"))
    print(format_manifest_summary(manifest["summary"], out))
    return cli.EXIT_OK if stats.added or stats.present else cli.EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
