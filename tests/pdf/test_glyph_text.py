"""raster.pdf.glyph_text: the glyphs a PDF font shows, identified; blanks and dot glyphs."""

from __future__ import annotations

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from pdf_factory import hand_pdf

from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.glyph_text import font_candidates, label_text, make_guesses


def _cff_font_with_a_space(path):
    charstrings = {}
    for name, adv, box in ((".notdef", 500, (50, 0, 450, 700)), ("O", 600, (0, 0, 600, 700))):
        pen = T2CharStringPen(adv, None)
        x0, y0, x1, y1 = box
        pen.moveTo((x0, y0))
        pen.lineTo((x0, y1))
        pen.lineTo((x1, y1))
        pen.lineTo((x1, y0))
        pen.closePath()
        charstrings[name] = pen.getCharString()
    charstrings["space"] = T2CharStringPen(250, None).getCharString()
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder([".notdef", "O", "space"])
    fb.setupCharacterMap({0x4F: "O", 0x20: "space"})
    fb.setupCFF("TinySpace-Regular", {}, charstrings, {})
    fb.setupHorizontalMetrics({".notdef": (500, 50), "O": (600, 0), "space": (250, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Tiny Space", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))
    return path


def test_a_bare_cff_space_is_blank(tmp_path):
    """A bare CFF program's advances are read (they were all 0: its space was never blank)."""
    font_path = _cff_font_with_a_space(tmp_path / "space.otf")
    path = hand_pdf(tmp_path / "c.pdf", "type1c", b"O O", font_path)
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
        fc = font_candidates(font, tmp_path, lambda glyphs: [[("79_isol", 0.9)]] * len(glyphs))
    assert fc.blank == {0x20} and set(fc.by_code) == {0x4F}
    assert [g.text for g in make_guesses(fc)] == [" ", "O"]


def test_label_text_drops_the_form_and_spells_ligatures():
    assert label_text("1593_init") == "\u0639"
    assert label_text("1604+1575_lig") == "\u0644\u0627"
    assert label_text("dots:2above") == ""
