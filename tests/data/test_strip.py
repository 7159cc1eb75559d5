"""Stripping a font: cmap, layout tables and glyph names go; outlines, widths and gids stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from raster.data.fonts import iter_faces
from raster.data.strip import KEPT_TABLES, neutral_names, strip_font
from raster.inference.evaluate import truth_labels
from raster.inference.font_glyphs import read_font_glyphs


def _advances(font: TTFont) -> list[int]:
    return [font["hmtx"][name][0] for name in font.getGlyphOrder()]


def _check_stripped(src, dst):
    orig, out = TTFont(src), TTFont(dst)
    for tag in ("cmap", "GSUB", "GPOS", "GDEF"):
        assert tag not in out, tag
    assert set(out.keys()) - {"GlyphOrder"} <= set(KEPT_TABLES)
    assert out.getGlyphOrder() == neutral_names(len(orig.getGlyphOrder()))
    assert _advances(out) == _advances(orig)
    a, b = read_font_glyphs(src), read_font_glyphs(dst)
    assert b.gids.tolist() == a.gids.tolist()
    assert b.contours == a.contours  # the same outlines, glyph by glyph
    assert b.upem == a.upem and b.metrics == a.metrics
    return orig, out


def test_strip_truetype_keeps_outlines_and_drops_the_rest(tmp_path, tiny_fonts):
    src = tiny_fonts["arabic"]
    orig, out = _check_stripped(src, strip_font(src, tmp_path / "s.ttf"))
    assert {"cmap", "GSUB", "GPOS"} <= set(orig.keys())  # there was something to strip
    assert out["post"].formatType == 3.0
    assert "beh.init" in orig.getGlyphOrder()
    # truth comes from the original; its gids index the stripped copy's glyphs
    truth = truth_labels(next(iter_faces(src)))
    beh_init = orig.getGlyphID("beh.init")
    assert truth[beh_init].labels == {"1576_init"}
    assert beh_init in read_font_glyphs(tmp_path / "s.ttf").gids.tolist()


def test_strip_cff_renames_charset(tmp_path, tiny_fonts):
    src = tiny_fonts["cff"]
    orig, out = _check_stripped(src, strip_font(src, tmp_path / "s.otf"))
    assert "CFF " in out
    top = out["CFF "].cff.topDictIndex[0]
    assert list(top.charset) == neutral_names(len(orig.getGlyphOrder()))


def test_strip_variable_instance_equals_the_ingested_instance(tmp_path, tiny_fonts):
    src = tiny_fonts["variable"]
    faces = [f for f in iter_faces(src, "named") if not isinstance(f, tuple)]
    inst = next(f for f in faces if f.location)
    dst = strip_font(src, tmp_path / "s.ttf", location=inst.location)
    out = TTFont(dst)
    assert "fvar" not in out and "cmap" not in out
    pen_src = inst.ttfont.getGlyphSet()
    pen_dst = out.getGlyphSet()
    from fontTools.pens.recordingPen import DecomposingRecordingPen

    for gid, name in enumerate(inst.ttfont.getGlyphOrder()):
        a = DecomposingRecordingPen(pen_src)
        pen_src[name].draw(a)
        b = DecomposingRecordingPen(pen_dst)
        pen_dst[out.getGlyphOrder()[gid]].draw(b)
        assert a.value == b.value, name


def test_strip_variable_default_face_keeps_default_outlines(tmp_path, tiny_fonts):
    src = tiny_fonts["variable"]
    dst = strip_font(src, tmp_path / "d.ttf")
    out = TTFont(dst)
    assert not {"fvar", "gvar", "HVAR", "cmap"} & set(out.keys())
    assert read_font_glyphs(dst).contours == read_font_glyphs(src).contours


def test_strip_keeps_a_stale_stored_bounding_box(tmp_path, tiny_fonts):
    """fontTools draws a glyph shifted by (hmtx lsb - stored xMin); a font whose stored xMin
    is off (DejaVu has such glyphs) must draw the same after stripping, so the stored boxes
    are kept rather than recomputed."""
    src = TTFont(tiny_fonts["arabic"])
    name = next(n for n in src.getGlyphOrder()[1:] if src["glyf"][n].numberOfContours > 0)
    glyph = src["glyf"][name]
    glyph.xMin -= 7  # stale: the points did not move
    src.recalcBBoxes = False
    stale = tmp_path / "stale.ttf"
    src.save(stale)
    assert TTFont(stale)["glyf"][name].xMin == glyph.xMin  # the file holds the stale box
    _check_stripped(stale, strip_font(stale, tmp_path / "s.ttf"))


def test_a_table_fonttools_cannot_decode_is_dropped_unread(tmp_path):
    """Awami Nastaliq's Graphite tables (Silf) do not decode in fontTools; they are layout
    tables, so the stripped copy drops them without reading them."""
    src = Path("/usr/share/fonts/truetype/awami/AwamiNastaliq-Regular.ttf")
    if not src.exists():
        pytest.skip("fonts-sil-awami-nastaliq not installed")
    out = strip_font(src, tmp_path / "s.ttf")
    assert "Silf" not in TTFont(out) and "cmap" not in TTFont(out)
    assert read_font_glyphs(out).contours == read_font_glyphs(src).contours
