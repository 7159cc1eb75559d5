"""The one step from a glyph to the model's input: outline + metrics + font facts -> arrays.

Training (:class:`~raster.data.dataset.GlyphDataset` and its pre-raster cache), ``identify``,
the API, PDF repair (every font type) and the ONNX path all make their inputs here: the
rasterized outline (:func:`~raster.data.render.render_many`, uint8, ink = 255), made float in
[0, 1] by :func:`unit_images`, and the glyph's metrics in em (:data:`METRIC_NAMES`).
The network reads the image only today; the metrics travel with it, and deduplication
(:func:`distinct_inputs`) keys on both, so that adding a metric input to the model is a change
here, in the model definition and in the schema (docs/architecture.md, "Adding a metric input").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from raster.data.contours import Outline
from raster.data.render import RasterConfig, render_many

#: the metrics of a glyph, in em, in the column order of :attr:`ModelInput.metrics`: advance
#: width, left and right side bearings, bottom and top of the outline's points (NaN: unknown;
#: the advance, and so the right bearing, of a DB row until the schema stores it)
METRIC_NAMES = ("advance", "lsb", "rsb", "y_min", "y_max")


def glyph_metrics(
    outlines: Sequence[Outline], upems: np.ndarray, advances: np.ndarray | None = None
) -> np.ndarray:
    """float32 (N, len(METRIC_NAMES)) metrics in em of outlines in font units.

    Args:
        outlines: N outlines (font units).
        upems: (N,) units per em of each glyph's font.
        advances: (N,) advance widths (font units; NaN where unknown), or None (all unknown).
    """
    n = len(outlines)
    upems = np.broadcast_to(np.asarray(upems, np.float64), (n,))
    adv = np.full(n, np.nan) if advances is None else np.asarray(advances, np.float64)
    bounds = np.full((n, 4), np.nan)  # x_min, y_min, x_max, y_max
    sizes = np.asarray([o.n_points for o in outlines], np.int64)
    drawn = np.flatnonzero(sizes)
    if len(drawn):  # every outline's points in one array, reduced per outline
        xy = np.frombuffer(b"".join(outlines[i].points for i in drawn), "<f4").reshape(-1, 2)
        starts = np.concatenate([[0], np.cumsum(sizes[drawn])[:-1]])
        bounds[drawn, :2] = np.minimum.reduceat(xy, starts, axis=0)
        bounds[drawn, 2:] = np.maximum.reduceat(xy, starts, axis=0)
    out = np.stack([adv, bounds[:, 0], adv - bounds[:, 2], bounds[:, 1], bounds[:, 3]], 1)
    return (out / upems[:, None]).astype(np.float32)


@dataclass
class ModelInput:
    """The model's inputs for N glyphs.

    Attributes:
        images: uint8 (N, S, S) renders, ink = 255 (the raster config training used).
        metrics: float32 (N, len(METRIC_NAMES)) metrics in em (:func:`glyph_metrics`).
    """

    images: np.ndarray
    metrics: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def take(self, rows) -> ModelInput:
        """The inputs at positions ``rows`` (int array), in that order."""
        return ModelInput(self.images[rows], self.metrics[rows])


def build_inputs(
    outlines: Sequence[Outline],
    upems: np.ndarray,
    raster: RasterConfig,
    advances: np.ndarray | None = None,
    glyph_ids: Sequence[int] | None = None,
) -> ModelInput:
    """The model's inputs of outlines in font units (``upems`` (N,), ``advances`` (N,) font
    units or None); ``glyph_ids`` name a glyph whose outline cannot be drawn."""
    upems = np.broadcast_to(np.asarray(upems, np.float64), (len(outlines),))
    images, _ = render_many(outlines, upems, raster, glyph_ids=glyph_ids)
    return ModelInput(images, glyph_metrics(outlines, upems, advances))


def as_input(images_or_input: ModelInput | np.ndarray) -> ModelInput:
    """A :class:`ModelInput` as given, or uint8 (N, S, S) images with unknown metrics."""
    if isinstance(images_or_input, ModelInput):
        return images_or_input
    images = np.asarray(images_or_input)
    return ModelInput(images, np.full((len(images), len(METRIC_NAMES)), np.nan, np.float32))


def unit_images(images):
    """The network's image input: uint8 (N, S, S) renders (ink = 255) -> float32
    (N, 1, S, S) in [0, 1] (ink = 1); a numpy array or a torch tensor, returned as the same
    type. A float array (a float32 pre-raster cache) is taken as already in [0, 1]."""
    if isinstance(images, np.ndarray):
        x = images.astype(np.float32)
        if images.dtype == np.uint8:
            x /= np.float32(255.0)  # a division, as torch's below: the same bits on every path
        return x[:, None]
    import torch

    x = images.float()
    if images.dtype == torch.uint8:
        x = x.div_(255.0)
    return x.unsqueeze(1)


def distinct_inputs(inputs: ModelInput | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(first, inverse)``: ``inputs.take(first)`` are the distinct inputs (image and metrics
    alike) in order of first appearance, and ``take(first).take(inverse)`` equals ``inputs``.
    Fonts repeat shapes under several names; glyphs of one image but other metrics stay apart.
    """
    inputs = as_input(inputs)
    n = len(inputs)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    metrics = np.nan_to_num(np.ascontiguousarray(inputs.metrics, np.float32), nan=np.inf)
    rows = np.concatenate(
        [np.ascontiguousarray(inputs.images).reshape(n, -1), metrics.view(np.uint8).reshape(n, -1)],
        axis=1,
    )
    keys = rows.view(np.dtype((np.void, rows.shape[1])))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # distinct inputs in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.reshape(-1)]
