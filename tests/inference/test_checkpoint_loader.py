"""load_model: a checkpoint whose raster config disagrees with its model is refused."""

import identify_helpers
import pytest

from raster.engine.checkpoint import load_checkpoint, save_checkpoint
from raster.inference.checkpoint_loader import CheckpointError, load_model


def test_load_and_img_size_mismatch(tmp_path):
    ckpt_path = identify_helpers.tiny_run()["ckpt"]
    loaded = load_model(ckpt_path)
    assert loaded.img_size == identify_helpers.IMG
    assert sorted(loaded.index_to_label) == sorted(loaded.ckpt["label_to_index"])
    assert all(
        loaded.ckpt["label_to_index"][lab] == i for i, lab in enumerate(loaded.index_to_label)
    )
    ckpt = load_checkpoint(ckpt_path)
    ckpt["raster_config"] = {**ckpt["raster_config"], "img_size": 64}
    ckpt.pop("format")
    bad = save_checkpoint(tmp_path / "bad.pt", ckpt)
    with pytest.raises(CheckpointError, match="raster img_size 64 but the model expects 32 px"):
        load_model(bad)
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_model(tmp_path / "junk.pt")
