"""Check and repair the ToUnicode maps of a PDF's fonts from the glyphs they draw.

``check IN.pdf`` lists every font the pages use (type, subset or not, embedded program, codes
shown, ToUnicode or not) and, where a ToUnicode map exists, the codes whose declared text
disagrees with what the glyph shows. ``repair IN.pdf OUT.pdf`` writes OUT.pdf: IN.pdf byte for
byte plus an incremental update giving each font without a map, or with one its glyphs clearly
contradict (``--keep-declared`` keeps those), a ToUnicode map built from the identified glyphs.
``repair IN.pdf|FOLDER ... --out-dir DIR`` repairs many files with the model loaded once, one
line per file (``--jobs`` files at a time). ``text IN.pdf ...`` writes each file's text in
reading order (txt, jsonl: a record per page with its verdict, md) from the same decisions as
``repair``, without writing a PDF.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from raster import cli
from raster.inference.shipped import model_name
from raster.paths import OutputPathError, check_outputs
from raster.pdf.document import PdfInputError
from raster.pdf.glyph_text import load_identifier
from raster.pdf.language import decoding_language
from raster.pdf.repair import FontReport, analyse_fonts, repair_pdf
from raster.pdf.reports import disagreement_table, font_table, repair_lines, write_json_report
from raster.pdf.text import FORMATS, VERDICTS, TextOptions, read_text

log = logging.getLogger("raster.pdf")


def _model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    cli.add_model_args(
        g,
        no_label_prob_help="see raster.identify",
        charset_help="the document's language: only labels of its characters (ar: Arabic, the "
        "measured best on Arabic text; fa: Persian; ur: Urdu; all: no restriction)",
        charset_default="ar",
    )
    g.add_argument(
        "--assign",
        action="store_true",
        help="one glyph per (character, form) over the font's shown glyphs; off by default: "
        "subsets hold several alternates of one form (bench/bench_pdf.py measures both)",
    )
    g.add_argument(
        "--context",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="re-rank each code's labels by its neighbours' letters and digits (see "
        "raster/pdf/context.py); --no-context labels each code from its glyph alone",
    )
    g.add_argument(
        "--language",
        choices=("auto", "none", "ar", "fa", "ur"),
        default="auto",
        help="decode each font's code -> text map against this language's character model "
        "(wordfreq; raster/pdf/decode.py); auto: the --charset when it is a language",
    )
    g.add_argument(
        "--glyph-weight",
        type=cli.non_negative_float,
        default=1.0,
        help="in that decoding, the weight of a glyph's own log-probability against the words'",
    )
    g = p.add_argument_group("decisions")
    g.add_argument(
        "--min-confidence",
        type=cli.probability,
        default=0.3,
        help="codes whose glyph label is less likely stay unmapped (and are not compared)",
    )
    g.add_argument(
        "--suspect-share",
        type=cli.probability,
        default=0.5,
        help="a map is suspect when it agrees with fewer codes than this share of what a "
        "correct map would (the compared guesses' summed confidence)",
    )
    p.add_argument("--json-out", type=Path, default=None, help="per-font report (JSON)")


def _keep_declared_arg(p: argparse.ArgumentParser) -> None:
    keep = p.add_mutually_exclusive_group()
    keep.add_argument(
        "--keep-declared",
        action="store_true",
        help="keep every declared map, even one the glyphs clearly contradict (by default "
        "such a map is replaced, see --suspect-share)",
    )
    # the older spelling of what is now the default: accepted, hidden
    keep.add_argument("--replace-suspect", action="store_true", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.pdf", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = cli.add_subcommand(
        sub, "check", "list fonts; compare declared ToUnicode text with the glyphs"
    )
    p.add_argument("pdf", type=Path, help="the PDF to check")
    _model_args(p)
    p = cli.add_subcommand(sub, "repair", "write a copy with ToUnicode maps from the glyphs")
    p.add_argument(
        "paths", type=Path, nargs="+", help="IN.pdf OUT.pdf, or with --out-dir: PDFs and folders"
    )
    p.add_argument("--out-dir", type=Path, default=None, help="repair every input into DIR")
    p.add_argument(
        "--jobs",
        type=cli.positive_int,
        default=None,
        help="files repaired at once (with --out-dir; 1)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="overwrite an existing output that is not an earlier repair of its input",
    )
    _keep_declared_arg(p)
    p.add_argument(
        "--clusters",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write /ActualText for letters drawn as a dotless skeleton + a dots glyph (their "
        "text no per-code map can say)",
    )
    p.add_argument(
        "--answers",
        type=Path,
        default=None,
        metavar="ANSWERS.json",
        help="the review page's answers override the model for their codes",
    )
    p.add_argument(
        "--review",
        type=Path,
        default=None,
        metavar="REVIEW.html",
        help="also write the review page of IN.pdf (see python -m raster.review)",
    )
    _model_args(p)
    p = cli.add_subcommand(sub, "text", "the text in reading order, fonts read as repair would")
    p.add_argument("paths", type=Path, nargs="+", help="PDFs and folders")
    p.add_argument("--format", choices=FORMATS, default="txt", help="txt, jsonl (a record per "
                   "page: lines, boxes, confidences, verdict) or md")  # fmt: skip
    p.add_argument(
        "--out-dir", type=Path, default=None, help="write DIR/<name>.<format>; default: stdout"
    )
    _keep_declared_arg(p)
    p.add_argument(
        "--clusters",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="letters drawn as a skeleton + a dots glyph as one text (as repair's flag)",
    )
    p.add_argument(
        "--answers",
        type=Path,
        default=None,
        metavar="ANSWERS.json",
        help="the review page's answers override the model for their codes (one IN.pdf)",
    )
    _model_args(p)
    return parser


def text_options(args) -> TextOptions:
    """The decisions' settings of ``repair`` and ``text`` from their flags."""
    return TextOptions(
        min_confidence=args.min_confidence,
        keep_declared=args.keep_declared,
        suspect_share=args.suspect_share,
        context=args.context,
        language=_language(args),
        glyph_weight=args.glyph_weight,
        clusters=args.clusters,
    )


def _text(args) -> int:
    from raster.pdf.batch import collect_inputs
    from raster.reviewing.answers import load_answers

    inputs = collect_inputs(args.paths)
    answers = None
    if args.answers is not None:
        if len(inputs) != 1:
            log.error("--answers takes one IN.pdf, not %d inputs", len(inputs))
            return cli.EXIT_INPUT
        answers = load_answers(args.answers, "pdf", inputs[0]).texts_by_font()
    outputs = {}
    if args.out_dir is not None:
        outputs = {p: args.out_dir / f"{p.stem}.{args.format}" for p in inputs}
        named = {f"--out-dir ({p})": q for p, q in outputs.items()}
        args.out_dir.mkdir(parents=True, exist_ok=True)
        check_outputs(named, [*inputs, args.checkpoint, args.index], {"--out-dir": args.out_dir})
    identifier = _identifier(args)
    failed = 0
    for src in inputs:
        notes: list[str] = []
        try:
            doc = read_text(src, identifier, text_options(args), answers=answers, notes=notes)
        except PdfInputError as exc:
            print(f"{src}: FAILED: {str(exc).removeprefix(f'{src}: ')}", file=sys.stderr)
            failed += 1
            continue
        out = doc.render(args.format)
        if src in outputs:
            outputs[src].write_text(out, encoding="utf-8")
        else:
            sys.stdout.write(out)
        verdicts = [p.verdict for p in doc.pages]
        counts = ", ".join(f"{v} {verdicts.count(v)}" for v in VERDICTS if verdicts.count(v))
        fonts = ", ".join(doc.repaired) or "none"
        where = f" -> {outputs[src]}" if src in outputs else ""
        print(f"{src}{where}: pages {counts or 'none'}; fonts read from their glyphs: {fonts}",
              file=sys.stderr)  # fmt: skip
        for note in notes:
            print(f"{src}: {note}", file=sys.stderr)
    return cli.EXIT_PARTIAL if failed else cli.EXIT_OK


def _identifier(args):
    return load_identifier(
        args.checkpoint,
        args.index,
        args.device,
        args.method,
        assign=args.assign,
        no_label_prob=args.no_label_prob,
        charset=args.charset,
        prior=args.prior,
    )


def _language(args) -> str | None:
    return decoding_language(args.language, args.charset)


def _repair_many(args, identifier) -> int:
    from raster.pdf.batch import collect_inputs, plan_outputs, repair_many

    pairs = plan_outputs(collect_inputs(args.paths), args.out_dir, force=args.force)
    results = repair_many(
        pairs,
        identifier,
        jobs=args.jobs or 1,
        on_done=lambda r: print(r.line(), flush=True, file=sys.stderr if r.error else sys.stdout),
        min_confidence=args.min_confidence,
        keep_declared=args.keep_declared,
        suspect_share=args.suspect_share,
        context=args.context,
        language=_language(args),
        glyph_weight=args.glyph_weight,
        clusters=args.clusters,
    )
    bad = [r for r in results if r.error or any(f.error for f in r.reports)]
    print(
        f"{len(results)} file(s): {sum(r.written for r in results)} written, {len(bad)} with errors"
    )
    return cli.EXIT_PARTIAL if bad else cli.EXIT_OK


def _run(args, notes: list[str]) -> tuple[list[FontReport], bool] | int:
    """Check or repair ``args.pdf`` (or repair many files): its font reports and whether OUT
    was written, or the exit status of a batch or a refused combination of flags."""
    from raster.reviewing.answers import load_answers

    check_outputs(
        {
            "OUT": getattr(args, "out", None),
            "--json-out": args.json_out,
            "--review": getattr(args, "review", None),
        },
        [
            *(args.paths if getattr(args, "out_dir", None) else [args.pdf]),
            args.checkpoint,
            args.index,
            getattr(args, "answers", None),
        ],
        {"--out-dir": getattr(args, "out_dir", None)},
    )
    if args.command == "repair" and args.out_dir is None and not args.force:
        from raster.pdf.batch import refuse_foreign_output

        refuse_foreign_output(args.pdf, args.out)
    answers = None
    if getattr(args, "out_dir", None) and (args.answers or args.review):
        log.error("--answers and --review take one IN.pdf OUT.pdf, not --out-dir")
        return cli.EXIT_INPUT
    if getattr(args, "answers", None):
        answers = load_answers(args.answers, "pdf", args.pdf).texts_by_font()
    identifier = _identifier(args)
    if args.command == "repair" and args.out_dir is not None:
        return _repair_many(args, identifier)
    decoding = {"language": _language(args), "glyph_weight": args.glyph_weight, "notes": notes}
    if args.command == "check":
        reports = analyse_fonts(
            args.pdf,
            identifier,
            args.min_confidence,
            args.context,
            allow_encrypted=True,
            clusters=[],  # counted per font: the letters only /ActualText can tell
            **decoding,
        )
        return reports, False
    reports, written = repair_pdf(
        args.pdf,
        args.out,
        identifier,
        min_confidence=args.min_confidence,
        keep_declared=args.keep_declared,
        suspect_share=args.suspect_share,
        context=args.context,
        answers=answers,
        clusters=args.clusters,
        **decoding,
    )
    if args.review:
        from raster.reviewing.items import pdf_review
        from raster.reviewing.page import write_page

        data = pdf_review(
            args.pdf,
            identifier,
            context=args.context,
            threshold=args.min_confidence,
            model=model_name(args.checkpoint),
        )
        print(f"wrote {write_page(data, args.review)}: open it, then Export answers")
    return reports, written


def _print_repair(args, reports: list[FontReport], written: bool) -> None:
    for line in repair_lines(reports):
        print(line)
    unreadable = sum(1 for r in reports if r.error)
    if written:
        print(f"wrote {args.out} (incremental update of {args.pdf})")
    elif unreadable:
        print(f"nothing written: {unreadable} font(s) could not be read (see below)")
    else:
        kept = sum(r.action == "kept" and r.suspect(args.suspect_share) for r in reports)
        why = f" ({kept} suspect map(s) kept: --keep-declared)" if kept else ""
        print(f"nothing to repair: every font has a map{why}; {args.out} not written")


@cli.command("raster.pdf")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # layout: warns on odd descriptors
    from raster.errors import CheckpointError, IndexMismatchError
    from raster.reviewing.answers import AnswersError

    if args.command == "repair":
        if args.out_dir is None and len(args.paths) != 2:
            log.error("repair takes IN.pdf OUT.pdf, or inputs with --out-dir DIR")
            return cli.EXIT_INPUT
        if args.out_dir is None and args.jobs is not None:
            log.error("--jobs repairs many PDFs into --out-dir DIR; IN.pdf OUT.pdf is one repair")
            return cli.EXIT_INPUT
        if args.out_dir is None:
            args.pdf, args.out = args.paths
    if args.command == "text":
        return _text(args)
    notes: list[str] = []
    try:
        result = _run(args, notes)
    except (
        PdfInputError,
        CheckpointError,
        IndexMismatchError,
        OutputPathError,
        AnswersError,
        OSError,
    ) as exc:
        log.error("%s", exc)
        return cli.EXIT_INPUT
    if isinstance(result, int):
        return result
    reports, written = result
    print(font_table(reports, args.suspect_share))
    if args.command == "check":
        print()
        print(disagreement_table(reports))
    else:
        _print_repair(args, reports, written)
    if args.json_out:
        extra = {"pdf": str(args.pdf), "command": args.command, "written": written, "notes": notes}
        write_json_report(args.json_out, reports, extra)
    for note in notes:
        print(note, file=sys.stderr)
    failed = [r for r in reports if r.error]
    for r in failed:
        print(f"font {r.font.label}: {r.error}", file=sys.stderr)
    return cli.EXIT_PARTIAL if failed else cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
