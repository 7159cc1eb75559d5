"""Parse and validate a glyph's ``contours`` JSON into a compact outline, and its binary form.

The JSON is the fontTools pen protocol recorded per subpath (the user's database format). TrueType
``qCurveTo`` runs are expanded here into plain quadratic segments (implied on-curve midpoints,
all-off-curve contours), so the rasterizer only sees move/line/quad/cubic/close verbs.

An :class:`Outline` also has a compact binary form (:meth:`Outline.to_bytes`,
:func:`outline_from_bytes`): the expanded verbs and float32 points, made once per row (the
optional ``glyphs.outline`` column written at ingest) so that reading a glyph back costs a
header check instead of a JSON parse. Layout, little-endian::

    b"GRO1"  uint32 n_points  uint32 n_verbs  float32[2 * n_points]  uint8[n_verbs]
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from raster.errors import MalformedContours  # noqa: F401  (re-exported)

# Verb codes: the same numbers as skia.Path.Verb, so the rasterizer can pass them through.
MOVE, LINE, QUAD, CUBIC, CLOSE = 0, 1, 2, 4, 5
_POINTS_PER_VERB = {MOVE: 1, LINE: 1, QUAD: 2, CUBIC: 3, CLOSE: 0}
#: no font draws this far out (TrueType coordinates are 16-bit); larger ones overflow renderers
MAX_COORD = 1e6
BLOB_MAGIC = b"GRO1"
_BLOB_HEAD = struct.Struct("<4sII")


@dataclass(frozen=True, slots=True)
class Outline:
    """A glyph outline in font units, as flat verb and point arrays.

    Attributes:
        verbs: one byte per verb (MOVE, LINE, QUAD, CUBIC, CLOSE; skia's verb numbers).
        points: float32 little-endian ``x0, y0, x1, y1, ...`` in font units (the precision
            skia draws with); MOVE and LINE consume one point, QUAD two, CUBIC three,
            CLOSE none.
    """

    verbs: bytes
    points: bytes

    @property
    def coords(self) -> np.ndarray:
        """float32 (2 * n_points,) view of the points: ``x0, y0, x1, y1, ...``."""
        return np.frombuffer(self.points, "<f4")

    @property
    def n_points(self) -> int:
        """Number of (x, y) points."""
        return len(self.points) // 8

    def to_bytes(self) -> bytes:
        """The compact binary form (layout in the module docstring)."""
        return (
            _BLOB_HEAD.pack(BLOB_MAGIC, self.n_points, len(self.verbs)) + self.points + self.verbs
        )


def outline_from_bytes(
    blob: bytes | bytearray | memoryview, glyph_id: int | None = None
) -> Outline:
    """Read :meth:`Outline.to_bytes` back, checking it as :func:`parse_contours` checks JSON.

    Raises:
        MalformedContours: wrong magic or length, an unknown verb, points that do not match
            the verbs, a non-finite coordinate, or no segment.
    """
    blob = bytes(blob)
    if len(blob) < _BLOB_HEAD.size:
        raise MalformedContours(glyph_id, "binary outline too short")
    magic, n_pts, n_verbs = _BLOB_HEAD.unpack_from(blob)
    if magic != BLOB_MAGIC:
        raise MalformedContours(glyph_id, f"binary outline has magic {magic!r}, not {BLOB_MAGIC!r}")
    end_pts = _BLOB_HEAD.size + 8 * n_pts
    if len(blob) != end_pts + n_verbs:
        raise MalformedContours(glyph_id, "binary outline length does not match its header")
    points, verbs = blob[_BLOB_HEAD.size : end_pts], blob[end_pts:]
    _check_arrays(verbs, points, glyph_id)
    return Outline(verbs, points)


_VERB_BYTES = bytes(_POINTS_PER_VERB)


def _check_arrays(verbs: bytes, points: bytes, glyph_id: int | None) -> None:
    """The checks every outline passes: known verbs, matching points, finite, a segment.

    Byte counting rather than numpy: a glyph has ~40 verbs, where each numpy call costs more
    than the whole count.
    """
    if not verbs:
        raise MalformedContours(glyph_id, "empty (no points)")
    if verbs.translate(None, _VERB_BYTES):
        raise MalformedContours(glyph_id, "unknown verb")
    if verbs[0] != MOVE:
        raise MalformedContours(glyph_id, "a segment before any moveTo")
    n_move, n_close = verbs.count(MOVE), verbs.count(CLOSE)
    n_line, n_quad, n_cubic = verbs.count(LINE), verbs.count(QUAD), verbs.count(CUBIC)
    if 8 * (n_move + n_line + 2 * n_quad + 3 * n_cubic) != len(points):
        raise MalformedContours(glyph_id, "points do not match the verbs")
    peak = float(np.abs(np.frombuffer(points, "<f4")).max())  # NaN propagates
    if not math.isfinite(peak):
        raise MalformedContours(glyph_id, "non-finite coordinate")
    if peak > MAX_COORD:
        raise MalformedContours(glyph_id, f"coordinate beyond ±{MAX_COORD:g} font units")
    if n_move + n_close == len(verbs):
        raise MalformedContours(glyph_id, "empty (no segments)")


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

    One function, over 80 lines, because the pen state (current point, open contour) runs
    through the whole command loop, the hot path of every render that parses JSON.

    Args:
        contours: the JSON text of a ``glyphs.contours`` cell, the already decoded list of
            subpaths, a binary outline (:meth:`Outline.to_bytes`), or an :class:`Outline`
            (returned unchanged).
        glyph_id: used only in error messages.

    Returns:
        The outline, with every ``qCurveTo`` run expanded into quadratic segments.

    Raises:
        MalformedContours: bad JSON, NaN/inf, no drawable point, an unknown command, a
            command with the wrong number of points, or a segment before any ``moveTo``.
    """
    if isinstance(contours, Outline):
        return contours
    if isinstance(contours, bytes | bytearray | memoryview) and bytes(contours[:4]) == BLOB_MAGIC:
        return outline_from_bytes(contours, glyph_id)
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
                    if verbs and verbs[-1] == MOVE:  # a move right after a move replaces it,
                        del coords[-2:]  # as in skia's own path building
                        verbs.pop()
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
    # float32 is what skia draws with (every value within ±MAX_COORD converts finitely).
    verbs, points = bytes(verbs), np.frombuffer(coords, np.float64).astype("<f4").tobytes()
    _check_arrays(verbs, points, glyph_id)
    return Outline(verbs, points)


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
        if verbs and verbs[-1] == MOVE:  # a lone moveTo before: replaced, as skia does
            del coords[-2:]
            verbs.pop()
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
