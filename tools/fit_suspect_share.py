"""Fit ``--suspect-share`` (when ``raster.pdf repair`` replaces a declared ToUnicode map by
default) on maps that are right, spelled in presentation forms, wholly permuted, or wrong
on a few codes.

    python tools/fit_suspect_share.py [--checkpoint C --index I] [--fonts FONT ...] [--out J]

For each font (default: one face of each bundled family) the text of
:data:`raster.pdf.samples.ARABIC_LINES` is typeset with fpdf2 and its map rewritten four ways
(:mod:`raster.pdf.samples`); the producer fixtures' own maps (``tests/pdf/fixtures/*.json``)
are put back on their stripped PDFs, right and permuted. ``check`` (:func:`analyse_fonts`,
the CLI's defaults: ``--charset ar``, page context, Arabic decoding, ``--min-confidence 0.3``)
gives each map's agreement ratio: codes that agree over the agreement a correct map would
show (fonts sharing a ``/BaseFont`` pooled, as ``repair`` judges them). A share replaces the maps whose ratio is below it; the table gives, per share, the sound
maps it would replace (must be none) and the lying maps it would keep.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from raster.data.bundled import bundled_font_paths
from raster.pdf.glyph_text import load_identifier
from raster.pdf.repair import analyse_fonts
from raster.pdf.samples import (
    ARABIC_LINES,
    miswrite_tounicode,
    present_tounicode,
    restore_tounicode,
    scramble_tounicode,
    shaped_pdf,
)

DEFAULT_FONTS = (
    "Amiri-Regular.ttf",
    "Cairo[slnt,wght].ttf",
    "Tajawal-Regular.ttf",
    "NotoSansArabic[wdth,wght].ttf",
    "IBMPlexSansArabic-Regular.ttf",
    "Almarai-Regular.ttf",
    "NotoKufiArabic[wght].ttf",
)
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "pdf" / "fixtures"
SOUND = ("right", "presentation")
SHARES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def cases(folder: Path, fonts: list[Path]) -> list[tuple[str, str, Path]]:
    """(source, kind, PDF) for every map to measure."""
    out = []
    for font in fonts:
        right = shaped_pdf(font, ARABIC_LINES, folder / f"{font.stem}-right.pdf")
        out += [
            (font.name, "right", right),
            (font.name, "presentation", present_tounicode(right, folder / f"{font.stem}-p.pdf")),
            (font.name, "permuted", scramble_tounicode(right, folder / f"{font.stem}-x.pdf")),
            (font.name, "3 codes wrong", miswrite_tounicode(right, folder / f"{font.stem}-3.pdf")),
            (
                font.name,
                "10 codes wrong",
                miswrite_tounicode(right, folder / f"{font.stem}-10.pdf", wrong=10),
            ),
        ]
    for pdf in sorted(FIXTURES.glob("*-Amiri-Regular.pdf")):
        info = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
        right = restore_tounicode(pdf, folder / f"{pdf.stem}-right.pdf", info["tounicode"])
        out += [
            (pdf.stem, "right", right),
            (pdf.stem, "permuted", scramble_tounicode(right, folder / f"{pdf.stem}-x.pdf")),
        ]
    return out


def measure(identifier, rows: list[tuple[str, str, Path]]) -> list[dict]:
    """One entry per map judged (fonts sharing a /BaseFont are judged together, see
    :meth:`~raster.pdf.repair.FontReport.evidence`): source, kind, fonts, compared,
    agreements, expected, ratio."""
    out = []
    for source, kind, pdf in rows:
        judged: dict[tuple, list[str]] = {}
        for rep in analyse_fonts(pdf, identifier, 0.3, True, language="ar"):
            if rep.compared:
                judged.setdefault(rep.evidence(), []).append(rep.font.base_font)
        for (compared, agreements, expected), fonts in judged.items():
            out.append(
                {
                    "source": source,
                    "kind": kind,
                    "font": fonts[0],
                    "fonts": len(fonts),
                    "compared": compared,
                    "agreements": agreements,
                    "expected": round(expected, 2),
                    "ratio": round(agreements / expected, 3),
                }
            )
            print(json.dumps(out[-1], ensure_ascii=False), flush=True)
    return out


def table(entries: list[dict]) -> str:
    """Markdown: per share, sound maps replaced and lying maps kept (of how many)."""
    kinds = sorted({e["kind"] for e in entries}, key=lambda k: (k not in SOUND, k))
    head = "| share | " + " | ".join(f"{k}: {'replaced' if k in SOUND else 'kept'}" for k in kinds)
    lines = [head + " |", "|---" * (len(kinds) + 1) + "|"]
    for share in SHARES:
        cells = []
        for k in kinds:
            of = [e for e in entries if e["kind"] == k]
            bad = [e for e in of if (e["ratio"] < share) == (k in SOUND)]
            cells.append(f"{len(bad)}/{len(of)}")
        lines.append(f"| {share} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", type=Path, default=None, help="default: the shipped model")
    p.add_argument("--index", type=Path, default=None)
    p.add_argument("--fonts", type=Path, nargs="*", default=None)
    p.add_argument("--out", type=Path, default=None, help="the measured ratios (JSON)")
    args = p.parse_args(argv)
    fonts = args.fonts or [p for p in bundled_font_paths() if p.name in DEFAULT_FONTS]
    identifier = load_identifier(args.checkpoint, args.index, charset="ar")
    with tempfile.TemporaryDirectory() as tmp:
        entries = measure(identifier, cases(Path(tmp), fonts))
    for kind in sorted({e["kind"] for e in entries}):
        ratios = sorted(e["ratio"] for e in entries if e["kind"] == kind)
        print(f"{kind}: ratio {ratios[0]:.3f} .. {ratios[-1]:.3f} over {len(ratios)} maps")
    print(table(entries))
    if args.out:
        args.out.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
