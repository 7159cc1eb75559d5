"""Model smoke tests: shapes, unit-norm embeddings, every parameter gets a gradient."""

import pytest
import torch
import torch.nn.functional as F

from raster.losses import supervised_contrastive_loss
from raster.models.glyph_net import ModelConfig, build_model


@pytest.mark.parametrize(
    "backbone,img_size",
    [("levit_128s", 32), ("resnet18", 40), ("mobilenetv3_small_100", 64)],  # MobileNet: 576 -> 1024
)
def test_forward_shapes_and_gradients(backbone, img_size):
    torch.manual_seed(0)
    model = build_model(ModelConfig(num_classes=7, backbone=backbone, img_size=img_size))
    x = torch.rand(8, 1, img_size, img_size)
    out = model(x)
    assert out["logits"].shape == (8, 7)
    assert out["embedding"].shape == (8, 128)
    assert out["features"].shape == (8, model.feature_dim)
    assert all(torch.isfinite(v).all() for v in out.values())
    assert torch.allclose(out["embedding"].norm(dim=1), torch.ones(8), atol=1e-5)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    loss = F.cross_entropy(out["logits"], labels) + 0.3 * supervised_contrastive_loss(
        out["embedding"], labels
    )
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert missing == []


def test_fix3_classifier_is_plain_linear():
    model = build_model(ModelConfig(num_classes=1000, img_size=32))
    assert type(model.classifier) is torch.nn.Linear
    assert model.classifier.in_features == 384
    assert model.classifier.bias.abs().max() == 0
    assert model.classifier.weight.std().item() == pytest.approx(0.02, rel=0.05)
    assert not hasattr(model.backbone, "head_dist")


@pytest.mark.parametrize(("margin", "cosine"), [(0.0, False), (0.3, True)])
def test_inference_head_is_the_models_own(tmp_path, margin, cosine):
    """A checkpoint's inference logits come from its model (linear, or the scaled cosines of
    an ArcFace run, which predate ModelConfig.cosine_scale in their args), not from a training
    LossConfig; the timm model and the fused one answer alike."""
    from raster.engine.checkpoint import load_trained_model, save_checkpoint
    from raster.losses.arcface import arcface_logits
    from raster.models.levit_infer import FusedGlyphNet

    torch.manual_seed(0)
    config = ModelConfig(num_classes=5, img_size=32, embed_dim=8)
    model = build_model(config).eval()
    old_config = {k: v for k, v in config.to_dict().items() if k != "cosine_scale"}
    args = {"arcface_margin": margin, "arcface_scale": 16.0}
    path = save_checkpoint(
        tmp_path / "m.pt", {"model": model.state_dict(), "model_config": old_config, "args": args}
    )
    x = torch.rand(3, 1, 32, 32)
    for inference_only in (False, True):
        loaded, _ = load_trained_model(path, inference_only=inference_only)
        assert isinstance(loaded, FusedGlyphNet) == inference_only
        assert loaded.config.cosine_scale == (16.0 if cosine else 0.0)
        with torch.no_grad():
            logits, emb = loaded.infer(x)
            out = model(x)
        want = (
            arcface_logits(out["features"], model.classifier.weight, None, 16.0)
            if cosine
            else out["logits"]
        )
        torch.testing.assert_close(logits, want, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(emb, out["embedding"], rtol=1e-4, atol=1e-4)
