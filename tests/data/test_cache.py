"""Pre-raster cache: alignment for any worker count, fingerprints, reuse, killed builds."""

import json

import numpy as np
import pytest
from glyphdb import make_db

from raster.data import cache as cache_mod
from raster.data.cache import load_or_build, sidecar_paths
from raster.data.render import RasterConfig, render_contours
from raster.data.selection import SelectionConfig, select_glyphs


@pytest.fixture
def table(tmp_path):
    db = make_db(tmp_path / "g.db", n_labels=8, per_label=8)
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    return t


DEFAULT = RasterConfig()


def build(t, path=None, cfg=DEFAULT, **kw):
    return load_or_build(t.outlines, t.upems, t.glyph_ids, t.content_keys, cfg, path=path, **kw)


def assert_aligned(pr, t, cfg=DEFAULT):
    for i in range(len(t)):
        want = render_contours(t.outlines[i], t.upems[i], cfg)
        got = np.asarray(pr.images[int(pr.rows[i])])
        if got.dtype == np.float32:
            np.testing.assert_allclose(got, want / 255.0, atol=1e-6)
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("workers", [0, 2])
def test_image_i_is_render_of_glyph_i(table, tmp_path, monkeypatch, workers):
    monkeypatch.setattr(cache_mod, "CHUNK", 7)  # many small chunks finishing out of order
    pr = build(table, tmp_path / "c.memmap", workers=workers)
    assert pr.built
    assert_aligned(pr, table)
    # every glyph renders differently, so the check above would catch any shuffle
    flat = {np.asarray(pr.images[i]).tobytes() for i in range(len(table))}
    assert len(flat) == len(table)


def test_in_ram_float32(table):
    pr = build(table, dtype="float32", workers=0)
    assert pr.images.dtype == np.float32 and pr.path is None
    assert_aligned(pr, table)


def test_reuse_and_fingerprint_mismatch_rebuilds(table, tmp_path):
    path = tmp_path / "c.memmap"
    assert build(table, path).built
    again = build(table, path)
    assert not again.built
    assert_aligned(again, table)
    # another glyph set, another size, another normalization, other content: all rebuild
    sub = table.subset(np.arange(0, len(table), 2))
    assert build(sub, path).built
    assert_aligned(build(sub, path), sub)
    assert build(sub, path, cfg=RasterConfig(img_size=64)).built
    assert build(sub, path, cfg=RasterConfig(img_size=64, normalization="fit")).built
    changed = sub.subset(np.arange(len(sub)))
    changed.content_keys = changed.content_keys.copy()
    changed.content_keys[3] += 1
    assert build(changed, path, cfg=RasterConfig(img_size=64, normalization="fit")).built
    # a tampered sidecar (e.g. other rasterizer version) also rebuilds
    side, _ = sidecar_paths(path)
    meta = json.loads(side.read_text())
    meta["raster_version"] = -1
    side.write_text(json.dumps(meta))
    assert build(changed, path, cfg=RasterConfig(img_size=64, normalization="fit")).built


def test_stable_reuses_superset_cache(table, tmp_path):
    path = tmp_path / "c.memmap"
    build(table, path)
    sub = table.subset([1, 5, 6, 30])
    pr = build(sub, path, stable=True)
    assert not pr.built and pr.rows.tolist() == [1, 5, 6, 30]
    assert_aligned(pr, sub)
    assert build(sub, path, stable=False).built  # without stable, the exact set must match


def test_killed_build_leaves_no_complete_looking_cache(table, tmp_path, monkeypatch):
    path = tmp_path / "c.memmap"
    build(table, path)  # a complete cache of the full table exists
    sub = table.subset(np.arange(10))
    calls = {"n": 0}
    real = cache_mod._render_chunk

    def dying(task):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed mid-build")
        return real(task)

    monkeypatch.setattr(cache_mod, "_render_chunk", dying)
    monkeypatch.setattr(cache_mod, "CHUNK", 4)
    with pytest.raises(KeyboardInterrupt):
        build(sub, path)
    side, ids = sidecar_paths(path)
    leftovers = sorted(p.name for p in tmp_path.iterdir() if ".tmp" in p.name)
    assert leftovers == []
    # the old, complete cache is untouched and still valid for its own selection ...
    monkeypatch.setattr(cache_mod, "_render_chunk", real)
    assert not build(table, path).built
    # ... and the interrupted selection is built from scratch next time
    pr = build(sub, path)
    assert pr.built
    assert_aligned(pr, sub)


def test_kill_during_swap_never_reuses_wrong_data(table, tmp_path, monkeypatch):
    path = tmp_path / "c.memmap"
    build(table, path)
    sub = table.subset(np.arange(10))
    real_replace = cache_mod.os.replace

    def replace(src, dst):
        real_replace(src, dst)
        if str(dst) == str(path):
            raise KeyboardInterrupt("killed after moving the data file")

    monkeypatch.setattr(cache_mod.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        build(sub, path)
    monkeypatch.setattr(cache_mod.os, "replace", real_replace)
    side, _ = sidecar_paths(path)
    assert not side.exists()
    assert build(table, path).built  # no sidecar: rebuild, never a reuse of the wrong images
