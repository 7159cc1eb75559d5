"""Character code -> glyph index of the embedded font program (PDF 32000-1, 9.6.6 and 9.7.4).

* Type0 fonts (Identity-H/V only: the code is the CID):
  CIDFontType2 -> ``/CIDToGIDMap`` (``/Identity`` or a stream of 2-byte glyph indices);
  CIDFontType0 -> the CFF charset of a CID-keyed font (glyphs named ``cidNNNNN`` by fontTools),
  else the CID is the glyph index.
* Simple TrueType: unless the font is flagged symbolic, code -> glyph name (``/Encoding``, else
  StandardEncoding) -> Unicode -> the (3,1) cmap, or the name in ``post``; else the (3,0) cmap
  at ``code``/``0xF000 + code``, then the (1,0) cmap, then (as viewers do) the (3,1) cmap at
  ``code``.
* Type3: code -> CharProc name through ``/Differences``; the glyphs are built in CharProc
  order (:mod:`~raster.pdf.type3`), so the name gives the glyph index.
* Simple Type1C/OpenType-CFF: code -> glyph name through ``/Differences`` over the base
  encoding (the program's own when none is named) -> glyph index.
"""

from __future__ import annotations

from functools import cache

import pikepdf
from fontTools import agl
from fontTools.ttLib import TTFont

from raster.pdf.document import PdfFont, PdfFontError

_SYMBOLIC = 1 << 2
_BASE_ENCODINGS = {"StandardEncoding": 1, "MacRomanEncoding": 2, "WinAnsiEncoding": 3}


@cache
def _named_encoding(name: str) -> dict[int, str]:
    """code -> glyph name of a standard Latin encoding (pdfminer's table, Annex D)."""
    from pdfminer.latin_enc import ENCODING  # (glyph name, std, mac, win, pdfdoc) rows

    column = _BASE_ENCODINGS[name]
    return {row[column]: row[0] for row in ENCODING if row[column] is not None}


def _differences(encoding) -> dict[int, str]:
    out: dict[int, str] = {}
    if not isinstance(encoding, pikepdf.Dictionary):
        return out
    diffs = encoding.get("/Differences")
    code = 0
    for item in diffs if isinstance(diffs, pikepdf.Array) else []:
        if isinstance(item, pikepdf.Name):
            out[code] = str(item)[1:]
            code += 1
        else:
            code = int(item)
    return out


def simple_code_names(font: PdfFont, builtin: dict[int, str] | None = None) -> dict[int, str]:
    """code -> glyph name of a simple font: base encoding (named, or ``builtin``) + Differences."""
    enc = font.obj.get("/Encoding")
    base_name = enc if isinstance(enc, pikepdf.Name) else None
    if isinstance(enc, pikepdf.Dictionary):
        base_name = enc.get("/BaseEncoding")
    base_key = str(base_name)[1:] if isinstance(base_name, pikepdf.Name) else None
    if base_key in _BASE_ENCODINGS:
        names = dict(_named_encoding(base_key))
    else:
        names = dict(builtin or {})
    names.update(_differences(enc))
    return names


def _cid_to_gid_type2(font: PdfFont, n_glyphs: int) -> dict[int, int]:
    desc = font.descendant()
    mapping = desc.get("/CIDToGIDMap") if desc is not None else None
    if isinstance(mapping, pikepdf.Stream):
        data = mapping.read_bytes()
        return {
            code: int.from_bytes(data[2 * code : 2 * code + 2], "big")
            for code in font.codes
            if 2 * code + 2 <= len(data)
        }
    return {code: code for code in font.codes if code < n_glyphs}  # /Identity or absent


def _cid_to_gid_cff(font: PdfFont, ttfont: TTFont) -> dict[int, int]:
    order = ttfont.getGlyphOrder()
    cff = ttfont["CFF "].cff
    top = cff[cff.fontNames[0]]
    if hasattr(top, "ROS"):  # CID-keyed: fontTools names glyph g after its CID, "cid01234"
        by_cid = {int(n[3:]): gid for gid, n in enumerate(order) if n.startswith("cid")}
        by_cid[0] = 0
        return {code: by_cid[code] for code in font.codes if code in by_cid}
    return {code: code for code in font.codes if code < len(order)}


def _truetype_simple(font: PdfFont, ttfont: TTFont) -> dict[int, int]:
    order = ttfont.getGlyphOrder()
    gid_of = {name: i for i, name in enumerate(order)}
    cmap = ttfont["cmap"] if "cmap" in ttfont else None
    sub31 = cmap.getcmap(3, 1) if cmap else None
    sub30 = cmap.getcmap(3, 0) if cmap else None
    sub10 = cmap.getcmap(1, 0) if cmap else None
    fd = font.descriptor()
    flags = int(fd.get("/Flags", 0)) if isinstance(fd, pikepdf.Dictionary) else 0
    symbolic = bool(flags & _SYMBOLIC)
    if font.obj.get("/Encoding") is not None:
        names = simple_code_names(font)
    else:  # a nonsymbolic font without /Encoding uses StandardEncoding
        names = {} if symbolic else dict(_named_encoding("StandardEncoding"))
    out: dict[int, int] = {}
    for code in font.codes:
        gid = None
        name = names.get(code)
        if name is not None and not symbolic:
            text = agl.toUnicode(name)
            if sub31 is not None and len(text) == 1 and ord(text) in sub31.cmap:
                gid = gid_of.get(sub31.cmap[ord(text)])
            if gid is None:
                gid = gid_of.get(name)
        if gid is None and sub30 is not None:
            for cp in (code, 0xF000 + code, 0xF100 + code, 0xF200 + code):
                if cp in sub30.cmap:
                    gid = gid_of.get(sub30.cmap[cp])
                    break
        if gid is None and sub10 is not None and code in sub10.cmap:
            gid = gid_of.get(sub10.cmap[code])
        if gid is None and name is not None:
            gid = gid_of.get(name)
        if gid is None and sub31 is not None and code in sub31.cmap:  # viewers' usual fallback
            gid = gid_of.get(sub31.cmap[code])
        if gid is not None:
            out[code] = gid
    return out


def _cff_simple(font: PdfFont, ttfont: TTFont) -> dict[int, int]:
    order = ttfont.getGlyphOrder()
    gid_of = {name: i for i, name in enumerate(order)}
    cff = ttfont["CFF "].cff
    top = cff[cff.fontNames[0]]
    builtin_enc = getattr(top, "Encoding", None)
    builtin = (
        {code: name for code, name in enumerate(builtin_enc) if name and name != ".notdef"}
        if isinstance(builtin_enc, list)
        else dict(_named_encoding("StandardEncoding"))
    )
    names = simple_code_names(font, builtin)
    return {code: gid_of[names[code]] for code in font.codes if names.get(code) in gid_of}


def code_to_gid(font: PdfFont, ttfont: TTFont) -> dict[int, int]:
    """Glyph index of every code ``font`` shows; codes that map to no glyph are left out.

    Raises:
        PdfFontError: a font type or encoding this module does not map.
    """
    if font.subtype == "Type0":
        if font.encoding not in ("Identity-H", "Identity-V"):
            raise PdfFontError(
                f"encoding {font.encoding or 'missing'}: only Identity-H/V CMaps are mapped"
            )
        if font.descendant_subtype == "CIDFontType2" and "glyf" in ttfont:
            return _cid_to_gid_type2(font, len(ttfont.getGlyphOrder()))
        if font.descendant_subtype == "CIDFontType0" and "CFF " in ttfont:
            return _cid_to_gid_cff(font, ttfont)
        raise PdfFontError(
            f"{font.descendant_subtype} with a {font.program} program is not a combination "
            "this module maps"
        )
    if font.subtype == "Type3":  # codes -> CharProc names (/Differences); glyphs in that order
        gid_of = {name: i for i, name in enumerate(ttfont.getGlyphOrder())}
        names = simple_code_names(font)
        return {code: gid_of[names[code]] for code in font.codes if names.get(code) in gid_of}
    if font.subtype == "TrueType" and "glyf" in ttfont:
        return _truetype_simple(font, ttfont)
    if font.subtype in ("Type1", "MMType1", "TrueType") and "CFF " in ttfont:
        return _cff_simple(font, ttfont)
    raise PdfFontError(f"{font.subtype} font with a {font.program} program is not mapped")
