"""Losses: the guide's supervised contrastive loss and ArcFace (cross-entropy is torch's)."""

from raster.losses.arcface import (
    DEFAULT_ARCFACE_MARGIN,
    DEFAULT_ARCFACE_SCALE,
    ArcFaceHead,
    arcface_logits,
    arcface_loss,
)
from raster.losses.supcon import SupConLoss, positive_anchor_fraction, supervised_contrastive_loss

__all__ = [
    "DEFAULT_ARCFACE_MARGIN",
    "DEFAULT_ARCFACE_SCALE",
    "ArcFaceHead",
    "SupConLoss",
    "arcface_logits",
    "arcface_loss",
    "positive_anchor_fraction",
    "supervised_contrastive_loss",
]
