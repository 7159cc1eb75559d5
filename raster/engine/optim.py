"""Optimizer and learning-rate schedule: AdamW with backbone/head groups, per-step warmup.

The schedule stays a ``LambdaLR`` over :class:`ScheduleConfig` rather than a timm scheduler:
the time-budget schedule (:mod:`raster.engine.schedule`) needs a factor that reads the training
clock at every step, which timm's epoch/step schedulers cannot express, and both schedules
share one ``LambdaLR`` shape (and one checkpoint format) this way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from raster.models.glyph_net import GlyphNet


@dataclass(frozen=True)
class ScheduleConfig:
    """Per-step learning-rate multiplier.

    Attributes:
        total_steps: optimizer steps over the whole run.
        warmup_frac: share of ``total_steps`` spent ramping linearly from ~0 to 1.
        kind: ``constant`` (1 after warmup) or ``cosine`` (1 -> ``min_factor``).
        min_factor: floor of the cosine schedule.
        head_bump_step: from this step on the head group's factor is multiplied by
            ``head_bump_factor`` (the user's ``--head-lr-bump-epoch``); None = never.
        head_bump_factor: see above.
    """

    total_steps: int
    warmup_frac: float = 0.05
    kind: str = "cosine"
    min_factor: float = 0.01
    head_bump_step: int | None = None
    head_bump_factor: float = 1.0

    def factor(self, step: int) -> float:
        """Multiplier of the base learning rate at optimizer step ``step`` (0-based)."""
        warmup = max(0, int(round(self.warmup_frac * self.total_steps)))
        if warmup and step < warmup:
            return (step + 1) / warmup
        if self.kind == "constant":
            return 1.0
        if self.kind != "cosine":
            raise ValueError(f"unknown lr schedule {self.kind!r} (constant|cosine)")
        span = max(1, self.total_steps - warmup)
        progress = min(1.0, (step - warmup) / span)
        return self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * progress))

    def head_factor(self, step: int) -> float:
        bump = self.head_bump_step is not None and step >= self.head_bump_step
        return self.factor(step) * (self.head_bump_factor if bump else 1.0)


def build_optimizer(
    model: GlyphNet, lr_backbone: float, lr_head: float, weight_decay: float
) -> torch.optim.AdamW:
    """AdamW with the groups ``backbone``, ``backbone_no_decay``, ``head``, ``head_no_decay``.

    Each part is split by timm's ``param_groups_weight_decay`` (biases and norm scales get no
    decay: decaying them only hurts). The order of the groups is fixed, so a ``--resume`` of a
    run whose flags are unchanged finds its optimizer state where it left it.
    """
    from timm.optim import param_groups_weight_decay  # lazily: inference never needs timm

    head = torch.nn.ModuleList([model.classifier, model.embed_head])  # = model.head_parameters()
    param_groups = []
    for part, module, lr in (("backbone", model.backbone, lr_backbone), ("head", head, lr_head)):
        groups = param_groups_weight_decay(module, weight_decay)
        for group in sorted(groups, key=lambda g: g["weight_decay"] == 0.0):  # decayed first
            suffix = "_no_decay" if group["weight_decay"] == 0.0 else ""
            param_groups.append({**group, "lr": lr, "name": part + suffix})
    return torch.optim.AdamW(param_groups, lr=lr_backbone)


def build_scheduler(
    optimizer: torch.optim.Optimizer, schedule: ScheduleConfig
) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step LambdaLR; call ``scheduler.step()`` after every optimizer step."""
    lambdas = [
        schedule.head_factor if group["name"].startswith("head") else schedule.factor
        for group in optimizer.param_groups
    ]
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambdas)


def current_lrs(optimizer: torch.optim.Optimizer) -> dict[str, float]:
    """``{'lr_backbone': ..., 'lr_head': ...}`` as the optimizer has them now."""
    out = {}
    for group in optimizer.param_groups:
        out.setdefault("lr_" + group["name"].split("_")[0], group["lr"])
    return out
