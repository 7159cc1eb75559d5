"""The rasterizer against analytic areas, TrueType point rules, winding and normalization."""

import functools
import json
import math

import numpy as np
import pytest
from glyphdb import rect

from raster.data.contours import parse_contours
from raster.data.render import (
    EM_CANVAS_SPAN,
    EM_EDGE_MARGIN,
    FIT_MARGIN,
    RasterConfig,
    infer_upem,
    render_contours,
    render_many,
)

K = 4 * (math.sqrt(2) - 1) / 3  # cubic Bezier circle constant


def circle(cx, cy, r, ccw=True):
    """A circle of 4 cubic arcs (radial error < 0.03%)."""
    k = K * r
    pts = [(cx + r, cy), (cx, cy + r), (cx - r, cy), (cx, cy - r)]
    tang = [(0, k), (-k, 0), (0, -k), (k, 0)]
    if not ccw:
        pts = pts[::-1]
        tang = [(-tx, -ty) for tx, ty in tang[::-1]]
    cmds = [["moveTo", list(pts[0])]]
    for i in range(4):
        p0, p1 = pts[i], pts[(i + 1) % 4]
        t0, t1 = tang[i], tang[(i + 1) % 4]
        c1 = [p0[0] + t0[0], p0[1] + t0[1]]
        c2 = [p1[0] - t1[0], p1[1] - t1[1]]
        cmds.append(["curveTo", [c1, c2, list(p1)]])
    cmds.append(["closePath", None])
    return cmds


def px_per_unit(upem=1000, size=128):
    return size / (EM_CANVAS_SPAN * upem)


def ink_area(img):
    return img.astype(np.float64).sum() / 255.0


def test_square_area_is_exact_within_1pct():
    img = render_contours(json.dumps([rect(0, 0, 600, 600)]), 1000)
    assert img.dtype == np.uint8 and img.shape == (128, 128)
    want = (600 * px_per_unit()) ** 2
    assert ink_area(img) == pytest.approx(want, rel=0.01)


def test_ring_area_and_hole():
    img = render_contours([circle(0, 0, 500), circle(0, 0, 250, ccw=False)], {"upem": 1000})
    want = math.pi * (500**2 - 250**2) * px_per_unit() ** 2
    assert ink_area(img) == pytest.approx(want, rel=0.01)
    assert img[64, 64] == 0  # the counter is a hole
    assert img[64, 64 + int(375 * px_per_unit())] == 255


def test_same_direction_inner_contour_fills_nonzero():
    img = render_contours([circle(0, 0, 500), circle(0, 0, 250, ccw=True)], 1000)
    want = math.pi * 500**2 * px_per_unit() ** 2
    assert ink_area(img) == pytest.approx(want, rel=0.01)
    assert img[64, 64] == 255


def test_overlapping_contours_do_not_cancel():
    a, b = rect(0, 0, 400, 400), rect(200, 200, 600, 600)
    img = render_contours([a, b], 1000)
    union = (2 * 400 * 400 - 200 * 200) * px_per_unit() ** 2
    assert ink_area(img) == pytest.approx(union, rel=0.01)


def test_implied_points_equal_explicit_quads():
    run = [
        ["moveTo", [0, 0]],
        ["qCurveTo", [[100, 400], [300, 500], [500, 300], [600, 0]]],
        ["closePath", None],
    ]
    explicit = [
        ["moveTo", [0, 0]],
        ["qCurveTo", [[100, 400], [200, 450]]],
        ["qCurveTo", [[300, 500], [400, 400]]],
        ["qCurveTo", [[500, 300], [600, 0]]],
        ["closePath", None],
    ]
    a, b = render_contours([run], 1000), render_contours([explicit], 1000)
    assert a.sum() > 0
    np.testing.assert_array_equal(a, b)


def test_all_off_curve_contour_equals_explicit_version():
    offs = [[0, 0], [400, 0], [400, 400], [0, 400]]
    implicit = [["qCurveTo", [*offs, None]], ["closePath", None]]
    explicit = [
        ["moveTo", [0, 200]],
        ["qCurveTo", [[0, 0], [200, 0]]],
        ["qCurveTo", [[400, 0], [400, 200]]],
        ["qCurveTo", [[400, 400], [200, 400]]],
        ["qCurveTo", [[0, 400], [0, 200]]],
        ["closePath", None],
    ]
    a, b = render_contours([implicit], 1000), render_contours([explicit], 1000)
    np.testing.assert_array_equal(a, b)
    # This contour is the quadratic "squircle" through the edge midpoints: area = 5/6 of the square.
    assert ink_area(a) == pytest.approx(400**2 * 5 / 6 * px_per_unit() ** 2, rel=0.01)


def test_em_keeps_diacritic_smaller_than_letter_and_fit_does_not():
    letter = [rect(0, -200, 500, 700)]
    dot = [rect(0, 0, 120, 120)]
    em_l, em_d = render_contours(letter, 1000), render_contours(dot, 1000)
    assert ink_area(em_d) / ink_area(em_l) == pytest.approx(120**2 / (500 * 900), rel=0.03)
    fit = RasterConfig(normalization="fit")
    fit_l, fit_d = render_contours(letter, 1000, fit), render_contours(dot, 1000, fit)
    side = 128 * (1 - 2 * FIT_MARGIN)
    assert ink_area(fit_d) == pytest.approx(side**2, rel=0.01)
    assert ink_area(fit_l) == pytest.approx(side * side * 500 / 900, rel=0.01)


def test_centred_on_bbox_and_upright():
    # a vertical bar with a block on top at the right: the block must be in the upper half
    glyph = [rect(0, 0, 100, 600), rect(100, 500, 300, 600)]
    img = render_contours(glyph, 1000).astype(np.float64)
    ys, xs = np.nonzero(img > 127)
    assert (ys.min() + ys.max() + 1) / 2 == pytest.approx(64, abs=1)
    assert (xs.min() + xs.max() + 1) / 2 == pytest.approx(64, abs=1)
    top, bottom = img[:64], img[64:]
    assert top[:, 70:].sum() > 0 and bottom[:, 70:].sum() == 0


def test_large_glyph_is_shrunk_to_fit_and_flagged():
    img, shrunk = render_contours([rect(0, 0, 3000, 500)], 1000, return_shrunk=True)
    assert shrunk
    cols = np.nonzero(img.max(0) > 0)[0]
    assert cols.min() >= math.floor(128 * EM_EDGE_MARGIN) and cols.max() <= 127 - math.floor(
        128 * EM_EDGE_MARGIN
    )
    _, small = render_contours([rect(0, 0, 1000, 500)], 1000, return_shrunk=True)
    assert not small


@pytest.mark.parametrize("size", [16, 224, 256])
def test_other_sizes(size):
    cfg = RasterConfig(img_size=size)
    img = render_contours([rect(0, 0, 600, 600)], 1000, cfg)
    assert img.shape == (size, size)
    assert ink_area(img) == pytest.approx((600 * px_per_unit(size=size)) ** 2, rel=0.01)


@pytest.mark.parametrize("bad", [dict(img_size=100), dict(img_size=0), dict(normalization="x")])
def test_raster_config_rejects(bad):
    with pytest.raises(ValueError):
        RasterConfig(**bad)


def test_raster_config_round_trip():
    cfg = RasterConfig(224, "fit")
    assert RasterConfig.from_dict(cfg.to_dict()) == cfg


def test_em_without_upem_is_an_error():
    with pytest.raises(ValueError, match="upem"):
        render_contours([rect(0, 0, 10, 10)], {"upem": None})


def test_render_many_matches_single_renders_in_order():
    texts = [json.dumps([rect(0, 0, 100 + 50 * i, 300)]) for i in range(6)]
    upems = [1000, 2048, 1000, 1000, 500, 1000]
    imgs, shrunk = render_many(texts, upems, RasterConfig())
    for i, t in enumerate(texts):
        np.testing.assert_array_equal(imgs[i], render_contours(t, upems[i]))
    assert not shrunk.any()
    f32 = np.empty((6, 128, 128), np.float32)
    render_many([parse_contours(t) for t in texts], upems, RasterConfig(), out=f32)
    np.testing.assert_allclose(f32, imgs / 255.0, atol=1e-6)


def test_infer_upem_from_heights():
    rng = np.random.default_rng(0)
    heights = rng.uniform(0.3, 1.03, 300)  # em; 95th percentile ~ 0.99 em
    assert infer_upem(heights * 1000) == 1000
    assert infer_upem(heights * 2048) == 2048
    assert infer_upem([]) is None
    assert infer_upem(np.full(10, 7000.0)) == pytest.approx(7000.0)  # not near a common upem


@functools.cache
def _outline_set():
    """Every outlined glyph of two bundled TrueType fonts, plus cubic and fractional shapes."""
    from raster.data.bundled import bundled_font_paths
    from raster.inference.font_glyphs import read_font_glyphs

    out = []
    for stem in ("Tajawal-Regular", "Almarai-Bold"):
        fg = read_font_glyphs(next(p for p in bundled_font_paths() if p.stem == stem))
        out += [(parse_contours(c), fg.upem) for c in fg.contours]
    rng = np.random.default_rng(5)
    for _ in range(200):
        cx, cy, r = rng.uniform(-300, 900, 3)
        shape = [circle(cx, cy, abs(r) + 1.37), circle(cx + 3.3, cy, abs(r) / 2 + 0.1, ccw=False)]
        out.append((parse_contours(shape), 1000.0))
    return out


@pytest.mark.parametrize("size", [128, 64])
def test_serialized_path_renders_exactly_as_call_by_call(size, monkeypatch):
    import raster.data.render as render

    assert render._FAST_PATHS  # this skia writes the layout the fast path assumes
    rows = _outline_set()
    cfg = RasterConfig(img_size=size)
    fast = np.stack([render.Rasterizer(cfg).render(o, u)[0] for o, u in rows])
    monkeypatch.setattr(render, "_FAST_PATHS", False)
    slow = np.stack([render.Rasterizer(cfg).render(o, u)[0] for o, u in rows])
    assert fast.any()
    np.testing.assert_array_equal(fast, slow)
