"""The pieces of a training run: the checkpoint policy and the embedding-weight schedule."""

from __future__ import annotations

import pytest

from raster.engine.checkpoint import CheckpointSaver, load_checkpoint
from raster.engine.fit import augment_strength
from raster.engine.schedule import EmbeddingWeightSchedule


def _payload(epoch: int) -> dict:
    return {
        "model": {},
        "optimizer": {"s": epoch},
        "scheduler": {},
        "rng_state": {},
        "epoch": epoch,
    }


def test_saver_keeps_last_every_epoch_best_on_gain_and_epoch_n_every_n(tmp_path):
    saver = CheckpointSaver(tmp_path, save_every=2)
    written = []
    for epoch, top1 in enumerate([0.5, 0.4, 0.7, 0.7]):
        improved = saver.update(epoch, {"val_top1": top1})
        written.append(sorted(p.name for p in saver.save(epoch, _payload(epoch), improved)))
    assert written == [
        ["best.pt", "last.pt"],
        ["epoch_1.pt", "last.pt"],
        ["best.pt", "last.pt"],
        ["epoch_3.pt", "last.pt"],  # a tie is no gain
    ]
    assert saver.best == {"val_top1": 0.7, "epoch": 2}
    best = load_checkpoint(tmp_path / "best.pt")
    assert best["epoch"] == 2 and best["weights_only"] and "optimizer" not in best
    assert load_checkpoint(tmp_path / "last.pt")["optimizer"] == {"s": 3}


def test_saver_resumes_its_best(tmp_path):
    saver = CheckpointSaver(tmp_path, best={"val_top1": 0.9, "epoch": 4})
    assert not saver.update(5, {"val_top1": 0.8}) and saver.best["epoch"] == 4


def test_embedding_weight_decays_after_patience_and_state_round_trips():
    s = EmbeddingWeightSchedule(target=0.4, patience=2, decay=0.5, min_weight=0.15)
    for top10 in (0.5, 0.6, 0.6, 0.55):  # gain, gain, stale, stale -> one decay
        s.observe(top10)
    assert (s.factor, s.stale, s.best_top10) == (0.5, 0, 0.6)
    assert s.weight(0) == pytest.approx(0.2)
    s.observe(0.1), s.observe(0.1)  # two more stale: 0.4 * 0.25 = 0.1, floored at 0.15
    assert s.weight(0) == pytest.approx(0.15)
    other = EmbeddingWeightSchedule(target=0.4)
    other.load_state_dict(s.state_dict())
    assert other.state_dict() == s.state_dict() == {"factor": 0.25, "best_top10": 0.6, "stale": 0}


def test_no_patience_never_adapts():
    s = EmbeddingWeightSchedule(target=0.3)
    for _ in range(5):
        s.observe(0.0)
    assert s.factor == 1.0 and s.weight(3) == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("progress", "warmup", "strength"),
    [(0.0, 0.0, 1.0), (0.3, 0.0, 1.0), (0.0, 0.5, 0.0), (0.25, 0.5, 0.5), (0.5, 0.5, 1.0),
     (0.9, 0.5, 1.0), (0.1, 1.0, 0.1)],
)  # fmt: skip
def test_augment_strength_ramps_linearly_over_the_warmup(progress, warmup, strength):
    assert augment_strength(progress, warmup) == pytest.approx(strength, abs=1e-12)
