"""Augmentation: a pure function of (seed, epoch, index); batch mode equals per-image mode."""

import numpy as np
import pytest
import torch

from raster.data.augment import (
    DESIGN,
    FULL,
    MILD,
    N_PARAMS,
    apply_params,
    augment_batch,
    augment_image,
    draw_params,
)


def glyph_batch(b=6, s=64):
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(b, 1, s, s)
    for i in range(b):
        y0, x0 = torch.randint(8, 24, (2,), generator=g).tolist()
        x[i, 0, y0 : y0 + 24, x0 : x0 + 6 + 2 * i] = 1.0
    return x


def test_draw_is_pure_and_keyed_by_seed_epoch_index():
    a = draw_params(42, 3, [5, 9, 11])
    assert a.shape == (3, N_PARAMS)
    np.testing.assert_array_equal(a, draw_params(42, 3, [5, 9, 11]))
    np.testing.assert_array_equal(a[1], draw_params(42, 3, [9])[0])  # independent of the batch
    assert not np.allclose(a, draw_params(42, 4, [5, 9, 11]))  # new epoch, new draw
    assert not np.allclose(a, draw_params(43, 3, [5, 9, 11]))
    assert not np.allclose(a[0], a[1])


def test_ranges_and_mild_is_smaller():
    full = draw_params(1, 0, range(2000))
    mild = draw_params(1, 0, range(2000), mild=True)
    assert np.abs(full[:, :2]).max() <= FULL.translate
    assert np.abs(mild[:, :2]).max() <= MILD.translate
    for col in (0, 2, 3, 4, 5, 6):
        assert np.abs(mild[:, col]).max() < np.abs(full[:, col]).max()
    assert full[:, 7].min() >= FULL.ink_min and mild[:, 7].min() >= MILD.ink_min
    assert 0.2 < (full[:, 8] > 0).mean() < 0.4  # blur probability 0.3


def test_zero_params_are_identity():
    x = glyph_batch()
    p = np.zeros((len(x), N_PARAMS))
    p[:, 7] = 1.0  # full ink
    torch.testing.assert_close(apply_params(x, p), x, atol=1e-5, rtol=0)


def test_translation_moves_ink_right_and_down_no_flip():
    x = glyph_batch(1)
    p = np.zeros((1, N_PARAMS))
    p[0, 7] = 1.0
    p[0, 0], p[0, 1] = 8 / 64, 4 / 64  # 8 px right, 4 px down
    y = apply_params(x, p)
    torch.testing.assert_close(y[0, 0, 4:, 8:], x[0, 0, :-4, :-8], atol=1e-5, rtol=0)


def test_stroke_weight_and_blur():
    x = glyph_batch(1)
    base = np.zeros((1, N_PARAMS))
    base[0, 7] = 1.0
    thick, thin, blur = base.copy(), base.copy(), base.copy()
    thick[0, 5], thin[0, 5], blur[0, 8] = 1.0, -1.0, 0.8
    s = x.sum().item()
    assert apply_params(x, thick).sum().item() > 1.2 * s
    assert apply_params(x, thin).sum().item() < 0.8 * s
    yb = apply_params(x, blur)
    assert yb.sum().item() == pytest.approx(s, rel=0.01) and yb.max() < 1.0


def test_batch_mode_equals_dataset_mode():
    x = glyph_batch()
    idx = torch.tensor([3, 17, 4, 99, 0, 12])
    batch = augment_batch(x, 42, 2, idx)
    for j in range(len(x)):
        one = augment_image(x[j], 42, 2, int(idx[j]))
        torch.testing.assert_close(batch[j], one, atol=1e-5, rtol=0)
    assert batch.min() >= 0 and batch.max() <= 1
    assert not torch.allclose(batch, augment_batch(x, 42, 3, idx))
    torch.testing.assert_close(batch, augment_batch(x, 42, 2, idx), atol=0, rtol=0)


def test_rejects_bad_shapes():
    with pytest.raises(ValueError):
        augment_batch(torch.zeros(2, 3, 8, 8), 0, 0, [0, 1])
    with pytest.raises(ValueError):
        augment_batch(torch.zeros(2, 1, 16, 16), 0, 0, [0])


def test_design_preset_draws_width_and_height_and_keeps_the_other_draws():
    design = draw_params(1, 0, range(2000), design=True)
    full = draw_params(1, 0, range(2000))
    assert (
        np.abs(design[:, 9]).max() <= DESIGN.width and np.abs(design[:, 10]).max() <= DESIGN.height
    )
    assert np.abs(design[:, 9]).max() > 0.9 * DESIGN.width  # the range is used
    assert (full[:, 9:] == 0).all()  # full and mild never change proportions
    assert np.abs(design[:, 4]).max() > np.abs(full[:, 4]).max()  # more slant
    assert 0.75 < (design[:, 5] != 0).mean() < 0.85  # stroke change probability 0.8
    # the first 11 draws are those of the other presets (a naive reference)
    u = np.random.default_rng([1, 0, 7]).random(13)
    assert full[7, 0] == (2 * u[0] - 1) * FULL.translate
    assert design[7, 9] == (2 * u[11] - 1) * DESIGN.width
    assert design[7, 10] == (2 * u[12] - 1) * DESIGN.height
    np.testing.assert_array_equal(design, draw_params(1, 0, range(2000), design=True))


def test_width_scale_widens_ink_only_horizontally():
    x = torch.zeros(1, 1, 64, 64)
    x[0, 0, 22:42, 26:38] = 1.0  # 12 px wide, 20 px tall, centred
    p = np.zeros((1, N_PARAMS))
    p[0, 7] = 1.0
    p[0, 9] = np.log(1.5)
    y = apply_params(x, p)[0, 0] > 0.5
    cols = y.any(0).nonzero().flatten()
    rows = y.any(1).nonzero().flatten()
    assert (cols.max() - cols.min() + 1).item() == 18  # 12 px * 1.5
    assert (rows.max() - rows.min() + 1).item() == 20  # height unchanged
    q = np.zeros((1, N_PARAMS))
    q[0, 7] = 1.0
    q[0, 10] = np.log(0.5)
    z = apply_params(x, q)[0, 0] > 0.5
    rows = z.any(1).nonzero().flatten()
    assert (rows.max() - rows.min() + 1).item() == 10


def test_design_batch_equals_dataset_mode():
    x = glyph_batch()
    idx = torch.tensor([3, 17, 4, 99, 0, 12])
    batch = augment_batch(x, 42, 2, idx, design=True)
    for j, i in enumerate(idx.tolist()):
        torch.testing.assert_close(batch[j], augment_image(x[j], 42, 2, i, design=True))
    assert not torch.allclose(batch, augment_batch(x, 42, 2, idx))


@pytest.mark.parametrize("size", [32, 64, 128])
def test_fast_grid_and_window_max_equal_the_torch_ops_bit_for_bit(size):
    # apply_params' affine grid and 3x3 dilation/erosion are faster forms of F.affine_grid
    # and F.max_pool2d: training must not change by a single bit.
    import torch.nn.functional as F

    from raster.data.augment import _affine_grid, _sampling_theta, _window_max

    for epoch in range(4):
        p = torch.as_tensor(
            draw_params(7, epoch, range(64), design=epoch % 2 == 1), dtype=torch.float32
        )
        theta = _sampling_theta(p)
        want = F.affine_grid(theta, [64, 1, size, size], align_corners=False)
        assert torch.equal(_affine_grid(theta, size), want)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(5, 1, size, size, generator=g) * (
        torch.rand(5, 1, size, size, generator=g) > 0.5
    )
    assert torch.equal(_window_max(x, -float("inf")), F.max_pool2d(x, 3, 1, 1))
    assert torch.equal(_window_max(x, float("inf")), -F.max_pool2d(-x, 3, 1, 1))


def test_strength_scales_every_draw_towards_no_change():
    full = draw_params(7, 1, range(50))
    identity = np.zeros(N_PARAMS)
    identity[7] = 1.0  # full ink
    np.testing.assert_array_equal(draw_params(7, 1, range(50), strength=1.0), full)
    np.testing.assert_array_equal(
        draw_params(7, 1, range(50), strength=0.0), np.tile(identity, (50, 1))
    )
    half = draw_params(7, 1, range(50), strength=0.5)
    np.testing.assert_allclose(half, identity + 0.5 * (full - identity), rtol=0, atol=1e-15)
    x = glyph_batch()
    idx = torch.arange(len(x))
    torch.testing.assert_close(augment_batch(x, 7, 1, idx, strength=0.0), x, atol=1e-5, rtol=0)


def test_batch_mode_equals_dataset_mode_at_a_strength():
    x = glyph_batch()
    idx = torch.tensor([3, 17, 4, 99, 0, 12])
    batch = augment_batch(x, 42, 2, idx, strength=0.3)
    for j in range(len(x)):
        one = augment_image(x[j], 42, 2, int(idx[j]), strength=0.3)
        torch.testing.assert_close(batch[j], one, atol=1e-5, rtol=0)
