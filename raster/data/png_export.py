"""Render selected glyphs to PNG files exactly as training sees them (``raster.rasterize``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from raster.data.render import RasterConfig, get_rasterizer
from raster.data.selection import GlyphTable
from raster.progress import progress_bar

log = logging.getLogger(__name__)


def png_name(glyph_id: int, label: str) -> str:
    """``<glyph_id>_<label>.png``, the label's characters other than ``[A-Za-z0-9_-]`` as '-'."""
    safe = "".join(c if c.isalnum() or c in "_-" else "-" for c in label)
    return f"{glyph_id}_{safe}.png"


def missing_glyph_ids(requested: Sequence[int], table: GlyphTable) -> list[int]:
    """Requested glyph ids that ``table`` lacks (absent, no contours or malformed), sorted."""
    return sorted(set(requested) - set(table.glyph_ids.tolist()))


def write_glyph_pngs(
    table: GlyphTable, cfg: RasterConfig, out_dir: Path, *, black_on_white: bool = False
) -> int:
    """Render every row of ``table`` into ``out_dir`` as :func:`png_name`; uint8 (S, S) coverage, white glyph on black unless
    ``black_on_white``.

    Returns:
        How many glyphs were shrunk to fit the image.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    r = get_rasterizer(cfg)
    n_shrunk = 0
    for i in progress_bar(range(len(table)), desc="rasterize", unit="glyph"):
        img, shrunk = r.render(table.outlines[i], float(table.upems[i]))
        n_shrunk += shrunk
        if black_on_white:
            img = 255 - img
        Image.fromarray(img).save(out_dir / png_name(int(table.glyph_ids[i]), table.labels[i]))
    return n_shrunk
