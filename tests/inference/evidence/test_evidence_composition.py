"""Skeleton + dots tables, checked by hand and against the bundled Noto Sans Arabic."""

import json

from raster.inference.evidence import composition as comp


def test_compose_and_decompose_are_inverse():
    for cp, entries in comp.DOTTED.items():
        for forms, skeleton, dots in entries:
            for form in forms:
                assert skeleton in comp.skeletons(cp, form)
                back = comp.compose(skeleton, form, dots)
                # farsi yeh joined on its left is drawn as yeh is: compose gives yeh
                assert back == (0x064A if cp == 0x06CC else cp)


def test_examples():
    assert comp.compose(0x066E, "init", (1, "below")) == 0x0628  # beh
    assert comp.compose(0x066E, "init", (1, "above")) == 0x0646  # noon, joined: on the tooth
    assert comp.compose(0x06BA, "isol", (1, "above")) == 0x0646
    assert comp.compose(0x062D, "isol", (1, "center")) == 0x062C  # jeem's dot inside the bowl
    assert comp.compose(0x066E, "isol", (4, "above")) is None
    assert comp.compose_label("1646_init", (2, "above")) == "1578_init"  # teh
    assert comp.compose_label("65_isol", (1, "below")) is None
    assert comp.skeleton_name(0x066E) == "dotless beh skeleton"
    assert comp.skeleton_name(0x06BA) == "dotless noon skeleton"
    assert comp.dots_name((2, "above")) == "two dots above"
    assert comp.dots_label((3, "below")) == "dots:3below"


def test_dot_pattern_from_outline():
    def boxes(*bs):
        return json.dumps(
            [
                [["moveTo", [a, b]], ["lineTo", [a, d]], ["lineTo", [c, d]], ["closePath", None]]
                for a, b, c, d in bs
            ]
        )

    assert comp.dot_pattern(boxes((0, -150, 80, -70))) == (1, "below")
    assert comp.dot_pattern(boxes((0, 300, 80, 380), (100, 300, 180, 380))) == (2, "above")
    assert comp.dot_pattern(boxes((0, 50, 80, 130)), base_center_y=300) == (1, "below")
    assert comp.dot_pattern(boxes(*[(0, 0, 1, 1)] * 5)) is None


def test_table_agrees_with_the_composed_rows_of_noto_sans_arabic():
    """Every two-glyph composed row of Noto Sans Arabic whose base is a dotless letter of the
    cmap and whose mark is a named dot pattern composes back to the row's letter."""
    from raster.data.bundled import bundled_font_paths
    from raster.data.fonts import iter_faces
    from raster.data.glyph_rows import face_rows
    from raster.inference.evidence.names import parse_glyph_name

    path = next(p for p in bundled_font_paths() if p.name.startswith("NotoSansArabic"))
    face = next(iter(iter_faces(path, "default")))
    cmap = face.ttfont.getBestCmap()
    name_cp = {n: cp for cp, n in sorted(cmap.items(), reverse=True)}
    letters = sorted(comp.DOTTED)
    parsed = face_rows(face, letters)
    checked = 0
    for row in parsed.rows:
        names = row["glyph_name"].split("+")
        if row["shaping"] != "composed" or len(names) != 2:
            continue
        dots = [parse_glyph_name(n) for n in names]
        mark = next((h for h in dots if h is not None and h.kind == "dots"), None)
        base = next((n for n, h in zip(names, dots, strict=True) if h is None or h.kind != "dots"))
        hint = parse_glyph_name(base)  # uni062D.init: the skeleton and its form
        skeleton = hint.codepoints[0] if hint is not None else name_cp[base]
        if mark is None:
            continue
        want = 0x064A if row["codepoint"] == 0x06CC else row["codepoint"]  # farsi yeh joined
        assert comp.compose(skeleton, row["form"], mark.dots) == want, row
        checked += 1
    assert checked >= 60  # ~20 letters x their forms
