"""ArcFace logits and loss against a naive per-element computation."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from raster.losses import ArcFaceHead, arcface_logits, arcface_loss


def naive_arcface(features, weight, labels, scale, margin, easy_margin=False):
    """Per-element: angle by acos, the margin added to the target's angle."""
    f = features.double().tolist()
    w = weight.double().tolist()
    out = []
    for b, row in enumerate(f):
        nf = math.sqrt(sum(x * x for x in row))
        logits = []
        for c, wc in enumerate(w):
            nw = math.sqrt(sum(x * x for x in wc))
            cos = sum(x * y for x, y in zip(row, wc, strict=True)) / (nf * nw)
            if c == labels[b] and margin > 0:
                theta = math.acos(max(-1.0, min(1.0, cos)))
                if easy_margin:
                    cos = math.cos(theta + margin) if cos > 0 else cos
                elif theta + margin < math.pi:
                    cos = math.cos(theta + margin)
                else:
                    cos = cos - margin * math.sin(margin)
            logits.append(scale * cos)
        out.append(logits)
    return torch.tensor(out, dtype=torch.float64)


def data(seed=0, b=12, f=8, c=5):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(b, f, generator=g, dtype=torch.float64),
        torch.randn(c, f, generator=g, dtype=torch.float64),
        torch.randint(0, c, (b,), generator=g),
    )


@pytest.mark.parametrize("margin", [0.0, 0.2, 0.5, 1.2])
@pytest.mark.parametrize("easy_margin", [False, True])
def test_logits_equal_naive(margin, easy_margin):
    feats, weight, labels = data(1)
    got = arcface_logits(feats, weight, labels, 30.0, margin, easy_margin)
    want = naive_arcface(feats, weight, labels.tolist(), 30.0, margin, easy_margin)
    assert torch.allclose(got, want, atol=1e-9, rtol=0)


def test_margin_zero_is_scaled_cosine_softmax_ce():
    feats, weight, labels = data(2)
    cos = F.normalize(feats, dim=1) @ F.normalize(weight, dim=1).t()
    assert torch.allclose(arcface_logits(feats, weight, None, 16.0), 16.0 * cos, atol=1e-12)
    loss = arcface_loss(feats, weight, labels, scale=16.0, margin=0.0, label_smoothing=0.1)
    assert loss.item() == pytest.approx(
        F.cross_entropy(16.0 * cos, labels, label_smoothing=0.1).item(), abs=1e-12
    )


def test_margin_lowers_only_the_target_logit():
    feats, weight, labels = data(3)
    plain = arcface_logits(feats, weight, labels, 30.0, 0.0)
    marg = arcface_logits(feats, weight, labels, 30.0, 0.3)
    target = F.one_hot(labels, weight.shape[0]).bool()
    assert torch.equal(plain[~target], marg[~target])
    assert (marg[target] < plain[target]).all()


def test_finite_gradients_at_cos_plus_minus_one():
    weight = torch.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    feats = torch.tensor([[2.0, 0.0], [-3.0, 0.0]], requires_grad=True)  # cos = +1 and -1
    labels = torch.tensor([0, 0])
    loss = arcface_loss(feats, weight, labels, scale=30.0, margin=0.5)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(feats.grad).all() and torch.isfinite(weight.grad).all()
    logits = arcface_logits(feats.detach(), weight.detach(), labels, 30.0, 0.5)
    # cos = 1: cos(0 + m), within the documented 1e-3 * sin(m) clamp error
    assert logits[0, 0].item() == pytest.approx(30.0 * math.cos(0.5), abs=30.0 * 1e-3)
    # cos = -1: past pi - m, the linear fallback cos - m sin m
    assert logits[1, 0].item() == pytest.approx(30.0 * (-1.0 - 0.5 * math.sin(0.5)), abs=1e-4)


def test_gradcheck_float64():
    feats, weight, labels = data(4, b=4, f=3, c=3)
    feats.requires_grad_()
    weight.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda f, w: arcface_loss(f, w, labels, scale=4.0, margin=0.3), (feats, weight)
    )


def test_head_module():
    torch.manual_seed(0)
    head = ArcFaceHead(8, 5, scale=10.0, margin=0.4)
    feats, _, labels = data(5)
    feats = feats.float()
    with_labels = head(feats, labels)
    assert with_labels.shape == (12, 5)
    # inference (no labels) gives plain scaled cosines
    assert torch.allclose(head(feats), arcface_logits(feats, head.weight, None, 10.0), atol=1e-6)
    with_labels.sum().backward()
    assert head.weight.grad is not None
    with pytest.raises(ValueError):
        arcface_logits(feats, head.weight, None, 10.0, 0.4)
