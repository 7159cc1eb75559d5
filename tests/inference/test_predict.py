"""Predictor: label space, classifier/kNN/both probabilities, top-k."""

from types import SimpleNamespace

import numpy as np
import pytest

from raster.inference.calibration import knn_vote, softmax_t
from raster.inference.predict import Predictor, RawOutputs, split_label, top_k


class FakeIndex:
    """Three reference rows on the unit circle; label 'x_isol' only the index knows."""

    label_names = ["1576_isol", "65_isol", "x_isol"]
    calibration = {"temperature": 2.0, "knn_k": 2, "knn_tau": 0.1, "knn_eps": 0.01}

    def __init__(self):
        self.vectors = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], np.float32)
        self.label_codes = np.array([0, 1, 2])

    def search(self, q, k):
        s = q @ self.vectors.T
        idx = np.argsort(-s, axis=1, kind="stable")[:, :k]
        return idx, np.take_along_axis(s, idx, 1)


def test_probabilities_of_each_method():
    loaded = SimpleNamespace(index_to_label=["65_isol", "1576_isol"])
    p = Predictor(loaded, FakeIndex(), prior=0)
    assert p.labels == ["65_isol", "1576_isol", "x_isol"] and p.default_method() == "both"
    raw = RawOutputs(np.array([[1.0, 3.0]]), np.array([[0.8, 0.6]], np.float32))
    cls = p.probabilities(raw, "classifier")
    np.testing.assert_allclose(cls[0, :2], softmax_t(np.array([[1.0, 3.0]]), 2.0)[0])
    assert cls[0, 2] == 0.0
    # Neighbours: row 0 (1576_isol, cos 0.8) then row 1 (65_isol, cos 0.6).
    vote = knn_vote(np.array([[0, 1]]), np.array([[0.8, 0.6]]), 3, 0.1, 0.01)[0]
    knn = p.probabilities(raw, "knn")[0]
    np.testing.assert_allclose(knn, [vote[1], vote[0], vote[2]], rtol=1e-6)
    np.testing.assert_allclose(p.probabilities(raw, "both"), 0.5 * (cls + knn[None]), rtol=1e-6)
    with pytest.raises(ValueError, match="method must be"):
        p.probabilities(raw, "vote")
    assert Predictor(loaded).default_method() == "classifier"
    with pytest.raises(ValueError, match="needs a reference index"):
        Predictor(loaded).probabilities(raw, "knn")


def test_the_label_prior_follows_the_index_rows_per_label():
    loaded = SimpleNamespace(index_to_label=["65_isol", "1576_isol"])
    index = FakeIndex()
    index.label_codes = np.array([0, 0, 0, 1, 2])  # 1576_isol x3, 65_isol x1, x_isol x1
    raw = RawOutputs(np.array([[1.0, 3.0]]), np.array([[0.8, 0.6]], np.float32))
    plain = Predictor(loaded, index, prior=0).probabilities(raw, "both")
    p = Predictor(loaded, index, prior=1.0)
    # add-one smoothed shares, in the unified label order (65, 1576, x)
    np.testing.assert_allclose(p.label_prior(), [2 / 8, 4 / 8, 2 / 8])
    expected = plain * np.array([2, 4, 2]) / (plain * np.array([2, 4, 2])).sum()
    np.testing.assert_allclose(p.probabilities(raw, "both"), expected, rtol=1e-9)
    half = Predictor(loaded, index, prior=0.5).probabilities(raw, "classifier")
    w = Predictor(loaded, index, prior=0).probabilities(raw, "classifier") * np.sqrt([2, 4, 2])
    np.testing.assert_allclose(half, w / w.sum(), rtol=1e-9)
    # no index, no prior: the classifier alone is unchanged
    np.testing.assert_allclose(
        Predictor(loaded, prior=1.0).probabilities(raw, "classifier"),
        Predictor(loaded, prior=0).probabilities(raw, "classifier"),
    )
    with pytest.raises(ValueError, match="prior strength"):
        Predictor(loaded, index, prior=-1)


def test_top_k_and_split_label():
    idx, p = top_k(np.array([[0.2, 0.5, 0.2, 0.1]]), 3)
    assert idx.tolist() == [[1, 0, 2]] and p.tolist() == [[0.5, 0.2, 0.2]]
    assert split_label("1593_init") == (1593, "init")
    assert split_label("65227_init") == (65227, "init")
    assert split_label("weird") == (None, "")


def test_distinct_images_first_appearance_and_inverse():
    from raster.inference.predict import distinct_images

    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, size=(4, 8, 8), dtype=np.uint8)
    order = [2, 0, 2, 3, 0, 1, 3]
    images = base[order]
    first, inverse = distinct_images(images)
    assert first.tolist() == [0, 1, 3, 5]  # where 2, 0, 3, 1 first appear
    assert np.array_equal(images[first][inverse], images)
    first, inverse = distinct_images(np.zeros((0, 8, 8), np.uint8))
    assert first.shape == (0,) and inverse.shape == (0,)


def test_top_k_equals_a_full_stable_sort_ties_included():
    rng = np.random.default_rng(0)
    probs = rng.random((300, 40))
    probs[:50] = np.round(probs[:50], 1)  # many ties, some across the k-th place
    probs[50:60] = 0.25  # all equal
    for k in (1, 3, 5, 40, 41):
        naive = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        idx, p = top_k(probs, k)
        assert np.array_equal(idx, naive)
        assert np.array_equal(p, np.take_along_axis(probs, naive, 1))
    assert top_k(np.zeros((0, 4)), 3)[0].shape == (0, 3)
