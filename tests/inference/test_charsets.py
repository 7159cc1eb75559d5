"""raster.inference.charsets: label masks per language and renormalized probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from raster.inference.charsets import CHARSETS, allowed_labels, restrict

LABELS = ["1576_init", "1662_isol", "1711_fina", "65_isol", "2240_medi", "1780_isol"]
LIGATURES = ["1604+1575_isol", "1604+2240_fina", "notalabel"]


def test_masks_follow_the_language():
    assert allowed_labels(LABELS, "all") is None
    # beh, peh (Persian), gaf (Persian), A, U+08C0 (Extended-A), U+06F4 (Persian digit four)
    assert allowed_labels(LABELS, "ar").tolist() == [True, False, False, True, False, False]
    assert allowed_labels(LABELS, "fa").tolist() == [True, True, True, True, False, True]
    assert allowed_labels(LABELS, "ur").tolist() == [True, True, True, True, False, True]
    assert CHARSETS["ar"] < CHARSETS["fa"] < CHARSETS["ur"]
    # a ligature label is allowed when all its characters are
    assert allowed_labels(LIGATURES, "ar").tolist() == [True, False, False]
    with pytest.raises(ValueError, match="charset"):
        allowed_labels(LABELS, "xx")


def test_restrict_renormalizes_exactly():
    probs = np.array([[0.1, 0.4, 0.2, 0.1, 0.2, 0.0], [0.0, 0.5, 0.5, 0.0, 0.0, 0.0]])
    out = restrict(probs, allowed_labels(LABELS, "ar"))
    assert out[0].tolist() == pytest.approx([0.5, 0, 0, 0.5, 0, 0])
    assert out[1].tolist() == pytest.approx([0.5, 0, 0, 0.5, 0, 0])  # no mass: uniform
    assert np.array_equal(restrict(probs, None), probs)
    with pytest.raises(ValueError, match="none of the model's labels"):
        restrict(probs, np.zeros(6, bool))
