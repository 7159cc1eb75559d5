"""Our SupCon is the guide's log-of-sum over positives, not PML's mean of log-probabilities.

Hand-made batch: 2-D unit vectors from angles (radians). Per anchor i with positives P(i) and
candidates A(i) = every j != i, with p_ij = exp(s_ij / T) / sum_{a in A(i)} exp(s_ia / T):
ours ``-log sum_{p in P(i)} p_ip``; PML's ``-(1 / |P(i)|) sum_{p in P(i)} log p_ip``. They agree
when every anchor has exactly one positive and differ as soon as one has two, so nobody
"fixes" the loss into the library's without noticing.
"""

from __future__ import annotations

import math

import pytest
import torch

from raster.losses import supervised_contrastive_loss

T = 0.5
ANGLES = [0.0, 0.3, 1.2, 2.0, 2.2, 3.5]
LABELS = [0, 0, 0, 1, 1, 2]  # anchors 0-2 have two positives; 5 has none (not an anchor)
ONE_POSITIVE = [0, 0, 1, 1, 2, 2]


def unit_vectors(angles: list[float]) -> torch.Tensor:
    a = torch.tensor(angles, dtype=torch.float64)
    return torch.stack([a.cos(), a.sin()], dim=1)


def _log_probs(angles: list[float], i: int) -> dict[int, float]:
    """log p_ij over the candidates j != i (cosine of unit vectors = cos of the angle gap)."""
    s = {j: math.cos(angles[i] - angles[j]) / T for j in range(len(angles)) if j != i}
    log_den = math.log(sum(math.exp(v) for v in s.values()))
    return {j: v - log_den for j, v in s.items()}


def _mean_over_anchors(angles: list[float], labels: list[int], anchor_loss) -> float:
    """Mean over the anchors that have a positive of ``anchor_loss(positives' log p_ip)``."""
    out = []
    for i in range(len(angles)):
        lp = _log_probs(angles, i)
        pos = [lp[j] for j in lp if labels[j] == labels[i]]
        if pos:
            out.append(anchor_loss(pos))
    return sum(out) / len(out)


def naive_log_of_sum(angles: list[float], labels: list[int]) -> float:
    """The guide's form: mean over anchors of -log(sum of the positives' probabilities)."""
    return _mean_over_anchors(angles, labels, lambda pos: -math.log(sum(math.exp(v) for v in pos)))


def naive_mean_of_log(angles: list[float], labels: list[int]) -> float:
    """PML's SupConLoss form: mean over anchors of -(mean of the positives' log-probabilities)."""
    return _mean_over_anchors(angles, labels, lambda pos: -sum(pos) / len(pos))


def ours(labels: list[int]) -> float:
    return supervised_contrastive_loss(unit_vectors(ANGLES), torch.tensor(labels), T).item()


def test_ours_is_the_log_of_the_summed_positive_probability():
    assert ours(LABELS) == pytest.approx(naive_log_of_sum(ANGLES, LABELS), rel=1e-12)
    assert ours(ONE_POSITIVE) == pytest.approx(naive_log_of_sum(ANGLES, ONE_POSITIVE), rel=1e-12)


def test_it_differs_from_the_mean_of_log_probabilities():
    mean_of_log = naive_mean_of_log(ANGLES, LABELS)
    # Jensen: -log(sum_p p) = -log|P| - log(mean_p p) <= -mean_p(log p) - log|P|
    assert ours(LABELS) < mean_of_log - 0.1
    # with one positive per anchor the two forms are the same number
    assert ours(ONE_POSITIVE) == pytest.approx(naive_mean_of_log(ANGLES, ONE_POSITIVE), rel=1e-12)


def test_pml_supcon_is_the_mean_of_log_form():
    losses = pytest.importorskip("pytorch_metric_learning.losses")
    pml = losses.SupConLoss(temperature=T)
    emb = unit_vectors(ANGLES)
    for labels in (LABELS, ONE_POSITIVE):
        got = pml(emb, torch.tensor(labels)).item()
        assert got == pytest.approx(naive_mean_of_log(ANGLES, labels), rel=1e-9)
    assert pml(emb, torch.tensor(LABELS)).item() > ours(LABELS) + 0.1
