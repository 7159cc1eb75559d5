"""Supervised contrastive loss (the guide's Fix #1): the log of the summed positive probability.

Deliberately not pytorch-metric-learning's ``SupConLoss`` (a mean of log-probabilities): see
:func:`supervised_contrastive_loss` and ``tests/losses/test_supcon_vs_pml.py``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SupConLoss", "positive_anchor_fraction", "supervised_contrastive_loss"]


def _check_inputs(embeddings: torch.Tensor, labels: torch.Tensor) -> None:
    if embeddings.ndim != 2:
        raise ValueError(f"embeddings must be (B, D); got shape {tuple(embeddings.shape)}")
    if labels.ndim != 1 or labels.shape[0] != embeddings.shape[0]:
        raise ValueError(
            f"labels must be (B,) with B={embeddings.shape[0]}; got shape {tuple(labels.shape)}"
        )


def supervised_contrastive_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    temperature: float = 0.07,
    anchor_rows: slice | None = None,
) -> torch.Tensor:
    """Supervised contrastive loss of L2-normalized embeddings, exactly as the guide defines it.

    For each anchor ``i`` with at least one positive (``j != i`` with ``labels[j] == labels[i]``)::

        loss_i = logsumexp_{j != i}(s_ij / T) - logsumexp_{j in pos(i)}(s_ij / T),  s = e @ e.T

    which is ``-log(sum_pos exp(s_ij/T) / sum_{j != i} exp(s_ij/T))`` without the guide's
    ``+ 1e-8`` terms (they bias the value by up to several percent at T = 0.07, because the
    row max it subtracts is the self-similarity). ``logsumexp`` subtracts its own row max, so
    the computation is stable for any temperature. No in-place op touches an autograd tensor.

    This is the log of the *summed* positive probability ``p_ij = exp(s_ij/T) / sum_{a != i}
    exp(s_ia/T)``, on purpose (the guide's definition; Khosla et al. 2020's L_in less its
    constant ``log |P(i)|``, so the same gradients). pytorch-metric-learning's ``SupConLoss``
    is their L_out, ``-(1/|P(i)|) sum_{j in pos(i)} log p_ij``: by Jensen at least
    ``loss_i + log |P(i)|``, equal to ``loss_i`` only for anchors with one positive. Do not
    swap one for the other without retuning (``tests/losses/test_supcon_vs_pml.py``).

    Args:
        embeddings: (B, D) float tensor, expected L2-normalized (cosine similarity = dot
            product); not re-normalized here. Computed in float32 at least (float64 stays
            float64), so it is safe under bf16/fp16 autocast.
        labels: (B,) integer tensor; samples with equal labels are positives of each other.
        temperature: T > 0, divides the similarities.
        anchor_rows: only these rows are anchors (all rows stay candidates). Distributed
            training passes the rank's own rows of the gathered global batch, so memory is
            O(B_local x B_global) instead of O(B_global^2). None = every row.

    Returns:
        Scalar tensor: the mean of ``loss_i`` over anchors that have at least one positive.
        When no anchor has one, exactly 0 and still connected to ``embeddings`` (so
        ``backward()`` works and yields zero gradients).
    """
    _check_inputs(embeddings, labels)
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0; got {temperature}")
    emb = embeddings if embeddings.dtype == torch.float64 else embeddings.float()
    b = emb.shape[0]
    rows = torch.arange(b, device=emb.device)
    if anchor_rows is not None:
        rows = rows[anchor_rows]
    is_self = rows[:, None] == torch.arange(b, device=emb.device)[None, :]  # (R, B)
    positives = (labels[rows][:, None] == labels[None, :]) & ~is_self  # (R, B)
    has_positive = positives.any(dim=1)  # (R,)
    if not bool(has_positive.any()):
        return embeddings.sum() * 0.0
    # Only rows of anchors with a positive: every such row has a finite entry in both
    # logsumexps, so no all -inf row can produce a NaN gradient.
    anchors = emb[rows[has_positive]]  # (A, D)
    logits = anchors @ emb.t() / temperature  # (A, B)
    log_all = torch.logsumexp(logits.masked_fill(is_self[has_positive], float("-inf")), dim=1)
    log_pos = torch.logsumexp(logits.masked_fill(~positives[has_positive], float("-inf")), dim=1)
    return (log_all - log_pos).mean()


def positive_anchor_fraction(labels: torch.Tensor) -> float:
    """Share of the batch's samples that have at least one positive (another same label).

    Args:
        labels: (B,) integer tensor (or anything ``torch.as_tensor`` accepts).

    Returns:
        A float in [0, 1]; 0.0 for an empty batch.
    """
    labels = torch.as_tensor(labels)
    if labels.numel() == 0:
        return 0.0
    _, inverse, counts = torch.unique(labels, return_inverse=True, return_counts=True)
    return float((counts[inverse] >= 2).double().mean().item())


class SupConLoss(nn.Module):
    """``nn.Module`` form of :func:`supervised_contrastive_loss`: ``(embeddings (B, D), labels (B,)) -> scalar``.

    Args:
        temperature: T > 0 (the guide's default 0.07).
    """

    def __init__(self, temperature: float = 0.07) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0; got {temperature}")
        self.temperature = float(temperature)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return supervised_contrastive_loss(embeddings, labels, self.temperature)

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}"
