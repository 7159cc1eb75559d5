"""Type3 fonts: the glyphs are PDF drawings (CharProcs); turn them into an outline font.

Each CharProc's path operators (``m l c v y h re``, with ``q``/``Q``/``cm``) are read with
pikepdf's content-stream parser and drawn, through the glyph's ``cm`` and the font's
``/FontMatrix`` scaled to 1000 units per em, into a CFF-flavoured OpenType font built with
fontTools' FontBuilder (one glyph per CharProc, in the ``/CharProcs`` order after ``.notdef``),
so the identify code reads it like any embedded program. The advance is the ``d0``/``d1``
width. A CharProc that paints an image (``Do``, inline ``BI``), references a resource the
font lacks, or cannot be parsed gets no outline and a one-line reason in
:attr:`Type3Program.notes`. No library reads Type3 glyphs
into outlines (pdf renderers rasterize them), so this reading is ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pikepdf
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.recordingPen import RecordingPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

from raster.pdf.document import PdfFont, PdfFontError

UPEM = 1000
_PAINT_IMAGE = {"Do", "BI", "EI", "ID", "sh"}


@dataclass
class Type3Program:
    """A Type3 font as an OpenType font: glyph ``i + 1`` is CharProc ``names[i]``."""

    ttfont: TTFont
    names: list[str]
    notes: list[str] = field(default_factory=list)


def _matrix(values) -> tuple[float, ...]:
    try:
        m = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return (0.001, 0, 0, 0.001, 0, 0)
    return m if len(m) == 6 else (0.001, 0, 0, 0.001, 0, 0)


def _concat(a: tuple, b: tuple) -> tuple:
    """a then b (PDF row-vector convention: a x b)."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _numbers(operands) -> list[float]:
    out = []
    for a in operands:
        try:
            out.append(float(a))
        except (TypeError, ValueError):
            return []
    return out


def draw_charproc(
    stream: pikepdf.Stream, font_matrix: tuple, pen, resources=None
) -> tuple[float, str | None]:
    """Draw one CharProc's paths into ``pen`` (units of 1/1000 em, y up).

    Returns:
        (advance in the same units, a reason when the glyph paints an image or cannot be
        parsed, else None).
    """
    try:
        ops = pikepdf.parse_content_stream(stream)
    except pikepdf.PdfError as exc:
        return 0.0, f"content cannot be parsed ({str(exc).splitlines()[0]})"
    scale = (UPEM, 0, 0, UPEM, 0, 0)
    ctm: tuple = (1, 0, 0, 1, 0, 0)
    stack: list[tuple] = []
    advance = 0.0
    tpen = None  # the pen of the open contour (None: no contour open)
    current = (0.0, 0.0)

    def close() -> None:
        nonlocal tpen
        if tpen is not None:
            tpen.closePath()
            tpen = None

    for inst in ops:
        if isinstance(inst, pikepdf.ContentStreamInlineImage):
            return advance, "paints an inline image, not a path"
        op = str(inst.operator)
        if op == "Do" and inst.operands:
            name = str(inst.operands[0])
            xobjects = resources.get("/XObject") if resources is not None else None
            if not isinstance(xobjects, pikepdf.Dictionary) or name not in xobjects:
                return advance, f"references {name}, which its resources lack"
        if op in _PAINT_IMAGE:
            return advance, "paints an image (Do), not a path"
        args = _numbers(inst.operands)
        if op in ("d0", "d1") and len(args) >= 2:
            advance = (args[0] * font_matrix[0] + args[1] * font_matrix[2]) * UPEM
        elif op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm" and len(args) == 6:
            ctm = _concat(tuple(args), ctm)
        elif op == "m" and len(args) == 2:
            close()
            tpen = TransformPen(pen, _concat(_concat(ctm, font_matrix), scale))
            tpen.moveTo((args[0], args[1]))
        elif tpen is not None and op == "l" and len(args) == 2:
            tpen.lineTo((args[0], args[1]))
        elif tpen is not None and op == "c" and len(args) == 6:
            tpen.curveTo((args[0], args[1]), (args[2], args[3]), (args[4], args[5]))
        elif tpen is not None and op == "v" and len(args) == 4:  # 1st control = current point
            tpen.curveTo(current, (args[0], args[1]), (args[2], args[3]))
        elif tpen is not None and op == "y" and len(args) == 4:  # 2nd control = end point
            tpen.curveTo((args[0], args[1]), (args[2], args[3]), (args[2], args[3]))
        elif op == "h":
            close()
        elif op == "re" and len(args) == 4:
            close()
            x, y, w, h = args
            tpen = TransformPen(pen, _concat(_concat(ctm, font_matrix), scale))
            tpen.moveTo((x, y))
            tpen.lineTo((x + w, y))
            tpen.lineTo((x + w, y + h))
            tpen.lineTo((x, y + h))
            close()
        if op in ("m", "l", "c", "v", "y") and len(args) >= 2:
            current = (args[-2], args[-1])
    close()
    return advance, None


def type3_program(font: PdfFont) -> Type3Program:
    """The font's CharProcs as a CFF-flavoured OpenType font (see the module doc).

    Raises:
        PdfFontError: no CharProcs, or no CharProc draws a path (every reason listed).
    """
    procs = font.obj.get("/CharProcs")
    if not isinstance(procs, pikepdf.Dictionary) or not len(procs):
        raise PdfFontError("Type3 font without CharProcs: nothing to identify")
    matrix = _matrix(font.obj.get("/FontMatrix", []))
    names = [str(k)[1:] for k in procs.keys()]
    order = [".notdef"] + [n if n != ".notdef" else "notdef.t3" for n in names]
    charstrings = {".notdef": T2CharStringPen(0, None).getCharString()}
    widths = {".notdef": (0, 0)}
    notes = []
    for name, glyph in zip(names, order[1:], strict=True):
        stream = procs[f"/{name}"]
        rec, bounds = RecordingPen(), BoundsPen(None)
        if isinstance(stream, pikepdf.Stream):
            advance, reason = draw_charproc(stream, matrix, rec, font.obj.get("/Resources"))
        else:
            advance, reason = 0.0, "is not a stream"
        width = max(0, int(round(advance)))
        pen = T2CharStringPen(width, None)
        if reason is None:
            rec.replay(pen)
            rec.replay(bounds)
        else:
            notes.append(f"glyph /{name}: {reason}")
        charstrings[glyph] = pen.getCharString()
        widths[glyph] = (width, int(round(bounds.bounds[0])) if bounds.bounds else 0)
    if len(notes) == len(names):
        raise PdfFontError("Type3 font: no glyph draws a path (" + "; ".join(notes[:3]) + ")")
    fb = FontBuilder(UPEM, isTTF=False)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({})
    fb.setupCFF(font.base_font or "Type3", {}, charstrings, {})
    fb.setupHorizontalMetrics(widths)
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupMaxp()
    fb.setupPost()
    return Type3Program(fb.font, order[1:], notes)
