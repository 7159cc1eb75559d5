"""Self-describing checkpoints, written atomically and loaded with ``weights_only=True``.

A checkpoint holds the model, optimizer, scheduler and scaler states, the RNG states, the epoch,
the run's arguments, the label map, the raster config and the metrics, so ``embed`` and
``identify`` rebuild the model from the checkpoint alone and ``--resume`` continues exactly.
"""

from __future__ import annotations

import os
import pickle
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from raster.losses.arcface import DEFAULT_ARCFACE_MARGIN, DEFAULT_ARCFACE_SCALE

CHECKPOINT_FORMAT = 1


def plain(value: Any) -> Any:
    """Convert to types ``torch.load(weights_only=True)`` accepts (no Paths, no numpy)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def rng_state() -> dict:
    """Python, numpy and torch RNG states, in weights-only-loadable types."""
    np_state = np.random.get_state()
    state = {
        "python": plain(random.getstate()),
        "numpy": [np_state[0], np_state[1].tolist(), *np_state[2:]],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`rng_state` saved."""
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | Path, payload: dict) -> Path:
    """Write ``payload`` to ``path`` atomically (temp file + rename): never a torn file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": CHECKPOINT_FORMAT, **payload}
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not one of our checkpoints.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not a checkpoint file")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        # torch's message advises weights_only=False, which would run the file's code: never
        # repeated here. A pickle that names a Python global is not one of our checkpoints.
        found = re.search(r"unsupported GLOBAL (\S+)", str(exc), re.I)
        if found:
            raise ValueError(
                f"{path}: not a glyph-raster checkpoint (it refers to {found.group(1)}, not "
                "just tensors and plain data; refused without running it)"
            ) from exc
        raise ValueError(f"{path}: not a readable checkpoint (not a PyTorch file)") from exc
    except Exception as exc:  # torch raises several types for foreign/corrupt files
        first = (str(exc).splitlines() or [""])[0]
        raise ValueError(
            f"{path}: not a readable checkpoint ({exc.__class__.__name__}: {first})"
        ) from exc
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT or "model" not in ckpt:
        raise ValueError(f"{path}: not a glyph-raster checkpoint (format {CHECKPOINT_FORMAT})")
    return ckpt


def load_trained_model(
    path: str | Path, device: str | torch.device = "cpu", inference_only: bool = False
):
    """Rebuild the model of a checkpoint, in eval mode, from the checkpoint alone.

    Args:
        inference_only: for LeViT backbones, a :class:`~raster.models.levit_infer.FusedGlyphNet`
            (same outputs, BatchNorms folded, no timm import); other backbones, and training,
            build timm's model.

    Returns:
        ``(model, ckpt)``: the :class:`~raster.models.glyph_net.GlyphNet` on ``device`` and the
        checkpoint dict (``label_to_index``, ``raster_config``, ``model_config``, ``args``, ...).
    """
    from raster.models.glyph_net import ModelConfig, build_model
    from raster.models.levit_infer import FusedGlyphNet, supports

    ckpt = load_checkpoint(path, map_location=device)
    config = ModelConfig(
        **{"cosine_scale": _cosine_scale(ckpt.get("args") or {}), **ckpt["model_config"]}
    )
    if inference_only and supports(config.backbone):
        return FusedGlyphNet(config, ckpt["model"]).to(device), ckpt
    model = build_model(config)
    model.load_state_dict(ckpt["model"])
    return model.to(device).eval(), ckpt


def _cosine_scale(args: dict) -> float:
    """The inference head of a checkpoint written before :class:`ModelConfig` named it: the
    scaled cosines of a run trained with an ArcFace margin, else the linear classifier."""
    margin = float(args.get("arcface_margin", DEFAULT_ARCFACE_MARGIN))
    return float(args.get("arcface_scale", DEFAULT_ARCFACE_SCALE)) if margin > 0 else 0.0


def init_from(model: torch.nn.Module, path: str | Path, label_to_index: dict[str, int]) -> dict:
    """Start ``model`` from another checkpoint's weights (fine-tuning; not a resume).

    Every tensor whose name and shape match is copied (fp16 weights are cast to the model's
    dtype); the classifier rows are copied label by label, so a run on other fonts, with new
    labels or fewer, starts from what the checkpoint knew and its new labels start fresh.
    Optimizer, schedule and epoch start anew.

    Args:
        model: a :class:`~raster.models.glyph_net.GlyphNet` of the same backbone and size.
        path: any glyph-raster checkpoint (``best.pt``, ``last.pt``, the shipped model).
        label_to_index: this run's label map.

    Returns:
        ``{"tensors": copied, "labels_copied": n, "labels_new": n}``.

    Raises:
        ValueError: not a checkpoint, or another backbone / image size (message says which).
    """
    ckpt = load_checkpoint(path)
    theirs = ckpt["model_config"]
    ours = getattr(model, "config", None)
    if ours is not None:
        for key in ("backbone", "img_size", "embed_dim"):
            if key in theirs and getattr(ours, key) != theirs[key]:
                raise ValueError(
                    f"{path}: {key} {theirs[key]!r} differs from this run's {getattr(ours, key)!r}"
                )
    state = model.state_dict()
    src = ckpt["model"]
    copied = 0
    with torch.no_grad():
        for name, tensor in src.items():
            if name.startswith("classifier.") or name not in state:
                continue
            if state[name].shape != tensor.shape:
                raise ValueError(
                    f"{path}: tensor {name} has shape {tuple(tensor.shape)}, this model "
                    f"{tuple(state[name].shape)}"
                )
            state[name].copy_(tensor.to(state[name].dtype))
            copied += 1
        old = {str(k): int(v) for k, v in ckpt["label_to_index"].items()}
        rows_new = [i for lab, i in label_to_index.items() if lab in old]
        rows_old = [old[lab] for lab in label_to_index if lab in old]
        for part in ("weight", "bias"):
            key = f"classifier.{part}"
            if key in src and key in state and rows_new:
                state[key][rows_new] = src[key][rows_old].to(state[key].dtype)
                copied += 1
    model.load_state_dict(state)
    return {
        "tensors": copied,
        "labels_copied": len(rows_new),
        "labels_new": len(label_to_index) - len(rows_new),
    }


def weights_only(payload: dict) -> dict:
    """A checkpoint payload without the optimizer, scheduler, scaler and RNG states: it
    rebuilds the model (``load_trained_model``) but cannot resume training."""
    drop = ("optimizer", "scheduler", "scaler", "rng_state")
    return {k: v for k, v in payload.items() if k not in drop} | {"weights_only": True}


class CheckpointSaver:
    """The checkpoint policy of a run folder (as timm's ``CheckpointSaver``).

    ``last.pt`` every epoch (resumable), ``best.pt`` when the metric improves (weights only: what
    embed, index and identify load, a third of the size), ``epoch_N.pt`` every ``save_every``
    epochs (resumable). Each file is written atomically (:func:`save_checkpoint`).

    Attributes:
        out_dir: the run folder.
        save_every: keep ``epoch_N.pt`` every N epochs; 0 = never.
        metric: the record key that decides the best epoch (higher is better).
        best: ``{metric: value, "epoch": N}`` of the best epoch so far (epoch -1 = none yet).
    """

    def __init__(
        self, out_dir: str | Path, save_every: int = 0, metric: str = "val_top1", best=None
    ) -> None:
        self.out_dir = Path(out_dir)
        self.save_every = save_every
        self.metric = metric
        self.best = dict(best) if best else {metric: -1.0, "epoch": -1}

    def update(self, epoch: int, record: dict) -> bool:
        """Note an epoch's metrics; True when it is the new best (call before :meth:`save`, so
        the payload carries the updated ``best``)."""
        improved = record[self.metric] > self.best[self.metric]
        if improved:
            self.best = {self.metric: record[self.metric], "epoch": epoch}
        return improved

    def save(self, epoch: int, payload: dict, improved: bool) -> list[Path]:
        """Write the epoch's files; returns the paths written."""
        written = []
        if improved:
            written.append(save_checkpoint(self.out_dir / "best.pt", weights_only(payload)))
        written.append(save_checkpoint(self.out_dir / "last.pt", payload))
        if self.save_every > 0 and (epoch + 1) % self.save_every == 0:
            written.append(save_checkpoint(self.out_dir / f"epoch_{epoch}.pt", payload))
        return written
