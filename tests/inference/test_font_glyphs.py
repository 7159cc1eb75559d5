"""Reading a font's outlined glyphs without its cmap, rendered exactly as its DB rows."""

import sqlite3

import numpy as np
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from raster import ingest
from raster.data.contours import LINE, MOVE, parse_contours
from raster.data.fonts import FontLoadError
from raster.data.render import RasterConfig, render_contours
from raster.inference.font_glyphs import NoOutlinesError, read_font_glyphs


def test_every_outlined_glyph_by_index_with_or_without_cmap(tiny_fonts):
    with_cmap = read_font_glyphs(tiny_fonts["truetype"])
    without = read_font_glyphs(tiny_fonts["no_cmap"])
    # .notdef skipped, hyphen has no outline; the unmapped 'bar' is read too.
    assert with_cmap.names == ["A", "O", "period", "bar", "exclam"]
    assert with_cmap.gids.tolist() == [1, 2, 3, 4, 5]
    assert without.names == with_cmap.names and without.contours == with_cmap.contours
    assert without.outlines == with_cmap.outlines
    assert with_cmap.outlines == [parse_contours(c) for c in with_cmap.contours]
    assert with_cmap.upem == 1000 and not with_cmap.upem_inferred
    # The composite is decomposed: period's square plus bar's rectangle shifted up by 200.
    exclam = with_cmap.outlines[4]
    font = TTFont(tiny_fonts["truetype"])
    pen = DecomposingRecordingPen(font.getGlyphSet())
    font.getGlyphSet()["exclam"].draw(pen)
    assert exclam.verbs.count(MOVE) == 2
    second = exclam.verbs.index(MOVE, 1)  # the second contour's moveTo: its points before it
    pts_before = exclam.verbs[:second].count(LINE) + exclam.verbs[:second].count(MOVE)
    assert exclam.coords[2 * pts_before : 2 * pts_before + 2].tolist() == [0, 200]
    assert tuple(pen.value[5][1][0]) == (0, 200)


def test_contours_and_renders_equal_the_ingested_rows(tiny_fonts, tmp_path):
    db = tmp_path / "g.db"
    assert (
        ingest.main(
            [str(tiny_fonts["arabic"]), "--db", str(db), "--skip-composed", "--no-progress"]
        )
        == 0
    )
    fg = read_font_glyphs(tiny_fonts["arabic"])
    cfg = RasterConfig(img_size=32)
    images = fg.render(cfg)
    by_gid = {int(g): i for i, g in enumerate(fg.gids)}
    rows = (
        sqlite3.connect(db)
        .execute(
            "SELECT g.gid, g.contours, f.upem FROM glyphs g JOIN fonts f ON f.file_hash = g.f_id"
        )
        .fetchall()
    )
    assert rows
    for gid, contours, upem in rows:
        i = by_gid[gid]
        assert fg.contours[i] == contours
        assert fg.outlines[i] == parse_contours(contours)
        np.testing.assert_array_equal(images[i], render_contours(contours, upem, cfg))


def test_variable_font_is_read_at_its_default_instance(tiny_fonts):
    fg = read_font_glyphs(tiny_fonts["variable"])
    assert fg.names == ["period"]
    xs = fg.outlines[0].coords[0::2]
    assert xs.max() - xs.min() == 100  # 200 wide only in the Bold instance


def test_bad_file_and_font_without_outlines(tmp_path):
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font at all")
    with pytest.raises(FontLoadError, match="not a readable font"):
        read_font_glyphs(bad)
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "space"])
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 100))
    pen.lineTo((100, 0))
    pen.closePath()
    fb.setupGlyf({".notdef": pen.glyph(), "space": TTGlyphPen(None).glyph()})
    fb.setupCharacterMap({0x20: "space"})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "space": (250, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Empty", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    empty = tmp_path / "empty.ttf"
    fb.save(str(empty))
    with pytest.raises(NoOutlinesError, match="no glyph has an outline"):
        read_font_glyphs(empty)
