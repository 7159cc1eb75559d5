"""--init-from: weights by name, classifier rows by label, new labels fresh."""

from __future__ import annotations

import pytest
import torch

from raster.engine.checkpoint import init_from, save_checkpoint
from raster.models.glyph_net import ModelConfig, build_model


def _ckpt(tmp_path, labels, img_size=32):
    torch.manual_seed(1)
    cfg = ModelConfig(num_classes=len(labels), img_size=img_size)
    model = build_model(cfg)
    path = save_checkpoint(
        tmp_path / "src.pt",
        {
            "model": {
                k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()
            },
            "model_config": cfg.to_dict(),
            "label_to_index": {lab: i for i, lab in enumerate(labels)},
        },
    )
    return model, path


def test_weights_and_classifier_rows_by_label(tmp_path):
    src, path = _ckpt(tmp_path, ["a", "b", "c"])
    torch.manual_seed(2)
    mine = {"c": 0, "new": 1, "a": 2}
    model = build_model(ModelConfig(num_classes=3, img_size=32))
    fresh_row = model.classifier.weight[1].detach().clone()
    got = init_from(model, path, mine)
    assert got == {"tensors": len(src.state_dict()), "labels_copied": 2, "labels_new": 1}
    for name, tensor in src.state_dict().items():
        if not name.startswith("classifier."):
            assert torch.equal(model.state_dict()[name], tensor.half().to(tensor.dtype)), name
    w, w_src = model.classifier.weight, src.classifier.weight.half().float()
    assert torch.equal(w[0], w_src[2]) and torch.equal(w[2], w_src[0])
    assert torch.equal(w[1], fresh_row)


def test_another_image_size_is_refused(tmp_path):
    _, path = _ckpt(tmp_path, ["a"], img_size=32)
    model = build_model(ModelConfig(num_classes=1, img_size=64))
    with pytest.raises(ValueError, match="img_size 32 differs from this run's 64"):
        init_from(model, path, {"a": 0})
