"""Precise-BN recalibration: running stats become the average over the given images."""

import torch

from raster.engine.loop import recalibrate_batchnorm
from raster.models.glyph_net import ModelConfig, build_model


def test_running_mean_equals_batch_mean_average():
    torch.manual_seed(0)
    model = build_model(ModelConfig(num_classes=3, img_size=32))
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    first = bns[0]
    for bn in bns:  # stale statistics, as an EMA left behind by fast-moving weights
        bn.running_mean.fill_(5.0)
        bn.running_var.fill_(100.0)
    batches = [{"image": torch.rand(8, 1, 32, 32), "index": torch.arange(8)} for _ in range(3)]
    seen = []
    handle = first.register_forward_hook(lambda mod, inp, out: seen.append(inp[0].detach()))
    used = recalibrate_batchnorm(model, batches, device=torch.device("cpu"), max_samples=16)
    handle.remove()
    assert used == 16 and len(seen) == 2  # stops once max_samples images are used
    dims = [0] + list(range(2, seen[0].ndim))
    expected = torch.stack([s.mean(dim=dims) for s in seen]).mean(0)
    assert torch.allclose(first.running_mean, expected, atol=1e-5)
    assert all(bn.momentum is not None for bn in bns)  # momentum restored
