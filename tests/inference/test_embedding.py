"""data_config: a checkpoint's stored DataConfig and the re-parsed args of older ones agree."""

import dataclasses
from types import SimpleNamespace

import pytest

from raster.data.pipeline import DataConfig
from raster.data.render import RasterConfig
from raster.inference.embedding import SELECTION_KEYS, data_config

RUN = DataConfig(
    db="train/glyphs.db",
    limit=500,
    val_frac=0.2,
    seed=7,
    img_size=64,
    min_label_count=3,
    label_regex="^16",
    font_disjoint=True,
    pre_raster_mmap=True,
    pre_raster_workers=2,
    augment_mode="batch",
    mild_augment=True,
)
# What train stored in "args" before checkpoints had a data_config (plus non-data flags).
ARGS = {
    **{k: v for k, v in RUN.to_dict().items() if k != "augment_mode"},
    "augment_mode": "batch",
    "no_augment": False,
    "epochs": 3,
    "arcface_scale": 30.0,
}


def loaded(ckpt: dict) -> SimpleNamespace:
    return SimpleNamespace(ckpt=ckpt, raster=RasterConfig(img_size=64, normalization="em"))


@pytest.mark.parametrize("training_selection", [True, False])
@pytest.mark.parametrize("limit", [None, 40])
def test_stored_config_and_old_args_give_the_same_settings(training_selection, limit):
    kw = dict(training_selection=training_selection, limit=limit)
    new = data_config(loaded({"data_config": RUN.to_dict(), "args": ARGS}), "other.db", **kw)
    old = data_config(loaded({"args": ARGS}), "other.db", **kw)
    assert new == old
    assert str(new.db) == "other.db" and new.augment_mode == "none"
    assert new.pre_rasterize and new.preraster_stable and new.pre_raster_workers == 2
    assert new.limit == (limit if limit is not None else (500 if training_selection else 0))
    if training_selection:
        assert (new.seed, new.val_frac, new.label_regex, new.font_disjoint) == (7, 0.2, "^16", True)
    else:
        defaults = DataConfig(db="x")
        for key in set(SELECTION_KEYS) - {"limit", "val_frac"}:
            assert getattr(new, key) == getattr(defaults, key), key
        assert new.val_frac == 0.0


def test_stored_config_wins_over_args():
    stored = dataclasses.replace(RUN, seed=11).to_dict()
    cfg = data_config(
        loaded({"data_config": stored, "args": ARGS}), "d.db", training_selection=True
    )
    assert cfg.seed == 11
    # the checkpoint's raster config decides the images, whatever the data config says
    stored["img_size"] = 128
    cfg = data_config(loaded({"data_config": stored}), "d.db", training_selection=True)
    assert cfg.img_size == 64
