"""Checkpoints: atomic, weights-only loadable, RNG states round-trip."""

import random

import numpy as np
import pytest
import torch

from raster.engine.checkpoint import (
    load_checkpoint,
    plain,
    rng_state,
    save_checkpoint,
    set_rng_state,
)


def test_roundtrip_and_rng_restore(tmp_path):
    random.seed(3)
    np.random.seed(3)
    torch.manual_seed(3)
    state = rng_state()
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    path = save_checkpoint(
        tmp_path / "c.pt",
        {
            "model": {"w": torch.ones(2)},
            "rng_state": state,
            "args": plain({"db": tmp_path, "x": np.float32(1.5)}),
        },
    )
    assert not (tmp_path / "c.pt.tmp").exists()
    ckpt = load_checkpoint(path)
    assert ckpt["args"] == {"db": str(tmp_path), "x": 1.5}
    set_rng_state(ckpt["rng_state"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_foreign_and_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "none.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.pt"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"other": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a glyph-raster checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
