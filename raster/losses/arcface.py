"""ArcFace: cosine logits with an additive angular margin on the target class.

``logit_c = s * cos(theta_c)`` for every class, except the target's, which becomes
``s * cos(theta_y + m)``; with ``m = 0`` this is a scaled cosine softmax.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "DEFAULT_ARCFACE_MARGIN",
    "DEFAULT_ARCFACE_SCALE",
    "ArcFaceHead",
    "arcface_logits",
    "arcface_loss",
]

# The user's defaults: s = 30 multiplies every cosine; m = 0 (radians) is a plain cosine softmax.
DEFAULT_ARCFACE_SCALE = 30.0
DEFAULT_ARCFACE_MARGIN = 0.0

# 1 - cos^2 is clamped from below by this before the square root: the gradient of sqrt is
# unbounded at 0 (cos = +-1); below the clamp the gradient through sin is 0, and the value of
# sin is off by at most sqrt(_SIN2_EPS) = 1e-3, only within 1e-3 rad of cos = +-1.
_SIN2_EPS = 1e-6


def arcface_logits(
    features: torch.Tensor,
    weight: torch.Tensor,
    labels: torch.Tensor | None = None,
    scale: float = DEFAULT_ARCFACE_SCALE,
    margin: float = DEFAULT_ARCFACE_MARGIN,
    easy_margin: bool = False,
) -> torch.Tensor:
    """Scaled cosine logits with ArcFace's additive angular margin on the target class.

    Features and class weights are L2-normalized here, so ``cos_c`` is the cosine between a
    feature and class ``c``'s weight. For the target class ``y`` with ``m > 0`` the cosine is
    replaced by ``cos(theta_y + m) = cos*cos(m) - sin*sin(m)``. Where ``theta_y + m`` would pass
    pi the penalty is no longer monotonic, so (ArcFace's usual rule) for
    ``cos_y <= cos(pi - m)`` the target uses ``cos_y - m*sin(m)`` instead; with
    ``easy_margin`` the margin is only applied where ``cos_y > 0``.

    Args:
        features: (B, F) float tensor (any norm).
        weight: (C, F) class weights (any norm).
        labels: (B,) int64 class indices in [0, C); may be None when ``margin == 0``
            (inference: plain scaled cosines).
        scale: s, multiplies every logit (the user's default :data:`DEFAULT_ARCFACE_SCALE`).
        margin: m in radians, >= 0 (the user's default 0).
        easy_margin: apply the margin only where ``cos_y > 0``.

    Returns:
        (B, C) logits, in float32 at least (float64 stays float64).
    """
    if features.ndim != 2 or weight.ndim != 2 or features.shape[1] != weight.shape[1]:
        raise ValueError(
            f"features (B, F) and weight (C, F) must agree; got {tuple(features.shape)} "
            f"and {tuple(weight.shape)}"
        )
    if margin < 0:
        raise ValueError(f"margin must be >= 0; got {margin}")
    dtype = torch.float64 if features.dtype == torch.float64 else torch.float32
    cos = F.normalize(features.to(dtype), dim=1) @ F.normalize(weight.to(dtype), dim=1).t()
    cos = cos.clamp(-1.0, 1.0)  # rounding can leave |cos| a hair above 1
    if margin == 0.0:
        return scale * cos
    if labels is None:
        raise ValueError("labels are required when margin > 0")
    if labels.shape != (features.shape[0],):
        raise ValueError(f"labels must be (B,) = ({features.shape[0]},); got {tuple(labels.shape)}")
    target = labels.long()[:, None]
    cos_y = cos.gather(1, target)  # (B, 1)
    sin_y = torch.sqrt((1.0 - cos_y * cos_y).clamp_min(_SIN2_EPS))
    with_margin = cos_y * math.cos(margin) - sin_y * math.sin(margin)
    if easy_margin:
        cos_y_new = torch.where(cos_y > 0, with_margin, cos_y)
    else:
        threshold = math.cos(math.pi - margin)
        cos_y_new = torch.where(cos_y > threshold, with_margin, cos_y - margin * math.sin(margin))
    # scatter (out of place) puts the margin-adjusted cosine in the target column only.
    return scale * cos.scatter(1, target, cos_y_new)


def arcface_loss(
    features: torch.Tensor,
    weight: torch.Tensor,
    labels: torch.Tensor,
    scale: float = DEFAULT_ARCFACE_SCALE,
    margin: float = DEFAULT_ARCFACE_MARGIN,
    easy_margin: bool = False,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Mean cross-entropy of :func:`arcface_logits` (same arguments).

    Args:
        features: (B, F). weight: (C, F). labels: (B,) int64 in [0, C).
        scale, margin, easy_margin: see :func:`arcface_logits`.
        label_smoothing: passed to ``torch.nn.functional.cross_entropy``.

    Returns:
        Scalar tensor.
    """
    logits = arcface_logits(features, weight, labels, scale, margin, easy_margin)
    return F.cross_entropy(logits, labels.long(), label_smoothing=label_smoothing)


class ArcFaceHead(nn.Module):
    """A class-weight matrix that produces ArcFace logits: ``(features (B, F), labels (B,) | None) -> (B, C)``.

    Without labels (or with ``margin == 0``) it returns plain scaled cosines, which is what
    inference should use (the margin exists only to make training harder).

    Args:
        in_features: F. num_classes: C.
        scale, margin, easy_margin: see :func:`arcface_logits`.
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        scale: float = DEFAULT_ARCFACE_SCALE,
        margin: float = DEFAULT_ARCFACE_MARGIN,
        easy_margin: bool = False,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_classes, in_features))
        nn.init.xavier_uniform_(self.weight)
        self.scale = float(scale)
        self.margin = float(margin)
        self.easy_margin = bool(easy_margin)

    def forward(self, features: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        margin = self.margin if labels is not None else 0.0
        return arcface_logits(features, self.weight, labels, self.scale, margin, self.easy_margin)

    def extra_repr(self) -> str:
        c, f = self.weight.shape
        return (
            f"in_features={f}, num_classes={c}, scale={self.scale}, margin={self.margin}, "
            f"easy_margin={self.easy_margin}"
        )
