"""The data path end to end: alignment proof, items, label map, augmentation with workers."""

import argparse
import dataclasses
import json
import sqlite3

import numpy as np
import pytest
import torch
from glyphdb import make_db
from torch.utils.data import DataLoader

from raster.data import cache as cache_mod
from raster.data.augment import augment_batch
from raster.data.pipeline import DEFAULT_AUGMENT_MODE, DataConfig, add_data_args, build_datasets
from raster.data.render import RasterConfig, render_contours

BAD = [
    (900, "font0", "1572_isol", "{oops"),
    (901, "font1", "1573_isol", '[[["moveTo",[0,0]],["lineTo",[1e999,1]]]]'),
    (902, "font2", "1570_isol", '[[["moveTo",[0,0]],["hop",[1,1]]]]'),
]


@pytest.fixture
def db(tmp_path):
    # label j has 2 + j glyphs: --min-label-count 4 removes labels 0 and 1
    path = make_db(tmp_path / "g.db", n_labels=12, per_label=9, extra_rows=BAD)
    conn = sqlite3.connect(path)
    conn.execute(
        "DELETE FROM glyphs WHERE glyph_id % 9 > (CAST(substr(label, 1, 4) AS INT) - 1570) + 1 AND glyph_id < 900"
    )
    conn.commit()
    conn.close()
    return path


def db_rows(db):
    conn = sqlite3.connect(db)
    rows = {
        g: (label, text, upem)
        for g, label, text, upem in conn.execute(
            "SELECT g.glyph_id, g.label, g.contours, f.upem FROM glyphs g JOIN fonts f ON f.file_hash = g.f_id"
        )
    }
    conn.close()
    return rows


def cfg_for(db, tmp_path, **kw):
    # dataset mode: the datasets augment their own items, which these tests check
    base = dict(
        db=db,
        limit=80,
        seed=7,
        min_label_count=4,
        val_frac=0.25,
        img_size=64,
        augment_mode="dataset",
    )
    base.update(kw)
    return DataConfig(**base)


@pytest.mark.parametrize(
    "mode",
    [
        dict(pre_rasterize=False),
        dict(pre_rasterize=True, pre_raster_workers=0),
        dict(pre_rasterize=True, pre_raster_workers=2),
        dict(pre_raster_mmap=True, pre_raster_workers=2),
        dict(pre_raster_mmap=True, pre_raster_workers=0, pre_raster_dtype="float32"),
    ],
)
def test_alignment_proof(db, tmp_path, monkeypatch, mode):
    """Image i is the render of item i's glyph, and label i is that glyph's DB label."""
    monkeypatch.setattr(cache_mod, "CHUNK", 5)  # chunks finish out of order with 2 workers
    if mode.get("pre_raster_mmap"):
        mode = dict(mode, pre_raster_mmap_path=tmp_path / "cache" / "c.memmap")
    b = build_datasets(cfg_for(db, tmp_path, **mode), out_dir=tmp_path / "run")
    rows = db_rows(db)
    assert b.info["dropped_malformed"] == 3 and b.info["sampled"] == 80
    seen = set()
    raster = RasterConfig(img_size=64)
    for ds in (b.train, b.val):
        assert ds.augment is False or ds is b.train
        for i in range(len(ds)):
            gid = int(ds.glyph_ids[i])
            label, text, upem = rows[gid]
            assert gid < 900 and gid not in seen
            seen.add(gid)
            assert b.index_to_label[ds.labels[i]] == label
            want = render_contours(text, upem, raster).astype(np.float32) / 255.0
            got = ds.image_tensor(i)[0].numpy()
            np.testing.assert_allclose(got, want, atol=1e-6)
            item = ds[i] if ds is b.val else None
            if item is not None:
                assert item["glyph_id"] == gid and item["label"] == ds.labels[i]
                np.testing.assert_allclose(item["image"][0].numpy(), want, atol=1e-6)
    assert len(seen) == len(b.train) + len(b.val) == b.info["selected"]
    counts = {}
    for g in seen:
        counts[rows[g][0]] = counts.get(rows[g][0], 0) + 1
    assert min(counts.values()) >= 4  # min-label-count applied before the split/cache


def test_items_label_map_and_groups(db, tmp_path):
    b = build_datasets(cfg_for(db, tmp_path, augment_mode="none"), out_dir=tmp_path / "run")
    m = json.loads((tmp_path / "run" / "label_to_index.json").read_text())
    assert m == b.label_to_index
    assert [b.index_to_label[v] for v in m.values()] == list(m)
    item = b.train[0]
    assert set(item) == {"image", "label", "group", "glyph_id", "index"}
    assert item["image"].shape == (1, 64, 64) and item["image"].dtype == torch.float32
    assert 0 <= item["image"].min() and item["image"].max() <= 1 and item["image"].max() > 0.99
    assert item["group"] == b.group_of_label[item["label"]]
    assert b.train.labels.dtype == np.int64 and len(b.train.labels) == len(b.train)
    assert set(b.group_names) == {"BEH", "cc_arabic_letter"}


def test_same_seed_same_selection(db, tmp_path):
    a = build_datasets(cfg_for(db, tmp_path))
    b = build_datasets(cfg_for(db, tmp_path))
    assert np.array_equal(a.train.glyph_ids, b.train.glyph_ids)
    assert np.array_equal(a.val.glyph_ids, b.val.glyph_ids)


def collect(ds, workers, epoch, persistent=False, loader=None):
    ds.set_epoch(epoch)
    loader = loader or DataLoader(
        ds, batch_size=4, shuffle=False, num_workers=workers, persistent_workers=persistent
    )
    return torch.cat([batch["image"] for batch in loader]), loader


def test_augmentation_epochs_reruns_and_workers(db, tmp_path):
    b = build_datasets(cfg_for(db, tmp_path, pre_rasterize=True))
    ds = b.train
    assert ds.augment
    e0, _ = collect(ds, 0, epoch=0)
    e1, _ = collect(ds, 0, epoch=1)
    assert not torch.allclose(e0, e1)  # differs across epochs
    rerun = build_datasets(cfg_for(db, tmp_path, pre_rasterize=True))
    torch.testing.assert_close(collect(rerun.train, 0, epoch=1)[0], e1, atol=0, rtol=0)
    w2, _ = collect(ds, 2, epoch=1)
    torch.testing.assert_close(w2, e1, atol=1e-6, rtol=0)  # same with 2 workers
    # persistent workers see set_epoch too (shared epoch counter)
    p0, loader = collect(ds, 2, epoch=0, persistent=True)
    p1, _ = collect(ds, 2, epoch=1, loader=loader)
    torch.testing.assert_close(p0, e0, atol=1e-6, rtol=0)
    torch.testing.assert_close(p1, e1, atol=1e-6, rtol=0)
    # the val set is never augmented
    v = torch.stack([b.val.image_tensor(i) for i in range(len(b.val))])
    torch.testing.assert_close(collect(b.val, 0, epoch=3)[0], v)


def test_batch_mode_matches_dataset_mode(db, tmp_path):
    d = build_datasets(cfg_for(db, tmp_path, pre_rasterize=True, mild_augment=True))
    bb = build_datasets(
        cfg_for(db, tmp_path, pre_rasterize=True, mild_augment=True, augment_mode="gpu")
    )
    assert bb.augment_in_batch and not bb.train.augment and bb.config.augment_mode == "batch"
    d.train.set_epoch(5)
    batch = next(iter(DataLoader(bb.train, batch_size=8)))
    cfg = bb.config  # training calls augment_batch on each batch in batch mode
    out = augment_batch(batch["image"], cfg.seed, 5, batch["index"], mild=cfg.mild_augment)
    want = torch.stack([d.train[i]["image"] for i in range(8)])
    torch.testing.assert_close(out, want, atol=1e-5, rtol=0)
    assert not d.augment_in_batch  # dataset mode: the items are augmented already


def test_flags_round_trip(db, tmp_path):
    p = add_data_args(argparse.ArgumentParser())
    args = p.parse_args(
        [
            "--db",
            str(db),
            "--limit",
            "0",
            "--no-augment",
            "--pre-raster-mmap",
            "--drop-singletons",
            "--augment-mode",
            "gpu",
            "--img-size",
            "224",
        ]
    )
    cfg = DataConfig.from_args(args)
    assert cfg.augment_mode == "none" and cfg.pre_rasterize and cfg.limit == 0
    assert cfg.raster == RasterConfig(224, "em")
    d = p.parse_args(["--db", "x.db"])
    assert (d.limit, d.val_frac, d.seed, d.img_size, d.pre_raster_workers) == (
        30000,
        0.1,
        42,
        128,
        0,
    )
    assert (
        DataConfig.from_args(p.parse_args(["--db", "x", "--augment-mode", "gpu"])).augment_mode
        == "batch"
    )


def test_flag_defaults_are_the_config_defaults():
    args = add_data_args(argparse.ArgumentParser()).parse_args(["--db", "x.db"])
    assert DataConfig.from_args(args) == DataConfig(db="x.db")
    assert DataConfig(db="x.db").augment_mode == DEFAULT_AUGMENT_MODE == args.augment_mode


@pytest.mark.parametrize(
    "kw",
    [
        {},
        dict(
            limit=0,
            label_regex="^16",
            pre_raster_mmap_path="/tmp/c.memmap",
            augment_mode="dataset",
            design_augment=True,
            val_frac=0.2,
        ),
        dict(augment_mode="gpu", pre_raster_mmap=True, font_disjoint=True),
    ],
)
def test_config_dict_round_trip(kw):
    cfg = DataConfig(db="dir/g.db", **kw)
    d = cfg.to_dict()
    assert json.loads(json.dumps(d)) == d  # JSON-able (checkpoints and index.json keep it)
    back = DataConfig.from_dict(json.loads(json.dumps(d)))
    assert back == cfg and back.to_dict() == d
    assert {f.name for f in dataclasses.fields(DataConfig)} == set(d)
    with pytest.raises(ValueError, match="without db"):
        DataConfig.from_dict({k: v for k, v in d.items() if k != "db"})
    assert DataConfig.from_dict({**d, "from_the_future": 1}) == cfg  # ignored, logged


def test_mmap_cache_through_dataloader_workers(db, tmp_path):
    cfg = cfg_for(db, tmp_path, pre_raster_mmap_path=tmp_path / "c.memmap", augment_mode="none")
    b = build_datasets(cfg)
    assert b.info["cache_built"] and not build_datasets(cfg).info["cache_built"]
    w0, _ = collect(b.train, 0, epoch=0)
    w2, _ = collect(b.train, 2, epoch=0)
    torch.testing.assert_close(w2, w0, atol=0, rtol=0)
    ids = torch.cat([x["glyph_id"] for x in DataLoader(b.train, batch_size=4, num_workers=2)])
    assert ids.tolist() == b.train.glyph_ids.tolist()


def test_batched_items_equal_single_items(db, tmp_path):
    # A DataLoader asks for a batch with __getitems__; it must equal one item at a time.
    b = build_datasets(cfg_for(db, tmp_path, pre_rasterize=True, augment_mode="batch"))
    ds, picks = b.train, [3, 0, 7, 3, len(b.train) - 1]
    assert not ds.augment and ds.images is not None  # the batched path
    for got, i in zip(ds.__getitems__(picks), picks, strict=True):
        want = ds[i]
        assert got.keys() == want.keys()
        assert torch.equal(got["image"], want["image"]) and got["image"].shape == (1, 64, 64)
        assert all(got[k] == want[k] and type(got[k]) is int for k in got if k != "image")
    with pytest.raises(IndexError):
        ds.__getitems__([0, len(ds)])
