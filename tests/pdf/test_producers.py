"""PDFs from real producers (tests/pdf/fixtures, made by scripts/make_pdf_fixtures.sh).

cairo (pango-view: TrueType subsets as Type0 and a simple font for the space, glyphs drawn in
logical order), Chromium (CFF web fonts as many Type3 fonts, one ``Tj`` per glyph) and
LibreOffice (TrueType without /Encoding, CFF as Type 1), each in the four Amiri faces, the
text layer stripped. With an identifier that knows each glyph's text (the producer's own map,
saved beside the fixture), repair must give back exactly what the producer's map gave.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from oracle import fixture_truth, fonts_oracle_identifier

from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.repair import repair_pdf
from raster.pdf.text_accuracy import char_accuracy, extract_text

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = (FIXTURES / "source.txt").read_text(encoding="utf-8")
PDFS = sorted(FIXTURES.glob("*.pdf"))
# the Regular face of each producer in the default run; the other faces with -m slow
CASES = [
    pytest.param(p, id=p.stem, marks=() if p.stem.endswith("-Regular") else pytest.mark.slow)
    for p in PDFS
]


def _info(pdf: Path) -> dict:
    return json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))


def test_every_producer_and_face_is_there():
    names = {p.stem for p in PDFS}
    for producer in ("cairo", "chromium", "libreoffice"):
        for face in ("Regular", "Bold", "Italic", "BoldItalic"):
            assert f"{producer}-Amiri-{face}" in names


@pytest.mark.parametrize("pdf", CASES)
def test_the_text_layer_is_stripped_and_every_font_is_read(pdf):
    info = _info(pdf)
    assert info["producer_accuracy"] > 0.99  # what the producer's own map gave
    assert char_accuracy(extract_text(pdf), SOURCE) == pytest.approx(info["stripped_accuracy"])
    with open_pdf(pdf) as doc:
        fonts = scan_fonts(doc)
    assert fonts and not any(f.has_tounicode for f in fonts)
    assert all(f.program is not None for f in fonts)  # Type3 included: the outlines are there


@pytest.mark.parametrize("language", [None, "ar"])
@pytest.mark.parametrize("pdf", CASES)
def test_oracle_repair_gives_back_the_producers_text(pdf, language, tmp_path):
    info = _info(pdf)
    ident = fonts_oracle_identifier(fixture_truth(pdf, info["tounicode"]))
    notes: list[str] = []
    reports, written = repair_pdf(
        pdf, tmp_path / "fixed.pdf", ident, language=language, notes=notes
    )
    assert written and not [r.error for r in reports if r.error] and notes == []
    assert all(r.action == "repaired" for r in reports)
    fixed = extract_text(tmp_path / "fixed.pdf")
    assert char_accuracy(fixed, SOURCE) == pytest.approx(info["producer_accuracy"])
    assert pdf.read_bytes() == (tmp_path / "fixed.pdf").read_bytes()[: pdf.stat().st_size]
