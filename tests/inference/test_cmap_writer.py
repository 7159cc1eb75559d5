"""Writing a cmap from predictions and checking it with HarfBuzz."""

from fontTools.ttLib import TTFont

from raster.inference.cmap_writer import (
    CmapEntry,
    cmap_entries,
    encoded_codepoint,
    verify_cmap,
    write_checked_cmap,
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


def test_a_glyph_the_fonts_own_gsub_gives_is_a_right_mapping(tmp_path):
    # The font's GSUB turns beh into beh.init where the presentation form FE91 is a second,
    # identical glyph: HarfBuzz shapes base text to beh.init, not to the predicted uniFE91.
    # The mapping is right (the font itself draws that glyph), so it is no warning.
    from tests.fontfactory import build_boxes_font

    box = (100, 0, 500, 400)
    src = build_boxes_font(
        tmp_path / "gsub.ttf",
        {"beh": (50, 0, 650, 300), "beh.init": box, "uniFE91": box, "alef": (300, 0, 400, 700)},
        "languagesystem arab dflt;\nfeature init { sub beh by beh.init; } init;\n",
        cmap={0x628: "beh", 0xFE91: "uniFE91", 0x627: "alef"},
    )
    gid = TTFont(src).getReverseGlyphMap()
    rows = [
        {"gid": gid["beh"], "glyph_name": "beh", "codepoint": 0x628, "form": "isol", "confidence": 0.9},
        {"gid": gid["uniFE91"], "glyph_name": "uniFE91", "codepoint": 0x628, "form": "init", "confidence": 0.9},
        {"gid": gid["beh.init"], "glyph_name": "beh.init", "codepoint": 0x628, "form": "init", "confidence": 0.8},
        {"gid": gid["alef"], "glyph_name": "alef", "codepoint": 0x628, "form": "fina", "confidence": 0.9},
    ]  # fmt: skip
    entries, checks = write_checked_cmap(src, tmp_path / "fixed.ttf", rows, 0.5)
    init = next(c for c in checks if c.entry.form == "init")
    assert init.got == (gid["beh.init"],) and not init.ok  # not the predicted glyph ...
    assert init.as_the_font_does  # ... but what the font itself draws for that text
    wrong = next(c for c in checks if c.entry.form == "fina")  # alef predicted as beh fina
    assert not wrong.ok and not wrong.as_the_font_does
    # a font without a cmap: the glyph HarfBuzz gives is predicted as the same letter and form
    stripped = build_boxes_font(
        tmp_path / "nocmap.ttf",
        {"beh": (50, 0, 650, 300), "beh.init": box, "uniFE91": box},
        "languagesystem arab dflt;\nfeature init { sub beh by beh.init; } init;\n",
    )
    _, checks = write_checked_cmap(stripped, tmp_path / "fixed2.ttf", rows[:3], 0.5)
    init = next(c for c in checks if c.entry.form == "init")
    assert init.font_gives is None and init.as_the_font_does
