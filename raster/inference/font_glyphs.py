"""Every glyph of a font that has an outline, read by glyph index: the cmap is never used.

Composite glyphs are decomposed; a variable font is read at its default instance (the outlines
as stored); ``.notdef`` (glyph 0) is skipped, it is never a character. The contours are the
ingest code's (``recording_to_contours``), parsed straight into outlines without the JSON round
trip (the same outline either way), so a glyph renders exactly as its DB row would.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from fontTools.pens.recordingPen import DecomposingRecordingPen

from raster.data.contours import MalformedContours, Outline, parse_contours
from raster.data.fonts import FontFace, FontLoadError, font_metrics, iter_faces
from raster.data.glyph_rows import recording_to_contours
from raster.data.render import RasterConfig, infer_upem, outline_height, render_many
from raster.errors import NoOutlinesError  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)
_DRAW_OPS = ("moveTo", "lineTo", "curveTo", "qCurveTo")


@dataclass
class FontGlyphs:
    """The outlined glyphs of one font face.

    Attributes:
        path: the font file.
        face: the opened face (its ``ttfont`` and HarfBuzz data).
        metrics: the ``fonts`` row metrics (:func:`~raster.data.fonts.font_metrics`), font units.
        upem: units per em used to render (``metrics['upem']``, or inferred when missing).
        upem_inferred: True when the font has no ``head.unitsPerEm``.
        gids: int64 (N,) glyph indices, ascending.
        names: glyph names (N).
        contours: contours JSON text per glyph (N), font units, ingest format.
        outlines: the same parsed (N), straight from the pen recordings (what renders).
    """

    path: Path
    face: FontFace
    metrics: dict
    upem: float
    upem_inferred: bool
    gids: np.ndarray
    names: list[str]
    contours: list[str]
    outlines: list[Outline]

    def __len__(self) -> int:
        return len(self.names)

    def take(self, rows) -> FontGlyphs:
        """These glyphs at positions ``rows`` (ints), in that order; font data shared."""
        rows = [int(r) for r in rows]
        return replace(
            self,
            gids=self.gids[rows] if rows else self.gids[:0],
            names=[self.names[r] for r in rows],
            contours=[self.contours[r] for r in rows],
            outlines=[self.outlines[r] for r in rows],
        )

    def render(self, cfg: RasterConfig) -> np.ndarray:
        """Render every glyph as training does: uint8 (N, S, S), ink = 255."""
        images, _ = render_many(self.outlines, np.full(len(self), self.upem), cfg)
        return images

    def pngs(self, size: int) -> list[bytes]:
        """PNG per glyph for a person to see (the review page, the run report): black ink on
        white, ``size`` px, the em scale of training (``em``)."""
        from PIL import Image  # lazily: identification itself needs no image files

        out = []
        for img in self.render(RasterConfig(img_size=size)):
            buf = io.BytesIO()
            Image.fromarray(255 - img).save(buf, format="PNG", optimize=True)
            out.append(buf.getvalue())
        return out


def read_font_glyphs(path: str | Path, face_index: int = 0) -> FontGlyphs:
    """Read every outlined glyph of a font file (or of one face of a collection).

    Args:
        path: .ttf/.otf/.ttc/.woff/.woff2 file.
        face_index: face of a collection.

    Raises:
        FontLoadError: unreadable file, no glyf/CFF table, no such face, or a glyph that
            cannot be drawn (message names the glyph).
        NoOutlinesError: no glyph other than ``.notdef`` has an outline.
    """
    path = Path(path)
    face = None
    for i, item in enumerate(iter_faces(path, "default", check_tables=False)):
        if i == face_index:
            face = item
            break
    if face is None:
        raise FontLoadError(f"no face {face_index} in the file")
    font = face.ttfont
    glyph_set = font.getGlyphSet()  # no location: a variable font's default instance
    order = font.getGlyphOrder()
    gids, names, contours, outlines = [], [], [], []
    for gid, name in enumerate(order):
        if gid == 0:
            continue  # .notdef
        pen = DecomposingRecordingPen(glyph_set, skipMissingComponents=True)
        try:
            glyph_set[name].draw(pen)
        except Exception as exc:  # fontTools raises many types on corrupt glyph data
            raise FontLoadError(f"glyph {gid} {name!r}: cannot draw ({exc})") from exc
        if not any(op in _DRAW_OPS for op, _ in pen.value):
            continue
        recorded = recording_to_contours(pen.value)
        try:
            outline = parse_contours(recorded, gid)
        except MalformedContours as exc:  # e.g. a coordinate far outside any em square
            log.warning("%s: glyph %d %r skipped: %s", path, gid, name, exc.reason)
            continue
        gids.append(gid)
        names.append(name)
        contours.append(json.dumps(recorded, separators=(",", ":")))
        outlines.append(outline)
    if not gids:
        raise NoOutlinesError("no glyph has an outline (nothing to identify)")
    metrics = font_metrics(font)
    upem = metrics["upem"]
    inferred = upem is None or upem <= 0
    if inferred:  # as training does for DB fonts without upem (selection.infer_font_upems)
        upem = infer_upem(outline_height(o) for o in outlines)
    return FontGlyphs(
        path,
        face,
        metrics,
        float(upem),
        inferred,
        np.asarray(gids, np.int64),
        names,
        contours,
        outlines,
    )
