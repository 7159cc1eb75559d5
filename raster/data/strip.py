"""A font as a PDF subset or a legacy font gives it: outlines only.

:func:`strip_font` writes a copy without cmap, GSUB, GPOS, GDEF (and the other layout tables)
and without glyph names (``post`` format 3: readers call glyphs ``glyph00001``...), keeping the
glyph order, so truth taken from the original font applies to the copy glyph for glyph.
"""

from __future__ import annotations

from pathlib import Path

from fontTools.ttLib import TTFont

STRIPPED_TABLES = ("cmap", "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "morx", "mort", "kern", "kerx")


def strip_font(src: str | Path, dst: str | Path, face_index: int = 0) -> Path:
    """Write ``dst``: the face ``face_index`` of ``src`` with only its outlines and metrics.

    Raises:
        ValueError: a CFF-flavoured font (its glyph names live in the CFF charset; not
            handled here).
    """
    font = TTFont(str(src), fontNumber=face_index)
    if "glyf" not in font:
        raise ValueError(f"{src}: only TrueType-flavoured fonts can be stripped here (no glyf)")
    order = font.getGlyphOrder()
    for tag in STRIPPED_TABLES:
        if tag in font:
            del font[tag]
    for table in ("glyf", "hmtx", "vmtx", "gvar", "loca"):  # decompile before names change
        if table in font:
            font[table]
    font["post"].formatType = 3.0
    font.flavor = None  # a woff/woff2 input is written as plain sfnt
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(dst))
    check = TTFont(str(dst), lazy=True)
    if len(check.getGlyphOrder()) != len(order):  # pragma: no cover - a fontTools contract
        raise ValueError(f"{src}: glyph count changed while stripping")
    return dst
