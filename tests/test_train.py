"""Training CLI smoke tests: the loss falls, the log has every key, resume is exact, NaN stops."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent / "data"))

from glyphdb import make_db  # noqa: E402

from raster import train  # noqa: E402
from raster.engine import fit, loop  # noqa: E402
from raster.engine.checkpoint import load_checkpoint  # noqa: E402
from raster.engine.fit import embedding_weight_schedule  # noqa: E402
from raster.errors import TrainInputError  # noqa: E402

EPOCH_KEYS = {
    "epoch",
    "train_loss",
    "ce_loss",
    "emb_loss",
    "emb_weight",
    "train_acc",
    "pos_anchor_frac",
    "val_loss",
    "val_top1",
    "val_top5",
    "top10",
    "mrr",
    "effect_size",
    "lr_backbone",
    "lr_head",
    "grad_norm",
    "grad_norm_unclipped",
    "epoch_seconds",
    "samples_per_s",
    "progress",
    "train_seconds",
}
TIME_KEYS = {"epoch_seconds", "samples_per_s", "train_seconds"}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("db") / "g.db", n_labels=8, per_label=30, n_fonts=3)


def _args(db: Path, out: Path, epochs: int, *extra: str) -> list[str]:
    return [
        "--db",
        str(db),
        "--limit",
        "0",
        "--epochs",
        str(epochs),
        "--batch-size",
        "32",
        "--img-size",
        "32",
        "--val-frac",
        "0.2",
        "--pre-rasterize",
        "--out-dir",
        str(out),
        "--lr-backbone",
        "0.003",
        "--lr-head",
        "0.006",
        "--retrieval-every",
        "1",
        "--log-interval",
        "3",
        "--seed",
        "7",
        *extra,
    ]


def _log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_loss_falls_and_log_has_every_key(db, tmp_path):
    assert train.main(_args(db, tmp_path / "run", 3)) == 0
    records = _log(tmp_path / "run" / "train_log.jsonl")
    assert [r["epoch"] for r in records] == [0, 1, 2]
    for rec in records:
        assert EPOCH_KEYS <= rec.keys(), EPOCH_KEYS - rec.keys()
        assert rec["emb_weight"] == pytest.approx(0.3)  # never silently 0
        assert rec["pos_anchor_frac"] == 1.0  # m-per-class: every anchor has a positive
    assert records[-1]["train_loss"] < records[0]["train_loss"]
    for name in ("best.pt", "last.pt", "args.yaml", "label_to_index.json"):
        assert (tmp_path / "run" / name).exists()
    ckpt = load_checkpoint(tmp_path / "run" / "last.pt")
    assert ckpt["epoch"] == 2 and ckpt["model_config"]["img_size"] == 32
    assert len(ckpt["label_to_index"]) == 8


def test_resume_equals_uninterrupted(db, tmp_path):
    assert train.main(_args(db, tmp_path / "straight", 2, "--save-every", "1")) == 0
    resumed = tmp_path / "resumed"
    assert (
        train.main(_args(db, resumed, 2, "--resume", str(tmp_path / "straight" / "epoch_0.pt")))
        == 0
    )
    a = load_checkpoint(tmp_path / "straight" / "last.pt")["model"]
    b = load_checkpoint(resumed / "last.pt")["model"]
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    line_a = _log(tmp_path / "straight" / "train_log.jsonl")[1]
    line_b = _log(resumed / "train_log.jsonl")[-1]
    for key in line_a.keys() - TIME_KEYS:
        assert line_a[key] == line_b[key], key
    # best.pt is exported with the weights only: loadable, smaller, not resumable
    best = load_checkpoint(tmp_path / "straight" / "best.pt")
    assert best["weights_only"] and "optimizer" not in best and "model" in best
    argv = _args(db, tmp_path / "again", 2, "--resume", str(tmp_path / "straight" / "best.pt"))
    assert train.main(argv) == 2


def test_guide_quick_test_flags_are_accepted(db, tmp_path):
    # The guide's quick-test command, shrunk only in size (limit, epochs, img).
    argv = [
        "--db",
        str(db),
        "--limit",
        "200",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--val-frac",
        "0.1",
        "--num-workers",
        "0",
        "--pre-rasterize",
        "--min-label-count",
        "2",
        "--drop-singletons",
        "--lr-backbone",
        "0.0015",
        "--lr-head",
        "0.0030",
        "--weight-decay",
        "0.01",
        "--warmup-frac",
        "0.05",
        "--lr-schedule",
        "constant",
        "--retrieval-cap",
        "1000",
        "--retrieval-every",
        "2",
        "--log-interval",
        "50",
        "--suppress-warnings",
        "--grad-clip",
        "0.0",
        "--arcface-margin",
        "0.0",
        "--img-size",
        "32",
        "--out-dir",
        str(tmp_path / "q"),
    ]
    assert train.main(argv) == 0


def test_nan_loss_stops_and_keeps_last_good_checkpoint(db, tmp_path, monkeypatch, caplog):
    real = loop.supervised_contrastive_loss
    calls = {"n": 0}

    def poisoned(emb, labels, temperature, **kwargs):
        calls["n"] += 1
        value = real(emb, labels, temperature, **kwargs)
        return value * float("nan") if calls["n"] > 6 else value  # epoch 0 has 6 steps

    monkeypatch.setattr(loop, "supervised_contrastive_loss", poisoned)
    assert train.main(_args(db, tmp_path / "nan", 3)) == 3
    assert "loss is nan" in caplog.text
    assert load_checkpoint(tmp_path / "nan" / "last.pt")["epoch"] == 0


def test_arcface_and_hybrid_grouping_run(db, tmp_path):
    out = tmp_path / "arc"
    assert (
        train.main(
            _args(
                db,
                out,
                2,
                "--arcface-margin",
                "0.2",
                "--contrastive-grouping",
                "hybrid",
                "--grouping-switch-epoch",
                "1",
                "--grad-clip",
                "1.0",
                "--sampler",
                "random",
            )
        )
        == 0
    )
    records = _log(out / "train_log.jsonl")
    assert [r["grouping"] for r in records] == ["hybrid", "label"]
    assert all(r["grad_norm"] <= 1.0 + 1e-6 for r in records)


def test_embedding_weight_schedule():
    args = train.parse_args(
        [
            "--db",
            "x",
            "--emb-loss-weight",
            "0.3",
            "--emb-start-epoch",
            "2",
            "--emb-ramp-epochs",
            "2",
        ]
    )
    schedule = embedding_weight_schedule(args)
    assert [schedule.weight(e) for e in range(5)] == pytest.approx([0.0, 0.0, 0.15, 0.3, 0.3])
    args = train.parse_args(
        ["--db", "x", "--emb-target-weight", "0.5", "--adaptive-emb-min-weight", "0.2"]
    )
    schedule = embedding_weight_schedule(args)
    assert schedule.weight(0) == 0.5
    schedule.factor = 0.25
    assert schedule.weight(0) == 0.2  # decayed, floored


def test_config_file_sets_defaults_but_flags_win(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("epochs: 7\nbatch_size: 64\n")
    args = train.parse_args(["--db", "x", "--config", str(cfg), "--epochs", "3"])
    assert args.epochs == 3 and args.batch_size == 64
    cfg.write_text("nonsense_key: 1\n")
    with pytest.raises(TrainInputError, match="unknown keys"):
        train.parse_args(["--db", "x", "--config", str(cfg)])


def test_ctrl_c_keeps_the_last_clean_checkpoint_and_exits_130(db, tmp_path, monkeypatch):
    real = fit.train_one_epoch

    def interrupted(*args, epoch, **kwargs):
        if epoch == 1:
            raise KeyboardInterrupt
        return real(*args, epoch=epoch, **kwargs)

    monkeypatch.setattr(fit, "train_one_epoch", interrupted)
    assert train.main(_args(db, tmp_path / "int", 3)) == 130
    # The end-of-epoch-0 checkpoint is kept, so --resume redoes the interrupted epoch.
    assert load_checkpoint(tmp_path / "int" / "last.pt")["epoch"] == 0


def test_every_flag_of_the_users_system_parses():
    # the flags of the user's own train command
    args = train.parse_args(
        [
            "--db",
            "x",
            "--limit",
            "30000",
            "--epochs",
            "30",
            "--batch-size",
            "128",
            "--img-size",
            "224",
            "--val-frac",
            "0.1",
            "--device",
            "cpu",
            "--out-dir",
            "raster",
            "--log-file",
            "artifacts/train_log.jsonl",
            "--no-retrieval",
            "--retrieval-cap",
            "3000",
            "--retrieval-every",
            "1",
            "--seed",
            "42",
            "--exclude-shaped",
            "--resume",
            "r.pt",
            "--grad-clip",
            "0",
            "--arcface-scale",
            "30",
            "--arcface-margin",
            "0",
            "--emb-loss-weight",
            "0.3",
            "--pre-raster-workers",
            "0",
            "--suppress-warnings",
            "--lr-backbone",
            "1e-3",
            "--lr-head",
            "2e-3",
            "--weight-decay",
            "0.05",
            "--save-every",
            "0",
            "--font-disjoint",
            "--warmup-frac",
            "0.05",
            "--num-workers",
            "0",
            "--pre-rasterize",
            "--pre-raster-dtype",
            "float32",
            "--pre-raster-mmap",
            "--pre-raster-mmap-path",
            "c.mm",
            "--min-label-count",
            "1",
            "--drop-singletons",
            "--no-augment",
            "--augment-mode",
            "gpu",
            "--mild-augment",
            "--no-amp",
            "--log-interval",
            "200",
            "--lr-schedule",
            "constant",
            "--emb-target-weight",
            "0.5",
            "--emb-start-epoch",
            "1",
            "--emb-ramp-epochs",
            "2",
            "--contrastive-grouping",
            "hybrid",
            "--grouping-switch-epoch",
            "3",
            "--adaptive-emb-patience",
            "2",
            "--adaptive-emb-decay",
            "0.5",
            "--adaptive-emb-min-weight",
            "0.05",
            "--head-lr-bump-epoch",
            "4",
            "--head-lr-bump-factor",
            "2",
            "--label-smoothing",
            "0.1",
            "--freeze-backbone-epochs",
            "1",
            "--preraster-stable",
        ]
    )
    assert args.img_size == 224 and args.emb_target_weight == 0.5 and args.preraster_stable


def test_time_budget_ends_annealed_and_stops(db, tmp_path):
    """A budget far shorter than --epochs: progress reaches 1, the LR is 0, training stops."""
    assert train.main(_args(db, tmp_path / "run", 500, "--time-budget", "0.01")) == 0
    records = _log(tmp_path / "run" / "train_log.jsonl")
    assert len(records) < 500
    assert [r["progress"] for r in records][-1] == 1.0
    assert all(r["progress"] < 1.0 for r in records[:-1])
    assert records[-1]["lr_backbone"] == 0.0 and records[-1]["lr_head"] == 0.0
    assert records[-1]["train_seconds"] >= 0.6  # 0.01 min of training time
    assert load_checkpoint(tmp_path / "run" / "last.pt")["train_seconds"] >= 0.6


def test_epochs_without_budget_keep_the_step_schedule(db, tmp_path):
    assert train.main(_args(db, tmp_path / "run", 2)) == 0
    records = _log(tmp_path / "run" / "train_log.jsonl")
    assert [r["progress"] for r in records] == [0.5, 1.0]
    assert records[-1]["lr_backbone"] == pytest.approx(0.003 * 0.01)  # cosine floor, as before


@pytest.mark.parametrize("mode", ["batch", "dataset"])
def test_augment_warmup_ramps_the_strength_per_epoch(db, tmp_path, mode):
    out = tmp_path / mode
    argv = _args(db, out, 4, "--augment-warmup", "0.5", "--augment-mode", mode)
    assert train.main(argv) == 0
    strengths = [r["augment_strength"] for r in _log(out / "train_log.jsonl")]
    assert strengths == pytest.approx([0.0, 0.5, 1.0, 1.0])  # progress 0, 1/4, 1/2, 3/4
    assert "augment_strength" not in _log(_train_default(db, tmp_path))[0]


def _train_default(db: Path, tmp_path: Path) -> Path:
    out = tmp_path / "default"
    assert train.main(_args(db, out, 1)) == 0
    return out / "train_log.jsonl"
