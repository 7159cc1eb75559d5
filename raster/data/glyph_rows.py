"""Turn one font face into ``glyphs`` rows: labels from shaping, contours from fontTools pens.

Contours use the anchor database's JSON format: a list of subpaths, each a list of pen calls
``["moveTo", [x, y]]``, ``["lineTo", [x, y]]``, ``["curveTo", [[x1, y1], [x2, y2], [x, y]]]``,
``["qCurveTo", [[x, y], ..., [x, y] or null]]``, ``["closePath", null]``, in font units with
components decomposed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from fontTools.pens.recordingPen import DecomposingRecordingPen

from raster.data.contours import MalformedContours, parse_contours
from raster.data.fonts import FontFace, face_label, font_metrics, font_names
from raster.data.schema import FORMS
from raster.data.shaping import ShapedForm, Shaper, shape_forms
from raster.data.unicode_tables import char_class, is_presentation_form, joining_group
from raster.labels import make_label

# Arabic, Arabic Supplement, Arabic Extended-A, then printable ASCII (letters, digits,
# punctuation and symbols; space has no outline).
DEFAULT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0x0021, 0x007E),
)
_RANGE_RE = re.compile(r"^(?:U\+|0x)?([0-9A-Fa-f]{1,6})(?:\s*-\s*(?:U\+|0x)?([0-9A-Fa-f]{1,6}))?$")


def parse_ranges(spec: str) -> tuple[tuple[int, int], ...]:
    """Parse ``"0600-06FF,0750-077F,U+0041"`` (hex, inclusive) into ``((first, last), ...)``.

    Raises:
        ValueError: a part is not ``HEX`` or ``HEX-HEX`` or its end precedes its start.
    """
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        m = _RANGE_RE.match(part)
        if not m:
            raise ValueError(f"bad range {part!r}: expected HEX or HEX-HEX, e.g. 0600-06FF")
        lo = int(m.group(1), 16)
        hi = int(m.group(2), 16) if m.group(2) else lo
        if hi < lo or hi > 0x10FFFF:
            raise ValueError(f"bad range {part!r}: end before start or beyond U+10FFFF")
        out.append((lo, hi))
    if not out:
        raise ValueError(f"no ranges in {spec!r}")
    return tuple(out)


def repertoire(ranges: Sequence[tuple[int, int]] = DEFAULT_RANGES) -> list[int]:
    """Sorted unique codepoints of ``ranges``, minus presentation forms and surrogates."""
    cps = {cp for lo, hi in ranges for cp in range(lo, hi + 1)}
    return sorted(cp for cp in cps if not is_presentation_form(cp) and not 0xD800 <= cp <= 0xDFFF)


def _num(v: float) -> int | float:
    """Integral values as int (the anchor's JSON has ints for TrueType); else 3 decimals."""
    f = float(v)
    return int(f) if f.is_integer() else round(f, 3)


def recording_to_contours(
    value: Sequence[tuple[str, tuple]], dx: float = 0, dy: float = 0
) -> list[list]:
    """Convert ``RecordingPen.value`` into the anchor's list of subpaths, shifted by (dx, dy).

    Args:
        value: recorded pen calls ``(operator, points)``; components must be decomposed.
        dx, dy: translation in font units.

    Returns:
        One list of commands per contour. ``endPath`` (an open contour) is stored as
        ``closePath``: glyphs are filled, so both draw the same area.

    Raises:
        ValueError: an ``addComponent`` call (not decomposed) or an unknown operator.
    """

    def pt(p):
        if p is None:
            return None
        x, y = p[0] + dx, p[1] + dy
        if type(x) is int and type(y) is int:  # TrueType points: already what _num gives
            return [x, y]
        return [_num(x), _num(y)]

    contours: list[list] = []
    current: list = []
    for op, args in value:
        if op == "moveTo":
            current.append(["moveTo", pt(args[0])])
        elif op == "lineTo":
            current.append(["lineTo", pt(args[0])])
        elif op in ("curveTo", "qCurveTo"):
            current.append([op, [pt(p) for p in args]])
        elif op in ("closePath", "endPath"):
            if current:
                current.append(["closePath", None])
                contours.append(current)
            current = []
        else:
            raise ValueError(f"unexpected pen call {op!r} (components must be decomposed)")
    if current:  # a pen stream missing its final closePath
        current.append(["closePath", None])
        contours.append(current)
    return contours


def outline_blob(contours: list | str) -> bytes | None:
    """The ``glyphs.outline`` cell for these contours: the binary outline, or None when the
    contours cannot be drawn (the row keeps its JSON; training drops it as before)."""
    try:
        return parse_contours(contours).to_bytes()
    except MalformedContours:
        return None


def add_outlines(conn, batch: int = 5000) -> tuple[int, int]:
    """Add the binary ``glyphs.outline`` column to a database made before it, and fill it.

    Rows keep their JSON; the anchor query runs unchanged. Idempotent: only rows whose
    ``outline`` is NULL are parsed, one transaction per ``batch`` rows.

    Returns:
        (rows filled, rows whose contours cannot be drawn and stay NULL).
    """
    from raster.data.schema import has_outline_column

    if not has_outline_column(conn):
        conn.execute("ALTER TABLE glyphs ADD COLUMN outline BLOB")
        conn.commit()
    filled = bad = 0
    last = -1
    while True:
        rows = conn.execute(
            "SELECT glyph_id, contours FROM glyphs WHERE glyph_id > ? AND outline IS NULL"
            " AND contours IS NOT NULL ORDER BY glyph_id LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            return filled, bad
        cells = [(outline_blob(text), gid) for gid, text in rows]
        conn.executemany("UPDATE glyphs SET outline = ? WHERE glyph_id = ?", cells)
        conn.commit()
        last = rows[-1][0]
        n_bad = sum(blob is None for blob, _ in cells)
        filled += len(cells) - n_bad
        bad += n_bad


@dataclass
class ParsedFont:
    """One face ready for the database: its ``fonts`` row and its ``glyphs`` rows.

    Attributes:
        font: ``fonts`` columns (file_hash, metrics, family, style, path, instance).
        rows: ``glyphs`` columns per row, without glyph_id.
        label: the face's name for messages (``path[#index][@location]``).
        note: why ``rows`` is empty, when it is.
    """

    font: dict
    rows: list[dict] = field(default_factory=list)
    label: str = ""
    note: str | None = None


class FaceOutlines:
    """Decomposed outlines per glyph index, recorded once per face."""

    def __init__(self, face: FontFace):
        self.glyph_set = face.ttfont.getGlyphSet()
        self.order = face.ttfont.getGlyphOrder()
        self._cache: dict[int, tuple] = {}

    def recording(self, gid: int) -> tuple:
        if gid not in self._cache:
            pen = DecomposingRecordingPen(self.glyph_set, skipMissingComponents=True)
            self.glyph_set[self.order[gid]].draw(pen)
            self._cache[gid] = tuple(pen.value)
        return self._cache[gid]

    def has_outline(self, gid: int) -> bool:
        return any(
            op in ("moveTo", "lineTo", "curveTo", "qCurveTo") for op, _ in self.recording(gid)
        )


def _row_for(shaped: ShapedForm, outlines: FaceOutlines, skip_composed: bool) -> dict | None:
    """Contours/gid/name/shaping of one shaped form, or None when it yields no row."""
    inked = [g for g in shaped.glyphs if outlines.has_outline(g.gid)]
    if not inked:
        return None
    if len(inked) == 1:
        gid = inked[0].gid
        return {
            "contours": recording_to_contours(outlines.recording(gid)),
            "glyph_name": outlines.order[gid],
            "gid": gid,
            "shaping": "single",
        }
    if skip_composed:
        return None
    contours: list[list] = []
    for g in inked:  # each glyph drawn at the position HarfBuzz gave it
        contours.extend(recording_to_contours(outlines.recording(g.gid), g.x, g.y))
    return {
        "contours": contours,
        "glyph_name": "+".join(outlines.order[g.gid] for g in inked),
        "gid": None,
        "shaping": "composed",
    }


def face_rows(face: FontFace, codepoints: Sequence[int], skip_composed: bool = False) -> ParsedFont:
    """Shape and draw the repertoire in one face.

    Args:
        face: the opened face/instance.
        codepoints: base codepoints to try (see :func:`repertoire`).
        skip_composed: drop forms that shape to several glyphs with outlines.

    Returns:
        The face's ``fonts`` row and one ``glyphs`` row per (codepoint, form) that the font
        draws with an outline; ``contours`` is a JSON string, ``outline`` its binary form
        (None when it cannot be drawn; the JSON is kept either way). A contextual form drawn with
        the same glyphs as the isol form gets ``same_as_isol = 1``.
    """
    font = face.ttfont
    family, style = font_names(font)
    record = {
        "file_hash": face.file_hash,
        **font_metrics(font),
        "family": family,
        "style": face.instance_name or style,
        "path": str(face.path),
        "instance": face.instance,
    }
    parsed = ParsedFont(font=record, label=face_label(face))
    cmap = font.getBestCmap()
    if not cmap:
        parsed.note = "no cmap table (no Unicode mapping)"
        return parsed
    shaper = Shaper(face.hb_data, face.hb_index, face.location)
    glyph_ids = font.getReverseGlyphMap()
    outlines = FaceOutlines(face)
    for cp in codepoints:
        forms = shape_forms(shaper, cmap, glyph_ids, cp)
        if not forms:
            continue
        isol = forms.get("isol")
        group, cls = joining_group(cp), char_class(cp)
        for form in FORMS:
            shaped = forms.get(form)
            if shaped is None:
                continue
            row = _row_for(shaped, outlines, skip_composed)
            if row is None:
                continue
            same = form != "isol" and isol is not None and shaped.glyphs == isol.glyphs
            row["outline"] = outline_blob(row["contours"])
            row["contours"] = json.dumps(row["contours"], separators=(",", ":"))
            parsed.rows.append(
                {
                    "f_id": face.file_hash,
                    "label": make_label(cp, form),
                    "joining_group": group,
                    "char_class": cls,
                    "codepoint": cp,
                    "form": form,
                    "same_as_isol": int(same),
                    **row,
                }
            )
    if not parsed.rows:
        parsed.note = "no outlined glyph for any codepoint of the repertoire"
    return parsed
