"""PDFs for the raster.pdf tests: hand-made font dictionaries, plus the package's samples.

``shaped_pdf``, ``strip_tounicode`` and ``scramble_tounicode`` come from
:mod:`raster.pdf.samples` (the benchmark uses them too). ``hand_pdf`` writes one page showing
byte codes with a font dictionary built with pikepdf, for the font types fpdf2 does not produce.
"""

from __future__ import annotations

import io
from pathlib import Path

import fontfactory
import pikepdf
from fontTools.ttLib import TTFont

from raster.pdf.samples import scramble_tounicode, shaped_pdf, strip_tounicode

__all__ = ["hand_pdf", "scramble_tounicode", "shaped_pdf", "strip_tounicode"]


def _program_stream(pdf: pikepdf.Pdf, font_path: Path, kind: str) -> tuple[str, pikepdf.Stream]:
    if kind in ("Type1C", "CIDFontType0C"):
        tt = TTFont(io.BytesIO(font_path.read_bytes()))
        stream = pdf.make_stream(tt["CFF "].compile(tt))
        stream.Subtype = pikepdf.Name("/" + kind)
        return "/FontFile3", stream
    if kind == "FontFile":  # Length1/2/3: cleartext, eexec part, trailing zeros (PDF 9.9)
        data = fontfactory.build_type1_program()
        clear = data.index(b"eexec\n") + len(b"eexec\n")
        trailer = len(data) - data.index(b"\n" + b"0" * 64)
        stream = pdf.make_stream(data)
        stream.Length1, stream.Length2, stream.Length3 = clear, len(data) - clear - trailer, trailer
        return "/FontFile", stream
    if kind == "FontFile-junk":
        return "/FontFile", pdf.make_stream(b"%!PS-AdobeFont-1.0: not really\n")
    return "/FontFile2", pdf.make_stream(font_path.read_bytes())


def hand_pdf(
    out: Path,
    kind: str,
    codes: bytes,
    font_path: Path | None = None,
    encoding: str | None = None,
    flags: int = 32,
) -> Path:
    """One page: ``BT /F1 24 Tf <codes> Tj ET`` with a font dictionary of ``kind``.

    Kinds: ``truetype`` (simple /TrueType, FontFile2), ``type1c`` (simple /Type1, FontFile3
    Type1C), ``cid-cff`` (Type0 + CIDFontType0, FontFile3 CIDFontType0C, Identity-H),
    ``type1`` (the FontFile Type 1 program of ``fontfactory.build_type1_program``; ``font_path``
    unused), ``type1-junk`` (a FontFile that is not a font), ``helvetica`` (not embedded),
    ``type3`` (one CharProc ``/box`` at code 65: a 500 x 700 rectangle, advance 500),
    ``type3-image`` (its CharProc paints an image).
    """
    pdf = pikepdf.new()
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name("/Tiny"),
        Flags=flags,
        FontBBox=[0, -300, 1000, 900],
        ItalicAngle=0,
        Ascent=800,
        Descent=-200,
        CapHeight=700,
        StemV=80,
    )
    if kind == "truetype":
        key, stream = _program_stream(pdf, font_path, "FontFile2")
        descriptor[key] = stream
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType, BaseFont=pikepdf.Name("/Tiny")
        )
    elif kind in ("type1c", "type1", "type1-junk"):
        program = {"type1c": "Type1C", "type1": "FontFile", "type1-junk": "FontFile-junk"}[kind]
        key, stream = _program_stream(pdf, font_path, program)
        descriptor[key] = stream
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name("/Tiny")
        )
    elif kind == "cid-cff":
        key, stream = _program_stream(pdf, font_path, "CIDFontType0C")
        descriptor[key] = stream
        cid = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType0,
            BaseFont=pikepdf.Name("/Tiny"),
            CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor),
        )
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/Tiny"),
            Encoding=pikepdf.Name(encoding or "/Identity-H"),
            DescendantFonts=[pdf.make_indirect(cid)],
        )
        descriptor = None
    elif kind == "helvetica":
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
        descriptor = None
    elif kind in ("type3", "type3-image"):
        proc = pdf.make_stream(
            b"500 0 0 0 500 700 d1 0 0 500 700 re f"
            if kind == "type3"
            else b"500 0 d0 q 500 0 0 700 0 0 cm /Im1 Do Q"
        )
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type3,
            FontBBox=[0, 0, 500, 700],
            FontMatrix=[0.001, 0, 0, 0.001, 0, 0],
            CharProcs=pikepdf.Dictionary(box=proc),
            Encoding=pikepdf.Dictionary(Differences=[65, pikepdf.Name("/box")]),
            FirstChar=65,
            LastChar=65,
            Widths=[500],
        )
        font.FontDescriptor = pdf.make_indirect(descriptor)  # Type3: no /BaseFont
        descriptor = None
    else:
        raise ValueError(kind)
    if descriptor is not None:
        font.FontDescriptor = pdf.make_indirect(descriptor)
        if encoding:
            font.Encoding = pikepdf.Name(encoding)
    font = pdf.make_indirect(font)
    content = b"BT /F1 24 Tf 72 700 Td <" + codes.hex().encode() + b"> Tj ET"
    page = pikepdf.Page(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 612, 792],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(content),
        )
    )
    pdf.pages.append(page)
    pdf.save(out)
    return out
