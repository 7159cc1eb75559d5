"""Bare dot-pattern glyphs from the outline and advance alone: hand-drawn shapes, the tiny
skeleton font stripped, and every named dot pattern of the bundled Noto fonts stripped."""

from __future__ import annotations

import json

import fontfactory
import numpy as np
import pytest

from raster.data.contours import parse_contours
from raster.data.strip import strip_font
from raster.inference.evidence.combine import combine_evidence
from raster.inference.evidence.dot_glyphs import advances, bare_dots
from raster.inference.font_glyphs import read_font_glyphs

UPEM = 1000


def boxes(*bs):
    """Closed square contours (x0, y0, x1, y1), font units, parsed."""
    return parse_contours(
        json.dumps(
            [
                [
                    ["moveTo", [a, b]],
                    ["lineTo", [a, d]],
                    ["lineTo", [c, d]],
                    ["lineTo", [c, b]],
                    ["closePath", None],
                ]
                for a, b, c, d in bs
            ]
        )
    )


def ring(x0, y0, x1, y1, t):
    """A square with a square counter (opposite winding), like a sukun."""
    outer = [
        ["moveTo", [x0, y0]],
        ["lineTo", [x0, y1]],
        ["lineTo", [x1, y1]],
        ["lineTo", [x1, y0]],
        ["closePath", None],
    ]
    a, b, c, d = x0 + t, y0 + t, x1 - t, y1 - t
    inner = [
        ["moveTo", [a, b]],
        ["lineTo", [c, b]],
        ["lineTo", [c, d]],
        ["lineTo", [a, d]],
        ["closePath", None],
    ]
    return parse_contours(json.dumps([outer, inner]))


@pytest.mark.parametrize(
    ("outline", "want"),
    [
        (boxes((0, -180, 90, -90)), (1, "below")),
        (boxes((0, 560, 90, 650), (130, 560, 220, 650)), (2, "above")),
        (boxes((0, 560, 90, 650), (130, 560, 220, 650), (65, 680, 155, 770)), (3, "above")),
        (
            boxes(
                *[(x, -200, x + 60, -140) for x in (0, 100)],
                (0, -300, 60, -240),
                (100, -300, 160, -240),
            ),
            (4, "below"),
        ),
        (boxes((0, 100, 90, 190)), (1, "below")),  # centre 0.145 em: below ABOVE_EM (0.25)
        (boxes((0, 300, 90, 390)), (1, "above")),
        (boxes(*[(x, 600, x + 40, 640) for x in (0, 80, 160, 240, 320)]), None),  # five
        (boxes((0, 600, 90, 690), (150, 600, 200, 650)), None),  # sizes differ by 1.8x
        (boxes((0, 600, 300, 660)), None),  # a bar: not square
        (boxes((0, 600, 300, 900)), None),  # one blob 0.3 em: too big for a dot
        (ring(0, 600, 100, 700, 25), None),  # a counter: a ring, not a dot
        (boxes((0, 0, 90, 90), (500, 0, 590, 90)), None),  # pattern wider than 0.5 em
    ],
)
def test_bare_dots_on_drawn_shapes(outline, want):
    assert bare_dots(outline, 0, UPEM) == want


def test_a_glyph_that_advances_is_not_a_dot_pattern():
    assert bare_dots(boxes((0, 560, 90, 650)), 250, UPEM) is None  # a period, say


SKELETON_ORDER = list(fontfactory.SKELETON_GLYPHS)
LABELS = [
    "1576_isol",
    "1576_init",
    "1578_isol",
    "1646_isol",
    "1646_init",
    "65_isol",
    "775_isol",  # U+0307 COMBINING DOT ABOVE
    "1617_isol",  # U+0651 SHADDA
]
MARKS = frozenset({"dotbelow", "twodotsabove"})


def _shape(dots_says: str) -> np.ndarray:
    p = np.full((len(SKELETON_ORDER), len(LABELS)), 0.02)
    for i, name in enumerate(SKELETON_ORDER):
        best = dots_says if name in MARKS else "1576_isol"
        p[i, LABELS.index(best)] = 0.88
    return p


def test_a_stripped_font_names_its_dots_glyphs_as_shape_only_does(tmp_path):
    """Zero-advance dots glyphs of a stripped font get their pattern (the model has no label
    for one: here it says 'A'); the probabilities stay the shape's, as with names and GSUB off."""
    rename = {name: f"g{i}" for i, name in enumerate(SKELETON_ORDER, 1)}
    path = fontfactory.build_boxes_font(
        tmp_path / "sk.ttf",
        fontfactory.SKELETON_GLYPHS,
        fontfactory.SKELETON_FEA,
        rename,
        marks=MARKS,
    )
    stripped = read_font_glyphs(strip_font(path, tmp_path / "stripped.ttf"))
    assert advances(stripped.face.ttfont, stripped.gids).tolist() == [
        0 if n in MARKS else 700 for n in SKELETON_ORDER
    ]
    shape = _shape("65_isol")
    ev = combine_evidence(stripped, shape, LABELS)
    assert np.array_equal(ev.probs, shape)
    got = dict(zip(SKELETON_ORDER, ev.labels_out, strict=True))
    assert got == {n: None for n in SKELETON_ORDER} | {
        "dotbelow": "dots:1below",
        "twodotsabove": "dots:2above",
    }
    notes = dict(zip(SKELETON_ORDER, ev.notes, strict=True))
    assert (notes["dotbelow"], notes["twodotsabove"]) == ("one dot below", "two dots above")
    assert set(ev.decided_by) == {"shape"}
    assert ev.confidence_out[SKELETON_ORDER.index("dotbelow")] == pytest.approx(1.0 - 0.02)
    shape_only = combine_evidence(read_font_glyphs(path), shape, LABELS, names=False, gsub=False)
    assert shape_only.labels_out == ev.labels_out


def test_a_dots_glyph_the_shape_reads_as_a_mark_keeps_the_mark(tmp_path):
    """U+0307 COMBINING DOT ABOVE is a dot pattern with a codepoint: the shape's answer stands."""
    path = fontfactory.build_boxes_font(
        tmp_path / "sk.ttf", fontfactory.SKELETON_GLYPHS, fontfactory.SKELETON_FEA, marks=MARKS
    )
    ev = combine_evidence(read_font_glyphs(path), _shape("775_isol"), LABELS, gsub=False)
    assert ev.labels_out == [None] * len(SKELETON_ORDER)


def test_a_dots_glyph_the_shape_takes_for_another_mark_is_its_dot_pattern(tmp_path):
    """Shadda is no dot pattern: a model that never saw the design takes the dots for it."""
    path = fontfactory.build_boxes_font(
        tmp_path / "sk.ttf", fontfactory.SKELETON_GLYPHS, fontfactory.SKELETON_FEA, marks=MARKS
    )
    ev = combine_evidence(read_font_glyphs(path), _shape("1617_isol"), LABELS, gsub=False)
    got = dict(zip(SKELETON_ORDER, ev.labels_out, strict=True))
    assert (got["dotbelow"], got["twodotsabove"]) == ("dots:1below", "dots:2above")


@pytest.mark.parametrize("family", ["NotoSansArabic", "NotoKufiArabic"])
def test_every_named_dot_pattern_of_a_stripped_noto_font_is_found(tmp_path, family):
    """Reference: the original font's glyph names (``twodotshorizontalbelowar``: 2, below;
    a 'center' pattern sits below the 0.25 em line). The stripped copy has no names."""
    from raster.data.bundled import bundled_font_paths
    from raster.inference.evidence.names import parse_glyph_name

    path = next(p for p in bundled_font_paths() if p.name.startswith(family))
    original = read_font_glyphs(path)
    stripped = read_font_glyphs(strip_font(path, tmp_path / "stripped.ttf"))
    assert stripped.gids.tolist() == original.gids.tolist()
    adv = advances(stripped.face.ttfont, stripped.gids)
    checked = 0
    for i, name in enumerate(original.names):
        hint = parse_glyph_name(name)
        if hint is None or hint.kind != "dots":
            continue
        n, where = hint.dots
        assert bare_dots(stripped.outlines[i], int(adv[i]), stripped.upem) == (
            n,
            "below" if where == "center" else where,
        ), name
        checked += 1
    assert checked >= 24


def test_a_stripped_noto_font_reads_its_skeleton_and_dots_forms_back(tmp_path):
    """With a shape posterior that names every skeleton right (its original glyph name) and
    takes every dots glyph for a letter, the stripped copy reads back 72 of the 74 letter forms
    Noto Sans Arabic draws as skeleton + dots (composed_letters), as the names and GSUB do as
    shipped; the two left are farsi yeh initial and medial, drawn exactly as yeh's."""
    from raster.data.bundled import bundled_font_paths
    from raster.inference.evidence.measure import composed_letters, composed_pairs
    from raster.inference.evidence.names import parse_glyph_name

    path = next(p for p in bundled_font_paths() if p.name.startswith("NotoSansArabic"))
    original = read_font_glyphs(path)
    pairs = composed_pairs(original)
    assert len(pairs) == 74
    said = []
    for name in original.names:
        hint = parse_glyph_name(name)
        ok = hint is not None and hint.kind == "letter" and len(hint.codepoints) == 1
        said.append(f"{hint.codepoints[0]}_{hint.form or 'isol'}" if ok else "65_isol")
    labels = sorted(set(said))
    shape = np.full((len(said), len(labels)), 0.1 / len(labels))
    shape[np.arange(len(said)), [labels.index(s) for s in said]] += 0.9
    stripped = read_font_glyphs(strip_font(path, tmp_path / "stripped.ttf"))
    ev = combine_evidence(stripped, shape, labels)
    got = composed_letters(pairs, ev, labels)
    assert got == {"rows": 74, "read_right": 72, "skeleton_dotless": 74, "dots_pattern": 74}
