"""Tell the character and Arabic form of every glyph of a font from its outlines alone.

Reads every glyph that has an outline (the cmap is ignored), renders it as training did, and
predicts labels with a calibrated confidence from the classifier, a kNN vote over a reference
index (``python -m raster.index build``), or both. ``--assign`` makes the labels one-to-one over
the font; ``--write-cmap`` writes a copy of the font with a cmap built from the predictions;
``--evaluate`` scores the predictions against the labels the font's own cmap and GSUB give.
Several fonts share one model and index load (``python -m raster.identify A.ttf B.otf ...``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from raster import cli
from raster.errors import FontLoadError
from raster.inference.cmap_writer import write_checked_cmap
from raster.inference.evaluate import evaluation_report, format_evaluation
from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.pipeline import (
    EVIDENCE_CHOICES,
    format_table,
    identify_font,
    run_summary,
    write_rows,
)
from raster.inference.predict import load_predictor
from raster.inference.scripts import SCRIPT_CHOICES
from raster.inference.shipped import model_name
from raster.inference.timing import Phases, format_seconds, since_process_start
from raster.paths import check_outputs

log = logging.getLogger("raster.identify")


def _add_output_args(parser: argparse.ArgumentParser) -> None:
    """The ``output`` flags."""
    g = parser.add_argument_group("output")
    g.add_argument("--top-k", type=cli.positive_int, default=5, help="labels reported per glyph")
    g.add_argument(
        "--out", type=Path, default=None, help="result.csv or result.json (one font only)"
    )
    g.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="write each font's result as DIR/FONT.json (the --out JSON; for several fonts)",
    )
    g.add_argument("--quiet", action="store_true", help="no table on stdout")
    g.add_argument(
        "--write-cmap",
        type=Path,
        default=None,
        metavar="FIXED.ttf",
        help="copy of the font with a cmap from the predictions (one font only)",
    )
    g.add_argument(
        "--min-confidence",
        type=cli.probability,
        default=0.5,
        help="--write-cmap maps only predictions at least this confident",
    )
    g.add_argument(
        "--review",
        type=Path,
        default=None,
        metavar="REVIEW.html",
        help="also write the review page (see python -m raster.review; one font only)",
    )
    g.add_argument(
        "--answers",
        type=Path,
        default=None,
        metavar="ANSWERS.json",
        help="the review page's answers override the model for their glyphs (one font only)",
    )


def _add_evaluation_args(parser: argparse.ArgumentParser) -> None:
    """The ``evaluation`` flags."""
    g = parser.add_argument_group("evaluation")
    g.add_argument(
        "--evaluate",
        action="store_true",
        help="score against the labels of the font's own cmap + GSUB",
    )
    g.add_argument(
        "--json-out",
        type=Path,
        default=None,
        help="evaluation report (JSON); with several fonts {'fonts': [report per font]}",
    )


def _add_run_args(parser: argparse.ArgumentParser) -> None:
    """The ``run`` flags."""
    g = parser.add_argument_group("run")
    g.add_argument(
        "--batch-size", type=cli.positive_int, default=256, help="glyphs per forward pass"
    )
    cli.add_threads_arg(g)
    g.add_argument(
        "--timings",
        action="store_true",
        help="one line per font on stderr: seconds per phase (start-up, model and index "
        "load, read, render, forward, kNN, ...) and peak memory",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.identify", __doc__)
    parser.add_argument(
        "fonts",
        type=Path,
        nargs="+",
        metavar="FONT",
        help="font files (.ttf/.otf/.ttc/.woff/.woff2); several share one model load, each "
        "gets a '==> FONT <==' header, and one that cannot be read is reported in one line "
        "while the others run (exit 1)",
    )
    g = parser.add_argument_group("model")
    cli.add_model_args(g)  # --checkpoint --index --method --no-label-prob --charset --device
    g.add_argument(
        "--k", type=cli.positive_int, default=None, help="kNN neighbours (default: the index's)"
    )
    g.add_argument(
        "--face-index", type=cli.non_negative_int, default=0, help="face of a font collection"
    )
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
    g.add_argument(
        "--scripts",
        choices=SCRIPT_CHOICES,
        default="cmap",
        help="cmap: a glyph the font's cmap maps to a script the model never learned (Greek, "
        "Cyrillic, ...) stays unlabelled, one mapped to Latin takes only Latin or common labels; "
        "ignore: the cmap is not read (a cmap scrambled across scripts)",
    )
    g = parser.add_argument_group("assignment")
    g.add_argument(
        "--assign", action="store_true", help="one glyph per (codepoint, form) over the whole font"
    )
    _add_output_args(parser)
    _add_evaluation_args(parser)
    _add_run_args(parser)
    return parser


#: flags that name one file for one font: refused when several fonts are given
ONE_FONT_FLAGS = (
    ("out", "--out"),
    ("write_cmap", "--write-cmap"),
    ("review", "--review"),
    ("answers", "--answers"),
)


def _several_fonts_error(args) -> str | None:
    """Why the flags cannot run over ``args.fonts`` (one line), or None."""
    if len(args.fonts) < 2:
        return None
    given = [flag for dest, flag in ONE_FONT_FLAGS if getattr(args, dest) is not None]
    if given:
        return f"{' and '.join(given)} take one FONT; got {len(args.fonts)} fonts" + (
            " (--out-dir DIR writes DIR/FONT.json per font)" if args.out else ""
        )
    seen: dict[str, Path] = {}
    for font in args.fonts:
        if args.out_dir is not None and font.stem in seen:
            return f"{seen[font.stem]} and {font} would both write {font.stem}.json in --out-dir"
        seen[font.stem] = font
    return None


def _load(args, phases: Phases):
    """The shared inputs, or the exception a bad one raises: (answers or None, predictor)."""
    check_outputs(
        {
            "--out": args.out,
            "--write-cmap": args.write_cmap,
            "--json-out": args.json_out,
            "--review": args.review,
        },
        [*args.fonts, args.checkpoint, args.index, args.answers],
        {"--out-dir": args.out_dir},
    )
    answers = None
    if args.answers:
        from raster.reviewing.answers import load_font_answers

        answers = load_font_answers(args.answers, args.fonts[0], args.face_index)
    predictor = load_predictor(
        args.checkpoint,
        args.index,
        args.device,
        args.method,
        args.k,
        phases=phases,
        prior=args.prior,
    )
    return answers, predictor


def _write_review(args, font: Path, ident) -> None:
    """``--review``: the review page of the identification, before any answers apply."""
    from raster.reviewing.build import identification_review
    from raster.reviewing.page import write_page

    data = identification_review(
        font,
        ident,
        threshold=args.min_confidence,
        face_index=args.face_index,
        model=model_name(args.checkpoint),
    )
    print(f"wrote {write_page(data, args.review)}: open it in a browser, then Export answers")


def _write_cmap(args, font: Path, rows: list[dict]) -> int:
    """``--write-cmap``: the copy with a cmap from the predictions, checked with HarfBuzz."""
    entries, checks = write_checked_cmap(
        font, args.write_cmap, rows, args.min_confidence, args.face_index
    )
    if not entries:
        log.error(
            "%s: no prediction reaches --min-confidence %g: a font with an empty cmap "
            "would map no text, not written (lower --min-confidence)",
            args.write_cmap,
            args.min_confidence,
        )
        return cli.EXIT_PARTIAL
    same = sum(c.as_the_font_does for c in checks)
    bad = [c for c in checks if not (c.ok or c.as_the_font_does)]
    print(
        f"wrote {args.write_cmap}: {len(entries)} cmap entries; HarfBuzz shapes "
        f"{sum(c.ok for c in checks)}/{len(checks)} to the predicted glyph"
        + (f", {same} to the glyphs the font itself draws for that text" if same else "")
    )
    if bad:
        shown = "; ".join(
            f"U+{c.entry.codepoint:04X} {c.entry.form} gid {c.entry.gid} -> {list(c.got)}"
            for c in bad[:5]
        )
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        log.warning(
            "%s: %d cmap entries shape to other glyphs than predicted: %s%s",
            args.write_cmap, len(bad), shown, more,
        )  # fmt: skip
    return cli.EXIT_OK


def _identify(args, font: Path, predictor, phases: Phases):
    """Read and identify one font (phases: read, then identify_font's stages).

    Raises:
        FontLoadError / OSError: the font cannot be read.
    """
    with phases.phase("read"):
        glyphs = read_font_glyphs(font, args.face_index)
    ident = identify_font(
        font,
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
        scripts=args.scripts,
    )
    phases.add(
        {k: v for k, v in ident.seconds.items() if k != "read"},
        {k: v for k, v in ident.cpu_seconds.items() if k != "read"},
    )
    return ident


def _finish_font(args, font: Path, ident, predictor, answers) -> tuple[int, dict | None]:
    """Print and write what the flags ask for one identified font: (exit code, evaluation
    report or None)."""
    if args.review:
        _write_review(args, font, ident)
    if answers is not None:
        from raster.reviewing.answers import apply_answers

        ident.rows = apply_answers(ident.rows, answers, args.answers)
    if not args.quiet:
        print(format_table(ident.rows))
    log.info(
        "%d glyphs identified with %s (temperature %.3f) in %s",
        len(ident.rows),
        ident.method,
        predictor.temperature,
        format_seconds(ident.seconds),
    )
    if ident.scripts is not None:
        log.info("%s: %s", font.name, ident.scripts.line())
    if ident.assigned is not None:
        print(f"assignment changed {ident.changed} of {len(ident.rows)} predictions")
    outs = [args.out, args.out_dir / f"{font.stem}.json" if args.out_dir else None]
    for out in filter(None, outs):
        summary = run_summary(
            font, ident, predictor, assign=args.assign, names=args.names, gsub=args.gsub
        )
        write_rows(ident.rows, out, summary)
    if args.write_cmap and _write_cmap(args, font, ident.rows) != cli.EXIT_OK:
        return cli.EXIT_PARTIAL, None
    if not args.evaluate:
        return cli.EXIT_OK, None
    report = evaluation_report(ident, font, args.top_k)
    print(format_evaluation(report, args.top_k))
    return cli.EXIT_OK, report


def _write_json(args, reports: list[dict]) -> None:
    """``--json-out``: the one font's report, or ``{"fonts": [report per font]}``."""
    if not (args.json_out and args.evaluate and reports):
        return
    body = reports[0] if len(args.fonts) == 1 else {"fonts": reports}
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(body, indent=2) + "\n")


@cli.command("raster.identify")
def main(argv: list[str] | None = None) -> int:
    startup = since_process_start()
    args = cli.parse_args(build_parser(), argv)
    cli.apply_threads(args.threads)
    many = len(args.fonts) > 1
    why = _several_fonts_error(args)
    if why:
        log.error("%s", why)
        return cli.EXIT_INPUT
    phases = Phases()
    if startup is not None:
        phases.seconds["start-up"] = startup
    with cli.input_errors():
        answers, predictor = _load(args, phases)
    code, reports = cli.EXIT_OK, []
    for font in args.fonts:
        if many:
            print(f"==> {font} <==", flush=True)
        try:
            ident = _identify(args, font, predictor, phases)
        except (FontLoadError, OSError) as exc:
            why = cli.error_line(exc) if isinstance(exc, OSError) else f"{font}: {exc}"
            log.error("%s", why)
            if not many:
                return cli.EXIT_INPUT
            code = cli.EXIT_PARTIAL
            reports.append({"font": str(font), "error": why})
            continue
        with phases.phase("write"):
            font_code, report = _finish_font(args, font, ident, predictor, answers)
        if args.timings:
            print(phases.line(str(font)), file=sys.stderr, flush=True)
        phases = Phases()
        code = max(code, font_code)
        if report is not None:
            reports.append(report)  # it names the font
    _write_json(args, reports)
    return code


if __name__ == "__main__":
    sys.exit(main())
