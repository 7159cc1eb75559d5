"""Calibrated confidences: temperature-scaled softmax and a similarity-weighted kNN vote.

"Calibrated" here means: among predictions made with confidence p, about a share p is right.
Both methods have parameters fitted by minimum negative log-likelihood on glyphs the model did
not train on (the checkpoint's validation split, kNN neighbours from other fonts only), and
:func:`expected_calibration_error` measures what is left (15 equal-width confidence bins).
"""

from __future__ import annotations

import numpy as np

TEMPERATURE_BOUNDS = (0.05, 50.0)
KNN_TAUS = tuple(np.geomspace(0.005, 1.0, 25).tolist())
KNN_EPSILONS = (1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3)
# The kNN vote's (tau, eps) where none was fitted: no fit rows, or an index without them.
DEFAULT_KNN_TAU = 0.05
DEFAULT_KNN_EPS = 0.01
_FLOOR = 1e-12


def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(sum(exp(z)))`` along ``axis`` (kept), shifted by the maximum for stability.

    numpy rather than ``scipy.special``: importing that module adds ~0.2 s to the start of
    every ``identify`` and ``pdf repair``, which use nothing else from it.
    """
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))


def softmax_t(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of ``logits / temperature`` along the last axis: float64 (N, C) rows summing to 1."""
    z = np.asarray(logits, np.float64) / temperature
    return np.exp(z - logsumexp(z, axis=-1))


def temperature_nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood (nats) of ``labels`` under ``softmax(logits / T)``."""
    z = np.asarray(logits, np.float64) / temperature
    lp = z - logsumexp(z, axis=1)
    return float(-lp[np.arange(len(labels)), labels].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimizing :func:`temperature_nll` (bounded 1-D search on log T).

    Args:
        logits: float (N, C); labels: int (N,) in [0, C).

    Returns:
        T in :data:`TEMPERATURE_BOUNDS`; 1.0 when N is 0.
    """
    labels = np.asarray(labels, np.int64)
    if len(labels) == 0:
        return 1.0
    lo, hi = np.log(TEMPERATURE_BOUNDS)
    from scipy.optimize import minimize_scalar  # only fitting needs it (a slow import)

    res = minimize_scalar(
        lambda lt: temperature_nll(logits, labels, float(np.exp(lt))),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(res.x))


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int = 15
) -> float:
    """ECE: sum over equal-width confidence bins of (bin share) * |accuracy - mean confidence|.

    Args:
        confidence: (N,) top-1 probabilities in [0, 1]; correct: (N,) bools.

    Returns:
        ECE in [0, 1]; 0.0 for N = 0. Bin b holds confidences in (b/n, (b+1)/n], bin 0 also 0.
    """
    conf = np.asarray(confidence, np.float64)
    ok = np.asarray(correct, np.float64)
    if conf.size == 0:
        return 0.0
    bins = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(ok[m].mean() - conf[m].mean())
    return float(ece)


def _vote_weights(sims: np.ndarray, valid: np.ndarray, tau: float) -> np.ndarray:
    """exp((s - max s) / tau) for valid neighbours, 0 otherwise; (N, k) float64."""
    s = np.where(valid, np.asarray(sims, np.float64), -np.inf)
    top = np.max(np.where(valid, s, -np.inf), axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    w = np.exp((s - top) / tau)
    return np.where(valid, w, 0.0)


def knn_vote(
    neighbour_labels: np.ndarray, sims: np.ndarray, n_labels: int, tau: float, eps: float
) -> np.ndarray:
    """kNN label probabilities: a softmax-weighted vote of the neighbours, smoothed.

    ``p(c) = (1 - eps) * sum_{j: label_j = c} w_j / sum_j w_j + eps / C`` with
    ``w_j = exp(s_j / tau)`` (cosine similarity s_j); a query without valid neighbours gets
    the uniform distribution.

    Args:
        neighbour_labels: int (N, k) label index of each neighbour; -1 = no neighbour.
        sims: float (N, k) cosine similarities.
        n_labels: C.
        tau: vote temperature (cosine units); eps: smoothing mass spread over all labels.

    Returns:
        float64 (N, C) rows summing to 1.
    """
    nl = np.asarray(neighbour_labels, np.int64)
    valid = nl >= 0
    w = _vote_weights(sims, valid, tau)
    total = w.sum(1, keepdims=True)
    share = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    out = np.zeros((nl.shape[0], n_labels), np.float64)
    rows = np.repeat(np.arange(nl.shape[0]), nl.shape[1])
    np.add.at(out, (rows[valid.ravel()], nl[valid]), share[valid])
    empty = total[:, 0] <= 0
    out = (1.0 - eps) * out + eps / n_labels
    out[empty] = 1.0 / n_labels
    return out


def knn_true_prob(
    neighbour_labels: np.ndarray,
    sims: np.ndarray,
    labels: np.ndarray,
    n_labels: int,
    tau: float,
    eps: float,
) -> np.ndarray:
    """:func:`knn_vote`'s probability of each query's true label, without the dense (N, C)."""
    nl = np.asarray(neighbour_labels, np.int64)
    valid = nl >= 0
    w = _vote_weights(sims, valid, tau)
    total = w.sum(1)
    hit = (w * (nl == np.asarray(labels)[:, None])).sum(1)
    share = np.divide(hit, total, out=np.zeros_like(hit), where=total > 0)
    p = (1.0 - eps) * share + eps / n_labels
    return np.where(total > 0, p, 1.0 / n_labels)


def fit_knn_vote(
    neighbour_labels: np.ndarray, sims: np.ndarray, labels: np.ndarray, n_labels: int
) -> tuple[float, float]:
    """(tau, eps) of :func:`knn_vote` with the least NLL of the true labels (grid search).

    Returns:
        The best pair from :data:`KNN_TAUS` x :data:`KNN_EPSILONS`; (:data:`DEFAULT_KNN_TAU`,
        :data:`DEFAULT_KNN_EPS`) for N = 0.
    """
    if len(labels) == 0:
        return DEFAULT_KNN_TAU, DEFAULT_KNN_EPS
    best = (np.inf, DEFAULT_KNN_TAU, DEFAULT_KNN_EPS)
    for tau in KNN_TAUS:
        for eps in KNN_EPSILONS:
            p = knn_true_prob(neighbour_labels, sims, labels, n_labels, tau, eps)
            nll = float(-np.log(np.maximum(p, _FLOOR)).mean())
            if nll < best[0]:
                best = (nll, tau, eps)
    return best[1], best[2]
