"""Glyph names: AGL, uniXXXX, presentation forms, the vendor table; the reliability estimate."""

import numpy as np
import pytest

from raster.inference.evidence.names import (
    NameHint,
    glyph_name_prior,
    name_reliability,
    parse_glyph_name,
)


@pytest.mark.parametrize(
    "name, hint",
    [
        ("uni0628", NameHint("letter", (0x628,))),
        ("uni0628.init", NameHint("letter", (0x628,), "init")),
        ("uni0628.fina.alt", NameHint("letter", (0x628,), "fina")),
        ("u1EE71", NameHint("letter", (0x1EE71,))),
        ("afii57416", NameHint("letter", (0x628,))),  # AGL's name for BEH
        ("beharabic", NameHint("letter", (0x628,))),
        ("behinitialarabic", NameHint("letter", (0x628,), "init")),  # U+FE91 decomposed
        ("uniFE92", NameHint("letter", (0x628,), "medi")),
        ("uniFEF5", NameHint("ligature", (0x644, 0x622), "isol")),
        ("uni0644_uni0627", NameHint("ligature", (0x644, 0x627))),
        ("beh", NameHint("letter", (0x628,))),
        ("behini", NameHint("letter", (0x628,), "init")),
        ("behmed", NameHint("letter", (0x628,), "medi")),
        ("meemfin", NameHint("letter", (0x645,), "fina")),
        ("alifiso", NameHint("letter", (0x627,), "isol")),
        ("alef", NameHint("letter", (0x627,))),  # Arabic, not the AGL's Hebrew alef
        ("beh.init", NameHint("letter", (0x628,), "init")),
        ("beh_medi", NameHint("letter", (0x628,), "medi")),
        ("lam_alef", NameHint("ligature", (0x644, 0x627))),
        ("lam_alef.fina", NameHint("ligature", (0x644, 0x627), "fina")),
        ("tehmarbuta-ar", NameHint("letter", (0x629,))),
        ("dotbelowar", NameHint("dots", dots=(1, "below"))),
        ("twodotshorizontalabovear", NameHint("dots", dots=(2, "above"))),
        ("threedotsupabovear", NameHint("dots", dots=(3, "above"))),
        ("A", NameHint("letter", (0x41,))),
    ],
)
def test_names_that_say_something(name, hint):
    assert parse_glyph_name(name) == hint


@pytest.mark.parametrize(
    "name",
    ["g81", "glyph01611", "glyph123", ".notdef", "", "uniE021", "\x00\xff", "kashidaFina2ar"],
)
def test_names_that_say_nothing(name):
    assert parse_glyph_name(name) is None


def test_hint_labels_default_to_the_isolated_form():
    assert parse_glyph_name("uni0628").labels() == ("1576_isol",)
    assert parse_glyph_name("behmed").labels() == ("1576_medi",)
    assert parse_glyph_name("lam_alef.fina").labels() == ("1604+1575_fina",)
    assert parse_glyph_name("dotbelowar").labels() == ()


def test_glyph_name_prior_is_the_stated_likelihood():
    labels = ["1576_isol", "1576_init", "1578_isol", "65_isol"]
    prior = glyph_name_prior("behini", labels, reliability=0.8)
    u = 0.2 * 1 / 4
    np.testing.assert_allclose(prior, [u, 0.8 + u, u, u])
    assert glyph_name_prior("glyph7", labels) is None
    assert glyph_name_prior("uni0633", labels) is None  # seen: not in the label space


def test_reliability_is_high_for_agreeing_names_and_near_zero_for_scrambled():
    rng = np.random.default_rng(0)
    chance = np.full(200, 1 / 200)
    agreeing = rng.uniform(0.3, 0.9, 200)  # the shape gives the named label real mass
    scrambled = rng.uniform(0.0, 0.001, 200)  # below chance: names unrelated to shapes
    assert name_reliability(agreeing, chance) > 0.99
    assert name_reliability(scrambled, chance) < 0.01
    assert name_reliability(np.array([]), np.array([])) == 0.0
