"""PDF repair quality: character accuracy of extracted text before and after ``raster.pdf repair``.

For each font (default: the Amiri family, which the demo's model never saw): typeset
:data:`raster.pdf.samples.ARABIC_LINES` with fpdf2 (shaped, subset-embedded, with fpdf2's
ToUnicode map), then

* ``producer``: extract with the producer's own map (the ceiling of the measure),
* ``stripped``: the map removed, before and after repair,
* ``scrambled``: the map's texts rotated among codes, before and after ``repair`` (which
  replaces suspect maps by default), and whether ``check`` calls the map suspect, and whether
  it wrongly calls the producer's correct map suspect,

for every setting of ``--charset`` x assignment x context asked for. Accuracy: see
:mod:`raster.pdf.text_accuracy` (pdfminer.six extracts; 1 - edit distance / length after NFKC).

``--producers`` measures instead, per producer, the stripped PDFs of ``tests/pdf/fixtures``
(cairo, Chromium, LibreOffice; made by ``scripts/make_pdf_fixtures.sh``) and fpdf2's (made here,
same text and fonts) with each step added in turn: per glyph; + page-order context (the
neighbours' letter/digit vote along the page lines); + document decoding against the
language's character model (``--language``, which also keeps Latin letters out of Arabic
words unless the glyph is sure); + clusters (a letter drawn as a skeleton and a dots glyph
written as one ``/ActualText`` span: Noto Sans Arabic, ``--family NotoSansArabic``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import write_json
from raster.cli import HelpFormatter, add_threads_arg, apply_threads, setup_logging
from raster.data.bundled import bundled_font_paths
from raster.inference.predict import load_predictor
from raster.pdf.glyph_text import model_identifier
from raster.pdf.repair import analyse_fonts, repair_pdf
from raster.pdf.samples import ARABIC_LINES, scramble_tounicode, shaped_pdf, strip_tounicode
from raster.pdf.text_accuracy import char_accuracy, extract_text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=HelpFormatter
    )
    parser.add_argument(
        "--checkpoint", type=Path, default=None, help="default: the shipped model (and its index)"
    )
    parser.add_argument("--index", type=Path, default=None, help="default: CHECKPOINT_DIR/ref")
    parser.add_argument(
        "--family", default="Amiri", help="bundled font files whose name starts with this"
    )
    parser.add_argument("--fonts", type=Path, nargs="*", default=None, help="instead of --family")
    parser.add_argument("--charset", nargs="+", default=["all", "ar"])
    parser.add_argument("--assign", nargs="+", choices=("on", "off"), default=["on", "off"])
    parser.add_argument("--context", nargs="+", choices=("on", "off"), default=["on", "off"])
    parser.add_argument("--min-confidence", type=float, default=0.3)
    add_threads_arg(parser)
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument(
        "--producers",
        action="store_true",
        help="per producer (fixtures + fpdf2) and step, --charset's first value, no assignment",
    )
    parser.add_argument("--fixtures", type=Path, default=Path("tests/pdf/fixtures"))
    parser.add_argument("--language", default="ar", help="for the decoding step")
    parser.add_argument("--glyph-weight", type=float, default=1.0)
    return parser


STEPS = {  # name -> (context, decode, clusters)
    "per-glyph": (False, False, False),
    "+ page context": (True, False, False),
    "+ document decoding": (True, True, False),
    "+ clusters": (True, True, True),
}


def producer_bench(args, predictor) -> dict:
    """Accuracy per producer x step over the fonts (see the module doc)."""
    source = (args.fixtures / "source.txt").read_text(encoding="utf-8")
    ident = model_identifier(predictor, charset=args.charset[0])
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_pdf_") as tmp:
        d = Path(tmp)
        pdfs = []
        for font in _fonts(args):
            original = shaped_pdf(font, source.splitlines(), d / f"fpdf2-{font.stem}-orig.pdf")
            stripped = strip_tounicode(original, d / f"fpdf2-{font.stem}.pdf")
            pdfs.append(("fpdf2", font.name, stripped, extract_text(original)))
        for pdf in sorted(args.fixtures.glob("*.pdf")):
            info = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
            if not args.fonts and not info["font"].startswith(args.family):
                continue
            pdfs.append((info["producer"], info["font"], pdf, info["producer_accuracy"]))
        for producer, font, pdf, produced in pdfs:
            if isinstance(produced, str):
                produced = char_accuracy(produced, source)
            row = {
                "producer": producer,
                "font": font,
                "as_produced": produced,
                "stripped": char_accuracy(extract_text(pdf), source),
                "steps": {},
            }
            for step, (context, decode, clusters) in STEPS.items():
                t0 = time.perf_counter()
                spans: list = []
                reports, written = repair_pdf(
                    pdf,
                    d / "fixed.pdf",
                    ident,
                    min_confidence=args.min_confidence,
                    context=context,
                    language=args.language if decode else None,
                    glyph_weight=args.glyph_weight,
                    clusters=clusters,
                    spans=spans,
                )
                row["steps"][step] = {
                    "accuracy": char_accuracy(extract_text(d / "fixed.pdf"), source)
                    if written
                    else row["stripped"],
                    "fonts": len(reports),
                    "refused": [r.error for r in reports if r.error],
                    "spans": len(spans),
                    "seconds": round(time.perf_counter() - t0, 2),
                }
                (d / "fixed.pdf").unlink(missing_ok=True)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    producers = sorted({r["producer"] for r in rows}, key=lambda p: (p != "fpdf2", p))
    table = {
        p: {
            "fonts": sum(r["producer"] == p for r in rows),
            "as_produced": float(np.mean([r["as_produced"] for r in rows if r["producer"] == p])),
            "stripped": float(np.mean([r["stripped"] for r in rows if r["producer"] == p])),
            **{
                s: float(np.mean([r["steps"][s]["accuracy"] for r in rows if r["producer"] == p]))
                for s in STEPS
            },
            "refused_fonts": sum(
                len(r["steps"]["per-glyph"]["refused"]) for r in rows if r["producer"] == p
            ),
        }
        for p in producers
    }
    head = ["producer", "PDFs", "as produced", "stripped", *STEPS, "fonts refused"]
    print("| " + " | ".join(head) + " |")
    print("|---|" + "---:|" * (len(head) - 1))
    for p, t in table.items():
        cells = [f"{t[k]:.1%}" for k in ("as_produced", "stripped", *STEPS)]
        print(f"| {p} | {t['fonts']} | " + " | ".join(cells) + f" | {t['refused_fonts']} |")
    return {"rows": rows, "table": table}


def _fonts(args) -> list[Path]:
    if args.fonts:
        return list(args.fonts)
    return [p for p in bundled_font_paths() if p.name.startswith(args.family)]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING)
    apply_threads(args.threads)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    if args.checkpoint is None:  # the shipped model and its index
        index_dir = args.index
        predictor = load_predictor(None, args.index)
    else:
        index_dir = args.index or args.checkpoint.parent / "ref"
        predictor = load_predictor(args.checkpoint, index_dir if index_dir.exists() else None)
    if args.producers:
        result = producer_bench(args, predictor)
        if args.json_out:
            summary = {
                "checkpoint": str(predictor.loaded.path),
                "index": str(index_dir or "shipped") if predictor.index is not None else None,
                "charset": args.charset[0],
                "language": args.language,
                "glyph_weight": args.glyph_weight,
                "min_confidence": args.min_confidence,
                **result,
            }
            write_json(args.json_out, summary, ensure_ascii=False)
        return 0
    source = " ".join(ARABIC_LINES)
    settings = [(cs, a, c) for cs in args.charset for a in args.assign for c in args.context]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_pdf_") as tmp:
        d = Path(tmp)
        for font in _fonts(args):
            original = shaped_pdf(font, ARABIC_LINES, d / f"{font.stem}.pdf")
            stripped = strip_tounicode(original, d / f"{font.stem}-stripped.pdf")
            scrambled = scramble_tounicode(original, d / f"{font.stem}-scrambled.pdf")
            row = {
                "font": font.name,
                "producer": char_accuracy(extract_text(original), source),
                "stripped_before": char_accuracy(extract_text(stripped), source),
                "scrambled_before": char_accuracy(extract_text(scrambled), source),
                "settings": {},
            }
            for charset, assign, context in settings:
                ident = model_identifier(predictor, assign=assign == "on", charset=charset)
                t0 = time.perf_counter()
                (rep,), _ = repair_pdf(
                    stripped,
                    d / "fixed.pdf",
                    ident,
                    min_confidence=args.min_confidence,
                    context=context == "on",
                )
                seconds = time.perf_counter() - t0
                after = char_accuracy(extract_text(d / "fixed.pdf"), source)
                (chk,) = analyse_fonts(scrambled, ident, args.min_confidence, context == "on")
                (chk_ok,) = analyse_fonts(original, ident, args.min_confidence, context == "on")
                repair_pdf(
                    scrambled,
                    d / "fixed2.pdf",
                    ident,
                    min_confidence=args.min_confidence,
                    context=context == "on",
                )
                fixed2 = d / "fixed2.pdf"
                row["settings"][f"{charset}/{assign}/{context}"] = {
                    "stripped_after": after,
                    "codes": len(rep.guesses),
                    "unmapped": len(rep.unmapped),
                    "repair_s": round(seconds, 2),
                    "scrambled_flagged": chk.suspect(0.5),
                    "scrambled_agree": f"{chk.agreements}/{chk.compared} (expected {chk.expected_agreement:.1f})",
                    "producer_flagged": chk_ok.suspect(0.5),
                    "producer_agree": f"{chk_ok.agreements}/{chk_ok.compared} (expected {chk_ok.expected_agreement:.1f})",
                    "scrambled_after": (
                        char_accuracy(extract_text(fixed2), source) if fixed2.exists() else None
                    ),
                }
                fixed2.unlink(missing_ok=True)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False))
    summary = {
        "checkpoint": str(predictor.loaded.path),
        "index": str(index_dir or "shipped") if predictor.index is not None else None,
        "min_confidence": args.min_confidence,
        "source_chars": len(source),
        "fonts": rows,
        "mean": {
            key: float(np.mean([r["settings"][key]["stripped_after"] for r in rows]))
            for key in ("/".join(s) for s in settings)
        },
        "mean_producer": float(np.mean([r["producer"] for r in rows])),
        "mean_stripped_before": float(np.mean([r["stripped_before"] for r in rows])),
        "mean_scrambled_before": float(np.mean([r["scrambled_before"] for r in rows])),
    }
    print("| charset/assign/context | mean accuracy after repair of the stripped PDFs |")
    print("|---|---:|")
    for key, value in summary["mean"].items():
        print(f"| {key} | {value:.1%} |")
    print(
        f"producer's map {summary['mean_producer']:.1%}, stripped before "
        f"{summary['mean_stripped_before']:.1%}, scrambled before "
        f"{summary['mean_scrambled_before']:.1%}"
    )
    write_json(args.json_out, summary, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
