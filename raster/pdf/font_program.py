"""The embedded font program of a PDF font, as a font file the identify code reads.

``FontFile2`` (TrueType) and ``FontFile3/OpenType`` are sfnt files already. A bare CFF
(``FontFile3/Type1C``, ``FontFile3/CIDFontType0C``) is wrapped into a minimal OpenType font with
fontTools' FontBuilder: the CFF table as embedded, plus the head/hhea/hmtx/maxp/post tables an
sfnt needs (no sfnt-wrapping of a bare CFF exists in fontTools; the wrapping is ours). A Type 1
program (``FontFile``) is read with fontTools' t1Lib and its glyphs redrawn into a CFF-based
OpenType font, its built-in encoding kept as the CFF encoding. A Type3 font's CharProcs are
drawn into a CFF-based OpenType font by :mod:`~raster.pdf.type3`.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pikepdf
from fontTools.cffLib import CFFFontSet
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.recordingPen import RecordingPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.t1Lib import T1Font
from fontTools.ttLib import TTFont, newTable

from raster.pdf.document import PdfFont, PdfFontError


def program_bytes(font: PdfFont) -> bytes:
    """The decoded bytes of the font's embedded program.

    Raises:
        PdfFontError: Type3, not embedded, or an undecodable stream.
    """
    if font.program is None:
        raise PdfFontError("not embedded: the PDF has no outlines of this font to identify")
    fd = font.descriptor()
    stream = fd.get("/" + font.program.split("/")[0])
    try:
        return stream.read_bytes()
    except pikepdf.PdfError as exc:
        raise PdfFontError(f"{font.program} stream cannot be decoded ({exc})") from exc


def _finish_sfnt(fb: FontBuilder, widths: dict, upem: int) -> TTFont:
    """The tables an sfnt needs around the CFF table: hmtx (advance, lsb), hhea, maxp, post."""
    fb.setupHorizontalMetrics(widths)
    fb.setupHorizontalHeader(ascent=int(0.8 * upem), descent=-int(0.2 * upem))
    fb.setupMaxp()
    fb.setupPost()
    return fb.font


def _wrap_cff(data: bytes) -> TTFont:
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), None)
    top = cff[cff.fontNames[0]]
    order = top.getGlyphOrder()
    matrix = getattr(top, "FontMatrix", [0.001, 0, 0, 0.001, 0, 0])
    upem = round(1 / matrix[0]) if matrix[0] else 1000
    fb = FontBuilder(upem, isTTF=False)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({})
    table = newTable("CFF ")
    table.cff = cff
    fb.font["CFF "] = table
    widths = {}
    for name in order:
        # fontTools sets a charstring's .width only when it runs it (draw), not on decompile()
        cs, bounds = top.CharStrings[name], BoundsPen(None)
        cs.draw(bounds)
        lsb = int(round(bounds.bounds[0])) if bounds.bounds else 0
        widths[name] = (int(round(cs.width)), lsb)
    return _finish_sfnt(fb, widths, upem)


def _wrap_type1(data: bytes) -> TTFont:
    t1 = T1Font.__new__(T1Font)  # t1Lib reads files; the PDF gives bytes (cleartext + eexec)
    t1.data, t1.encoding = data, "ascii"
    glyph_set = t1.getGlyphSet()
    names = [".notdef"] + sorted(n for n in glyph_set.keys() if n != ".notdef")
    matrix = t1["FontMatrix"]
    upem = round(1 / matrix[0]) if matrix[0] else 1000
    charstrings, widths = {}, {}
    for name in names:
        if name not in glyph_set:  # a font without .notdef
            pen = T2CharStringPen(0, None)
            charstrings[name], widths[name] = pen.getCharString(), (0, 0)
            continue
        probe = RecordingPen()
        glyph_set[name].draw(probe)  # sets .width
        width = int(round(glyph_set[name].width))
        pen, bounds = T2CharStringPen(width, None), BoundsPen(None)
        probe.replay(pen)
        probe.replay(bounds)
        lsb = int(round(bounds.bounds[0])) if bounds.bounds else 0
        charstrings[name], widths[name] = pen.getCharString(), (width, lsb)
    fb = FontBuilder(upem, isTTF=False)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({})
    font_name = str(t1["FontName"]) if "FontName" in t1.font else "Type1"
    fb.setupCFF(font_name, {}, charstrings, {})
    encoding = t1["Encoding"]
    if isinstance(encoding, list):  # the program's own encoding, for codes without /Encoding
        top = fb.font["CFF "].cff.topDictIndex[0]
        top.Encoding = [n if n in charstrings else ".notdef" for n in encoding]
    return _finish_sfnt(fb, widths, upem)


def load_program(font: PdfFont) -> TTFont:
    """The embedded program as a fontTools font (bare CFF wrapped into OpenType).

    Raises:
        PdfFontError: unsupported or unreadable program (message says which).
    """
    if font.subtype == "Type3":
        from raster.pdf.type3 import type3_program

        t3 = type3_program(font)
        font.notes.extend(t3.notes)
        return t3.ttfont
    data = program_bytes(font)
    try:
        if font.program in ("FontFile3/Type1C", "FontFile3/CIDFontType0C"):
            ttfont = _wrap_cff(data)
        elif font.program == "FontFile":
            ttfont = _wrap_type1(data)
        else:
            ttfont = TTFont(io.BytesIO(data))
        ttfont.getGlyphOrder()
    except PdfFontError:
        raise
    except Exception as exc:  # fontTools raises many types on corrupt data
        raise PdfFontError(
            f"{font.program} program is not readable ({type(exc).__name__}: {exc})"
        ) from exc
    if "glyf" not in ttfont and "CFF " not in ttfont:
        raise PdfFontError(f"{font.program} program has no glyf or CFF outlines")
    return ttfont


def program_file(font: PdfFont, folder: str | Path, stem: str) -> tuple[Path, TTFont]:
    """Write the program as ``folder/stem.ttf|.otf`` (the identify code reads files).

    An sfnt program is written byte for byte; a bare CFF is written wrapped.

    Returns:
        (path, the parsed font).
    """
    ttfont = load_program(font)
    path = Path(folder) / (stem + (".ttf" if "glyf" in ttfont else ".otf"))
    if font.subtype == "Type3" or font.program in (
        "FontFile3/Type1C",
        "FontFile3/CIDFontType0C",
        "FontFile",
    ):
        try:
            ttfont.save(path)
        except Exception as exc:  # compiling a damaged CFF fails in many ways
            raise PdfFontError(
                f"{font.program} program cannot be wrapped ({type(exc).__name__}: {exc})"
            ) from exc
    else:
        path.write_bytes(program_bytes(font))
    return path, ttfont


def temporary_folder() -> tempfile.TemporaryDirectory:
    """Where extracted programs live while a command runs."""
    return tempfile.TemporaryDirectory(prefix="raster-pdf-")
