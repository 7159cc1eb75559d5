"""Images -> classifier logits and L2-normalized embeddings; DB glyphs -> images as training did.

:func:`data_config` rebuilds the training data settings from a checkpoint (raster config, the
pre-raster cache, optionally its selection and split) with augmentation off, so ``embed`` and
``index build`` read the very images training read.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from raster.data.dataset import GlyphDataset
from raster.data.model_input import unit_images
from raster.data.pipeline import DataConfig, add_data_args
from raster.inference.checkpoint_loader import LoadedModel
from raster.inference.meta import dataset_meta, write_meta
from raster.progress import progress_bar

# Data settings that select rows; the run's other settings (cache, raster) are always kept.
SELECTION_KEYS = (
    "limit",
    "val_frac",
    "seed",
    "min_label_count",
    "drop_singletons",
    "exclude_shaped",
    "label_regex",
    "font_disjoint",
    "skip_composed",
)


def data_config(
    loaded: LoadedModel, db: str | Path, *, training_selection: bool, limit: int | None = None
) -> DataConfig:
    """The checkpoint's data settings for ``db``, augmentation off.

    Read from the checkpoint's ``data_config`` (:meth:`DataConfig.to_dict`); checkpoints
    written before it existed have their ``args`` re-parsed as the data flags instead.

    Args:
        loaded: the checkpoint.
        db: glyph database to read.
        training_selection: keep the run's selection and split flags (limit, seed, filters,
            val_frac, font_disjoint): the same rows in the same train/val split. Otherwise
            select every row with contours (no filters, no val split).
        limit: overrides the row limit (0 = all) in either case.

    Returns:
        A :class:`DataConfig` with the checkpoint's img_size, normalization and pre-raster
        cache settings (a file cache is reused for a superset selection: ``preraster_stable``).
    """
    cfg = _run_data_config(loaded.ckpt, db)
    changes = {
        "img_size": loaded.raster.img_size,
        "normalization": loaded.raster.normalization,
        "augment_mode": "none",
    }
    if not training_selection:
        defaults = {f.name: f.default for f in dataclasses.fields(DataConfig)}
        changes.update({key: defaults[key] for key in SELECTION_KEYS})
        changes.update(limit=0, val_frac=0.0)
    if limit is not None:
        changes["limit"] = limit
    if cfg.pre_raster_mmap:
        changes["preraster_stable"] = True
    return dataclasses.replace(cfg, **changes)


def _run_data_config(ckpt: dict, db: str | Path) -> DataConfig:
    """The run's data config with ``db`` as the database: stored, else from its flags."""
    stored = ckpt.get("data_config")
    if stored is not None:
        return DataConfig.from_dict({**stored, "db": str(db)})
    parser = add_data_args(argparse.ArgumentParser(add_help=False))
    ns = parser.parse_args(["--db", str(db)])
    known = vars(ns)
    for key, value in ckpt.get("args", {}).items():
        if key in known and key != "db":
            setattr(ns, key, value)
    return DataConfig.from_args(ns)


@torch.no_grad()
def forward_batches(
    loaded: LoadedModel,
    batches,
    total: int | None = None,
    desc: str = "embed",
    progress: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the model over batches of images.

    Args:
        loaded: the model.
        batches: iterable of float (B, 1, S, S) tensors in [0, 1], ink = 1.
        total: number of images (for the progress bar).

    Returns:
        ``(logits, embeddings)``: float32 (N, C) logits of the model's inference head
        (:meth:`~raster.models.glyph_net.GlyphNet.infer`) and float32 (N, D) unit-norm
        embeddings.
    """
    logits, embs = [], []
    bar = progress_bar(total=total, desc=desc, unit="glyph", enabled=progress)
    for images in batches:
        batch_logits, batch_embs = loaded.model.infer(images.to(loaded.device))
        logits.append(batch_logits.cpu())
        embs.append(batch_embs.cpu())
        bar.update(images.shape[0])
    bar.close()
    if not logits:
        d = loaded.model.config.embed_dim
        return np.zeros((0, len(loaded.index_to_label)), np.float32), np.zeros((0, d), np.float32)
    return torch.cat(logits).numpy(), torch.cat(embs).numpy()


def forward_images(
    loaded: LoadedModel, images: np.ndarray, batch_size: int = 256, progress: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`forward_batches` over uint8 (N, S, S) renders (ink = 255)."""
    if images.ndim != 3 or images.shape[1:] != (loaded.img_size, loaded.img_size):
        raise ValueError(
            f"images must be (N, {loaded.img_size}, {loaded.img_size}); got {images.shape}"
        )

    def gen():
        for s in range(0, len(images), batch_size):
            yield torch.from_numpy(unit_images(images[s : s + batch_size]))

    return forward_batches(loaded, gen(), len(images), "identify", progress)


def forward_datasets(
    loaded: LoadedModel,
    datasets: Sequence[GlyphDataset],
    batch_size: int = 256,
    progress: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`forward_batches` over un-augmented glyph datasets, in dataset order."""
    for ds in datasets:
        if ds.augment:
            raise ValueError("embedding needs un-augmented datasets")

    def gen():
        for ds in datasets:
            for batch in DataLoader(ds, batch_size=batch_size, shuffle=False):
                yield batch["image"]

    return forward_batches(loaded, gen(), sum(len(d) for d in datasets), "embed", progress)


def embed_dataset(
    loaded: LoadedModel,
    ds: GlyphDataset,
    index_to_label: Sequence[str],
    batch_size: int = 256,
) -> tuple[np.ndarray, list[dict]]:
    """Embeddings of an un-augmented dataset and their meta rows (``raster.embed``).

    Returns:
        ``(embeddings, meta)``: float32 (N, D) L2-normalized, and one ``{glyph_id, f_id,
        label}`` per row, in dataset order.
    """
    _, emb = forward_datasets(loaded, [ds], batch_size)
    return emb.astype(np.float32), dataset_meta(ds, index_to_label)


def save_embeddings(
    embeddings: np.ndarray, meta: list[dict], out_embeds: Path, out_meta: Path
) -> None:
    """Write the (N, D) vectors as ``.npy`` and their meta as JSONL (folders made)."""
    for path in (out_embeds, out_meta):
        path.parent.mkdir(parents=True, exist_ok=True)
    np.save(out_embeds, embeddings)
    write_meta(out_meta, meta)
