"""A tiny trained model for the embed/index/identify tests, trained once per test session.

The tiny Arabic font (tests/fontfactory.py) is ingested into a DB, its glyphs are rendered the
way training renders them, and a 32 px GlyphNet is fitted to memorize its 12 single-glyph labels
with a short plain loop (``raster.train``'s per-epoch evaluation and checkpointing would cost
minutes on two busy cores; this takes seconds). The checkpoint is written with
``save_checkpoint`` in the layout ``raster.train`` uses, so identifying that font with it must
give back the font's own labels.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import fontfactory
import numpy as np
import torch
import torch.nn.functional as F

from raster import ingest
from raster.data.render import RasterConfig, render_contours
from raster.data.selection import SelectionConfig, select_glyphs
from raster.engine.checkpoint import save_checkpoint
from raster.models.glyph_net import ModelConfig, build_model

IMG = 32


def fit_checkpoint(
    db: Path, out: Path, img_size: int = IMG, steps: int = 120, seed: int = 0
) -> Path:
    """Fit a GlyphNet to every row of ``db`` (CE + nothing else) and save a checkpoint."""
    torch.manual_seed(seed)
    table, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    labels = sorted(set(table.labels))
    l2i = {lab: i for i, lab in enumerate(labels)}
    raster = RasterConfig(img_size=img_size)
    images = np.stack(
        [render_contours(o, u, raster) for o, u in zip(table.outlines, table.upems, strict=True)]
    )
    x = torch.from_numpy(images).float().div(255.0).unsqueeze(1)
    y = torch.tensor([l2i[lab] for lab in table.labels])
    cfg = ModelConfig(num_classes=len(labels), img_size=img_size, embed_dropout=0.0)
    model = build_model(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.0)
    model.train()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on two shared cores one thread is ~4x faster than two here
    for _ in range(steps):
        res = model(x)
        # CE for the classifier; for the embeddings, each glyph (its own class here) must be
        # nearest to itself among all, which spreads the labels apart for the kNN vote.
        emb = res["embedding"]
        loss = F.cross_entropy(res["logits"], y) + F.cross_entropy(
            emb @ emb.t() / 0.1, torch.arange(len(y))
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.set_num_threads(threads)
    model.eval()
    return save_checkpoint(
        out,
        {
            "model": model.state_dict(),
            "epoch": 0,
            "args": {
                "db": str(db),
                "limit": 0,
                "val_frac": 0.0,
                "seed": 42,
                "img_size": img_size,
                "no_augment": True,
                "arcface_margin": 0.0,
                "arcface_scale": 30.0,
            },
            "model_config": cfg.to_dict(),
            "raster_config": raster.to_dict(),
            "label_to_index": l2i,
            "group_of_label": [0] * len(labels),
            "group_names": ["all"],
            "metrics": {},
        },
    )


@functools.cache
def tiny_run() -> dict[str, Path]:
    """Paths: ``font`` (tiny Arabic), ``db`` (its rows), ``ckpt`` (fitted), ``dir``."""
    d = Path(tempfile.mkdtemp(prefix="tiny_identify_"))
    font = fontfactory.build_arabic_font(d / "tiny_arabic.ttf")
    db = d / "tiny.db"
    assert ingest.main([str(font), "--db", str(db), "--skip-composed", "--no-progress"]) == 0
    return {"font": font, "db": db, "ckpt": fit_checkpoint(db, d / "run" / "last.pt"), "dir": d}


@functools.cache
def other_checkpoint(img_size: int = 64) -> Path:
    """Another checkpoint on the same DB at another image size (a few steps only)."""
    base = tiny_run()
    return fit_checkpoint(base["db"], base["dir"] / f"run{img_size}" / "last.pt", img_size, steps=2)


def build_reference(out: Path, k: int = 3) -> Path:
    """``python -m raster.index build`` over the tiny run's DB into ``out``; returns ``out``."""
    from raster import index as index_cli

    run = tiny_run()
    argv = ["build", "--db", str(run["db"]), "--checkpoint", str(run["ckpt"]), "--out", str(out)]
    assert index_cli.main([*argv, "--k", str(k)]) == 0
    return out
