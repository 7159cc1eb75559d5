"""The timm-free LeViT forward gives timm's outputs, and inference loads it without timm."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from raster.models.glyph_net import ModelConfig, build_model
from raster.models.levit_infer import FusedGlyphNet, supports


def _randomized(model: torch.nn.Module, seed: int) -> dict:
    """The model's state dict with every float tensor random (BatchNorm statistics, the
    attention biases and the zero-initialised BN scales included), so that a folded or
    mis-indexed tensor cannot hide behind an init value."""
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for k, v in model.state_dict().items():
        if not v.is_floating_point():
            sd[k] = v
        elif k.endswith("running_var"):
            sd[k] = torch.rand(v.shape, generator=g) + 0.5
        else:
            sd[k] = torch.randn(v.shape, generator=g) * 0.2
    return sd


@pytest.mark.parametrize(
    ("backbone", "img_size"), [("levit_128s", 64), ("levit_128s", 32), ("levit_192", 48)]
)
def test_fused_forward_equals_timm(backbone, img_size):
    config = ModelConfig(num_classes=11, backbone=backbone, img_size=img_size, embed_dim=16)
    timm_model = build_model(config)
    sd = _randomized(timm_model, seed=img_size)
    timm_model.load_state_dict(sd)
    timm_model.eval()
    fused = FusedGlyphNet(config, sd)
    images = torch.rand((5, 1, img_size, img_size), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = timm_model(images)
    got = fused(images)
    for key in ("features", "logits", "embedding"):
        torch.testing.assert_close(got[key], want[key], rtol=1e-4, atol=1e-4)
    assert got["logits"].shape == (5, 11) and got["embedding"].shape == (5, 16)


def test_unsupported_backbones_and_missing_heads_are_refused():
    assert supports("levit_128s") and not supports("resnet18")
    config = ModelConfig(num_classes=3, backbone="levit_128s", img_size=32, embed_dim=8)
    sd = {k: v for k, v in build_model(config).state_dict().items() if k != "classifier.bias"}
    with pytest.raises(KeyError, match="classifier.bias"):
        FusedGlyphNet(config, sd)


def test_identification_imports_no_timm():
    code = (
        "import sys, raster.inference.pipeline, raster.inference.predict, raster.pdf.glyph_text;"
        "print(sorted(m for m in ('timm', 'torchvision', 'torch._dynamo') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
