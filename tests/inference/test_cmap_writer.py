"""Writing a cmap from predictions and checking it with HarfBuzz."""

from fontTools.ttLib import TTFont

from raster.inference.cmap_writer import (
    CmapEntry,
    cmap_entries,
    encoded_codepoint,
    verify_cmap,
    write_cmap,
)


def test_encoded_codepoints():
    assert encoded_codepoint(0x628, "isol") == 0x628
    assert encoded_codepoint(0x628, "init") == 0xFE91
    assert encoded_codepoint(0x628, "medi") == 0xFE92
    assert encoded_codepoint(0x628, "fina") == 0xFE90
    assert encoded_codepoint(0x621, "fina") is None  # HAMZA has no final presentation form


def test_entries_keep_the_most_confident_glyph_per_codepoint():
    rows = [
        {"gid": 1, "glyph_name": "a", "codepoint": 0x628, "form": "isol", "confidence": 0.6},
        {"gid": 2, "glyph_name": "b", "codepoint": 0x628, "form": "isol", "confidence": 0.9},
        {"gid": 3, "glyph_name": "c", "codepoint": 0x628, "form": "init", "confidence": 0.4},
        {"gid": 4, "glyph_name": "d", "codepoint": None, "form": "", "confidence": 0.0},
    ]
    assert [(e.codepoint, e.gid) for e in cmap_entries(rows, 0.5)] == [(0x628, 2)]
    assert [(e.codepoint, e.gid) for e in cmap_entries(rows, 0.3)] == [(0x628, 2), (0xFE91, 3)]


def test_presentation_forms_shape_through_harfbuzz_fallback(tiny_fonts, tmp_path):
    # The presentation font has no GSUB: HarfBuzz's Arabic fallback must find init/medi/fina
    # through the presentation-form entries we write, from base text.
    font = TTFont(tiny_fonts["presentation"])
    gid = font.getReverseGlyphMap()
    entries = [
        CmapEntry(cp, gid[name], name, base, form, 0.9)
        for cp, name, base, form in [
            (0x628, "beh.isol", 0x628, "isol"),
            (0xFE91, "beh.init", 0x628, "init"),
            (0xFE92, "beh.medi", 0x628, "medi"),
            (0xFE90, "beh.fina", 0x628, "fina"),
            (0x627, "alef.isol", 0x627, "isol"),
            (0xFE8E, "alef.fina", 0x627, "fina"),
            (0x1F600, "alef.isol", 0x1F600, "isol"),  # beyond the BMP: needs format 12
        ]
    ]
    out = write_cmap(tiny_fonts["presentation"], tmp_path / "fixed.ttf", entries)
    new = TTFont(out)
    assert new["cmap"].getBestCmap() == {e.codepoint: e.name for e in entries}
    formats = sorted((t.format, t.platformID, t.platEncID) for t in new["cmap"].tables)
    assert formats == [(4, 0, 3), (4, 3, 1), (12, 0, 4), (12, 3, 10)]
    assert 0x1F600 not in new["cmap"].getcmap(3, 1).cmap
    checks = verify_cmap(out, entries)
    assert all(c.ok for c in checks), [(c.text, c.got) for c in checks if not c.ok]
    assert [c.text for c in checks][:4] == [
        "\u0628",
        "\u0628\u200d",
        "\u200d\u0628\u200d",
        "\u200d\u0628",
    ]
