"""Batch samplers whose order is a pure function of (seed, epoch).

Written here rather than taken from torch or pytorch-metric-learning because both draw from a
global RNG: their order then depends on what ran before, and a resumed run would not repeat the
uninterrupted one. Each sampler has ``set_epoch(epoch)``, as torch's DistributedSampler does.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from torch.utils.data import Sampler


def _rank_share(order: np.ndarray, batch_size: int, num_replicas: int, rank: int) -> np.ndarray:
    """This rank's part of a global order: slice ``rank`` of every global batch.

    A global batch is ``batch_size * num_replicas`` consecutive items; rank r takes items
    ``[r * batch_size, (r + 1) * batch_size)`` of each, so the ranks' local batches together
    are exactly the batches a single process with the global batch size would see.
    """
    if num_replicas == 1:
        return order
    global_batch = batch_size * num_replicas
    whole = (len(order) // global_batch) * global_batch
    return order[:whole].reshape(-1, num_replicas, batch_size)[:, rank].reshape(-1)


class EpochShuffleSampler(Sampler[int]):
    """A fresh random permutation of ``range(n)`` every epoch, seeded by (seed, epoch).

    With ``num_replicas > 1`` (distributed training) each rank gets its share of every
    global batch of ``batch_size * num_replicas`` (incomplete global batches are dropped).
    """

    def __init__(
        self, n: int, seed: int, batch_size: int = 1, num_replicas: int = 1, rank: int = 0
    ):
        self.n = n
        self.seed = seed
        self.batch_size = batch_size
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        if self.num_replicas == 1:
            return self.n
        return (self.n // (self.batch_size * self.num_replicas)) * self.batch_size

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch, 0x5A17])
        order = rng.permutation(self.n)
        return iter(_rank_share(order, self.batch_size, self.num_replicas, self.rank).tolist())


class MPerClassSampler(Sampler[int]):
    """Indices in runs of ``m`` glyphs of one label, so every batch holds positives.

    With ``batch_size`` a multiple of ``m`` and the loader's ``drop_last=True``, every batch
    holds ``batch_size // m`` labels with ``m`` glyphs each (like pytorch-metric-learning's
    MPerClassSampler). Labels are visited in a shuffled round-robin; each label's glyphs are
    drawn from a per-label shuffled pool, refilled when empty (so labels with fewer than ``m``
    glyphs repeat some). One epoch yields ``len(labels)`` rounded down to whole batches.

    Args:
        labels: (N,) int label index per dataset item.
        m: glyphs per label per batch (>= 2 for positives).
        batch_size: the loader's (per-rank) batch size; must be a multiple of ``m``.
        seed: base seed; the order is a pure function of (seed, epoch).
        num_replicas, rank: distributed training: the global order is drawn for batches of
            ``batch_size * num_replicas`` and each rank takes its share of every one.
    """

    def __init__(
        self,
        labels: np.ndarray,
        m: int,
        batch_size: int,
        seed: int,
        num_replicas: int = 1,
        rank: int = 0,
    ):
        if m < 1 or batch_size % m:
            raise ValueError(f"batch size {batch_size} is not a multiple of m={m}")
        labels = np.asarray(labels)
        self.m = m
        self.local_batch = batch_size
        self.num_replicas = num_replicas
        self.rank = rank
        batch_size *= num_replicas  # the global order is drawn for global batches
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = 0
        order = np.argsort(labels, kind="stable")
        uniq, starts = np.unique(labels[order], return_index=True)
        bounds = [*starts[1:], len(order)]
        self.pools = [order[s:e] for s, e in zip(starts, bounds, strict=True)]
        self.num_labels = len(uniq)
        self.length = (len(labels) // batch_size) * batch_size
        if self.num_labels < batch_size // m:
            raise ValueError(
                f"{self.num_labels} labels cannot fill a batch of {batch_size // m} labels x {m}"
            )

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length // self.num_replicas

    def __iter__(self) -> Iterator[int]:
        order = np.asarray(self._global_order(), dtype=np.int64)
        return iter(_rank_share(order, self.local_batch, self.num_replicas, self.rank).tolist())

    def _global_order(self) -> list[int]:
        rng = np.random.default_rng([self.seed, self.epoch, 0x3C1A55])
        pools = [rng.permutation(p) for p in self.pools]
        cursor = [0] * self.num_labels
        per_batch = self.batch_size // self.m
        out: list[int] = []
        label_order = rng.permutation(self.num_labels)
        pos = 0
        while len(out) < self.length:
            if pos + per_batch > len(label_order):
                # Start a new shuffled round; a batch never holds one label twice.
                label_order = rng.permutation(self.num_labels)
                pos = 0
            for lab in label_order[pos : pos + per_batch]:
                pool = pools[lab]
                for _ in range(self.m):
                    if cursor[lab] == len(pool):
                        pools[lab] = pool = rng.permutation(pool)
                        cursor[lab] = 0
                    out.append(int(pool[cursor[lab]]))
                    cursor[lab] += 1
            pos += per_batch
        return out[: self.length]
