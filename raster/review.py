"""Write a review page for a font or a PDF: a person confirms or corrects the unsure glyphs.

The page (one self-contained HTML file; open it in any browser, no server or network) lists
every glyph of a font, or every code each font of a PDF shows, lowest confidence first, with
the runners-up one click (or one key) away. Its "Export answers" button saves a JSON file that
``python -m raster.identify FONT --answers A.json --write-cmap fixed.ttf`` or
``python -m raster.pdf repair IN.pdf OUT.pdf --answers A.json`` applies.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli
from raster.inference.shipped import model_name

log = logging.getLogger("raster.review")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.review", __doc__)
    parser.add_argument("source", type=Path, metavar="FONT_OR_PDF", help="a font file or a PDF")
    parser.add_argument("--out", type=Path, required=True, help="the page to write (.html)")
    g = parser.add_argument_group("model")
    cli.add_model_args(g)
    g.add_argument(
        "--face-index", type=cli.non_negative_int, default=0, help="face of a font collection"
    )
    g = parser.add_argument_group("page")
    g.add_argument(
        "--threshold",
        type=cli.probability,
        default=None,
        help="guesses less confident are 'unsure' (default: 0.5 for a font, as identify "
        "--min-confidence; 0.3 for a PDF, as pdf repair --min-confidence)",
    )
    return parser


@cli.command("raster.review")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    from raster.errors import InputError
    from raster.inference.predict import load_predictor
    from raster.paths import check_outputs
    from raster.reviewing.build import review_source, source_problem
    from raster.reviewing.page import write_page

    why = source_problem(args.source)
    if why:  # before the model is loaded
        raise InputError(f"{args.source}: {why}")
    check_outputs({"--out": args.out}, [args.source, args.checkpoint, args.index])
    predictor = load_predictor(
        args.checkpoint, args.index, args.device, args.method, prior=args.prior
    )
    data = review_source(
        args.source,
        predictor,
        args.method,
        charset=args.charset,
        face_index=args.face_index,
        threshold=args.threshold,
        model=model_name(args.checkpoint),
    )
    write_page(data, args.out)
    unsure = sum(it.confidence < data.threshold for it in data.items)
    print(
        f"wrote {args.out}: {len(data.items)} {'codes' if data.kind == 'pdf' else 'glyphs'}, "
        f"{unsure} unsure (< {data.threshold}); open it in a browser, then Export answers"
    )
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
