"""Evaluation metrics on a hand-made case, and truth labels from the ingest code."""

import numpy as np
import pytest

from raster.data.fonts import iter_faces
from raster.inference.evaluate import GlyphTruth, evaluate_predictions, truth_labels


def test_metrics_on_a_hand_made_case():
    labels = ["1576_isol", "1576_init", "1578_isol", "65_isol"]
    truth = {
        10: GlyphTruth(frozenset({"1576_isol"}), "isol", frozenset({1576})),
        11: GlyphTruth(frozenset({"1576_init"}), "init", frozenset({1576})),
        12: GlyphTruth(frozenset({"1578_isol", "1578_init"}), "isol", frozenset({1578})),
    }
    gids = np.array([10, 11, 12, 13])  # glyph 13 has no truth: not scored
    probs = np.array(
        [
            [0.7, 0.1, 0.1, 0.1],  # right
            [0.6, 0.3, 0.05, 0.05],  # wrong label, right character; label in top-2
            [0.1, 0.1, 0.2, 0.6],  # wrong; truth second (1578_isol)
            [1.0, 0.0, 0.0, 0.0],
        ]
    )
    r = evaluate_predictions(truth, gids, labels, probs, k=2)
    assert r["glyphs"] == 3 and r["in_vocab"] == 1.0
    assert r["top1_label"] == pytest.approx(1 / 3)
    assert r["top2_label"] == pytest.approx(1.0)
    assert r["top1_char"] == pytest.approx(2 / 3)
    assert r["per_form"]["isol"] == {
        "n": 2,
        "top1_label": 0.5,
        "top2_label": 1.0,
        "top1_char": 0.5,
        "top2_char": 1.0,
    }
    assert r["per_form"]["init"]["top1_label"] == 0.0 and r["per_form"]["init"]["top1_char"] == 1.0
    assert r["worst_confusions"] == [["1576_init", "1576_isol", 1], ["1578_init", "65_isol", 1]]
    # With an assignment, top-1 is the assigned label; no label is wrong.
    a = evaluate_predictions(truth, gids, labels, probs, np.array([0, 1, -1, 3]), k=2)
    assert a["top1_label"] == pytest.approx(2 / 3) and a["top2_label"] == pytest.approx(1.0)
    assert ["1578_init", "(no label)", 1] in a["worst_confusions"]


def test_truth_labels_of_the_tiny_arabic_font(tiny_fonts):
    face = next(iter_faces(tiny_fonts["arabic"]))
    truth = truth_labels(face)
    names = face.ttfont.getGlyphOrder()
    by_name = {names[g]: t for g, t in truth.items()}
    assert by_name["beh.init"] == GlyphTruth(frozenset({"1576_init"}), "init", frozenset({1576}))
    # TEH has only a fina form: its init and medi are drawn with the isol glyph.
    assert by_name["teh"].labels == {"1578_isol", "1578_init", "1578_medi"}
    assert by_name["teh"].form == "isol"
    assert "jeem" not in by_name and "jeem.body" not in by_name  # composed: no single glyph


def test_arabic_letters_keeps_only_letter_glyphs():
    from raster.inference.evaluate import GlyphTruth, arabic_letters

    def t(*cps):
        return GlyphTruth(frozenset(f"{c}_isol" for c in cps), "isol", frozenset(cps))

    truth = {1: t(0x628), 2: t(0x661), 3: t(0x64E), 4: t(0x41), 5: t(0x628, 0x661), 6: t(0x6A9)}
    assert sorted(arabic_letters(truth)) == [1, 6]  # beh, keheh; not digit, mark, Latin, mixed
