"""HarfBuzz shaping of contextual forms, composed glyphs and presentation-form fallback."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from raster.data.shaping import PositionedGlyph, ShapedForm, Shaper, form_text, shape_forms


def test_form_text():
    assert [form_text(0x628, f) for f in ("isol", "init", "medi", "fina")] == [
        "\u0628",
        "\u0628\u200d",
        "\u200d\u0628\u200d",
        "\u200d\u0628",
    ]


def _shape_all(path, cp):
    font = TTFont(path)
    shaper = Shaper(path.read_bytes())
    return shape_forms(
        shaper, font.getBestCmap(), font.getReverseGlyphMap(), cp
    ), font.getGlyphOrder()


def _names(forms, order):
    return {f: [order[g.gid] for g in s.glyphs] for f, s in forms.items()}


def _four_forms(isol: str, init: str, medi: str, fina: str) -> dict[str, list[str]]:
    """The expected :func:`_names` of a dual-joining letter: one glyph per form."""
    return {"isol": [isol], "init": [init], "medi": [medi], "fina": [fina]}


def test_gsub_forms(tiny_fonts):
    forms, order = _shape_all(tiny_fonts["arabic"], 0x628)
    assert _names(forms, order) == _four_forms("beh", "beh.init", "beh.medi", "beh.fina")
    assert all(s.source == "harfbuzz" for s in forms.values())


def test_right_joining_and_missing_forms(tiny_fonts):
    forms, order = _shape_all(tiny_fonts["arabic"], 0x627)
    assert _names(forms, order) == {"isol": ["alef"], "fina": ["alef.fina"]}
    forms, order = _shape_all(tiny_fonts["arabic"], 0x62A)  # TEH: GSUB has only fina
    assert _names(forms, order) == _four_forms("teh", "teh", "teh", "teh.fina")
    forms, order = _shape_all(tiny_fonts["arabic"], 0x621)  # HAMZA: non-joining
    assert _names(forms, order) == {"isol": ["hamza"]}


def test_multiple_glyphs_keep_positions(tiny_fonts):
    forms, order = _shape_all(tiny_fonts["arabic"], 0x62C)
    dot, body = order.index("dotbelow"), order.index("jeem.body")
    # Visual order (right-to-left reversed): the dot first, moved by the kern feature's
    # placement (50, -400); its advance is 0 so the body's origin stays at 0.
    assert forms["isol"] == ShapedForm(
        (PositionedGlyph(dot, 50, -400), PositionedGlyph(body, 0, 0))
    )


def test_missing_character_gives_nothing(tiny_fonts):
    forms, _ = _shape_all(tiny_fonts["arabic"], 0x0642)  # QAF: not in the font
    assert forms == {}


def test_presentation_forms_fallback(tiny_fonts):
    forms, order = _shape_all(tiny_fonts["presentation"], 0x628)
    assert _names(forms, order) == _four_forms("beh.isol", "beh.init", "beh.medi", "beh.fina")
    assert {s.source for s in forms.values()} == {"presentation"}
    forms, order = _shape_all(tiny_fonts["presentation"], 0x627)
    assert _names(forms, order) == {"isol": ["alef.isol"], "fina": ["alef.fina"]}


@pytest.mark.parametrize("cp", [0x41, 0x4F])
def test_latin_is_isol_only(tiny_fonts, cp):
    forms, order = _shape_all(tiny_fonts["truetype"], cp)
    assert _names(forms, order) == {"isol": [chr(cp)]}
