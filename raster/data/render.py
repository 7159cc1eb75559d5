"""The rasterizer: one glyph outline + its font's scale -> an anti-aliased uint8 image.

Every image the project makes (dataset, pre-raster cache, ``raster.rasterize``, identify)
comes from :func:`render_contours` / :class:`Rasterizer`, so training and inference cannot
drift apart.

Image convention: ``uint8`` array of shape ``(img_size, img_size)``, row 0 at the top; the pixel
value is the glyph's coverage of that pixel: **ink = 255 on background = 0** (white glyph on
black). The dataset turns it into a float tensor in [0, 1] with ink = 1.

Filling: skia-python paths, anti-aliased, exact quadratic and cubic curves, nonzero winding
(counters drawn in the opposite direction are holes; overlapping contours, as in variable
fonts, do not cancel).

Normalization (the outline is always centred on the centre of its tight bounding box, y up in
font units is flipped so the image is upright):

* ``em`` (default; the user's "norm_v2"): size preserving. One fixed scale for every glyph:
  the image spans :data:`EM_CANVAS_SPAN` em (1.5 em) across, i.e. ``img_size / (1.5 * upem)``
  pixels per font unit, so a diacritic stays small beside a letter. A glyph whose larger side
  would not fit inside the image minus :data:`EM_EDGE_MARGIN` on each side (about 1.3% of the
  glyphs in the bundled fonts: wide ligatures, tall Nastaliq forms) is shrunk to exactly fit;
  only those, and the render reports ``shrunk=True`` (kept by the dataset as metadata).
* ``fit``: per-glyph scale; the larger side of the bounding box fills the image minus
  :data:`FIT_MARGIN` on each side.

Fonts without metrics (NULL ``upem``): :func:`infer_upem` estimates the font's units per em
from the font's own outlines (the rule is in its docstring).
"""

from __future__ import annotations

import logging
import math
import struct
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import skia

from raster.data.contours import CLOSE, CUBIC, LINE, MOVE, QUAD, Outline, parse_contours

log = logging.getLogger(__name__)

# Bump whenever a change makes any pixel differ: pre-raster caches carry it in their fingerprint.
RASTER_VERSION = 1

NORMALIZATIONS = ("em", "fit")
EM_CANVAS_SPAN = 1.5  # em units across the image in `em` normalization
EM_EDGE_MARGIN = 1.0 / 64  # fraction of the image kept free on each side when shrinking to fit
FIT_MARGIN = 1.0 / 16  # fraction of the image kept free on each side in `fit` normalization

# infer_upem: in the bundled and Debian fonts the 95th percentile of the glyph bounding-box
# heights lies near 1.0 em (0.74-1.55 over 37 fonts; median 1.0).
P95_HEIGHT_EM = 1.0
COMMON_UPEMS = (256, 512, 1000, 1024, 2000, 2048, 4096)
UPEM_SNAP_RATIO = 1.25  # snap the estimate to a common upem when within this factor
RENDER_BLOCK = 256  # render_many parses this many outlines, then renders them


@dataclass(frozen=True)
class RasterConfig:
    """How glyphs become images; part of every cache fingerprint and checkpoint.

    Attributes:
        img_size: image side in pixels; a multiple of 16 (LeViT's patch grid), e.g. 128, 224.
        normalization: ``"em"`` (fixed scale, default) or ``"fit"`` (per-glyph fit).
        version: rasterizer version (:data:`RASTER_VERSION`).
    """

    img_size: int = 128
    normalization: str = "em"
    version: int = RASTER_VERSION

    def __post_init__(self) -> None:
        if self.img_size <= 0 or self.img_size % 16:
            raise ValueError(f"img_size must be a positive multiple of 16, got {self.img_size}")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"normalization must be one of {NORMALIZATIONS}, got {self.normalization!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (for checkpoints and fingerprints)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RasterConfig:
        """Inverse of :meth:`to_dict`; refuses a config from another rasterizer version."""
        version = int(d.get("version", RASTER_VERSION))
        if version != RASTER_VERSION:
            raise ValueError(
                f"raster config version {version} differs from this rasterizer's {RASTER_VERSION}"
            )
        return cls(img_size=int(d["img_size"]), normalization=str(d["normalization"]))


def font_upem(metrics: Any) -> float | None:
    """The units-per-em in ``metrics``: a number, a mapping/row with ``upem``, or None."""
    if metrics is None:
        return None
    if isinstance(metrics, int | float):
        return float(metrics)
    try:
        v = metrics["upem"]
    except (KeyError, IndexError, TypeError):
        v = getattr(metrics, "upem", None)
    return None if v is None else float(v)


def _build_path_calls(outline: Outline) -> skia.Path:
    """The path built with one skia call per verb (the reference; slower)."""
    path = skia.Path()
    path.setFillType(skia.PathFillType.kWinding)  # nonzero: overlaps add, counters are holes
    c = outline.coords.tolist()
    k = 0
    for v in outline.verbs:
        if v == LINE:
            path.lineTo(c[k], c[k + 1])
            k += 2
        elif v == QUAD:
            path.quadTo(c[k], c[k + 1], c[k + 2], c[k + 3])
            k += 4
        elif v == CUBIC:
            path.cubicTo(c[k], c[k + 1], c[k + 2], c[k + 3], c[k + 4], c[k + 5])
            k += 6
        elif v == MOVE:
            path.moveTo(c[k], c[k + 1])
            k += 2
        elif v == CLOSE:
            path.close()
    return path


# skia's own path serialization (SkPath::writeToMemory, version 5): int32 header (version,
# fill type 0 = winding << 8), point count, conic-weight count, verb count; then the float32
# points, the verb bytes, zero padding to 4 bytes. An Outline already holds points and verbs in
# that layout, so a path is one readFromMemory call instead of one call per verb.
_SKIA_HEAD = struct.Struct("<4i")
_SKIA_PATH_VERSION = 5


def _skia_bytes(outline: Outline) -> bytes:
    nv = len(outline.verbs)
    head = _SKIA_HEAD.pack(_SKIA_PATH_VERSION, outline.n_points, 0, nv)
    return head + outline.points + outline.verbs + b"\0" * (-nv % 4)


def _serialization_matches() -> bool:
    """Whether this skia writes paths in the layout :func:`_skia_bytes` assumes."""
    verbs = bytes([MOVE, LINE, QUAD, CUBIC, CLOSE, MOVE, LINE, CLOSE])
    probe = Outline(verbs, np.arange(18, dtype="<f4").tobytes())
    try:
        return bytes(_build_path_calls(probe).serialize()) == _skia_bytes(probe)
    except Exception:  # an older/newer skia-python without serialize(): use the calls
        return False


_FAST_PATHS = _serialization_matches()
if not _FAST_PATHS:
    log.info("skia path serialization differs from version 5: building paths call by call")


def _build_path(outline: Outline) -> skia.Path:
    """The outline as a skia path in font units (nonzero winding)."""
    if _FAST_PATHS:
        path = skia.Path()
        if path.readFromMemory(_skia_bytes(outline)):
            return path
    return _build_path_calls(outline)


class Rasterizer:
    """Renders outlines at one :class:`RasterConfig`, reusing one skia surface.

    The surface draws straight into a preallocated numpy buffer (8-bit alpha = coverage), so
    a render is: build the path, clear, set the matrix, fill, copy. Not thread-safe; use
    :func:`get_rasterizer` for a per-thread instance.
    """

    def __init__(self, cfg: RasterConfig):
        self.cfg = cfg
        s = cfg.img_size
        self._buf = np.zeros((s, s), np.uint8)
        self._surface = skia.Surface(
            self._buf,
            colorType=skia.ColorType.kAlpha_8_ColorType,
            alphaType=skia.AlphaType.kPremul_AlphaType,
        )
        self._canvas = self._surface.getCanvas()
        self._paint = skia.Paint(AntiAlias=True, Color=skia.ColorBLACK)

    def transform(self, bounds: tuple[float, float, float, float], upem: float | None):
        """The font-units -> pixels mapping for a glyph with these tight bounds.

        Args:
            bounds: (xmin, ymin, xmax, ymax) in font units.
            upem: the font's units per em (needed for ``em``; ignored by ``fit``).

        Returns:
            (scale in pixels per font unit, x offset px, y offset px, shrunk). A font-unit
            point (x, y) lands at pixel (scale * x + ox, oy - scale * y).
        """
        s = self.cfg.img_size
        x0, y0, x1, y1 = bounds
        side = max(x1 - x0, y1 - y0)
        shrunk = False
        if self.cfg.normalization == "em":
            if upem is None or not upem > 0:
                raise ValueError(
                    "em normalization needs the font's upem (use infer_upem for fonts without)"
                )
            scale = s / (EM_CANVAS_SPAN * upem)
            limit = s * (1.0 - 2.0 * EM_EDGE_MARGIN)
            if side * scale > limit:
                scale = limit / side
                shrunk = True
        else:
            scale = s * (1.0 - 2.0 * FIT_MARGIN) / side if side > 0 else 1.0
        ox = s * 0.5 - scale * (x0 + x1) * 0.5
        oy = s * 0.5 + scale * (y0 + y1) * 0.5
        return scale, ox, oy, shrunk

    def render(
        self, outline: Outline, upem: float | None, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, bool]:
        """Render one outline.

        Args:
            outline: parsed outline in font units.
            upem: the font's units per em (real or inferred).
            out: optional ``uint8 (S, S)`` array to write into.

        Returns:
            (image ``uint8 (S, S)``, ink = 255 on 0; shrunk flag).
        """
        path = _build_path(outline)
        b = path.computeTightBounds()
        scale, ox, oy, shrunk = self.transform((b.fLeft, b.fTop, b.fRight, b.fBottom), upem)
        canvas = self._canvas
        canvas.clear(0)
        canvas.setMatrix(skia.Matrix.MakeAll(scale, 0.0, ox, 0.0, -scale, oy, 0.0, 0.0, 1.0))
        canvas.drawPath(path, self._paint)
        if out is None:
            return self._buf.copy(), shrunk
        out[...] = self._buf
        return out, shrunk


_local = threading.local()


def get_rasterizer(cfg: RasterConfig) -> Rasterizer:
    """A per-thread (and so per-process) :class:`Rasterizer` for ``cfg``, created once."""
    cache = getattr(_local, "rasterizers", None)
    if cache is None:
        cache = _local.rasterizers = {}
    r = cache.get(cfg)
    if r is None:
        r = cache[cfg] = Rasterizer(cfg)
    return r


def render_contours(
    contours: str | bytes | Sequence | Outline,
    metrics: Any,
    cfg: RasterConfig | None = None,
    *,
    glyph_id: int | None = None,
    out: np.ndarray | None = None,
    return_shrunk: bool = False,
) -> np.ndarray | tuple[np.ndarray, bool]:
    """Render one glyph exactly as training does (one glyph; the model's inputs are made by
    :func:`raster.data.model_input.build_inputs`, which renders through :func:`render_many`).

    Args:
        contours: the ``contours`` JSON text, its decoded list, or a parsed :class:`Outline`
            (font units).
        metrics: the font's units per em, as a number, or a mapping/row/object with ``upem``
            (for fonts without one, pass :func:`infer_upem`'s estimate).
        cfg: raster config (default ``RasterConfig()``: 128 px, ``em``).
        glyph_id: named in :class:`~raster.data.contours.MalformedContours` messages.
        out: optional ``uint8 (S, S)`` array to write into.
        return_shrunk: also return whether ``em`` shrank this glyph to fit.

    Returns:
        ``uint8 (S, S)`` coverage image, ink = 255 on background 0; with ``return_shrunk``,
        ``(image, shrunk)``.

    Raises:
        MalformedContours: the contours cannot be parsed.
    """
    cfg = cfg or RasterConfig()
    outline = parse_contours(contours, glyph_id)
    img, shrunk = get_rasterizer(cfg).render(outline, font_upem(metrics), out)
    return (img, shrunk) if return_shrunk else img


def render_many(
    outlines: Sequence[Outline | str | bytes],
    upems: Sequence[float] | np.ndarray,
    cfg: RasterConfig,
    out: np.ndarray | None = None,
    glyph_ids: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Render many glyphs in order into one array (single process; see cache.py for a pool).

    Args:
        outlines: N parsed outlines or contours JSON texts.
        upems: N units-per-em values (font units), real or inferred.
        cfg: raster config.
        out: optional ``(N, S, S)`` array (uint8, or float32 which receives coverage / 255).
        glyph_ids: N ids for error messages.

    Returns:
        (images ``(N, S, S)``, shrunk ``bool (N,)``); image i is the render of outlines[i].
    """
    n = len(outlines)
    s = cfg.img_size
    if out is None:
        out = np.empty((n, s, s), np.uint8)
    shrunk = np.zeros(n, bool)
    r = get_rasterizer(cfg)
    direct = out.dtype == np.uint8
    for start in range(0, n, RENDER_BLOCK):
        # Parse a block, then render it: alternating the two per glyph cost ~12 µs more per
        # glyph (61 vs 49 µs at 128 px, bench/bench_rasterize.py; each evicts the other's
        # working set from the CPU caches).
        stop = min(n, start + RENDER_BLOCK)
        parsed = [
            parse_contours(outlines[i], None if glyph_ids is None else int(glyph_ids[i]))
            for i in range(start, stop)
        ]
        for i, o in zip(range(start, stop), parsed, strict=True):
            if direct:
                _, shrunk[i] = r.render(o, float(upems[i]), out[i])
            else:
                img, shrunk[i] = r.render(o, float(upems[i]))
                np.multiply(img, np.float32(1.0 / 255.0), out=out[i], casting="unsafe")
    return out, shrunk


def outline_height(outline: Outline) -> float:
    """Height of the outline's tight bounding box, in font units."""
    b = _build_path(outline).computeTightBounds()
    return float(b.fBottom - b.fTop)


def infer_upem(heights: Iterable[float]) -> float | None:
    """Estimate a font's units per em from its glyphs' bounding-box heights.

    Rule: ``upem ~= p95(heights) / P95_HEIGHT_EM`` (the 95th percentile of glyph heights is
    about 1.0 em in real fonts; it ignores the few very tall glyphs), then snapped to the
    nearest common value in :data:`COMMON_UPEMS` when within a factor
    :data:`UPEM_SNAP_RATIO` of it (fonts almost always use one of those).

    Args:
        heights: bounding-box heights in font units of (ideally all) the font's glyphs.

    Returns:
        The estimated upem, or None when there is no positive height.
    """
    h = np.asarray([x for x in heights if x > 0], np.float64)
    if h.size == 0:
        return None
    est = float(np.percentile(h, 95)) / P95_HEIGHT_EM
    best = min(COMMON_UPEMS, key=lambda u: abs(math.log(est / u)))
    if max(est / best, best / est) <= UPEM_SNAP_RATIO:
        return float(best)
    return est
