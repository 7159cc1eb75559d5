"""raster.pdf.codes + font_program: character code -> glyph index, per font kind."""

from __future__ import annotations

import struct

import fontfactory
import pytest
from pdf_factory import hand_pdf, shaped_pdf

from raster.pdf.codes import code_to_gid
from raster.pdf.document import PdfFontError, open_pdf, scan_fonts
from raster.pdf.font_program import load_program, program_file


def _only_font(path):
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
        ttfont = None
        try:
            ttfont = load_program(font)
        except PdfFontError:
            pass
        gids = code_to_gid(font, ttfont) if ttfont is not None else None
        return font, ttfont, gids


def _drawing(ttfont, name: str) -> list:
    """What a ``RecordingPen`` records drawing glyph ``name`` of ``ttfont``."""
    from fontTools.pens.recordingPen import RecordingPen

    pen = RecordingPen()
    ttfont.getGlyphSet()[name].draw(pen)
    return pen.value


def _box_drawing(x0: int, y0: int, x1: int, y1: int) -> list:
    """A ``RecordingPen``'s record of a box drawn counter-clockwise from ``(x0, y0)``."""
    return [
        ("moveTo", ((x0, y0),)),
        ("lineTo", ((x1, y0),)),
        ("lineTo", ((x1, y1),)),
        ("lineTo", ((x0, y1),)),
        ("closePath", ()),
    ]


def test_type0_truetype_follows_cid_to_gid_stream(tmp_path):
    font_path = fontfactory.build_arabic_font(tmp_path / "ar.ttf")
    path = shaped_pdf(font_path, ["ءببتاب"], tmp_path / "ar.pdf")
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
        raw = font.descendant().CIDToGIDMap.read_bytes()
        gids = code_to_gid(font, load_program(font))
    naive = {c: struct.unpack(">H", raw[2 * c : 2 * c + 2])[0] for c in font.codes}
    assert gids == naive and len(gids) == 6


def test_simple_truetype_by_encoding_names(tmp_path, tiny_fonts):
    order = ["notdef", "A", "O", "period"]  # the tiny TrueType font's glyph order starts so
    path = hand_pdf(
        tmp_path / "w.pdf", "truetype", b"AO.", tiny_fonts["truetype"], "/WinAnsiEncoding"
    )
    font, ttfont, gids = _only_font(path)
    assert ttfont.getGlyphOrder()[:4] == [".notdef", *order[1:]]
    assert gids == {ord("A"): 1, ord("O"): 2, ord("."): 3}
    # no /Encoding on a nonsymbolic font: StandardEncoding names, the same glyphs here
    path = hand_pdf(tmp_path / "s.pdf", "truetype", b"AO.", tiny_fonts["truetype"])
    assert _only_font(path)[2] == {ord("A"): 1, ord("O"): 2, ord("."): 3}


def test_simple_cff_and_cid_keyed_cff(tmp_path, tiny_fonts):
    path = hand_pdf(tmp_path / "c.pdf", "type1c", b"OL", tiny_fonts["cff"])
    font, ttfont, gids = _only_font(path)
    assert ttfont.getGlyphOrder() == [".notdef", "O", "L"]
    assert gids == {ord("O"): 1, ord("L"): 2}
    # the advances and bearings of the program (they were all 0: issue 32)
    hmtx = {"O": (600, 0), "L": (400, 0)}
    assert {n: ttfont["hmtx"][n] for n in hmtx} == hmtx
    path = hand_pdf(tmp_path / "cid.pdf", "cid-cff", b"\x00\x02\x00\x01\x00\x07", tiny_fonts["cff"])
    font, ttfont, gids = _only_font(path)
    assert gids == {2: 2, 1: 1}  # CID 7 is past the last glyph: no glyph
    assert [ttfont["hmtx"][n] for n in ttfont.getGlyphOrder()] == [(500, 50), (600, 0), (400, 0)]


def test_wrapped_cff_program_reads_back_the_outlines(tmp_path, tiny_fonts):
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    path = hand_pdf(tmp_path / "c.pdf", "type1c", b"O", tiny_fonts["cff"])
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
        written, _ = program_file(font, tmp_path, "prog")
    assert written.suffix == ".otf"
    original, wrapped = TTFont(tiny_fonts["cff"]), TTFont(written)
    for name in ("O", "L"):
        a, b = RecordingPen(), RecordingPen()
        original.getGlyphSet()[name].draw(a)
        wrapped.getGlyphSet()[name].draw(b)
        assert a.value == b.value
    assert wrapped["head"].unitsPerEm == 1000


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("type3-image", "Type3 font: no glyph draws a path .glyph /box: references /Im1"),
        ("helvetica", "not embedded"),
        ("type1-junk", "FontFile program is not readable"),
    ],
)
def test_unreadable_programs_say_why(tmp_path, tiny_fonts, kind, message):
    path = hand_pdf(tmp_path / "x.pdf", kind, b"A", tiny_fonts["cff"])
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
        with pytest.raises(PdfFontError, match=message):
            load_program(font)


def test_type1_program_is_read_and_mapped_by_its_own_encoding(tmp_path):
    path = hand_pdf(tmp_path / "t1.pdf", "type1", b"BAB")
    font, ttfont, gids = _only_font(path)
    assert font.program == "FontFile" and ttfont.getGlyphOrder() == [".notdef", "A", "B"]
    assert gids == {ord("A"): 1, ord("B"): 2}  # no /Encoding: the program's built-in one
    assert _drawing(ttfont, "B") == _box_drawing(50, 0, 350, 300)
    assert ttfont["hmtx"]["B"] == (400, 50)
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
        written, _ = program_file(font, tmp_path, "t1")
    assert written.suffix == ".otf"
    from raster.inference.font_glyphs import read_font_glyphs

    assert read_font_glyphs(written).names == ["A", "B"]  # the wrapped font re-reads


def test_type0_with_another_cmap_is_not_mapped(tmp_path, tiny_fonts):
    path = hand_pdf(
        tmp_path / "x.pdf", "cid-cff", b"\x00\x01", tiny_fonts["cff"], encoding="/UniGB-UCS2-H"
    )
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
        with pytest.raises(PdfFontError, match="only Identity-H/V"):
            code_to_gid(font, load_program(font))


def test_type3_charprocs_become_outlines_through_the_font_matrix(tmp_path, tiny_fonts):
    path = hand_pdf(tmp_path / "t3.pdf", "type3", b"AA", tiny_fonts["cff"])
    font, ttfont, gids = _only_font(path)
    assert font.program == "CharProcs" and font.base_font == "Tiny"  # named by its descriptor
    assert ttfont.getGlyphOrder() == [".notdef", "box"] and gids == {65: 1}
    # FontMatrix 0.001 -> 1000 units per em: the rectangle keeps its glyph-space coordinates
    assert _drawing(ttfont, "box") == _box_drawing(0, 0, 500, 700)
    assert ttfont["hmtx"]["box"] == (500, 0)


def test_type3_curves_v_y_and_cm_exactly():
    import pikepdf
    from fontTools.pens.recordingPen import RecordingPen

    from raster.pdf.type3 import draw_charproc

    pdf = pikepdf.new()
    proc = pdf.make_stream(b"600 0 d0 q 2 0 0 2 10 0 cm 0 0 m 1 1 2 2 v 3 3 4 4 y h Q")
    pen = RecordingPen()
    # a flipped matrix (Chromium's): y is negated, units scaled to 1/1000 em
    advance, reason = draw_charproc(proc, (0.001, 0, 0, -0.001, 0, 0), pen)
    assert reason is None and advance == pytest.approx(600)
    pts = [tuple(round(v, 6) for v in p) for _, args in pen.value for p in args]
    # naive: (x, y) -> (2x + 10, -2y); v repeats the current point (0, 0) as 1st control,
    # y repeats the end point (4, 4) as 2nd control
    assert pts == [(10, 0), (10, 0), (12, -2), (14, -4), (16, -6), (18, -8), (18, -8)]
    assert [op for op, _ in pen.value] == ["moveTo", "curveTo", "curveTo", "closePath"]
