"""A stripped copy of a font: what a PDF subset or a legacy font gives a reader.

The copy keeps the glyphs' outlines, advance widths, glyph order (so glyph indices match the
original, where evaluation takes the truth from) and the font-wide metrics, and drops what
tells a reader which character a glyph is: the cmap, the OpenType layout tables (GSUB, GPOS,
GDEF and the AAT/legacy equivalents) and the glyph names (``post`` format 3 for TrueType,
``glyph00001``-style names in CFF).
"""

from __future__ import annotations

import io
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from fontTools.varLib import instancer

# What a stripped copy keeps: outlines, metrics, hinting. Everything else goes: the cmap, the
# layout tables (GSUB, GPOS, GDEF, BASE, JSTF, MATH, kern, morx, ...), colour and bitmap
# layers, and the variation tables (a variable font is frozen at an instance first).
KEPT_TABLES = (
    "head",
    "hhea",
    "hmtx",
    "maxp",
    "OS/2",
    "name",
    "post",
    "glyf",
    "loca",
    "CFF ",
    "vhea",
    "vmtx",
    "VORG",
    "cvt ",
    "fpgm",
    "prep",
    "gasp",
)


def neutral_names(n: int) -> list[str]:
    """Glyph names that say nothing: ``.notdef`` then ``glyph00001`` ... (what fontTools
    itself makes up for a font without names or cmap)."""
    return [".notdef"] + [f"glyph{i:05d}" for i in range(1, n)]


def strip_ttfont(font: TTFont) -> TTFont:
    """Strip ``font`` (static) in place (see the module docstring) and return it."""
    for tag in list(font.keys()):
        if tag in KEPT_TABLES:
            font[tag]  # load what is kept before the glyph order changes under it
        elif tag != "GlyphOrder":
            del font[tag]  # unread: a table fontTools cannot decode (Graphite's Silf) goes too
    old = font.getGlyphOrder()
    new = neutral_names(len(old))
    rename = dict(zip(old, new, strict=True))
    for tag in ("hmtx", "vmtx"):
        if tag in font:
            table = font[tag]
            table.metrics = {rename[k]: v for k, v in table.metrics.items() if k in rename}
    if "VORG" in font:
        vorg = font["VORG"]
        vorg.VOriginRecords = {rename[k]: v for k, v in vorg.VOriginRecords.items()}
    for tag in ("CFF ",):
        if tag in font:
            cff = font[tag].cff
            top = cff.topDictIndex[0]
            strings = top.CharStrings
            by_name = {rename[k]: strings[k] for k in old}
            if strings.charStringsAreIndexed:
                strings.charStrings = {name: i for i, name in enumerate(new)}
                strings.charStringsIndex.items = [by_name[n] for n in new]
            else:
                strings.charStrings = by_name
            top.charset = list(new)
            if hasattr(font[tag], "setGlyphOrder"):
                font[tag].setGlyphOrder(new)
    if "glyf" in font:
        glyf = font["glyf"]
        glyf.glyphs = {rename[k]: v for k, v in glyf.glyphs.items()}
        for g in glyf.glyphs.values():
            # A glyph still in its compiled form refers to components by glyph id.
            if "data" not in vars(g) and g.isComposite():
                for comp in g.components:
                    comp.glyphName = rename[comp.glyphName]
    font.setGlyphOrder(new)
    if "post" in font:
        post = font["post"]
        post.formatType = 3.0
        for attr in ("extraNames", "mapping", "glyphOrder"):
            if hasattr(post, attr):
                delattr(post, attr)
    return font


def strip_font(
    src: str | Path,
    dst: str | Path,
    face_index: int = 0,
    location: dict[str, float] | None = None,
) -> Path:
    """Write a stripped copy of one face of ``src`` to ``dst`` as a plain sfnt file.

    Args:
        src: font file (.ttf/.otf/.ttc/.woff/.woff2).
        dst: output path (an .ttf or .otf name; the flavor is always plain sfnt).
        face_index: face of a collection.
        location: a variable font's instance to freeze (``{"wght": 700}``); None: its default
            instance (the outlines the file draws without variations).

    Returns:
        ``dst``.
    """
    data = Path(src).read_bytes()
    if data[:4] == b"ttcf":
        font = TTCollection(io.BytesIO(data)).fonts[face_index]
    else:
        font = TTFont(io.BytesIO(data))
    if "fvar" in font:
        axes = {a.axisTag: a.defaultValue for a in font["fvar"].axes}
        font = instancer.instantiateVariableFont(font, {**axes, **(location or {})}, inplace=True)
    else:
        # Keep the stored bounding boxes: fontTools draws a glyph shifted by (hmtx lsb - xMin),
        # so where a font's stored xMin is off (DejaVu has such glyphs), recomputing it on save
        # would draw the stripped glyph 1 unit over. (An instanced font's boxes are new anyway.)
        font.recalcBBoxes = False
    if "CFF2" in font:
        raise ValueError(f"{src}: CFF2 outlines are not supported")
    strip_ttfont(font)
    font.flavor = None
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(dst))
    return dst
