"""Learning-rate schedule and optimizer groups."""

import math

import pytest
import torch

from raster.engine.optim import ScheduleConfig, build_optimizer, build_scheduler, current_lrs
from raster.models.glyph_net import ModelConfig, build_model


def test_warmup_then_constant():
    s = ScheduleConfig(total_steps=100, warmup_frac=0.1, kind="constant")
    assert [s.factor(i) for i in range(3)] == pytest.approx([0.1, 0.2, 0.3])
    assert s.factor(9) == pytest.approx(1.0)
    assert s.factor(50) == 1.0 and s.factor(99) == 1.0


def test_cosine_ends_at_floor_and_is_monotone_after_warmup():
    s = ScheduleConfig(total_steps=100, warmup_frac=0.0, kind="cosine", min_factor=0.01)
    values = [s.factor(i) for i in range(101)]
    assert values[0] == pytest.approx(1.0)
    assert values[50] == pytest.approx(0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert values[100] == pytest.approx(0.01)
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))


def test_head_bump_applies_only_to_head_from_its_step():
    s = ScheduleConfig(
        total_steps=10, warmup_frac=0.0, kind="constant", head_bump_step=5, head_bump_factor=3.0
    )
    assert s.head_factor(4) == 1.0 and s.head_factor(5) == 3.0 and s.factor(5) == 1.0


def test_two_groups_and_scheduler_steps_lrs():
    model = build_model(ModelConfig(num_classes=5, img_size=32))
    opt = build_optimizer(model, lr_backbone=1e-3, lr_head=2e-3, weight_decay=0.05)
    head = {id(p) for p in model.head_parameters()}
    for group in opt.param_groups:
        is_head = group["name"].startswith("head")
        assert all((id(p) in head) == is_head for p in group["params"])
        if group["name"].endswith("no_decay"):
            assert group["weight_decay"] == 0.0 and all(p.ndim <= 1 for p in group["params"])
    n_params = sum(len(g["params"]) for g in opt.param_groups)
    assert n_params == len(list(model.parameters()))
    sched = build_scheduler(opt, ScheduleConfig(total_steps=10, warmup_frac=0.5, kind="constant"))
    assert current_lrs(opt) == pytest.approx({"lr_backbone": 1e-3 * 0.2, "lr_head": 2e-3 * 0.2})
    for _ in range(5):
        opt.step()
        sched.step()
    assert current_lrs(opt) == pytest.approx({"lr_backbone": 1e-3, "lr_head": 2e-3})
    with pytest.raises(ValueError):
        ScheduleConfig(total_steps=10, warmup_frac=0, kind="linear").factor(3)
    assert torch.is_tensor(next(model.parameters()))
