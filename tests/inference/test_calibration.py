"""Temperature scaling and the kNN vote against naive references and synthetic truth."""

import math

import numpy as np
import pytest

from raster.inference.calibration import (
    expected_calibration_error,
    fit_knn_vote,
    fit_temperature,
    knn_true_prob,
    knn_vote,
    softmax_t,
)


def _sample(rng, n, c, true_t):
    z = rng.normal(0.0, 3.0, size=(n, c))
    p = softmax_t(z, true_t)
    y = np.array([rng.choice(c, p=row) for row in p])
    return z, y


def test_fit_temperature_recovers_the_generating_temperature():
    rng = np.random.default_rng(0)
    z, y = _sample(rng, 4000, 10, 2.0)
    assert fit_temperature(z, y) == pytest.approx(2.0, abs=0.15)


def test_temperature_scaling_is_calibrated_on_held_out_data():
    # Reliability: fit on one half, measure ECE on the other half.
    rng = np.random.default_rng(1)
    z, y = _sample(rng, 8000, 10, 2.5)
    t = fit_temperature(z[:4000], y[:4000])
    raw, fitted = softmax_t(z[4000:], 1.0), softmax_t(z[4000:], t)
    ece_raw = expected_calibration_error(raw.max(1), raw.argmax(1) == y[4000:])
    ece_fit = expected_calibration_error(fitted.max(1), fitted.argmax(1) == y[4000:])
    assert ece_raw > 0.1  # logits 2.5x too sharp: overconfident
    assert ece_fit < 0.03


def test_ece_equals_a_hand_computed_value():
    conf = np.array([0.95, 0.92, 0.55, 0.52, 0.0])
    ok = np.array([1, 0, 1, 1, 0], bool)
    # 15 bins of width 1/15: 0.95 -> bin 14, 0.92 -> 13, 0.55 -> 8, 0.52 -> 7, 0.0 -> 0;
    # one item per bin, so ECE is the mean of |correct - confidence|.
    want = (abs(1 - 0.95) + abs(0 - 0.92) + abs(1 - 0.55) + abs(1 - 0.52) + 0.0) / 5
    assert expected_calibration_error(conf, ok) == pytest.approx(want)
    # Two items in one bin average before the absolute value.
    assert expected_calibration_error(np.array([0.9, 0.9]), np.array([1, 0], bool)) == (
        pytest.approx(0.4)
    )


def test_knn_vote_equals_the_formula_including_missing_neighbours():
    labels = np.array([[0, 1, 0], [2, -1, -1], [-1, -1, -1]])
    sims = np.array([[0.9, 0.8, 0.7], [0.5, -np.inf, -np.inf], [-np.inf] * 3])
    tau, eps, c = 0.1, 0.05, 3
    p = knn_vote(labels, sims, c, tau, eps)
    w = np.exp(np.array([0.9, 0.8, 0.7]) / tau)
    want0 = np.array([w[0] + w[2], w[1], 0.0]) / w.sum()
    np.testing.assert_allclose(p[0], (1 - eps) * want0 + eps / c)
    np.testing.assert_allclose(p[1], (1 - eps) * np.array([0, 0, 1.0]) + eps / c)
    np.testing.assert_allclose(p[2], np.full(3, 1 / 3))
    np.testing.assert_allclose(p.sum(1), 1.0)
    y = np.array([0, 2, 1])
    np.testing.assert_allclose(knn_true_prob(labels, sims, y, c, tau, eps), p[[0, 1, 2], y])


def test_knn_vote_tie_between_labels_splits_evenly():
    p = knn_vote(np.array([[3, 1]]), np.array([[0.6, 0.6]]), 4, 0.05, 0.0)
    np.testing.assert_allclose(p[0], [0, 0.5, 0, 0.5])


def test_fit_knn_vote_prefers_sharp_votes_when_the_nearest_is_right():
    rng = np.random.default_rng(0)
    n, k = 500, 5
    y = rng.integers(0, 20, n)
    labels = rng.integers(0, 20, (n, k))
    labels[:, 0] = y  # the nearest neighbour is always right, the others are noise
    sims = np.sort(rng.uniform(0.3, 0.9, (n, k)), axis=1)[:, ::-1]
    tau, eps = fit_knn_vote(labels, sims, y, 20)
    assert tau <= 0.02 and eps <= 1e-3
    p = knn_true_prob(labels, sims, y, 20, tau, eps)
    assert float(np.mean(p)) > 0.9 and math.isfinite(float(np.log(p).sum()))
