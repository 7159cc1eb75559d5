"""Schedules of a training run: the learning rate by training progress (so a time budget always
ends annealed) and the contrastive loss weight by epoch (:class:`EmbeddingWeightSchedule`).

progress = max(training seconds / budget, optimizer steps / planned steps), in [0, 1]. Only the
seconds spent inside training epochs count (evaluation, checkpoints and start-up do not: the
caller brackets the training passes with :meth:`TrainingClock.running`). The factor ramps up
linearly over ``warmup`` of progress, then decays to exactly zero at progress 1 (linearly, or
along a half cosine), and training stops there. With no budget, progress is the step share, so
the same schedule also fits an ``--epochs`` run; ``raster.train`` keeps its step-based schedule
for that case.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

DECAYS = ("linear", "cosine")
# What a training second is: wall time, or this process's CPU time (on a machine shared with
# other jobs, a CPU-second budget buys the same training whatever the load).
CLOCKS = {"wall": time.monotonic, "cpu": time.process_time}


class TrainingClock:
    """Seconds spent while :meth:`running` (a stopwatch that only runs during training).

    Args:
        clock: the time source (seconds); a fake one in tests.
        seconds: seconds already spent (a resumed run).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, seconds: float = 0.0):
        self._clock = clock
        self._spent = float(seconds)
        self._since: float | None = None

    @contextmanager
    def running(self) -> Iterator[TrainingClock]:
        """Count the time spent inside the ``with`` block."""
        self._since = self._clock()
        try:
            yield self
        finally:
            self._spent += self._clock() - self._since
            self._since = None

    @property
    def seconds(self) -> float:
        """Training seconds so far, including the running block's."""
        live = self._clock() - self._since if self._since is not None else 0.0
        return self._spent + live

    def restore(self, seconds: float) -> None:
        """Set the seconds already spent (a resumed run's ``train_seconds``)."""
        self._spent = float(seconds)


@dataclass
class ProgressSchedule:
    """Learning-rate factor as a function of training progress.

    Attributes:
        budget_s: training seconds of the whole run (0: no time budget).
        total_steps: planned optimizer steps (``--epochs`` x steps per epoch); 0: no step cap.
        warmup: share of progress spent ramping the factor linearly from ~0 to 1.
        decay: ``linear`` (to zero at progress 1) or ``cosine`` (half cosine to zero).
        clock: the training stopwatch the time share is read from.
        head_bump_step: from this optimizer step on, the head group's factor is multiplied by
            ``head_bump_factor`` (``--head-lr-bump-epoch``); None = never.
        head_bump_factor: see above.
    """

    budget_s: float
    total_steps: int = 0
    warmup: float = 0.05
    decay: str = "linear"
    clock: TrainingClock = field(default_factory=TrainingClock)
    head_bump_step: int | None = None
    head_bump_factor: float = 1.0

    def __post_init__(self) -> None:
        if self.decay not in DECAYS:
            raise ValueError(f"unknown decay {self.decay!r} ({'|'.join(DECAYS)})")
        if self.budget_s <= 0 and self.total_steps <= 0:
            raise ValueError("a progress schedule needs a time budget or a step count")
        if not 0.0 <= self.warmup < 1.0:
            raise ValueError(f"warmup must be in [0, 1), got {self.warmup}")

    def progress(self, step: int = 0) -> float:
        """Share of the run done after ``step`` optimizer steps, in [0, 1]."""
        p = 0.0
        if self.budget_s > 0:
            p = self.clock.seconds / self.budget_s
        if self.total_steps > 0:
            p = max(p, step / self.total_steps)
        return min(1.0, max(0.0, p))

    def done(self, step: int = 0) -> bool:
        """True once progress reached 1: stop training."""
        return self.progress(step) >= 1.0

    def factor_at(self, progress: float) -> float:
        """The multiplier of the base learning rate at ``progress``; exactly 0 at 1."""
        p = min(1.0, max(0.0, progress))
        if p >= 1.0:
            return 0.0
        if self.warmup > 0 and p < self.warmup:
            # never exactly 0 at the first step (an Adam step of size 0 wastes a batch)
            return max(p / self.warmup, 1e-3)
        rest = (p - self.warmup) / (1.0 - self.warmup)
        if self.decay == "linear":
            return 1.0 - rest
        return 0.5 * (1.0 + math.cos(math.pi * rest))

    def factor(self, step: int) -> float:
        """The factor after ``step`` optimizer steps (LambdaLR passes the step count)."""
        return self.factor_at(self.progress(step))

    def head_factor(self, step: int) -> float:
        bump = self.head_bump_step is not None and step >= self.head_bump_step
        return self.factor(step) * (self.head_bump_factor if bump else 1.0)


def build_progress_scheduler(
    optimizer: torch.optim.Optimizer, schedule: ProgressSchedule
) -> torch.optim.lr_scheduler.LambdaLR:
    """A LambdaLR over ``schedule`` (param groups named ``head*`` get :meth:`head_factor`);
    call ``scheduler.step()`` after every optimizer step, as with the step schedule."""
    lambdas = [
        schedule.head_factor if group.get("name", "").startswith("head") else schedule.factor
        for group in optimizer.param_groups
    ]
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambdas)


@dataclass
class EmbeddingWeightSchedule:
    """Weight of the supervised contrastive term per epoch (``--emb-*`` flags).

    0 before ``start_epoch``, then a linear ramp to ``target`` over ``ramp_epochs``, times an
    adaptive factor that is multiplied by ``decay`` after ``patience`` retrieval checks without a
    new best top-10 (floored at ``min_weight`` once decayed). ``patience`` 0 = no adaptation.

    Attributes:
        target: the weight after the ramp.
        start_epoch: first epoch with the term on.
        ramp_epochs: length of the linear ramp, epochs (0 = none).
        patience: retrieval checks without gain before a decay; 0 = off.
        decay: factor applied to the weight at each decay.
        min_weight: floor of a decayed weight.
        factor: the adaptive factor now (1 until the first decay).
        best_top10: best retrieval top-10 seen so far (-1 = none yet).
        stale: retrieval checks since the last gain.
    """

    target: float
    start_epoch: int = 0
    ramp_epochs: int = 0
    patience: int = 0
    decay: float = 0.5
    min_weight: float = 0.05
    factor: float = 1.0
    best_top10: float = -1.0
    stale: int = 0

    def weight(self, epoch: int) -> float:
        """The contrastive weight of ``epoch`` (0-based)."""
        if epoch < self.start_epoch:
            return 0.0
        target = self.target
        if self.ramp_epochs > 0:
            target *= min(1.0, (epoch - self.start_epoch + 1) / self.ramp_epochs)
        weight = target * self.factor
        if self.factor < 1.0:
            weight = max(weight, self.min_weight)
        return weight

    def observe(self, top10: float) -> None:
        """Record one retrieval check's top-10; decays the factor after ``patience`` stale ones."""
        if self.patience <= 0:
            return
        if top10 > self.best_top10:
            self.best_top10, self.stale = top10, 0
            return
        self.stale += 1
        if self.stale >= self.patience:
            self.factor, self.stale = self.factor * self.decay, 0

    def state_dict(self) -> dict:
        """The adaptive state a checkpoint keeps (its ``adaptive`` entry)."""
        return {"factor": self.factor, "best_top10": self.best_top10, "stale": self.stale}

    def load_state_dict(self, state: dict) -> None:
        self.factor = float(state.get("factor", 1.0))
        self.best_top10 = float(state.get("best_top10", -1.0))
        self.stale = int(state.get("stale", 0))
