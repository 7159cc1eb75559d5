"""Optimizer and learning-rate schedule: AdamW with backbone/head groups, per-step warmup."""

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
    """AdamW with two groups, ``backbone`` and ``head``; no decay on biases and norms."""
    head_ids = {id(p) for p in model.head_parameters()}
    groups: dict[str, list] = {
        "backbone": [],
        "backbone_no_decay": [],
        "head": [],
        "head_no_decay": [],
    }
    for _name, param in model.named_parameters():
        part = "head" if id(param) in head_ids else "backbone"
        # 1-D tensors are biases and norm scales: decaying them only hurts.
        suffix = "_no_decay" if param.ndim <= 1 else ""
        groups[part + suffix].append(param)
    lrs = {"backbone": lr_backbone, "head": lr_head}
    param_groups = []
    for key, params in groups.items():
        part = key.split("_")[0]
        param_groups.append(
            {
                "params": params,
                "lr": lrs[part],
                "weight_decay": 0.0 if key.endswith("no_decay") else weight_decay,
                "name": key,
            }
        )
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
