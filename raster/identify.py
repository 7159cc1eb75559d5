"""Tell the character and Arabic form of every glyph of a font from its outlines alone.

Reads every glyph that has an outline (the cmap is ignored), renders it as training did, and
predicts labels with a calibrated confidence from the classifier, a kNN vote over a reference
index (``python -m raster.index build``), or both. ``--assign`` makes the labels one-to-one over
the font; ``--write-cmap`` writes a copy of the font with a cmap built from the predictions;
``--evaluate`` scores the predictions against the labels the font's own cmap and GSUB give.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from raster.cli import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PARTIAL,
    HelpFormatter,
    add_model_args,
    add_threads_arg,
    apply_threads,
    command,
    setup_logging,
)
from raster.data.fonts import FontLoadError
from raster.inference.checkpoint_loader import CheckpointError
from raster.inference.cmap_writer import write_checked_cmap
from raster.inference.evaluate import evaluation_report, format_evaluation
from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.index import IndexMismatchError
from raster.inference.pipeline import (
    EVIDENCE_CHOICES,
    format_table,
    identify_font,
    run_summary,
    write_rows,
)
from raster.inference.predict import load_predictor
from raster.inference.shipped import model_name
from raster.paths import OutputPathError, check_outputs
from raster.reviewing.answers import AnswersError

log = logging.getLogger("raster.identify")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m raster.identify",
        description=__doc__.splitlines()[0],
        formatter_class=HelpFormatter,
    )
    parser.add_argument("font", type=Path, help="font file (.ttf/.otf/.ttc/.woff/.woff2)")
    g = parser.add_argument_group("model")
    add_model_args(g)  # --checkpoint --index --method --no-label-prob --charset --device
    g.add_argument("--k", type=int, default=None, help="kNN neighbours (default: the index's)")
    g.add_argument("--face-index", type=int, default=0, help="face of a font collection")
    g = parser.add_argument_group("evidence besides the outline")
    g.add_argument(
        "--names",
        choices=EVIDENCE_CHOICES,
        default="use",
        help="glyph names as a label prior (weighted by how often this font's names agree "
        "with the shapes)",
    )
    g.add_argument(
        "--gsub",
        choices=EVIDENCE_CHOICES,
        default="use",
        help="the GSUB's form links, ligatures and skeleton + dots decompositions",
    )
    g = parser.add_argument_group("assignment")
    g.add_argument(
        "--assign", action="store_true", help="one glyph per (codepoint, form) over the whole font"
    )
    g = parser.add_argument_group("output")
    g.add_argument("--top-k", type=int, default=5, help="labels reported per glyph")
    g.add_argument("--out", type=Path, default=None, help="result.csv or result.json")
    g.add_argument("--quiet", action="store_true", help="no table on stdout")
    g.add_argument(
        "--write-cmap",
        type=Path,
        default=None,
        metavar="FIXED.ttf",
        help="copy of the font with a cmap from the predictions",
    )
    g.add_argument(
        "--min-confidence",
        type=float,
        default=0.5,
        help="--write-cmap maps only predictions at least this confident",
    )
    g.add_argument(
        "--review",
        type=Path,
        default=None,
        metavar="REVIEW.html",
        help="also write the review page (see python -m raster.review)",
    )
    g.add_argument(
        "--answers",
        type=Path,
        default=None,
        metavar="ANSWERS.json",
        help="the review page's answers override the model for their glyphs",
    )
    g = parser.add_argument_group("evaluation")
    g.add_argument(
        "--evaluate",
        action="store_true",
        help="score against the labels of the font's own cmap + GSUB",
    )
    g.add_argument("--json-out", type=Path, default=None, help="evaluation report (JSON)")
    g = parser.add_argument_group("run")
    g.add_argument("--batch-size", type=int, default=256)
    add_threads_arg(g)
    return parser


def _load(args):
    """The inputs, or the exception a bad one raises: (answers or None, predictor, glyphs)."""
    check_outputs(
        {
            "--out": args.out,
            "--write-cmap": args.write_cmap,
            "--json-out": args.json_out,
            "--review": args.review,
        },
        [args.font, args.checkpoint, args.index, args.answers],
    )
    answers = None
    if args.answers:
        from raster.reviewing.answers import load_font_answers

        answers = load_font_answers(args.answers, args.font, args.face_index)
    predictor = load_predictor(args.checkpoint, args.index, args.device, args.method, args.k)
    return answers, predictor, read_font_glyphs(args.font, args.face_index)


def _write_review(args, ident) -> None:
    """``--review``: the review page of the identification, before any answers apply."""
    from raster.reviewing.build import identification_review
    from raster.reviewing.page import write_page

    data = identification_review(
        args.font,
        ident,
        threshold=args.min_confidence,
        face_index=args.face_index,
        model=model_name(args.checkpoint),
    )
    print(f"wrote {write_page(data, args.review)}: open it in a browser, then Export answers")


def _write_cmap(args, rows: list[dict]) -> int:
    """``--write-cmap``: the copy with a cmap from the predictions, checked with HarfBuzz."""
    entries, checks = write_checked_cmap(
        args.font, args.write_cmap, rows, args.min_confidence, args.face_index
    )
    if not entries:
        log.error(
            "%s: no prediction reaches --min-confidence %g: a font with an empty cmap "
            "would map no text, not written (lower --min-confidence)",
            args.write_cmap,
            args.min_confidence,
        )
        return EXIT_PARTIAL
    bad = [c for c in checks if not c.ok]
    print(
        f"wrote {args.write_cmap}: {len(entries)} cmap entries; HarfBuzz shapes "
        f"{len(checks) - len(bad)}/{len(checks)} to the predicted glyph"
    )
    for c in bad[:20]:
        log.warning(
            "U+%04X (%s %s): expected gid %d, HarfBuzz gave %s",
            c.entry.codepoint,
            c.entry.name,
            c.entry.form,
            c.entry.gid,
            list(c.got),
        )
    return EXIT_OK


@command("raster.identify")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    apply_threads(args.threads)
    try:
        answers, predictor, glyphs = _load(args)
    except FontLoadError as exc:
        log.error("%s: %s", args.font, exc)
        return EXIT_INPUT
    except (CheckpointError, IndexMismatchError, OutputPathError, AnswersError) as exc:
        log.error("%s", exc)
        return EXIT_INPUT
    ident = identify_font(
        args.font,
        predictor,
        args.method,
        assign=args.assign,
        no_label_prob=args.no_label_prob,
        top=args.top_k,
        batch_size=args.batch_size,
        glyphs=glyphs,
        charset=args.charset,
        names=args.names,
        gsub=args.gsub,
    )
    if args.review:
        _write_review(args, ident)
    if answers is not None:
        from raster.reviewing.answers import apply_answers

        ident.rows = apply_answers(ident.rows, answers, args.answers)
    if not args.quiet:
        print(format_table(ident.rows))
    log.info(
        "%d glyphs identified with %s (temperature %.3f) in %s s",
        len(ident.rows),
        ident.method,
        predictor.temperature,
        ident.seconds,
    )
    if ident.assigned is not None:
        print(f"assignment changed {ident.changed} of {len(ident.rows)} predictions")
    if args.out:
        summary = run_summary(
            args.font, ident, predictor, assign=args.assign, names=args.names, gsub=args.gsub
        )
        write_rows(ident.rows, args.out, summary)
    if args.write_cmap and _write_cmap(args, ident.rows) != EXIT_OK:
        return EXIT_PARTIAL
    if args.evaluate:
        report = evaluation_report(ident, args.font, args.top_k)
        print(format_evaluation(report, args.top_k))
        if args.json_out:
            args.json_out.parent.mkdir(parents=True, exist_ok=True)
            args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
