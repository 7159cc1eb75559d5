"""Tiny fonts built with fontTools' FontBuilder for the ingest tests.

Each builder writes a font file and returns its path. The outlines are small enough to state
the expected labels, contours, bounds and areas by hand.
"""

from __future__ import annotations

from pathlib import Path

from fontTools.feaLib.builder import addOpenTypeFeaturesFromString
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

UPEM = 1000
NOTDEF_BOX = (50, 0, 450, 700)  # every tiny font's .notdef: a 400 x 700 box (font units)
# Vertical metrics every tiny font gets (font units); test_ingest checks the fonts table.
METRICS = {
    "upem": UPEM,
    "ascent": 800,
    "descent": -200,
    "typo_ascent": 750,
    "typo_descent": -250,
    "x_height": 500,
    "cap_height": 700,
    "line_gap": 20,
}

# The letters' boxes (x0, y0, x1, y1; font units) by form, shared by the Arabic, presentation-form
# and evidence fonts: each form its own size, so rows can be told apart by their bounds.
BEH_BOXES = {
    "isol": (0, 0, 600, 200),
    "init": (0, 0, 300, 210),
    "medi": (0, 0, 200, 220),
    "fina": (0, 0, 650, 230),
}
ALEF_BOXES = {"isol": (0, 0, 100, 700), "fina": (0, -50, 120, 700)}
TEH_BOX = (0, 0, 610, 240)


def _form_boxes(base: str, boxes: dict[str, tuple], isol: str = "") -> dict[str, tuple]:
    """Glyph name -> box for a letter's forms: ``base`` + ``isol`` for the isolated form (the
    cmap glyph), ``base.form`` for the others (``beh``, ``beh.init``, ...)."""
    return {base + (isol if form == "isol" else f".{form}"): box for form, box in boxes.items()}


def _square(pen, x0, y0, x1, y1):
    """Clockwise rectangle (the TrueType direction of an outer contour)."""
    pen.moveTo((x0, y0))
    pen.lineTo((x0, y1))
    pen.lineTo((x1, y1))
    pen.lineTo((x1, y0))
    pen.closePath()


def _box_font(
    path: Path,
    family: str,
    boxes: dict[str, list[tuple[int, int, int, int]] | tuple[int, int, int, int]],
    cmap: dict[int, str] | None,
    advances: dict[str, int],
    fea: str | None = None,
) -> Path:
    """A TrueType font whose glyphs are boxes (font units; one contour per box), in ``boxes``'
    order; ``cmap`` None: no cmap table."""
    glyphs = {}
    for name, spec in boxes.items():
        pen = TTGlyphPen(None)
        for box in [spec] if isinstance(spec[0], int) else spec:
            _square(pen, *box)
        glyphs[name] = pen.glyph()
    fb = FontBuilder(UPEM, isTTF=True)
    fb.setupGlyphOrder(list(glyphs))
    fb.setupCharacterMap(cmap or {})
    fb.setupGlyf(glyphs)
    return _finish(fb, family, advances, path, cmap, fea)


def _finish(
    fb: FontBuilder,
    family: str,
    advances: dict[str, int],
    path: Path,
    cmap: dict[int, str] | None,
    fea: str | None = None,
) -> Path:
    if fb.isTTF:
        glyf = fb.font["glyf"]
        lsb = {}
        for name in advances:
            g = glyf[name]
            g.recalcBounds(glyf)
            lsb[name] = getattr(g, "xMin", 0)
    else:
        cs = fb.font["CFF "].cff.topDictIndex[0].CharStrings
        lsb = {}
        for name in advances:
            b = cs[name].calcBounds(cs)
            lsb[name] = int(b[0]) if b else 0
    fb.setupHorizontalMetrics({n: (adv, lsb[n]) for n, adv in advances.items()})
    fb.setupHorizontalHeader(
        ascent=METRICS["ascent"], descent=METRICS["descent"], lineGap=METRICS["line_gap"]
    )
    if "name" not in fb.font:  # the variable font sets it up before fvar
        fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2(
        version=4,
        sTypoAscender=METRICS["typo_ascent"],
        sTypoDescender=METRICS["typo_descent"],
        sTypoLineGap=0,
        usWinAscent=800,
        usWinDescent=200,
        sxHeight=METRICS["x_height"],
        sCapHeight=METRICS["cap_height"],
    )
    fb.setupPost()
    if fea:
        addOpenTypeFeaturesFromString(fb.font, fea)
    if cmap is None:
        del fb.font["cmap"]
    fb.save(str(path))
    return path


def build_truetype_font(path: Path, with_cmap: bool = True) -> Path:
    """TrueType font: quadratic curves, a counter, a composite glyph, an empty glyph.

    Glyphs (cmap): ``A`` U+0041 (a quadratic-bottomed shape), ``O`` U+004F (outer square with
    quadratic corners plus an all-off-curve counter), ``period`` U+002E (a 100x100 square),
    ``exclam`` U+0021 (composite: ``period`` + the unmapped ``bar`` shifted up 200),
    ``hyphen`` U+002D (no outline: must not give a row). ``with_cmap=False`` drops the cmap.
    """
    order = [".notdef", "A", "O", "period", "bar", "exclam", "hyphen"]
    glyphs = {}
    pen = TTGlyphPen(None)
    _square(pen, *NOTDEF_BOX)
    glyphs[".notdef"] = pen.glyph()
    pen = TTGlyphPen(None)  # A: straight sides, quadratic bottom bulge
    pen.moveTo((0, 0))
    pen.lineTo((250, 700))
    pen.lineTo((500, 0))
    pen.qCurveTo((250, -100), (0, 0))
    pen.closePath()
    glyphs["A"] = pen.glyph()
    pen = TTGlyphPen(None)  # O: outer contour with two off-curves in a row (implied on-curve)
    pen.moveTo((0, 350))
    pen.qCurveTo((0, 700), (300, 700), (600, 700), (600, 350))
    pen.qCurveTo((600, 0), (300, 0))
    pen.qCurveTo((0, 0), (0, 350))
    pen.closePath()
    pen.qCurveTo((200, 200), (400, 200), (400, 500), (200, 500), None)  # all off-curve counter
    pen.closePath()
    glyphs["O"] = pen.glyph()
    pen = TTGlyphPen(None)
    _square(pen, 0, 0, 100, 100)
    glyphs["period"] = pen.glyph()
    pen = TTGlyphPen(None)
    _square(pen, 0, 0, 100, 400)
    glyphs["bar"] = pen.glyph()
    pen = TTGlyphPen(glyphs)  # the components must exist in the pen's glyph set
    pen.addComponent("period", (1, 0, 0, 1, 0, 0))
    pen.addComponent("bar", (1, 0, 0, 1, 0, 200))
    glyphs["exclam"] = pen.glyph()
    glyphs["hyphen"] = TTGlyphPen(None).glyph()
    fb = FontBuilder(UPEM, isTTF=True)
    fb.setupGlyphOrder(order)
    cmap = {0x41: "A", 0x4F: "O", 0x2E: "period", 0x21: "exclam", 0x2D: "hyphen"}
    fb.setupCharacterMap(cmap)
    fb.setupGlyf(glyphs)
    advances = {
        ".notdef": 500,
        "A": 500,
        "O": 600,
        "period": 100,
        "bar": 100,
        "exclam": 100,
        "hyphen": 300,
    }
    return _finish(fb, "Tiny TrueType", advances, path, cmap if with_cmap else None)


def build_cff_font(path: Path) -> Path:
    """CFF (cubic) font: ``O`` U+004F (two cubic contours, one a counter), ``L`` U+004C (lines)."""
    order = [".notdef", "O", "L"]
    charstrings = {}
    pen = T2CharStringPen(500, None)
    _square(pen, *NOTDEF_BOX)
    charstrings[".notdef"] = pen.getCharString()
    pen = T2CharStringPen(600, None)
    pen.moveTo((300, 0))
    pen.curveTo((466, 0), (600, 157), (600, 350))
    pen.curveTo((600, 543), (466, 700), (300, 700))
    pen.curveTo((134, 700), (0, 543), (0, 350))
    pen.curveTo((0, 157), (134, 0), (300, 0))
    pen.closePath()
    pen.moveTo((300, 150))
    pen.curveTo((200, 150), (150, 250), (150, 350))
    pen.curveTo((150, 450), (200, 550), (300, 550))
    pen.curveTo((400, 550), (450, 450), (450, 350))
    pen.curveTo((450, 250), (400, 150), (300, 150))
    pen.closePath()
    charstrings["O"] = pen.getCharString()
    pen = T2CharStringPen(400, None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 700))
    pen.lineTo((100, 700))
    pen.lineTo((100, 100))
    pen.lineTo((400, 100))
    pen.lineTo((400, 0))
    pen.closePath()
    charstrings["L"] = pen.getCharString()
    fb = FontBuilder(UPEM, isTTF=False)
    fb.setupGlyphOrder(order)
    cmap = {0x4F: "O", 0x4C: "L"}
    fb.setupCharacterMap(cmap)
    fb.setupCFF("TinyCFF-Regular", {"FullName": "Tiny CFF Regular"}, charstrings, {})
    return _finish(fb, "Tiny CFF", {".notdef": 500, "O": 600, "L": 400}, path, cmap)


# GSUB/GPOS of the tiny Arabic font: BEH has all four forms, ALEF and TEH a final form only,
# JEEM is drawn as a dotless body plus a dot glyph placed by GPOS.
ARABIC_FEA = """
languagesystem DFLT dflt;
languagesystem arab dflt;
feature ccmp { sub jeem by jeem.body dotbelow; } ccmp;
feature init { sub beh by beh.init; } init;
feature medi { sub beh by beh.medi; } medi;
feature fina { sub beh by beh.fina; sub alef by alef.fina; sub teh by teh.fina; } fina;
feature kern { pos dotbelow <50 -400 0 0>; } kern;
"""


def build_arabic_font(path: Path) -> Path:
    """Arabic font with contextual forms through GSUB (see :data:`ARABIC_FEA`).

    cmap: BEH U+0628 (dual-joining; init/medi/fina via GSUB), ALEF U+0627 (right-joining;
    fina via GSUB), TEH U+062A (dual-joining but only a fina form: its init/medi fall back to
    the isol glyph), JEEM U+062C (shaped to two glyphs: composed rows), HAMZA U+0621
    (non-joining), FATHA U+064E (a mark), ARABIC-INDIC DIGIT ONE U+0661, and ``A`` U+0041.
    Each glyph is a rectangle of its own size so rows can be told apart by their bounds.
    """
    boxes = {  # glyph: (x0, y0, x1, y1); advance = x1 + 50 (marks and the dot: 0)
        ".notdef": NOTDEF_BOX,
        **_form_boxes("beh", BEH_BOXES),
        **_form_boxes("alef", ALEF_BOXES),
        "teh": TEH_BOX,
        "teh.fina": (0, 0, 660, 250),
        "jeem": (0, -300, 500, 400),
        "jeem.body": (0, -280, 480, 380),
        "dotbelow": (0, 0, 80, 80),
        "hamza": (0, 0, 300, 300),
        "fatha": (0, 600, 200, 650),
        "one": (0, 0, 150, 700),
        "A": (0, 0, 500, 700),
    }
    cmap = {
        0x628: "beh",
        0x627: "alef",
        0x62A: "teh",
        0x62C: "jeem",
        0x621: "hamza",
        0x64E: "fatha",
        0x661: "one",
        0x41: "A",
    }
    advances = {n: (0 if n in ("fatha", "dotbelow") else b[2] + 50) for n, b in boxes.items()}
    return _box_font(path, "Tiny Arabic", boxes, cmap, advances, ARABIC_FEA)


def build_presentation_font(path: Path) -> Path:
    """Arabic font that encodes BEH and ALEF only through presentation-form codepoints.

    cmap: U+FE8F/FE91/FE92/FE90 (BEH isolated/initial/medial/final), U+FE8D/FE8E (ALEF
    isolated/final); no U+0628 or U+0627, no GSUB.
    """
    boxes = {
        ".notdef": NOTDEF_BOX,
        **_form_boxes("beh", BEH_BOXES, isol=".isol"),
        **_form_boxes("alef", ALEF_BOXES, isol=".isol"),
    }
    cmap = {
        0xFE8F: "beh.isol",
        0xFE91: "beh.init",
        0xFE92: "beh.medi",
        0xFE90: "beh.fina",
        0xFE8D: "alef.isol",
        0xFE8E: "alef.fina",
    }
    advances = {n: b[2] + 50 for n, b in boxes.items()}
    return _box_font(path, "Tiny Presentation", boxes, cmap, advances)


def build_no_cmap_font(path: Path) -> Path:
    """The TrueType font of :func:`build_truetype_font` without a cmap table."""
    return build_truetype_font(path, with_cmap=False)


def build_variable_font(path: Path) -> Path:
    """Variable TrueType font, axis wght 400..700 (default 400), named instances Regular/Bold.

    One glyph, ``period`` U+002E: a 100x100 square at wght=400 whose right side moves 100
    units right at wght=700 (a 200x100 rectangle in the Bold instance).
    """
    from fontTools.ttLib.tables.TupleVariation import TupleVariation

    glyphs = {}
    pen = TTGlyphPen(None)
    _square(pen, *NOTDEF_BOX)
    glyphs[".notdef"] = pen.glyph()
    pen = TTGlyphPen(None)
    _square(pen, 0, 0, 100, 100)
    glyphs["period"] = pen.glyph()
    fb = FontBuilder(UPEM, isTTF=True)
    fb.setupGlyphOrder([".notdef", "period"])
    cmap = {0x2E: "period"}
    fb.setupCharacterMap(cmap)
    fb.setupGlyf(glyphs)
    fb.setupNameTable({"familyName": "Tiny Variable", "styleName": "Regular"})
    fb.setupFvar(
        axes=[("wght", 400, 400, 700, "Weight")],
        instances=[
            {"location": {"wght": 400}, "stylename": "Regular"},
            {"location": {"wght": 700}, "stylename": "Bold"},
        ],
    )
    # Points (0,0) (0,100) (100,100) (100,0), then the 4 phantom points (the advance moves too).
    deltas = [(0, 0), (0, 0), (100, 0), (100, 0), (0, 0), (100, 0), (0, 0), (0, 0)]
    fb.setupGvar({"period": [TupleVariation({"wght": (0.0, 1.0, 1.0)}, deltas)]})
    return _finish(fb, "Tiny Variable", {".notdef": 500, "period": 150}, path, cmap)


def replay_contours(contours: list, pen) -> None:
    """Draw the anchor's contour JSON (already ``json.loads``-ed) into a fontTools pen.

    Written out in the tests on purpose: an independent reader of the stored format.
    """
    for subpath in contours:
        for op, arg in subpath:
            if op in ("moveTo", "lineTo"):
                getattr(pen, op)(tuple(arg))
            elif op in ("curveTo", "qCurveTo"):
                getattr(pen, op)(*[None if p is None else tuple(p) for p in arg])
            elif op == "closePath":
                pen.closePath()
            else:
                raise AssertionError(f"unknown command {op!r}")


def build_type1_program() -> bytes:
    """A Type 1 font program as PDFs embed it (``FontFile``: cleartext, eexec part, zeros).

    Glyphs: ``A`` (a 500 x 700 box, advance 600) and ``B`` (300 x 300, advance 400), built-in
    encoding A -> 65, B -> 66. No library writes a Type 1 font from scratch, so the program
    text is spelled out here and encrypted with fontTools' eexec.
    """
    from fontTools.misc import eexec
    from fontTools.misc.psCharStrings import T1CharString

    def charstring(program: list) -> bytes:
        cs = T1CharString(program=program)
        cs.compile()
        return eexec.encrypt(b"\0\0\0\0" + cs.bytecode, 4330)[0]  # lenIV 4

    def box(w, h, adv):
        return [0, adv, "hsbw", 50, 0, "rmoveto", w, 0, "rlineto", 0, h, "rlineto", -w, 0]

    glyphs = {
        ".notdef": [0, 500, "hsbw", "endchar"],
        "A": [*box(500, 700, 600), "rlineto", "closepath", "endchar"],
        "B": [*box(300, 300, 400), "rlineto", "closepath", "endchar"],
    }
    private = [
        b"dup /Private 8 dict dup begin",
        b"/RD {string currentfile exch readstring pop} executeonly def",
        b"/ND {noaccess def} executeonly def",
        b"/NP {noaccess put} executeonly def",
        b"/BlueValues [] def",
        b"/MinFeature {16 16} def",
        b"/password 5839 def",
        b"/lenIV 4 def",
        b"/Subrs 0 array ND",
        b"2 index /CharStrings %d dict dup begin" % len(glyphs),
    ]
    for name, program in glyphs.items():
        cs = charstring(program)
        private.append(b"/%s %d RD " % (name.encode(), len(cs)) + cs + b" ND")
    private += [b"end", b"end", b"readonly put", b"noaccess put"]
    private += [b"dup /FontName get exch definefont pop", b"mark currentfile closefile", b""]
    clear = (
        b"%!PS-AdobeFont-1.0: TinyType1 001\n11 dict begin\n"
        b"/FontInfo 1 dict dup begin /FullName (Tiny Type1) readonly def end readonly def\n"
        b"/FontName /TinyType1 def\n"
        b"/Encoding 256 array 0 1 255 {1 index exch /.notdef put} for "
        b"dup 65 /A put dup 66 /B put readonly def\n"
        b"/PaintType 0 def\n/FontType 1 def\n/FontMatrix [0.001 0 0 0.001 0 0] readonly def\n"
        b"/FontBBox {0 0 1000 1000} readonly def\ncurrentdict end\ncurrentfile eexec\n"
    )
    encrypted = eexec.encrypt(b"\0\0\0\0" + b"\n".join(private), 55665)[0]
    return clear + encrypted + b"\n" + (b"0" * 64 + b"\n") * 8 + b"cleartomark\n"


# The evidence tests' fonts: letters whose forms and ligature only the GSUB links (no cmap).
FORMS_FEA = """
languagesystem DFLT dflt;
languagesystem arab dflt;
feature init { sub beh by beh.init; sub teh by teh.init; sub lam by lam.init; } init;
feature medi { sub beh by beh.medi; } medi;
feature fina { sub beh by beh.fina; sub alef by alef.fina; } fina;
feature rlig { sub lam.init alef.fina by lam_alef; } rlig;
"""
FORMS_GLYPHS = {  # glyph: box (x0, y0, x1, y1), font units
    **_form_boxes("beh", BEH_BOXES),
    "teh": TEH_BOX,
    "teh.init": (0, 0, 310, 250),
    **_form_boxes("alef", ALEF_BOXES),
    "lam": (0, 0, 300, 750),
    "lam.init": (0, 0, 200, 760),
    "lam_alef": (0, 0, 500, 770),
}

# Skeleton + dots: ccmp draws beh / teh as the dotless-beh skeleton plus a dots glyph (GDEF marks).
SKELETON_FEA = """
languagesystem DFLT dflt;
languagesystem arab dflt;
feature ccmp { sub beh by behDotless dotbelow; sub teh by behDotless twodotsabove; } ccmp;
feature init { sub behDotless by behDotless.init; } init;
table GDEF {
  GlyphClassDef [beh teh behDotless behDotless.init], , [dotbelow twodotsabove], ;
} GDEF;
"""
SKELETON_GLYPHS = {  # glyph: boxes; a dot is one square contour
    "beh": [(0, 0, 600, 200), (250, -150, 330, -70)],
    "teh": [(0, 0, 600, 200), (200, 300, 280, 380), (320, 300, 400, 380)],
    "behDotless": [(0, 0, 600, 200)],
    "behDotless.init": [(0, 0, 300, 210)],
    "dotbelow": [(250, -150, 330, -70)],
    "twodotsabove": [(200, 300, 280, 380), (320, 300, 400, 380)],
}


def _rename_fea(fea: str, rename: dict[str, str]) -> str:
    import re

    return re.sub(r"[A-Za-z_][A-Za-z0-9_.]*", lambda m: rename.get(m.group(0), m.group(0)), fea)


def build_boxes_font(
    path: Path,
    boxes: dict[str, list[tuple[int, int, int, int]] | tuple[int, int, int, int]],
    fea: str,
    rename: dict[str, str] | None = None,
    cmap: dict[int, str] | None = None,
    marks: frozenset[str] = frozenset(),
) -> Path:
    """A TrueType font of box glyphs (one contour per box) with the features ``fea``.

    ``rename`` gives the glyphs other names (in the font and in ``fea``), e.g. names that lie
    or say nothing; ``cmap`` None: no cmap table, as in a PDF subset; ``marks``: glyphs (by
    their original names) with zero advance, as mark glyphs have; the others advance 700.
    """
    rename = rename or {}
    named = {".notdef": NOTDEF_BOX, **{rename.get(n, n): spec for n, spec in boxes.items()}}
    font_cmap = None if cmap is None else {cp: rename.get(n, n) for cp, n in cmap.items()}
    zero = {rename.get(n, n) for n in marks}
    advances = {n: 0 if n in zero else 700 for n in named}
    return _box_font(path, "Tiny Evidence", named, font_cmap, advances, _rename_fea(fea, rename))
