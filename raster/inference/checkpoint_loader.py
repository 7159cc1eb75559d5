"""Load a trained checkpoint for inference and check that it can render what it expects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from raster.data.render import RasterConfig
from raster.engine.checkpoint import load_trained_model
from raster.engine.device import resolve_device
from raster.errors import CheckpointError  # noqa: F401  (re-exported)
from raster.models.glyph_net import GlyphNet
from raster.models.levit_infer import FusedGlyphNet


@dataclass
class LoadedModel:
    """A checkpoint's model with what inference needs next to it.

    Attributes:
        model: the network, eval mode, on ``device`` (LeViT: the timm-free fused one).
        ckpt: the checkpoint dict (``args``, ``label_to_index``, ...).
        raster: the raster config training used (images must be rendered with it).
        index_to_label: label string per classifier output.
        path: the checkpoint file.
        device: where the model lives.
    """

    model: GlyphNet | FusedGlyphNet
    ckpt: dict
    raster: RasterConfig
    index_to_label: list[str]
    path: Path
    device: torch.device

    @property
    def img_size(self) -> int:
        return self.raster.img_size

    def run_images(
        self, images, batch_size: int = 256, progress: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Logits float32 (N, C) and unit-norm embeddings float32 (N, D) of uint8 (N, S, S)
        renders (ink = 255)."""
        from raster.inference.embedding import forward_images

        return forward_images(self, images, batch_size, progress)


def load_model(path: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Rebuild a checkpoint's model for inference.

    Raises:
        CheckpointError: missing/unreadable file, not our format, or a raster config whose
            image size differs from the model's input size.
    """
    path = Path(path)
    device = resolve_device(device) if isinstance(device, str) else torch.device(device)
    try:
        model, ckpt = load_trained_model(path, device, inference_only=True)
    except (FileNotFoundError, ValueError) as exc:
        raise CheckpointError(str(exc)) from exc
    except (KeyError, RuntimeError, TypeError) as exc:
        raise CheckpointError(f"{path}: cannot rebuild the model ({exc})") from exc
    try:
        raster = RasterConfig.from_dict(ckpt["raster_config"])
    except (KeyError, ValueError) as exc:
        raise CheckpointError(f"{path}: unusable raster config ({exc})") from exc
    model_size = int(ckpt["model_config"].get("img_size", raster.img_size))
    if model_size != raster.img_size:
        raise CheckpointError(
            f"{path}: raster img_size {raster.img_size} but the model expects {model_size} px"
        )
    l2i = ckpt["label_to_index"]
    index_to_label = [""] * len(l2i)
    for label, i in l2i.items():
        index_to_label[int(i)] = str(label)
    return LoadedModel(model, ckpt, raster, index_to_label, path, device)
