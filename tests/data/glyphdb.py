"""Hand-made glyph databases for the data-path tests (no fonts needed)."""

from __future__ import annotations

import json
from pathlib import Path

from raster.data.schema import connect


def rect(x0: float, y0: float, x1: float, y1: float, clockwise: bool = True) -> list:
    """One closed rectangular subpath in font units."""
    pts = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
    if not clockwise:
        pts = pts[::-1]
    return [["moveTo", list(pts[0])], *[["lineTo", list(p)] for p in pts[1:]], ["closePath", None]]


def square_glyph(size: float, x0: float = 0.0, y0: float = 0.0) -> str:
    """Contours JSON of a filled square."""
    return json.dumps([rect(x0, y0, x0 + size, y0 + size)])


def make_db(
    path: Path,
    n_labels: int = 6,
    per_label: int = 5,
    n_fonts: int = 3,
    upem: int | None = 1000,
    extra_rows: list[tuple] = (),
) -> Path:
    """A DB where glyph k is a rectangle whose size encodes its glyph_id.

    Rows: ``n_labels * per_label`` glyphs; label j = ``f"{1570 + j}_isol"``; font =
    ``k % n_fonts``; the rectangle of glyph k is ``(40 + 7 * k) x (300 + 11 * (k % 13))``
    font units, so every glyph renders differently. ``extra_rows`` are
    ``(glyph_id, f_id, label, contours_text)`` added as is.
    """
    conn = connect(path, create=True)
    for f in range(n_fonts):
        conn.execute(
            "INSERT INTO fonts(file_hash, upem, ascent, descent, family) VALUES (?,?,?,?,?)",
            (f"font{f}", upem, 800, -200, f"Family {f}"),
        )
    gid = 1
    for j in range(n_labels):
        for _ in range(per_label):
            w, h = 40 + 7 * gid, 300 + 11 * (gid % 13)
            conn.execute(
                "INSERT INTO glyphs(glyph_id, f_id, label, contours, joining_group, char_class,"
                " codepoint, form, shaping) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    gid,
                    f"font{gid % n_fonts}",
                    f"{1570 + j}_isol",
                    json.dumps([rect(0, 0, w, h)]),
                    "BEH" if j % 2 else "NO_JOIN",
                    "arabic_letter",
                    1570 + j,
                    "isol",
                    "single",
                ),
            )
            gid += 1
    for row in extra_rows:
        conn.execute(
            "INSERT INTO glyphs(glyph_id, f_id, label, contours, joining_group, char_class)"
            " VALUES (?,?,?,?,?,?)",
            (*row, "NO_JOIN", "other"),
        )
    conn.commit()
    conn.close()
    return path
