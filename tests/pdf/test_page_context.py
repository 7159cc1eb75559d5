"""raster.pdf.page_context: the context steps over the page lines, across fonts."""

from __future__ import annotations

from raster.pdf.glyph_text import FontCandidates
from raster.pdf.layout import Shown, font_key
from raster.pdf.page_context import document_candidates

ONE, ALEF, BEH = "1633_isol", "1575_isol", "1576_init"
A, B = (5, 0), (6, 0)  # two font dictionaries (object, generation)


def _font(by_code: dict, blank=()) -> FontCandidates:
    return FontCandidates({c: c for c in [*by_code, *blank]}, by_code, set(blank))


def _shown(font, code) -> Shown:
    return Shown(font_key(font), code, "", 0.0, 0.0)


def test_neighbours_in_another_font_vote():
    fonts = {A: _font({1: [(ONE, 0.4), (ALEF, 0.35)]}), B: _font({2: [(BEH, 0.9)]})}
    lines = [[[_shown(B, 2), _shown(A, 1), _shown(B, 2)]]]
    out = document_candidates("x.pdf", fonts, lines=lines)
    assert [lab for lab, _ in out[A][1]] == [ALEF, ONE]
    assert out[B][2][0][0] == BEH


def test_without_context_or_language_the_candidates_stay():
    fonts = {A: _font({1: [(ONE, 0.4), (ALEF, 0.35)]}, blank=[32])}
    lines = [[[_shown(A, 32), _shown(A, 1)]]]
    assert document_candidates("x.pdf", fonts, context=False, lines=lines) == {A: fonts[A].by_code}
