"""Every glyph of a font that has an outline, read by glyph index: the cmap is never used.

Composite glyphs are decomposed; a variable font is read at its default instance (the outlines
as stored); ``.notdef`` (glyph 0) is skipped, it is never a character. The contours are the
ingest code's JSON (``recording_to_contours``), so a glyph renders exactly as its DB row would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from fontTools.pens.recordingPen import DecomposingRecordingPen

from raster.data.contours import parse_contours
from raster.data.fonts import FontFace, FontLoadError, font_metrics, iter_faces
from raster.data.glyph_rows import recording_to_contours
from raster.data.render import RasterConfig, infer_upem, outline_height, render_many
from raster.errors import NoOutlinesError  # noqa: F401  (re-exported)

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
    """

    path: Path
    face: FontFace
    metrics: dict
    upem: float
    upem_inferred: bool
    gids: np.ndarray
    names: list[str]
    contours: list[str]

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
        )

    def render(self, cfg: RasterConfig) -> np.ndarray:
        """Render every glyph as training does: uint8 (N, S, S), ink = 255."""
        outlines = [
            parse_contours(c, int(g)) for c, g in zip(self.contours, self.gids, strict=True)
        ]
        images, _ = render_many(outlines, np.full(len(self), self.upem), cfg)
        return images


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
    gids, names, contours = [], [], []
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
        text = json.dumps(recording_to_contours(pen.value), separators=(",", ":"))
        gids.append(gid)
        names.append(name)
        contours.append(text)
    if not gids:
        raise NoOutlinesError("no glyph has an outline (nothing to identify)")
    metrics = font_metrics(font)
    upem = metrics["upem"]
    inferred = upem is None or upem <= 0
    if inferred:  # as training does for DB fonts without upem (selection.infer_font_upems)
        upem = infer_upem(
            outline_height(parse_contours(c, g)) for c, g in zip(contours, gids, strict=True)
        )
    return FontGlyphs(
        path, face, metrics, float(upem), inferred, np.asarray(gids, np.int64), names, contours
    )
