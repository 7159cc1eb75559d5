"""Bare dot-pattern glyphs, told from the outline and the advance alone.

A font that draws dotted letters as a skeleton plus a dots glyph (Noto Sans Arabic, Noto Kufi
Arabic) keeps the dots in mark glyphs. With names and GDEF gone (a stripped font, a PDF subset)
nothing but the glyph says what it is, and the model has no label for a dot pattern: it answers
with some letter or mark (the ``الطاقة`` -> ``الطاةة`` problem). A dots glyph is, however,
plain geometry: zero advance (a mark), one to four filled blobs of the same size with no
counter, each small against the em. Written by hand because no library classifies glyph shapes
like this; scipy labels the connected components.

Dots that touch (Noto Nastaliq Urdu draws two dots as one diamond pair) are one component of a
different shape; they are left to the model rather than miscounted.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from raster.data.contours import Outline
from raster.data.render import FIT_MARGIN, RasterConfig, get_rasterizer
from raster.inference.evidence.composition import Dots
from raster.labels import label_codepoint

RENDER = RasterConfig(img_size=64, normalization="fit")
MAX_GLYPH_EM = 0.5  # the whole pattern fits in half an em (Noto's widest, 3 below: 0.46)
MAX_DOT_EM = 0.25  # one dot's bounding-box side (Noto 0.10-0.12 em, Nastaliq 0.17)
MAX_ASPECT = 1.5  # a dot's box is about square (round, square or diamond)
MIN_FILL = 0.45  # ink / box area of a dot (disc 0.79, square 1, diamond 0.5)
MAX_ELONGATION = (
    1.3  # sqrt of the ink's covariance eigenvalue ratio (disc, square: 1; a stroke more)
)
MAX_HOLE = 0.05  # share of a dot's box inside a counter (a ring, a sukun is not a dot)
MAX_SIZE_RATIO = 1.5  # largest / smallest dot side in one pattern
ABOVE_EM = 0.25  # centre above this height (em) -> dots above; else below


def bare_dots(outline: Outline, advance: float, upem: float) -> Dots | None:
    """The dot pattern a zero-advance glyph draws, or None (not a dot pattern).

    Args:
        outline: the glyph outline, font units.
        advance: its advance width, font units (a dots glyph is a mark: 0).
        upem: units per em.

    Returns:
        ``(count, "above" | "below")``: above when the pattern's centre is above
        :data:`ABOVE_EM` em (marks are drawn where they sit on a base at the baseline).
    """
    from scipy import ndimage  # only fonts with zero-advance glyphs get here

    pts = outline.coords.reshape(-1, 2)
    if advance != 0 or len(pts) == 0 or not upem > 0:
        return None
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    side = max(x1 - x0, y1 - y0)
    if not 0 < side <= MAX_GLYPH_EM * upem:
        return None
    img, _ = get_rasterizer(RENDER).render(outline, upem)
    ink = img >= 128
    comps, n = ndimage.label(ink)
    if not 1 <= n <= 4:
        return None
    px_per_unit = RENDER.img_size * (1 - 2 * FIT_MARGIN) / side  # the fit render's scale
    sides = []
    for k, box in enumerate(ndimage.find_objects(comps), start=1):
        blob = comps[box] == k
        h, w = blob.shape
        if max(h, w) > MAX_ASPECT * min(h, w) or blob.sum() < MIN_FILL * h * w:
            return None
        if (ndimage.binary_fill_holes(blob) & ~blob).sum() > MAX_HOLE * h * w:
            return None
        if _elongation(blob) > MAX_ELONGATION:
            return None
        sides.append(max(h, w))
    if max(sides) > MAX_SIZE_RATIO * min(sides):
        return None
    if max(sides) / px_per_unit > MAX_DOT_EM * upem:
        return None
    centre = (y0 + y1) / 2
    return n, "above" if centre > ABOVE_EM * upem else "below"


def _elongation(blob: np.ndarray) -> float:
    """sqrt(largest / smallest eigenvalue) of the ink pixels' coordinate covariance: 1 for a
    disc, a square or a diamond; a slanted stroke (an acute accent) is well above."""
    ys, xs = np.nonzero(blob)
    if len(xs) < 3:
        return 1.0
    low, high = np.linalg.eigvalsh(np.cov(np.stack([xs, ys]).astype(np.float64)))
    return float(np.sqrt(high / low)) if low > 0 else float("inf")


def is_dot_mark_label(label: str) -> bool:
    """True for a label of one combining mark drawn as dots (its Unicode name says DOT or
    DIAERESIS: U+0307 DOT ABOVE, U+08EB TONE TWO DOTS ABOVE): a dot-shaped glyph the shape reads
    as such a mark keeps it. A shape answer of any other mark (shadda, superscript alef: a model
    that never saw the design takes small blobs for marks) gives way to the dot pattern."""
    cp = label_codepoint(label)
    if cp is None:
        return False
    ch = chr(cp)
    name = unicodedata.name(ch, "")
    dotted = ("DOT" in name or "DIAERESIS" in name) and "DOTLESS" not in name
    return unicodedata.category(ch).startswith("M") and dotted


def advances(ttfont, gids: np.ndarray) -> np.ndarray | None:
    """int (N,) advance widths of glyphs ``gids`` from ``hmtx`` (font units), None without it."""
    if "hmtx" not in ttfont:
        return None
    order = ttfont.getGlyphOrder()
    metrics = ttfont["hmtx"].metrics
    return np.asarray([metrics.get(order[int(g)], (0, 0))[0] for g in gids], np.int64)
