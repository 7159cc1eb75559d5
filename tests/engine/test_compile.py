"""``raster.train --compile``: trains, reports its compile time, saves a plain loadable model."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))

from glyphdb import make_db  # noqa: E402

from raster import train  # noqa: E402
from raster.engine import compile as compile_mod  # noqa: E402
from raster.engine.checkpoint import load_checkpoint, load_trained_model  # noqa: E402
from raster.models.glyph_net import ModelConfig, build_model  # noqa: E402

ARGS = "--limit 0 --epochs 1 --batch-size 32 --img-size 32 --val-frac 0.2 --pre-rasterize"


def _argv(db: Path, out: Path, *extra: str) -> list[str]:
    return ["--db", str(db), "--out-dir", str(out), *ARGS.split(), "--seed", "3", *extra]


@pytest.mark.slow
def test_compile_trains_and_saves_the_plain_model(tmp_path, monkeypatch):
    # torch.compile as --compile calls it, through dynamo and AOT autograd, but with the
    # aot_eager backend: inductor's C++ code generation would cost minutes on a cold cache
    # (bench_train_throughput --compile measures inductor itself).
    real = torch.compile
    monkeypatch.setattr(torch, "compile", lambda module: real(module, backend="aot_eager"))
    monkeypatch.setattr(compile_mod, "c_compiler", lambda: "/usr/bin/g++")
    db = make_db(tmp_path / "g.db", n_labels=8, per_label=20, n_fonts=3)
    assert train.main(_argv(db, tmp_path / "run", "--compile")) == 0
    record = json.loads((tmp_path / "run" / "train_log.jsonl").read_text().splitlines()[0])
    assert record["compile_seconds"] is not None and record["compile_seconds"] > 0
    ckpt = load_checkpoint(tmp_path / "run" / "last.pt")
    assert not any("_orig_mod" in key for key in ckpt["model"])
    model, _ = load_trained_model(tmp_path / "run" / "best.pt")
    out = model(torch.zeros(2, 1, 32, 32))
    assert out["embedding"].shape[0] == 2 and torch.isfinite(out["embedding"]).all()


def test_failed_compile_falls_back_with_one_warning(monkeypatch, caplog):
    model = build_model(ModelConfig(num_classes=3, img_size=32))
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def broken(module):
        def call(x):
            module(x)  # runs (BatchNorm statistics move), then the "compiler" fails
            raise RuntimeError("inductor: no compiler\nlong traceback")

        return call

    monkeypatch.setattr(torch, "compile", broken)
    monkeypatch.setattr(compile_mod, "c_compiler", lambda: "/usr/bin/g++")
    with caplog.at_level(logging.WARNING, logger="raster.engine.compile"):
        module, seconds = compile_mod.compile_forward(model, model, torch.rand(4, 1, 32, 32))
    assert module is model and seconds is None
    assert [r.getMessage() for r in caplog.records] == [
        "--compile failed (RuntimeError: inductor: no compiler); training eagerly"
    ]
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the warm-up left no trace
    assert all(p.grad is None for p in model.parameters())
