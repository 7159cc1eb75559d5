"""Skeleton + dots clusters: the letter from a base's candidates and a dot pattern, pairing on
the page lines, and show operators split for /ActualText spans without moving a glyph."""

from __future__ import annotations

import pikepdf
import pytest

from raster.pdf.clusters import _split_show, compose_letter, find_clusters
from raster.pdf.layout import Shown, logical_words

F = (5, 0)  # a font key
D = (6, 0)  # the dots font key


@pytest.mark.parametrize(
    ("cands", "dots", "want"),
    [
        ([("1646_init", 0.9)], (1, "below"), "ب"),  # dotless beh + one below
        ([("1576_init", 0.6), ("1578_init", 0.3)], (2, "above"), "ت"),  # skeleton read as beh
        ([("1609_init", 1.0)], (2, "below"), "ي"),  # alef maksura initial: the beh tooth
        ([("1646_isol", 1.0)], (1, "above"), "ن"),  # noon isolated is not on this tooth: any form
        ([("1607_fina", 1.0)], (2, "above"), "ة"),  # heh + two above: teh marbuta
        ([("1581_medi", 0.7)], (1, "below"), "ج"),  # hah + one below (a centre dot reads below)
        ([("1575_isol", 1.0)], (1, "below"), None),  # alef carries no dot pattern
        ([("1604+1575_lig", 1.0)], (1, "above"), None),
        ([], (1, "above"), None),
    ],
)
def test_compose_letter(cands, dots, want):
    assert compose_letter(cands, dots) == want


def test_compose_letter_sums_candidates_per_skeleton():
    # 0.3 + 0.3 on the beh tooth beat 0.4 on hah: two dots above make teh, not a hah letter
    cands = [("1581_init", 0.4), ("1576_init", 0.3), ("1610_init", 0.3)]
    assert compose_letter(cands, (2, "above")) == "ت"


def _g(font, code, x0, x1, seq, text=""):
    return Shown(font, code, text, x0, x1, 10.0, 0, seq)


def test_find_clusters_pairs_each_dots_glyph_with_the_base_beside_it():
    # visual order: [alef][skeleton-init + dots below drawn before it][skeleton-init][dots 2 above]
    line = [
        [
            _g(F, 1, 0, 5, 0),  # alef
            _g(D, 9, 8, 8, 1),  # dots below, drawn before its base (Chromium)
            _g(F, 2, 5, 12, 2),  # skeleton
            _g(F, 2, 12, 19, 3),  # skeleton again
            _g(D, 8, 15, 15, 4),  # two dots above, drawn after its base (cairo)
        ]
    ]
    dots = {(D, 9): (1, "below"), (D, 8): (2, "above")}
    cands = {(F, 1): [("1575_isol", 1.0)], (F, 2): [("1646_init", 1.0)]}
    got = find_clusters([line], dots, cands)
    assert [(c.glyphs, c.text) for c in got] == [
        (((1, D, 9), (2, F, 2)), "ب"),
        (((3, F, 2), (4, D, 8)), "ت"),
    ]


def test_a_dots_glyph_away_from_any_base_or_on_a_letter_that_takes_none_is_no_cluster():
    line = [[_g(F, 1, 0, 5, 0), _g(D, 9, 40, 40, 1), _g(F, 3, 50, 55, 2), _g(D, 9, 52, 52, 3)]]
    dots = {(D, 9): (1, "below")}
    cands = {(F, 1): [("1575_isol", 1.0)], (F, 3): [("1575_fina", 1.0)]}
    assert find_clusters([line], dots, cands) == []


def test_marks_follow_their_base_in_logical_order():
    # right-to-left line in visual order: [waw][hamza mark over the alef's edge][alef]
    words = [[_g(F, 1, 0, 9, 5, "و"), _g(F, 2, 8.6, 8.6, 6, "ٔ"), _g(F, 3, 9, 16, 7, "ا")]]
    (line,) = logical_words([words], lambda g: g.text)
    assert "".join(g.text for g in line[0]) == "أو"  # alef, hamza (-> U+0623), waw


def _tj(*items):
    return pikepdf.ContentStreamInstruction(
        [pikepdf.Array([pikepdf.String(x) if isinstance(x, bytes) else x for x in items])],
        pikepdf.Operator("TJ"),
    )


def test_split_show_cuts_a_tj_at_glyphs_and_keeps_its_adjustments():
    """TJ [(ab) -50 (cd)] with a span over glyphs 1..2 (b, c): the adjustment stays between
    b and c inside the span; each piece is a TJ, so the pen moves exactly as before."""
    inst = _tj(b"ab", -50, b"cd")
    out = _split_show(inst, {1, 3}, 1, 7, {(7, 1): "X"}, {(7, 2)})
    ops = [str(o.operator) for o in out]
    assert ops == ["TJ", "BDC", "TJ", "EMC", "TJ"]
    arrays = [
        [bytes(x) if isinstance(x, pikepdf.String) else int(x) for x in o.operands[0]]
        for o in out
        if str(o.operator) == "TJ"
    ]
    assert arrays == [[b"a"], [b"b", -50, b"c"], [b"d"]]
    props = out[1].operands[1]
    assert bytes(props.ActualText) == b"\xfe\xff" + "X".encode("utf-16-be")


def test_split_show_of_a_quote_operator_moves_to_the_next_line_first():
    inst = pikepdf.ContentStreamInstruction(
        [1, 2, pikepdf.String(b"\x00\x01\x00\x02")], pikepdf.Operator('"')
    )
    out = _split_show(inst, {1}, 2, 0, {(0, 1): "Y"}, {(0, 1)})
    assert [str(o.operator) for o in out] == ["Tw", "Tc", "T*", "TJ", "BDC", "TJ", "EMC"]


def test_a_cluster_the_content_stream_does_not_draw_leaves_its_page_with_a_note():
    """The layout's glyph order and the content stream disagree (here: a made-up code): the
    page keeps its content, one line says why, nothing else is touched."""
    from pathlib import Path

    from raster.pdf.clusters import Cluster, actual_text_contents
    from raster.pdf.document import open_pdf, scan_fonts

    path = Path(__file__).parent / "fixtures" / "cairo-NotoSansArabic-Regular.pdf"
    with open_pdf(path) as pdf:
        fonts = scan_fonts(pdf)
        font = (fonts[0].objgen[0], 0)
        bogus = Cluster(0, ((0, font, 65535), (1, font, 65535)), "ب")
        contents, written, notes = actual_text_contents(pdf, [bogus], fonts)
    assert contents == {} and written == []
    assert notes == [
        "page 1: the content stream does not draw the glyphs the layout saw; "
        "its 1 clusters not written"
    ]
