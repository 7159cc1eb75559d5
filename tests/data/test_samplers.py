"""Samplers: order is a pure function of (seed, epoch); m-per-class batches hold positives."""

import numpy as np
import pytest

from raster.data.samplers import EpochShuffleSampler, MPerClassSampler


def test_shuffle_is_a_permutation_per_epoch_and_repeatable():
    s = EpochShuffleSampler(50, seed=1)
    s.set_epoch(0)
    a = list(s)
    s.set_epoch(1)
    b = list(s)
    assert sorted(a) == list(range(50)) and sorted(b) == list(range(50)) and a != b
    s2 = EpochShuffleSampler(50, seed=1)
    s2.set_epoch(1)
    assert list(s2) == b


def test_m_per_class_batches():
    labels = np.repeat(np.arange(20), [1, 2, 3, 7, 9] * 4)
    s = MPerClassSampler(labels, m=4, batch_size=16, seed=0)
    assert len(s) == (len(labels) // 16) * 16
    for epoch in range(3):
        s.set_epoch(epoch)
        idx = np.array(list(s))
        assert len(idx) == len(s)
        for batch in idx.reshape(-1, 16):
            labs = labels[batch]
            uniq, counts = np.unique(labs, return_counts=True)
            assert len(uniq) == 4 and (counts == 4).all()
    s.set_epoch(5)
    first = list(s)
    s.set_epoch(5)
    assert list(s) == first


def test_m_per_class_rejects_bad_sizes():
    with pytest.raises(ValueError, match="multiple"):
        MPerClassSampler(np.zeros(10, int), m=3, batch_size=16, seed=0)
    with pytest.raises(ValueError, match="cannot fill"):
        MPerClassSampler(np.arange(2), m=2, batch_size=8, seed=0)


@pytest.mark.parametrize("kind", ["shuffle", "m-per-class"])
def test_rank_shares_make_up_the_global_batches(kind):
    labels = np.repeat(np.arange(12), 9)
    world, local = 2, 8

    def make(batch, replicas, rank):
        if kind == "shuffle":
            return EpochShuffleSampler(
                len(labels), seed=3, batch_size=batch, num_replicas=replicas, rank=rank
            )
        return MPerClassSampler(
            labels, m=4, batch_size=batch, seed=3, num_replicas=replicas, rank=rank
        )

    single = make(local * world, 1, 0)
    ranks = [make(local, world, r) for r in range(world)]
    for s in [single, *ranks]:
        s.set_epoch(2)
    glob = np.array(list(single))
    parts = [np.array(list(r)) for r in ranks]
    assert all(len(p) == len(r) for p, r in zip(parts, ranks, strict=False))
    n_batches = len(parts[0]) // local
    for k in range(n_batches):
        combined = np.concatenate([p[k * local : (k + 1) * local] for p in parts])
        assert (combined == glob[k * local * world : (k + 1) * local * world]).all()
