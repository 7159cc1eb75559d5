"""Scripts from a font's cmap: a glyph of a script the model never learned stays unlabelled,
one of a learned script takes only labels used in it or in no script."""

import numpy as np
import pytest

from raster.inference.scripts import COMMON, coverage, label_scripts, restrict_by_script

LABELS = ["1576_isol", "1614_isol", "1633_isol", "99_isol", "48_isol"]  # ب fatha ١ c 0


def test_label_scripts_follow_the_script_extensions():
    assert label_scripts("1576_isol") == {"Arab"}
    assert "Arab" in label_scripts("1614_isol")  # fatha: inherited, used in Arabic
    assert "Arab" in label_scripts("1633_isol")  # Arabic-Indic digit one: common, Arabic
    assert label_scripts("99_isol") == {"Latn"}
    assert label_scripts("48_isol") == frozenset()  # ASCII digit: every script's
    assert label_scripts("1757_isol") == {"Arab"}  # end of ayah: common, in an Arabic block


def test_restrict_by_script():
    probs = np.array([[0.6, 0.2, 0.1, 0.05, 0.05]] * 4)
    scripts = [frozenset({"Latn"}), frozenset({"Grek"}), frozenset(), frozenset({"Arab"})]
    out, unlearned = restrict_by_script(probs, LABELS, scripts)
    assert unlearned.tolist() == [False, True, False, False]
    assert out[0] == pytest.approx([0, 0, 0, 0.5, 0.5])  # Latin: c or 0, renormalized
    assert out[1] == pytest.approx(probs[1]) and out[2] == pytest.approx(probs[2])
    assert out[3] == pytest.approx(np.array([0.6, 0.2, 0.1, 0, 0.05]) / 0.95)
    cover = coverage(LABELS, scripts, ["99_isol", "", "48_isol", "1576_isol"], unlearned)
    assert cover.as_dict()["glyphs"] == {"Arabic": 1, "Greek": 1, "Latin": 1}
    assert cover.line().endswith(
        "1 glyphs of Greek stay unlabelled (the model learned Arabic, Latin)"
    )


def test_without_a_cmap_the_labels_say_the_scripts():
    cover = coverage(LABELS, None, ["1576_isol", "1576_isol", "99_isol", "48_isol"])
    assert cover.source == "labels" and cover.counts == {"Arab": 2, "Latn": 1}
    assert cover.line() == "scripts (from the labels): Arabic 2, Latin 1 glyphs"


def test_a_sign_takes_the_scripts_of_the_whole_cmap():
    # a Latin font's symbol (a common character) is no Arabic letter; a Greek font's is at
    # most an ASCII sign; with no script in the cmap at all (private use), nothing changes
    probs = np.array([[0.6, 0.2, 0.1, 0.05, 0.05]] * 2)
    out, unlearned = restrict_by_script(probs, LABELS, [frozenset({"Latn"}), COMMON])
    assert out[1] == pytest.approx([0, 0, 0, 0.5, 0.5]) and not unlearned.any()
    out, unlearned = restrict_by_script(probs, LABELS, [frozenset({"Grek"}), COMMON])
    assert out[1] == pytest.approx([0, 0, 0, 0, 1]) and unlearned.tolist() == [True, False]
    out, _ = restrict_by_script(probs, LABELS, [frozenset(), COMMON])
    assert out[1] == pytest.approx(probs[1])
    assert coverage(LABELS, [frozenset({"Latn"}), COMMON], ["99_isol", "48_isol"]).counts == {
        "Latn": 1
    }
