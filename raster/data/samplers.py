"""Batch samplers whose order is a pure function of (seed, epoch).

Written here rather than taken from torch or pytorch-metric-learning because both draw from a
global RNG: their order then depends on what ran before, and a resumed run would not repeat the
uninterrupted one. Each sampler has ``set_epoch(epoch)``, as torch's DistributedSampler does.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from torch.utils.data import Sampler


class EpochShuffleSampler(Sampler[int]):
    """A fresh random permutation of ``range(n)`` every epoch, seeded by (seed, epoch)."""

    def __init__(self, n: int, seed: int):
        self.n = n
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch, 0x5A17])
        return iter(rng.permutation(self.n).tolist())


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
        batch_size: the loader's batch size; must be a multiple of ``m``.
        seed: base seed; the order is a pure function of (seed, epoch).
    """

    def __init__(self, labels: np.ndarray, m: int, batch_size: int, seed: int):
        if m < 1 or batch_size % m:
            raise ValueError(f"batch size {batch_size} is not a multiple of m={m}")
        labels = np.asarray(labels)
        self.m = m
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
        return self.length

    def __iter__(self) -> Iterator[int]:
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
        return iter(out[: self.length])
