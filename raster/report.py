"""Write RUN_DIR/report.html: training curves, an embedding map and identification results.

A ``raster.crossval`` output folder (``summary.json`` + ``folds.json``) gets its own page:
per-fold table, per-design-class bars, decision rules, twins and confusion pairs.

Reads what a run directory holds: ``train_log.jsonl`` (required), ``best.pt`` (else
``last.pt``) for the embedding map and the gallery, ``identify/*.json`` written by
``python -m raster.identify FONT --evaluate --json-out RUN_DIR/identify/FONT.json`` for the
per-form accuracy, and a reference index (``--index``, else a folder of the run holding an
``index.json``) for the nearest reference glyphs. A section whose inputs are missing is left
out with a note. The figures are PNGs in ``RUN_DIR/report/`` linked relatively, so the page
opens offline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from raster import cli
from raster.reporting.html import ReportOptions, write_report


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.report", __doc__)
    parser.add_argument("run_dir", type=Path, help="run directory (train_log.jsonl, best.pt, ...)")
    g = parser.add_argument_group("inputs")
    g.add_argument("--db", type=Path, default=None, help="glyph DB; None: the checkpoint's")
    g.add_argument(
        "--checkpoint", type=Path, default=None, help="None: RUN_DIR/best.pt, else last.pt"
    )
    g.add_argument(
        "--index",
        type=Path,
        default=None,
        help="reference index; None: a folder of RUN_DIR with an index.json",
    )
    g.add_argument(
        "--identify-dir",
        type=Path,
        default=None,
        help="folder of identify --evaluate JSON files; None: RUN_DIR/identify",
    )
    g = parser.add_argument_group("sections")
    g.add_argument(
        "--map-glyphs",
        type=cli.non_negative_int,
        default=2000,
        help="DB glyphs in the embedding map",
    )
    g.add_argument(
        "--map-groups", type=cli.non_negative_int, default=12, help="joining groups coloured"
    )
    cli.add_seed_arg(g, help="sample of the embedding map")
    g.add_argument(
        "--gallery", type=cli.non_negative_int, default=24, help="wrong identifications shown"
    )
    cli.add_flag(
        g,
        "--k",
        aliases=("--neighbours",),
        dest="neighbours",
        type=cli.positive_int,
        default=3,
        help="reference glyphs per gallery item",
    )
    g = parser.add_argument_group("output")
    g.add_argument("--out", type=Path, default=None, help="None: RUN_DIR/report.html")
    g = parser.add_argument_group("run")
    cli.add_device_arg(g)
    g.add_argument(
        "--batch-size", type=cli.positive_int, default=256, help="glyphs per forward pass"
    )
    return parser


@cli.command("raster.report")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    # a missing log, an unreadable checkpoint, a refused --out: one line through @command
    out = write_report(ReportOptions(**vars(args)))
    print(f"wrote {out}")
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
