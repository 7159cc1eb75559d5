"""One training epoch and one evaluation pass: ``train_one_epoch(...) -> dict``, ``evaluate(...) -> dict``."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.optim.swa_utils import update_bn

from raster.engine.device import autocast
from raster.engine.distributed import (
    DistContext,
    all_gather_cat,
    all_reduce_sum,
    gather_for_contrastive,
)
from raster.engine.optim import current_lrs
from raster.errors import NonFiniteLossError
from raster.losses import (
    DEFAULT_ARCFACE_MARGIN,
    DEFAULT_ARCFACE_SCALE,
    arcface_logits,
    positive_anchor_fraction,
    supervised_contrastive_loss,
)
from raster.metrics.retrieval import evaluate_embeddings
from raster.models.glyph_net import GlyphNet
from raster.progress import progress_bar, progress_enabled  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)


@dataclass
class LossConfig:
    """How the batch loss is formed: ``ce + emb_weight * supcon``.

    Attributes:
        emb_weight: weight of the supervised contrastive term this epoch (logged every epoch).
        temperature: contrastive temperature.
        grouping: ``label`` (positives share a fine label) or ``hybrid`` (share a group:
            joining_group, else ``cc_`` + char_class).
        arcface_scale: ArcFace logit scale.
        arcface_margin: additive angular margin; 0 = plain linear classifier + CE.
        label_smoothing: cross-entropy label smoothing.
    """

    emb_weight: float = 0.3
    temperature: float = 0.07
    grouping: str = "label"
    arcface_scale: float = DEFAULT_ARCFACE_SCALE
    arcface_margin: float = DEFAULT_ARCFACE_MARGIN
    label_smoothing: float = 0.0


def class_logits(
    model: GlyphNet, out: dict, labels: torch.Tensor | None, cfg: LossConfig
) -> torch.Tensor:
    """Logits the classification loss and accuracy use: linear, or ArcFace cosine logits.

    With ``labels`` None (evaluation) ArcFace logits carry no margin.
    """
    if cfg.arcface_margin <= 0.0:
        return out["logits"]
    return arcface_logits(
        out["features"],
        model.classifier.weight,
        labels,
        scale=cfg.arcface_scale,
        margin=cfg.arcface_margin if labels is not None else 0.0,
    )


def _batch_losses(model, out: dict, labels, groups, cfg: LossConfig, ctx, contrastive_local):
    """(logits (B, C), cross-entropy, contrastive loss, the contrastive groups) of one batch's
    forward output; the contrastive term sees every rank's batch unless ``contrastive_local``."""
    out = {k: v.float() for k, v in out.items()}
    logits = class_logits(model, out, labels, cfg)
    ce_loss = F.cross_entropy(logits, labels, label_smoothing=cfg.label_smoothing)
    emb, emb_groups, rows = out["embedding"], groups, slice(None)
    if not contrastive_local:
        # Positives and negatives from every rank's batch (a no-op on one process).
        emb, emb_groups, rows = gather_for_contrastive(ctx, emb, groups)
    if cfg.emb_weight > 0:
        emb_loss = supervised_contrastive_loss(emb, emb_groups, cfg.temperature, anchor_rows=rows)
    else:
        emb_loss = torch.zeros((), device=logits.device)
    return logits, ce_loss, emb_loss, emb_groups


def _check_finite(ctx, loss, ce_loss, emb_loss, epoch: int, step: int) -> None:
    """Raise :class:`NonFiniteLossError` when the loss is NaN or infinite (on any rank)."""
    finite = bool(torch.isfinite(loss))
    if ctx.enabled:
        # Every rank stops together, or the healthy ones would wait in the next all-reduce.
        finite = all_reduce_sum(ctx, [float(not finite)])[0] == 0
    if not finite:
        raise NonFiniteLossError(
            f"epoch {epoch} step {step}: loss is {loss.item()} (ce {ce_loss.item()}, "
            f"emb {emb_loss.item()}); stopping, the last good checkpoint is kept"
        )


def _gradient_norms(model, grad_clip: float, log_now: bool) -> tuple[float, float] | None:
    """Clip to ``grad_clip`` (> 0) and return (clipped, unclipped) norms; without clipping the
    norm is computed only when ``log_now`` (it costs a pass over the gradients), else None."""
    params = [p for p in model.parameters() if p.grad is not None]
    if grad_clip > 0:
        # clip_grad_norm_ returns the norm before clipping; the clipped one is min(norm, clip).
        unclipped = float(torch.nn.utils.clip_grad_norm_(params, grad_clip))
        return min(unclipped, grad_clip), unclipped
    if not log_now:
        return None
    norm = float(
        torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params]))
    )
    return norm, norm


#: running sums of an epoch -> the record's sample-weighted means
_MEANS = {
    "loss": "train_loss",
    "ce": "ce_loss",
    "emb": "emb_loss",
    "correct": "train_acc",
    "pos": "pos_anchor_frac",
}


def _accumulate(sums: dict, loss, ce_loss, emb_loss, logits, labels, emb_groups) -> int:
    """Add one batch to the epoch's running sums (sample-weighted); returns its size."""
    bs = labels.shape[0]
    sums["loss"] += loss.item() * bs
    sums["ce"] += ce_loss.item() * bs
    sums["emb"] += emb_loss.item() * bs
    sums["correct"] += (logits.argmax(1) == labels).sum().item()
    sums["pos"] += positive_anchor_fraction(emb_groups) * bs
    return bs


def train_one_epoch(
    model: GlyphNet,
    loader,
    optimizer: torch.optim.Optimizer,
    scheduler,
    *,
    device: torch.device,
    epoch: int,
    loss_cfg: LossConfig,
    grad_clip: float = 0.0,
    amp: bool = True,
    batch_augment: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    log_interval: int = 200,
    progress: bool | None = None,
    should_stop: Callable[[], bool] | None = None,
    forward_model: torch.nn.Module | None = None,
    dist_ctx: DistContext | None = None,
    contrastive_local: bool = False,
) -> dict:
    """Train for one pass over ``loader``.

    Over 80 lines for its signature and this docstring; a step's losses, finiteness check,
    gradient norms and bookkeeping are the helpers above.

    Args:
        loader: yields dicts with ``image`` (B, 1, S, S) float in [0, 1], ``label`` (B,),
            ``group`` (B,) and ``index`` (B,) dataset indices.
        batch_augment: ``f(images, indices) -> images`` applied on ``device`` (the
            ``--augment-mode batch`` path); None when the dataset augments or nobody does.
        should_stop: polled after each step; True ends the epoch early (time budget).
        forward_model: the module to call (the DistributedDataParallel wrapper of ``model``);
            ``model`` itself is used for attributes (classifier weights). Default: ``model``.
        dist_ctx: distributed context; metrics are summed over ranks, and the contrastive
            loss sees the global batch unless ``contrastive_local``.

    Returns:
        ``train_loss``, ``ce_loss``, ``emb_loss`` (sample-weighted means), ``train_acc``,
        ``pos_anchor_frac`` (share of anchors with a positive in their batch),
        ``grad_norm``/``grad_norm_unclipped`` (last step), ``lr_*``, ``epoch_seconds``,
        ``samples_per_s``, ``steps``.

    Raises:
        NonFiniteLossError: the loss is NaN or infinite.
    """
    ctx = dist_ctx or DistContext(device=device)
    forward_model = model if forward_model is None else forward_model
    model.train()
    sums = {"loss": 0.0, "ce": 0.0, "emb": 0.0, "correct": 0.0, "pos": 0.0}
    seen = 0
    grad_norm = grad_unclipped = float("nan")
    progress = progress_enabled(progress)
    bar = progress_bar(loader, enabled=progress, desc=f"epoch {epoch}", leave=False)
    start = time.perf_counter()
    step = 0
    for step, batch in enumerate(bar, start=1):
        images = batch["image"].to(device, non_blocking=True)
        labels = batch["label"].to(device, non_blocking=True)
        if batch_augment is not None:
            images = batch_augment(images, batch["index"])
        groups = labels if loss_cfg.grouping == "label" else batch["group"].to(device)
        with autocast(device, amp):
            out = forward_model(images)
        logits, ce_loss, emb_loss, emb_groups = _batch_losses(
            model, out, labels, groups, loss_cfg, ctx, contrastive_local
        )
        loss = ce_loss + loss_cfg.emb_weight * emb_loss
        _check_finite(ctx, loss, ce_loss, emb_loss, epoch, step)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        log_now = step % max(1, log_interval) == 0 or step == len(loader)
        norms = _gradient_norms(model, grad_clip, log_now)
        if norms is not None:
            grad_norm, grad_unclipped = norms
        optimizer.step()
        scheduler.step()  # per-step schedule: warmup and cosine are in optimizer steps

        seen += _accumulate(sums, loss, ce_loss, emb_loss, logits, labels, emb_groups)
        if step % max(1, log_interval) == 0:
            msg = (
                f"epoch {epoch} step {step}/{len(loader)} loss {sums['loss'] / seen:.4f} "
                f"ce {sums['ce'] / seen:.4f} emb {sums['emb'] / seen:.4f}"
            )
            if progress:
                bar.set_postfix_str(msg.split(" ", 4)[-1])
            else:
                log.info(msg)
        stop = should_stop is not None and should_stop()
        if ctx.enabled:
            stop = all_reduce_sum(ctx, [float(stop)])[0] > 0  # ranks must agree to stop
        if stop:
            break
    bar.close()
    seconds = time.perf_counter() - start
    keys = list(sums)
    totals = all_reduce_sum(ctx, [sums[k] for k in keys] + [float(seen)])
    sums, seen = dict(zip(keys, totals[:-1], strict=True)), int(totals[-1])
    denom = max(1, seen)
    means = {name: sums[key] / denom for key, name in _MEANS.items()}
    return {
        **means,
        "grad_norm": grad_norm,
        "grad_norm_unclipped": grad_unclipped,
        **current_lrs(optimizer),
        "epoch_seconds": seconds,
        "samples_per_s": seen / seconds if seconds > 0 else math.nan,
        "steps": step,
    }


@torch.no_grad()
def recalibrate_batchnorm(
    model: GlyphNet,
    loader,
    *,
    device: torch.device,
    max_samples: int = 2048,
    batch_augment: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    dist_ctx: DistContext | None = None,
) -> int:
    """Re-estimate BatchNorm running statistics with the current weights ("precise BN").

    LeViT normalizes with BatchNorm. During training the running statistics are an EMA over
    past batches computed with past weights; while the weights still move fast (early epochs,
    high learning rates) they lag far behind, and the model evaluated in eval mode collapses
    although it classifies well in train mode (measured on the guide's quick test: val loss
    33 with the EMA statistics, 3.9 with recomputed ones). Recomputing them on a few thousand
    training images before each evaluation fixes that; it changes no weight and no training
    step. torch's ``swa_utils.update_bn`` does the pass (cumulative average, momentum None).

    Args:
        loader: the training loader (its current epoch order); its first batches are used.
        max_samples: images per rank for the estimate.
        batch_augment: the same on-device augmentation as training, if any.

    Returns:
        Images used on this rank (0 when the model has no BatchNorm).
    """
    ctx = dist_ctx or DistContext(device=device)
    used = 0

    def images():
        nonlocal used
        for batch in loader:
            if used >= max_samples:
                return
            x = batch["image"].to(device, non_blocking=True)
            if batch_augment is not None:
                x = batch_augment(x, batch["index"])
            used += x.shape[0]
            yield x

    has_bn = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules())
    if not has_bn or max_samples <= 0:
        return 0
    update_bn(images(), model)
    if ctx.enabled:
        # Every rank estimated on its own shard: average, so replicas stay identical.
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                for buf in (module.running_mean, module.running_var):
                    dist.all_reduce(buf)
                    buf /= ctx.world_size
    return used


@torch.no_grad()
def evaluate(
    model: GlyphNet,
    loader,
    *,
    device: torch.device,
    loss_cfg: LossConfig,
    retrieval_cap: int = 3000,
    retrieval: bool = True,
    seed: int = 0,
    amp: bool = True,
    dist_ctx: DistContext | None = None,
) -> dict:
    """Validation loss and accuracy; retrieval metrics on up to ``retrieval_cap`` samples.

    In distributed runs each rank evaluates its shard; sums and embeddings are gathered, in
    dataset order, so every rank returns the same metrics as one process would.

    Returns:
        ``val_loss`` (plain CE), ``val_top1``, ``val_top5``; with ``retrieval`` also
        ``top10``, ``mrr``, ``effect_size`` and the rest of
        :func:`raster.metrics.retrieval.evaluate_embeddings` on a seeded random subset.
    """
    ctx = dist_ctx or DistContext(device=device)
    model.eval()
    n = 0
    loss_sum = top1 = top5 = 0.0
    embeddings, labels_all, indices_all = [], [], []
    for batch in loader:
        images = batch["image"].to(device, non_blocking=True)
        labels = batch["label"].to(device, non_blocking=True)
        with autocast(device, amp):
            out = model(images)
        out = {k: v.float() for k, v in out.items()}
        logits = class_logits(model, out, None, loss_cfg)
        loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
        k = min(5, logits.shape[1])
        topk = logits.topk(k, dim=1).indices
        top1 += (topk[:, 0] == labels).sum().item()
        top5 += (topk == labels[:, None]).any(1).sum().item()
        n += labels.shape[0]
        if retrieval:
            embeddings.append(out["embedding"])
            labels_all.append(labels)
            indices_all.append(batch["index"].to(device))
    loss_sum, top1, top5, n = all_reduce_sum(ctx, [loss_sum, top1, top5, float(n)])
    metrics = {
        "val_loss": loss_sum / max(1, n),
        "val_top1": top1 / max(1, n),
        "val_top5": top5 / max(1, n),
    }
    if retrieval and n:

        def local(parts, shape, dtype):  # a rank's shard may be empty
            return torch.cat(parts) if parts else torch.zeros(shape, dtype=dtype, device=device)

        emb = all_gather_cat(ctx, local(embeddings, (0, model.config.embed_dim), torch.float32))
        lab = all_gather_cat(ctx, local(labels_all, (0,), torch.long))
        order = all_gather_cat(ctx, local(indices_all, (0,), torch.long)).argsort()  # dataset order
        emb, lab = emb[order].cpu().numpy(), lab[order].cpu().numpy()
        if len(lab) > retrieval_cap > 0:
            pick = np.sort(
                np.random.default_rng(seed).choice(len(lab), retrieval_cap, replace=False)
            )
            emb, lab = emb[pick], lab[pick]
        found = evaluate_embeddings(emb, lab, k=10)
        metrics.update(
            top10=found["top_k_retrieval"],
            mrr=found["mrr"],
            effect_size=found["effect_size"],
            precision_at_1=found["precision_at_1"],
            retrieval_queries=found["num_evaluated"],
        )
    return metrics
