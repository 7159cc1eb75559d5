"""The time-progress schedule: a fake clock drives it to exactly zero at the budget."""

from __future__ import annotations

import math

import pytest
import torch

from raster.engine.schedule import ProgressSchedule, TrainingClock, build_progress_scheduler


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_clock_counts_only_the_running_blocks():
    fake = FakeClock()
    clock = TrainingClock(fake)
    with clock.running():
        fake.now += 3.0
        assert clock.seconds == 3.0  # live inside the block
    fake.now += 50.0  # evaluation: not counted
    with clock.running():
        fake.now += 2.5
    assert clock.seconds == 5.5
    assert TrainingClock(fake, seconds=7.0).seconds == 7.0  # resumed


@pytest.mark.parametrize("decay", ["linear", "cosine"])
def test_factor_by_progress(decay):
    s = ProgressSchedule(budget_s=100.0, warmup=0.1, decay=decay)
    assert s.factor_at(0.05) == pytest.approx(0.5)  # half-way up the warm-up
    assert s.factor_at(0.1) == pytest.approx(1.0)
    mid = 0.1 + 0.9 / 2
    assert s.factor_at(mid) == pytest.approx(0.5)  # linear and cosine agree at the middle
    quarter = 0.1 + 0.9 / 4
    want = 0.75 if decay == "linear" else 0.5 * (1 + math.cos(math.pi / 4))
    assert s.factor_at(quarter) == pytest.approx(want)
    assert s.factor_at(1.0) == 0.0 and s.factor_at(1.7) == 0.0
    assert s.factor_at(0.0) == pytest.approx(1e-3)  # never a zero first step


def test_lr_reaches_exactly_zero_at_the_budget_with_a_fake_clock():
    fake = FakeClock()
    clock = TrainingClock(fake)
    sched = ProgressSchedule(budget_s=60.0, total_steps=10_000, warmup=0.0, clock=clock)
    param = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([{"params": [param], "name": "backbone"}], lr=0.5)
    lr_sched = build_progress_scheduler(opt, sched)
    lrs, steps = [], 0
    with clock.running():
        while not sched.done(lr_sched.last_epoch):
            opt.step()
            fake.now += 7.0  # each step takes 7 s of training time
            lr_sched.step()
            steps += 1
            lrs.append(opt.param_groups[0]["lr"])
        fake.now += 30.0  # still inside the block, but no step follows
    assert steps == 9  # 9 * 7 s = 63 s >= 60 s: stopped at the first step past the budget
    assert lrs[-1] == 0.0
    assert lrs[0] == pytest.approx(0.5 * (1 - 7 / 60))  # linear decay, no warm-up
    assert all(a > b for a, b in zip(lrs[:-1], lrs[1:], strict=True))  # monotone down


def test_step_cap_also_ends_annealed_and_head_bump():
    sched = ProgressSchedule(
        budget_s=1e9, total_steps=4, warmup=0.0, head_bump_step=2, head_bump_factor=3.0
    )
    assert [sched.factor(k) for k in range(5)] == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert [sched.head_factor(k) for k in range(5)] == [1.0, 0.75, 1.5, 0.75, 0.0]
    assert sched.done(4) and not sched.done(3)


def test_bad_settings_raise():
    with pytest.raises(ValueError, match="decay"):
        ProgressSchedule(budget_s=1.0, decay="step")
    with pytest.raises(ValueError, match="budget or a step count"):
        ProgressSchedule(budget_s=0.0)
    with pytest.raises(ValueError, match="warmup"):
        ProgressSchedule(budget_s=1.0, warmup=1.0)


def test_cpu_clock_counts_process_time():
    import time

    from raster.engine.schedule import CLOCKS

    clock = TrainingClock(CLOCKS["cpu"])
    with clock.running():
        t0 = time.process_time()
        while time.process_time() - t0 < 0.05:
            pass
        time.sleep(0.2)  # sleeping is not training CPU time
    assert 0.05 <= clock.seconds < 0.2
