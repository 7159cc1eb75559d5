"""Contextual forms of a character through HarfBuzz shaping (uharfbuzz).

A form is shaped from a short string: isol = ``X``, init = ``X`` + ZWJ, medi = ZWJ + ``X`` + ZWJ,
fina = ZWJ + ``X``. The zero-width joiners only provide the joining context; HarfBuzz removes
them from the output (``REMOVE_DEFAULT_IGNORABLES``). Fonts that encode Arabic only as
presentation-form codepoints get their forms from the cmap through the Unicode decompositions
(:func:`raster.data.unicode_tables.presentation_forms`), so labels always use base codepoints.
"""

from __future__ import annotations

from dataclasses import dataclass

import uharfbuzz as hb

from raster.data.unicode_tables import allowed_forms, presentation_forms

ZWJ = "\u200d"
_FLAGS = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES | hb.BufferFlags.DO_NOT_INSERT_DOTTED_CIRCLE


def form_text(cp: int, form: str) -> str:
    """The string whose shaping gives ``form`` of ``cp``, e.g. ``form_text(0x628, "medi")``."""
    ch = chr(cp)
    return {"isol": ch, "init": ch + ZWJ, "medi": ZWJ + ch + ZWJ, "fina": ZWJ + ch}[form]


@dataclass(frozen=True)
class PositionedGlyph:
    """A glyph placed by the shaper.

    Attributes:
        gid: glyph index in the font.
        x, y: position of the glyph's origin, font units (pen position plus offsets; the
            first glyph's pen starts at 0, and glyphs are in visual left-to-right order).
    """

    gid: int
    x: int
    y: int


@dataclass(frozen=True)
class ShapedForm:
    """The glyphs a font draws for one form of one character.

    Attributes:
        glyphs: positioned glyphs in visual order (ZWJ glyphs removed).
        source: ``'harfbuzz'``, or ``'presentation'`` when taken from a presentation-form
            codepoint of the cmap.
    """

    glyphs: tuple[PositionedGlyph, ...]
    source: str = "harfbuzz"

    @property
    def gids(self) -> tuple[int, ...]:
        return tuple(g.gid for g in self.glyphs)


class Shaper:
    """HarfBuzz font for one face at one variation location.

    Args:
        data: sfnt bytes (a single font or a collection).
        face_index: face inside ``data``.
        location: design-space coordinates, e.g. ``{"wght": 700}``; None: the default.
    """

    def __init__(self, data: bytes, face_index: int = 0, location: dict[str, float] | None = None):
        self.face = hb.Face(hb.Blob(data), face_index)
        self.font = hb.Font(self.face)
        if location:
            self.font.set_variations(dict(location))

    def shape(self, text: str) -> tuple[PositionedGlyph, ...]:
        """Shape ``text`` with HarfBuzz's default features, script and direction guessed."""
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        buf.flags = _FLAGS
        hb.shape(self.font, buf)
        out = []
        pen_x = pen_y = 0
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
            out.append(PositionedGlyph(info.codepoint, pen_x + pos.x_offset, pen_y + pos.y_offset))
            pen_x += pos.x_advance
            pen_y += pos.y_advance
        return tuple(out)


def shape_forms(
    shaper: Shaper, cmap: dict[int, str], glyph_ids: dict[str, int], cp: int
) -> dict[str, ShapedForm]:
    """Shape every form of ``cp`` its joining type allows and the font supports.

    When ``cp`` is in the cmap, HarfBuzz shapes each form (a form the font lacks comes back as
    the isol glyph; the caller marks it). Otherwise each form is looked up through the
    presentation-form codepoints whose decomposition is ``<form> cp``.

    Args:
        shaper: the face's HarfBuzz font.
        cmap: the face's best cmap, codepoint -> glyph name.
        glyph_ids: glyph name -> glyph index (``TTFont.getReverseGlyphMap()``).
        cp: the base codepoint (never a presentation form).

    Returns:
        ``{form: ShapedForm}`` for the forms that shaped without .notdef; may be empty.
    """
    forms = allowed_forms(cp)
    out: dict[str, ShapedForm] = {}
    if cp in cmap:
        for form in forms:
            glyphs = shaper.shape(form_text(cp, form))
            if glyphs and all(g.gid != 0 for g in glyphs):
                out[form] = ShapedForm(glyphs)
        return out
    table = presentation_forms()
    for form in forms:
        for pres in table.get((cp, form), ()):
            gid = glyph_ids.get(cmap.get(pres), 0)
            if gid != 0:
                out[form] = ShapedForm((PositionedGlyph(gid, 0, 0),), source="presentation")
                break
    return out
