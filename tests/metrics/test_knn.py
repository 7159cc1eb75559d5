"""Exact chunked cosine kNN against brute force, exclusions, ties, and the faiss backend."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from raster.metrics import knn, l2_normalize


def brute_knn(q, r, k, exclude_self=False, qg=None, rg=None):
    """Python loops: sort by (-similarity, index); excluded refs never returned."""
    out_i, out_s = [], []
    for i in range(len(q)):
        cands = []
        for j in range(len(r)):
            if exclude_self and i == j:
                continue
            if qg is not None and qg[i] == rg[j]:
                continue
            cands.append((-float(np.dot(q[i].astype(np.float64), r[j])), j))
        cands.sort()
        top = cands[:k]
        out_i.append([j for _, j in top] + [-1] * (k - len(top)))
        out_s.append([-s for s, _ in top] + [-np.inf] * (k - len(top)))
    return np.array(out_i), np.array(out_s)


def tie_vectors(n=40, d=4, seed=0):
    """Entries in {-1, -0.5, 0, 0.5, 1}: every dot product is exact, so ties are exact."""
    rng = np.random.default_rng(seed)
    return (rng.integers(-2, 3, size=(n, d)) / 2).astype(np.float32)


def test_l2_normalize_numpy_and_torch():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    y = l2_normalize(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [[0.6, 0.8], [0.0, 0.0]], atol=1e-7)
    t = l2_normalize(torch.from_numpy(x))
    assert isinstance(t, torch.Tensor)
    np.testing.assert_allclose(t.numpy(), y, atol=1e-7)


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_chunked_equals_brute_force_with_ties(chunk):
    x = tie_vectors()
    idx, sims = knn(x, None, 6, chunk_size=chunk)
    bi, bs = brute_knn(x, x, 6, exclude_self=True)
    np.testing.assert_array_equal(idx, bi)
    np.testing.assert_array_equal(sims, bs.astype(np.float32))
    # the data really has ties inside the top 6, so the index order is exercised
    assert any(len(set(row)) < len(row) for row in sims.tolist())


def test_separate_refs_and_no_self_exclusion():
    q = tie_vectors(10, seed=1)
    r = tie_vectors(30, seed=2)
    idx, sims = knn(q, r, 5, chunk_size=3)
    bi, bs = brute_knn(q, r, 5)
    np.testing.assert_array_equal(idx, bi)
    np.testing.assert_array_equal(sims, bs.astype(np.float32))


def test_same_group_exclusion_and_padding():
    x = tie_vectors(12, seed=3)
    groups = np.array(["a"] * 5 + ["b"] * 5 + ["c"] * 2)
    idx, sims = knn(x, None, 9, query_groups=groups, chunk_size=5)
    bi, bs = brute_knn(x, x, 9, True, groups, groups)
    np.testing.assert_array_equal(idx, bi)
    np.testing.assert_array_equal(sims, bs.astype(np.float32))
    for i in range(12):
        assert not any(groups[j] == groups[i] for j in idx[i] if j >= 0)
    # "a"/"b" queries have 7 candidates, so 2 empty slots each; "c" queries have 10
    assert (idx[:10, 7:] == -1).all() and np.isneginf(sims[:10, 7:]).all()
    assert (idx[10:] >= 0).all()


def test_k_larger_than_refs():
    x = tie_vectors(4, seed=4)
    idx, sims = knn(x, None, 10)
    assert idx.shape == (4, 4)
    assert (idx[:, 3] == -1).all()  # only 3 others exist


def test_faiss_backend_agrees_on_random_vectors():
    pytest.importorskip("faiss")
    rng = np.random.default_rng(5)
    x = l2_normalize(rng.normal(size=(300, 32)).astype(np.float32))
    groups = rng.integers(0, 6, size=300)
    for kwargs in ({}, {"query_groups": groups}):
        ti, ts = knn(x, None, 10, chunk_size=64, **kwargs)
        fi, fs = knn(x, None, 10, chunk_size=64, backend="faiss", **kwargs)
        np.testing.assert_array_equal(ti, fi)
        np.testing.assert_allclose(ts, fs, atol=1e-5)


def test_bad_input():
    x = tie_vectors(5)
    with pytest.raises(ValueError):
        knn(x, np.zeros((5, 3), dtype=np.float32), 2)
    with pytest.raises(ValueError):
        knn(x, None, 0)
    with pytest.raises(ValueError):
        knn(x, None, 2, backend="annoy")


def test_massive_ties_take_the_stable_sort_path():
    # 50 identical vectors and 50 others: every query ties with ~49 refs at its top
    rng = np.random.default_rng(6)
    x = np.concatenate([np.ones((50, 4)), rng.integers(-1, 1, size=(50, 4))]).astype(np.float32)
    idx, sims = knn(x, None, 3, chunk_size=16)
    bi, bs = brute_knn(x, x, 3, exclude_self=True)
    np.testing.assert_array_equal(idx, bi)
    np.testing.assert_array_equal(sims, bs.astype(np.float32))
    np.testing.assert_array_equal(idx[0], [1, 2, 3])  # lower index first among the tie


@pytest.mark.parametrize("tied", [23, 24, 25, 26])
@pytest.mark.parametrize("others", [0, 1, 5])
def test_ties_at_the_full_sort_threshold(tied, others):
    # k=2: rows with more than 4 * 2 + 16 = 24 candidates take the full stable sort
    rng = np.random.default_rng(tied * 10 + others)
    r = np.concatenate([np.ones((tied, 4)), rng.integers(-2, 0, size=(others, 4))])
    r = rng.permutation(r).astype(np.float32)
    q = np.ones((3, 4), np.float32)
    idx, sims = knn(q, r, 2)
    bi, bs = brute_knn(q, r, 2)
    np.testing.assert_array_equal(idx, bi)
    np.testing.assert_array_equal(sims, bs.astype(np.float32))
