"""Check and repair the ToUnicode maps of a PDF's fonts from the glyphs they draw.

``check IN.pdf`` lists every font the pages use (type, subset or not, embedded program, codes
shown, ToUnicode or not) and, where a ToUnicode map exists, the codes whose declared text
disagrees with what the glyph shows. ``repair IN.pdf OUT.pdf`` writes OUT.pdf: IN.pdf byte for
byte plus an incremental update giving each font without a map (with ``--replace-suspect``:
or with a suspect one) a ToUnicode map built from the identified glyphs.
``repair IN.pdf|FOLDER ... --out-dir DIR`` repairs many files with the model loaded once, one
line per file (``--jobs`` files at a time).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from raster.cli import EXIT_INPUT, EXIT_OK, EXIT_PARTIAL, add_model_args, command, setup_logging
from raster.paths import OutputPathError, check_outputs
from raster.pdf.document import PdfInputError
from raster.pdf.repair import FontReport, analyse_fonts, repair_pdf

log = logging.getLogger("raster.pdf")


def _model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    add_model_args(
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
        type=float,
        default=1.0,
        help="in that decoding, the weight of a glyph's own log-probability against the words'",
    )
    g = p.add_argument_group("decisions")
    g.add_argument(
        "--min-confidence",
        type=float,
        default=0.3,
        help="codes whose glyph label is less likely stay unmapped (and are not compared)",
    )
    g.add_argument(
        "--suspect-share",
        type=float,
        default=0.5,
        help="a map is suspect when it agrees with fewer codes than this share of what a "
        "correct map would (the compared guesses' summed confidence)",
    )
    p.add_argument("--json-out", type=Path, default=None, help="per-font report (JSON)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m raster.pdf",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "check",
        help="list fonts; compare declared ToUnicode text with the glyphs",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("pdf", type=Path)
    _model_args(p)
    p = sub.add_parser(
        "repair",
        help="write a copy with ToUnicode maps from the glyphs",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "paths", type=Path, nargs="+", help="IN.pdf OUT.pdf, or with --out-dir: PDFs and folders"
    )
    p.add_argument("--out-dir", type=Path, default=None, help="repair every input into DIR")
    p.add_argument("--jobs", type=int, default=1, help="files repaired at once (with --out-dir)")
    p.add_argument(
        "--replace-suspect",
        action="store_true",
        help="also replace maps that disagree with the glyphs (see --suspect-share)",
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
    return parser


def _identifier(args):
    from raster.inference.predict import load_predictor
    from raster.pdf.glyph_text import model_identifier

    predictor = load_predictor(args.checkpoint, args.index, args.device, args.method)
    return model_identifier(
        predictor,
        args.method,
        assign=args.assign,
        no_label_prob=args.no_label_prob,
        charset=args.charset,
    )


def _language(args) -> str | None:
    if args.language == "auto":
        return args.charset if args.charset in ("ar", "fa", "ur") else None
    return None if args.language == "none" else args.language


def _repair_many(args, identifier) -> int:
    from raster.pdf.batch import collect_inputs, plan_outputs, repair_many

    pairs = plan_outputs(collect_inputs(args.paths), args.out_dir)
    results = repair_many(
        pairs,
        identifier,
        jobs=args.jobs,
        on_done=lambda r: print(r.line(), flush=True),
        min_confidence=args.min_confidence,
        replace_suspect=args.replace_suspect,
        suspect_share=args.suspect_share,
        context=args.context,
        language=_language(args),
        glyph_weight=args.glyph_weight,
    )
    bad = [r for r in results if r.error or any(f.error for f in r.reports)]
    print(
        f"{len(results)} file(s): {sum(r.written for r in results)} written, {len(bad)} with errors"
    )
    return EXIT_PARTIAL if bad else EXIT_OK


def _font_table(reports: list[FontReport], share: float) -> str:
    head = (
        f"{'font':<34} {'type':<18} {'subset':<6} {'program':<22} {'codes':>5} "
        f"{'ToUnicode':<9} {'agree':>9}  note"
    )
    lines = [head, "-" * len(head)]
    for r in reports:
        f = r.font
        kind = f.subtype + (f"/{f.descendant_subtype}" if f.descendant_subtype else "")
        agree = (
            f"{r.agreements}/{r.compared}"
            if r.declared is not None and r.guesses is not None
            else "-"
        )
        note = r.error or ("SUSPECT map" if r.suspect(share) else "")
        if r.action and not r.error:
            note = (note + " " + r.action).strip()
        elif not note and not f.has_tounicode and f.codes:
            note = "text extracts as (cid:N) or guesses: `repair` maps it"
        lines.append(
            f"{(','.join(sorted(f.resource_names)) + ' ' + f.base_font)[:34]:<34} {kind[:18]:<18} "
            f"{'yes' if f.subset else 'no':<6} {(f.program or 'not embedded')[:22]:<22} "
            f"{len(f.codes):>5} {'yes' if f.has_tounicode else 'MISSING':<9} {agree:>9}  {note}"
        )
    return "\n".join(lines)


def _codepoints(text: str) -> str:
    return " ".join(f"U+{ord(c):04X}" for c in text)


def _disagreement_table(reports: list[FontReport], limit: int = 40) -> str:
    rows = [(r.font, d) for r in reports for d in r.disagreements]
    if not rows:
        return "no declared text disagrees with a confident identification"
    rows.sort(key=lambda fd: -fd[1]["confidence"])
    lines = [
        f"{'font':<24} {'code':>6} {'gid':>5}  {'declared':<14} {'identified':<14} "
        f"{'label':<16} conf"
    ]
    for font, d in rows[:limit]:
        lines.append(
            f"{font.base_font[:24]:<24} {d['code']:>6} {d['gid']:>5}  "
            f"{_codepoints(d['declared']):<14} {_codepoints(d['identified']):<14} "
            f"{d['label']:<16} {d['confidence']:.3f}"
        )
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more (see --json-out)")
    return "\n".join(lines)


def _json_report(reports: list[FontReport], extra: dict) -> dict:
    fonts = []
    for r in reports:
        f = r.font
        fonts.append(
            {
                "object": list(f.objgen),
                "resource_names": sorted(f.resource_names),
                "base_font": f.base_font,
                "subtype": f.subtype,
                "descendant_subtype": f.descendant_subtype,
                "encoding": f.encoding,
                "subset": f.subset,
                "program": f.program,
                "has_tounicode": f.has_tounicode,
                "codes_shown": len(f.codes),
                "pages": sorted(f.pages),
                "error": r.error,
                "action": r.action,
                "compared": r.compared,
                "expected_agreement": round(r.expected_agreement, 2),
                "disagreements": r.disagreements,
                "unmapped_codes": r.unmapped,
                "guesses": [
                    {
                        "code": g.code,
                        "gid": g.gid,
                        "text": g.text,
                        "label": g.label,
                        "confidence": round(g.confidence, 4),
                        "changed_by_context": g.changed_by_context,
                    }
                    for g in r.guesses or []
                ],
            }
        )
    return {**extra, "fonts": fonts}


@command("raster.pdf")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # layout: warns on odd descriptors
    from raster.inference.checkpoint_loader import CheckpointError
    from raster.inference.index import IndexMismatchError
    from raster.reviewing.answers import AnswersError, load_answers

    if args.command == "repair":
        if args.out_dir is None and len(args.paths) != 2:
            log.error("repair takes IN.pdf OUT.pdf, or inputs with --out-dir DIR")
            return EXIT_INPUT
        if args.out_dir is None:
            args.pdf, args.out = args.paths
    notes: list[str] = []
    try:
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
        answers = None
        if getattr(args, "out_dir", None) and (args.answers or args.review):
            log.error("--answers and --review take one IN.pdf OUT.pdf, not --out-dir")
            return EXIT_INPUT
        if getattr(args, "answers", None):
            answers = load_answers(args.answers, "pdf", args.pdf).texts_by_font()
        identifier = _identifier(args)
        if args.command == "repair" and args.out_dir is not None:
            return _repair_many(args, identifier)
        if args.command == "check":
            reports = analyse_fonts(
                args.pdf,
                identifier,
                args.min_confidence,
                args.context,
                allow_encrypted=True,
                language=_language(args),
                glyph_weight=args.glyph_weight,
                notes=notes,
            )
            written = False
        else:
            reports, written = repair_pdf(
                args.pdf,
                args.out,
                identifier,
                min_confidence=args.min_confidence,
                replace_suspect=args.replace_suspect,
                suspect_share=args.suspect_share,
                context=args.context,
                language=_language(args),
                glyph_weight=args.glyph_weight,
                notes=notes,
                answers=answers,
            )
            if args.review:
                from raster.reviewing.items import pdf_review
                from raster.reviewing.page import write_page

                data = pdf_review(
                    args.pdf,
                    identifier,
                    context=args.context,
                    threshold=args.min_confidence,
                    model=args.checkpoint.name,
                )
                print(f"wrote {write_page(data, args.review)}: open it, then Export answers")
    except (
        PdfInputError,
        CheckpointError,
        IndexMismatchError,
        OutputPathError,
        AnswersError,
        OSError,
    ) as exc:
        log.error("%s", exc)
        return EXIT_INPUT
    print(_font_table(reports, args.suspect_share))
    if args.command == "check":
        print()
        print(_disagreement_table(reports))
    else:
        for r in reports:
            if r.action == "repaired":
                print(
                    f"{r.font.label}: mapped {len(r.guesses) - len(r.unmapped)} of "
                    f"{len(r.guesses)} codes"
                    + (f" ({r.answered} from answers)" if r.answered else "")
                    + "; unmapped (below --min-confidence or unknown): "
                    + (" ".join(str(c) for c in r.unmapped) or "none")
                )
        unreadable = sum(1 for r in reports if r.error)
        if written:
            print(f"wrote {args.out} (incremental update of {args.pdf})")
        elif unreadable:
            print(f"nothing written: {unreadable} font(s) could not be read (see below)")
        else:
            print(f"nothing to repair: every font has a map; {args.out} not written")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        extra = {
            "pdf": str(args.pdf),
            "command": args.command,
            "written": written,
            "notes": notes,
        }
        args.json_out.write_text(
            json.dumps(_json_report(reports, extra), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    for note in notes:
        print(note, file=sys.stderr)
    failed = [r for r in reports if r.error]
    for r in failed:
        print(f"font {r.font.label}: {r.error}", file=sys.stderr)
    return EXIT_PARTIAL if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
