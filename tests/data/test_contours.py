"""Contour JSON parsing: every command kind, TrueType implied points, and malformed input."""

import json
import math

import numpy as np
import pytest

from raster.data.contours import (
    CLOSE,
    CUBIC,
    LINE,
    MOVE,
    QUAD,
    MalformedContours,
    content_key,
    parse_contours,
)


def test_all_commands_become_flat_verbs_and_coords():
    text = json.dumps(
        [
            [
                ["moveTo", [0, 0]],
                ["lineTo", [100, 0]],
                ["curveTo", [[110, 10], [120, 20], [130, 30]]],
                ["qCurveTo", [[140, 40], [150, 50]]],
                ["closePath", None],
            ]
        ]
    )
    o = parse_contours(text, 7)
    assert o.verbs == bytes([MOVE, LINE, CUBIC, QUAD, CLOSE])
    assert list(o.coords) == [0, 0, 100, 0, 110, 10, 120, 20, 130, 30, 140, 40, 150, 50]


def test_qcurve_run_gets_implied_midpoints():
    o = parse_contours([[["moveTo", [0, 0]], ["qCurveTo", [[10, 20], [30, 40], [50, 0]]]]])
    assert o.verbs == bytes([MOVE, QUAD, QUAD])
    # implied on-curve point between (10, 20) and (30, 40) is (20, 30)
    assert list(o.coords) == [0, 0, 10, 20, 20, 30, 30, 40, 50, 0]


def test_all_off_curve_contour_starts_at_midpoint_of_last_and_first():
    o = parse_contours(
        [[["qCurveTo", [[0, 0], [100, 0], [100, 100], [0, 100], None]], ["closePath", None]]]
    )
    assert o.verbs == bytes([MOVE, QUAD, QUAD, QUAD, QUAD, CLOSE])
    c = list(o.coords)
    assert c[:2] == [0, 50]  # midpoint of (0, 100) and (0, 0)
    assert c[2:] == [0, 0, 50, 0, 100, 0, 100, 50, 100, 100, 50, 100, 0, 100, 0, 50]


def test_single_point_qcurve_is_a_line():
    o = parse_contours([[["moveTo", [0, 0]], ["qCurveTo", [[5, 5]]]]])
    assert o.verbs == bytes([MOVE, LINE])


@pytest.mark.parametrize(
    "text, reason",
    [
        ('[[["moveTo", [0, 0]', "bad JSON"),
        ('[[["moveTo", [0, 0]], ["lineTo", [NaN, 1]]]]', "bad JSON"),
        ('[[["moveTo", [0, 0]], ["lineTo", [Infinity, 1]]]]', "bad JSON"),
        ('[[["moveTo", [0, 0]], ["lineTo", [1e999, 1]]]]', "non-finite"),
        ("[]", "empty"),
        ("[[]]", "empty"),
        ('[[["moveTo", [0, 0]], ["closePath", null]]]', "empty"),
        ('[[["moveTo", [0, 0]], ["arcTo", [1, 1]]]]', "unknown command"),
        ('[[["moveTo", [0, 0]], ["curveTo", [[1, 1], [2, 2]]]]]', "curveTo needs 3"),
        ('[[["moveTo", [0, 0, 0]], ["lineTo", [1, 1]]]]', "bad command"),
        ('[[["moveTo", [0, 0]], ["lineTo", ["a", 1]]]]', "bad command"),
        ('[[["lineTo", [1, 1]], ["lineTo", [2, 1]]]]', "before moveTo"),
        ('{"moveTo": 1}', "expected a list"),
        ('[[["moveTo", [0, 0]], ["qCurveTo", []]]]', "no points"),
    ],
)
def test_malformed_names_glyph_and_reason(text, reason):
    with pytest.raises(MalformedContours) as err:
        parse_contours(text, glyph_id=4242)
    assert "glyph_id 4242" in str(err.value)
    assert reason in str(err.value)
    assert err.value.glyph_id == 4242


def test_content_key_depends_on_text_and_upem():
    a = content_key('[[["moveTo",[0,0]]]]', 1000)
    assert a == content_key('[[["moveTo",[0,0]]]]', 1000.0)
    assert a != content_key('[[["moveTo",[0,1]]]]', 1000)
    assert a != content_key('[[["moveTo",[0,0]]]]', 2048)
    assert 0 <= a < 2**63 and not math.isnan(a)


def test_binary_outline_round_trips_and_is_accepted_by_parse():
    from raster.data.contours import outline_from_bytes

    o = parse_contours(
        [[["moveTo", [0.5, 0]], ["qCurveTo", [[10, 20], [30, 41], [50, 0]]], ["closePath", None]]]
    )
    blob = o.to_bytes()
    assert blob[:4] == b"GRO1" and len(blob) == 12 + 8 * o.n_points + len(o.verbs)
    assert outline_from_bytes(blob) == o
    assert parse_contours(blob, 3) == o
    assert o.coords.dtype == np.float32
    assert o.coords.tolist() == [0.5, 0, 10, 20, 20, 30.5, 30, 41, 50, 0]


def test_move_after_move_replaces_it_as_skia_does():
    o = parse_contours([[["moveTo", [0, 0]], ["moveTo", [1, 1]], ["lineTo", [2, 2]]]])
    assert o.verbs == bytes([MOVE, LINE]) and o.coords.tolist() == [1, 1, 2, 2]


def test_coordinate_beyond_float32_is_refused():
    with pytest.raises(MalformedContours, match="beyond"):
        parse_contours('[[["moveTo", [0, 0]], ["lineTo", [1e39, 1]]]]')


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda b: b"XXXX" + b[4:], "magic"),
        (lambda b: b[:-1], "length"),
        (lambda b: b[:-1] + bytes([9]), "unknown verb"),
        (lambda b: b[:-1] + bytes([CUBIC]), "points do not match"),
        (lambda b: b[:12] + np.float32(2e6).tobytes() + b[16:], "beyond"),
        (lambda b: b[:12] + np.float32(np.nan).tobytes() + b[16:], "non-finite"),
        (lambda b: b[:8], "too short"),
    ],
)
def test_malformed_binary_outline_names_glyph_and_reason(mutate, reason):
    from raster.data.contours import outline_from_bytes

    blob = parse_contours([[["moveTo", [0, 0]], ["lineTo", [5, 5]], ["lineTo", [5, 0]]]]).to_bytes()
    with pytest.raises(MalformedContours, match=reason) as err:
        outline_from_bytes(mutate(blob), 77)
    assert "glyph_id 77" in str(err.value)
