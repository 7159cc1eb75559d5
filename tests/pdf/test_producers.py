"""PDFs from real producers (tests/pdf/fixtures, made by scripts/make_pdf_fixtures.sh).

cairo (pango-view: TrueType subsets as Type0 and a simple font for the space, glyphs drawn in
logical order), Chromium (CFF web fonts as many Type3 fonts, one ``Tj`` per glyph) and
LibreOffice (TrueType without /Encoding, CFF as Type 1), each in the four Amiri faces and in
Noto Sans Arabic (dotted letters drawn as a skeleton + a dots mark), the text layer stripped.
With an identifier that knows each glyph's text (the producer's own map, saved beside the
fixture), repair must give back exactly what the producer's map gave. Noto Sans Arabic's
letters have no per-code text (one skeleton serves five letters): there the identifier matches
each glyph's outline to the original font's and repair must write the clusters' /ActualText.
"""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
import pytest
from oracle import fixture_truth, fonts_oracle_identifier, outline_oracle_identifier

from raster.inference.evidence.composition import DOTTED
from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.layout import page_lines
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
AMIRI = [c for c in CASES if "-Amiri-" in c.id]
NOTO = [c for c in CASES if "-NotoSansArabic-" in c.id]


def _info(pdf: Path) -> dict:
    return json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))


def test_every_producer_and_face_is_there():
    names = {p.stem for p in PDFS}
    for producer in ("cairo", "chromium", "libreoffice"):
        for face in ("Regular", "Bold", "Italic", "BoldItalic"):
            assert f"{producer}-Amiri-{face}" in names
        assert f"{producer}-NotoSansArabic-Regular" in names


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
@pytest.mark.parametrize("pdf", AMIRI)
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


@pytest.fixture(scope="module")
def noto_oracle():
    from raster.data.bundled import bundled_font_paths

    font = next(p for p in bundled_font_paths() if p.name.startswith("NotoSansArabic"))
    return outline_oracle_identifier(font)


def _drawn(path: Path) -> list[tuple]:
    """Every glyph as the layout sees it: (page, drawing order, font, code, x0, x1)."""
    return sorted(
        (g.page, g.seq, g.font, g.code, round(g.x0, 3), round(g.x1, 3))
        for line in page_lines(path)
        for word in line
        for g in word
    )


@pytest.mark.parametrize("pdf", NOTO)
def test_skeleton_and_dots_clusters_give_back_the_text(pdf, noto_oracle, tmp_path):
    """Every dotted letter is a cluster; with /ActualText the text comes back exactly, without
    it the skeleton's code cannot say which letter; the glyphs stay where they were drawn."""
    info = _info(pdf)
    spans: list = []
    notes: list[str] = []
    reports, written = repair_pdf(
        pdf, tmp_path / "fixed.pdf", noto_oracle, notes=notes, spans=spans
    )
    assert written and notes == [] and not [r.error for r in reports if r.error]
    fixed = extract_text(tmp_path / "fixed.pdf")
    assert char_accuracy(fixed, SOURCE) == info["producer_accuracy"] == 1.0
    # this font draws every dotted letter of the source (composition.DOTTED) as two glyphs:
    # one span each
    assert len(spans) == sum(ord(ch) in DOTTED for ch in SOURCE) == 73
    assert sum(r.spans for r in reports) >= len(spans)
    assert _drawn(tmp_path / "fixed.pdf") == _drawn(pdf)  # splitting moved no glyph
    with open_pdf(tmp_path / "fixed.pdf") as fixed_pdf:
        scan_notes: list[str] = []
        scan_fonts(fixed_pdf, notes=scan_notes)
        assert scan_notes == []  # q/Q and BT/ET still balanced
        spans_drawn = sum(
            str(i.operator) == "BDC" and "/ActualText" in i.operands[1].keys()
            for page in fixed_pdf.pages
            for i in pikepdf.parse_content_stream(page)
            if isinstance(i, pikepdf.ContentStreamInstruction)
        )
    assert spans_drawn == len(spans)  # the stripped input has none left: all are ours
    assert pdf.read_bytes() == (tmp_path / "fixed.pdf").read_bytes()[: pdf.stat().st_size]
    repair_pdf(pdf, tmp_path / "plain.pdf", noto_oracle, clusters=False)
    assert char_accuracy(extract_text(tmp_path / "plain.pdf"), SOURCE) < 0.5
