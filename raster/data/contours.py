"""Parse and validate a glyph's ``contours`` JSON into a compact outline.

The JSON is the fontTools pen protocol recorded per subpath (see anchor-facts.md). TrueType
``qCurveTo`` runs are expanded here into plain quadratic segments (implied on-curve midpoints,
all-off-curve contours), so the rasterizer only sees move/line/quad/cubic/close verbs.
"""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from raster.errors import MalformedContours  # noqa: F401  (re-exported)

# Verb codes: the same numbers as skia.Path.Verb, so the rasterizer can pass them through.
MOVE, LINE, QUAD, CUBIC, CLOSE = 0, 1, 2, 4, 5
_POINTS_PER_VERB = {MOVE: 1, LINE: 1, QUAD: 2, CUBIC: 3, CLOSE: 0}
#: no font draws this far out (TrueType coordinates are 16-bit); larger ones overflow renderers
MAX_COORD = 1e6


@dataclass(frozen=True, slots=True)
class Outline:
    """A glyph outline in font units, as flat verb and coordinate arrays.

    Attributes:
        verbs: one byte per verb (MOVE, LINE, QUAD, CUBIC, CLOSE; skia's verb numbers).
        coords: float64 ``x0, y0, x1, y1, ...`` in font units; MOVE and LINE consume one
            point, QUAD two, CUBIC three, CLOSE none.
    """

    verbs: bytes
    coords: array

    @property
    def n_points(self) -> int:
        """Number of (x, y) points."""
        return len(self.coords) // 2

    def control_bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of all points, control points included, in font units."""
        xs = self.coords[0::2]
        ys = self.coords[1::2]
        return min(xs), min(ys), max(xs), max(ys)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")


def _decode(text: str | bytes | bytearray, glyph_id: int | None) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise MalformedContours(glyph_id, f"bad JSON ({exc})") from None
    except RecursionError:  # e.g. 200,000 nested brackets
        raise MalformedContours(glyph_id, "bad JSON (nested too deeply)") from None


def parse_contours(
    contours: str | bytes | bytearray | Sequence | Outline, glyph_id: int | None = None
) -> Outline:
    """Parse and validate one glyph's contours.

    Args:
        contours: the JSON text of a ``glyphs.contours`` cell, the already decoded list of
            subpaths, or an :class:`Outline` (returned unchanged).
        glyph_id: used only in error messages.

    Returns:
        The outline, with every ``qCurveTo`` run expanded into quadratic segments.

    Raises:
        MalformedContours: bad JSON, NaN/inf, no drawable point, an unknown command, a
            command with the wrong number of points, or a segment before any ``moveTo``.
    """
    if isinstance(contours, Outline):
        return contours
    data = (
        _decode(contours, glyph_id) if isinstance(contours, str | bytes | bytearray) else contours
    )
    if not isinstance(data, list):
        raise MalformedContours(glyph_id, f"expected a list of subpaths, got {type(data).__name__}")
    verbs = bytearray()
    coords = array("d")
    add = coords.append
    try:
        for subpath in data:
            if not isinstance(subpath, list):
                raise MalformedContours(glyph_id, "a subpath is not a list of commands")
            # Pen state: the current point (needed for implied TrueType points) and whether a
            # contour is open (segments need one).
            open_ = False
            cx = cy = 0.0
            for cmd in subpath:
                op, pts = cmd  # ValueError/TypeError below when a command is not a pair
                if op == "lineTo":
                    if not open_:
                        raise MalformedContours(glyph_id, "lineTo before moveTo")
                    cx, cy = pts
                    add(cx)
                    add(cy)
                    verbs.append(LINE)
                elif op == "qCurveTo":
                    cx, cy, open_ = _q_curve(pts, open_, cx, cy, verbs, coords, glyph_id)
                elif op == "curveTo":
                    if not open_:
                        raise MalformedContours(glyph_id, "curveTo before moveTo")
                    if len(pts) != 3:
                        raise MalformedContours(glyph_id, f"curveTo needs 3 points, got {len(pts)}")
                    (x1, y1), (x2, y2), (cx, cy) = pts
                    coords.extend((x1, y1, x2, y2, cx, cy))
                    verbs.append(CUBIC)
                elif op == "moveTo":
                    cx, cy = pts
                    add(cx)
                    add(cy)
                    verbs.append(MOVE)
                    open_ = True
                elif op == "closePath" or op == "endPath":
                    # endPath (an open contour) is filled like a closed one, as FreeType does.
                    if open_:
                        verbs.append(CLOSE)
                    open_ = False
                else:
                    raise MalformedContours(glyph_id, f"unknown command {op!r}")
    except MalformedContours:
        raise
    except (TypeError, ValueError) as exc:
        raise MalformedContours(glyph_id, f"bad command or point ({exc})") from None
    if not coords:
        raise MalformedContours(glyph_id, "empty (no points)")
    # One check per glyph: any NaN/inf (e.g. 1e999 in the JSON) makes the sum non-finite.
    try:
        finite = math.isfinite(math.fsum(coords))
    except OverflowError:  # e.g. two coordinates of 1e308
        finite = True
    if not finite:
        raise MalformedContours(glyph_id, "non-finite coordinate")
    if max(coords) > MAX_COORD or min(coords) < -MAX_COORD:
        raise MalformedContours(glyph_id, f"coordinate beyond ±{MAX_COORD:g} font units")
    if len(verbs) == verbs.count(MOVE) + verbs.count(CLOSE):
        raise MalformedContours(glyph_id, "empty (no segments)")
    return Outline(bytes(verbs), coords)


def _q_curve(pts, open_, cx, cy, verbs, coords, glyph_id):
    """Expand one TrueType ``qCurveTo`` run (n off-curve points, then an on-curve end).

    Between two consecutive off-curve points lies an implied on-curve point at their
    midpoint. An end of ``None`` means the contour has no on-curve point at all: it starts and
    ends at the midpoint of its last and first off-curve points. Written by hand (rather than
    with fontTools' decomposeQuadraticSegment) to append straight into the flat arrays.

    Returns:
        (x, y, open) of the pen after the run.
    """
    n = len(pts)
    if n == 0:
        raise MalformedContours(glyph_id, "qCurveTo with no points")
    if pts[-1] is None:
        offs = [(float(x), float(y)) for x, y in pts[:-1]]
        if not offs:
            raise MalformedContours(glyph_id, "qCurveTo with only a null point")
        if open_:
            raise MalformedContours(glyph_id, "all-off-curve qCurveTo inside an open contour")
        lx, ly = offs[-1]
        fx, fy = offs[0]
        sx, sy = (lx + fx) * 0.5, (ly + fy) * 0.5
        coords.extend((sx, sy))
        verbs.append(MOVE)
        m = len(offs)
        for i in range(m):
            ox, oy = offs[i]
            nx, ny = offs[i + 1] if i + 1 < m else offs[0]
            coords.extend((ox, oy, (ox + nx) * 0.5, (oy + ny) * 0.5))
            verbs.append(QUAD)
        return sx, sy, True
    if not open_:
        raise MalformedContours(glyph_id, "qCurveTo before moveTo")
    ex, ey = pts[-1]
    if n == 1:  # no off-curve point: a straight line (pen protocol)
        coords.extend((ex, ey))
        verbs.append(LINE)
        return ex, ey, True
    px, py = pts[0]
    for i in range(1, n - 1):
        qx, qy = pts[i]
        coords.extend((px, py, (px + qx) * 0.5, (py + qy) * 0.5))
        verbs.append(QUAD)
        px, py = qx, qy
    coords.extend((px, py, ex, ey))
    verbs.append(QUAD)
    return ex, ey, True


def content_key(contours_text: str | bytes, upem: float | None) -> int:
    """A 63-bit key of a glyph's drawing inputs (JSON text and upem), for cache fingerprints."""
    data = contours_text.encode() if isinstance(contours_text, str) else bytes(contours_text)
    h = hashlib.blake2b(data, digest_size=8, person=b"glyphraster")
    h.update(repr(None if upem is None else float(upem)).encode())
    return int.from_bytes(h.digest(), "little") >> 1


def to_pen_commands(outline: Outline) -> list[list]:
    """The outline as one list of pen commands (all quads explicit), for debugging/tests."""
    out: list[list] = []
    c = outline.coords
    k = 0
    names = {MOVE: "moveTo", LINE: "lineTo", QUAD: "qCurveTo", CUBIC: "curveTo"}
    for v in outline.verbs:
        if v == CLOSE:
            out.append(["closePath", None])
            continue
        n = _POINTS_PER_VERB[v]
        pts = [[c[2 * (k + j)], c[2 * (k + j) + 1]] for j in range(n)]
        k += n
        out.append([names[v], pts[0] if v in (MOVE, LINE) else pts])
    return out
