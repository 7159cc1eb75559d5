"""The reference index's searches: exact, and over inverted lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from raster.inference.reference import InvertedLists, ReferenceIndex, train_inverted_lists


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _index(vectors: np.ndarray) -> ReferenceIndex:
    meta = [{"glyph_id": i, "f_id": "f", "label": f"L{i % 7}"} for i in range(len(vectors))]
    return ReferenceIndex(Path("ref"), {}, vectors, meta)


def _naive_knn(q: np.ndarray, refs: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(q @ refs.T), axis=1, kind="stable")[:, :k]


def test_lists_are_each_rows_nearest_centroid():
    x = _unit(np.random.default_rng(0).normal(size=(600, 8)))
    inv = train_inverted_lists(x, 6, nprobe=2)
    assert inv.centroids.shape == (6, 8) and inv.lists.shape == (600,) and inv.nprobe == 2
    assert np.array_equal(inv.lists, np.argmax(x @ inv.centroids.T, axis=1))


def test_visiting_every_list_is_the_exact_search():
    rng = np.random.default_rng(1)
    x, q = _unit(rng.normal(size=(500, 16))), _unit(rng.normal(size=(40, 16)))
    exact = _index(x)
    idx_e, sims_e = exact.search(q, 5)
    assert np.array_equal(idx_e, _naive_knn(q, x, 5))
    approx = _index(x)
    inv = train_inverted_lists(x, 8, nprobe=8)
    approx.inverted = inv
    idx_a, sims_a = approx.search(q, 5)
    assert np.array_equal(idx_a, idx_e)
    assert np.allclose(sims_a, sims_e, atol=1e-5)


def test_few_lists_visited_miss_only_far_rows():
    rng = np.random.default_rng(2)
    centres = _unit(rng.normal(size=(10, 16)))
    x = _unit(np.repeat(centres, 50, axis=0) + 0.05 * rng.normal(size=(500, 16)))
    q = _unit(centres + 0.05 * rng.normal(size=(10, 16)))
    index = _index(x)
    lists = np.argmax(x @ centres.T, axis=1).astype(np.int32)  # each cluster its own list
    index.inverted = InvertedLists(centres, lists, nprobe=1)
    idx, _ = index.search(q, 5)
    assert np.array_equal(np.sort(idx, 1), np.sort(_naive_knn(q, x, 5), 1))


def test_fewer_rows_than_k_pad_with_minus_one():
    x = _unit(np.random.default_rng(3).normal(size=(3, 4)))
    index = _index(x)
    index.inverted = InvertedLists(x[:1].copy(), np.zeros(3, np.int32), 1)
    idx, sims = index.search(x[:2], 3)
    assert idx.shape == (2, 3) and set(idx[0].tolist()) == {0, 1, 2}
    idx, sims = index.search(np.zeros((0, 4), np.float32), 3)
    assert idx.shape == (0, 3)
