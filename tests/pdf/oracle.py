"""An identifier that knows the truth: each glyph's text from the PDF's original ToUnicode map.

It stands in for the model where a test checks the plumbing (codes, CMaps, incremental update,
extraction) rather than the model: repaired with it, extraction must give the source text.
"""

from __future__ import annotations

from raster.pdf.codes import code_to_gid
from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.font_program import load_program
from raster.pdf.tounicode import parse_tounicode


def truth_by_gid(pdf_path) -> dict[int, str]:
    """glyph index -> text of the (single) font's own ToUnicode map."""
    with open_pdf(pdf_path) as pdf:
        (font,) = scan_fonts(pdf)
        declared = parse_tounicode(font.obj.ToUnicode.read_bytes())
        gids = code_to_gid(font, load_program(font))
    return {gid: declared[code] for code, gid in gids.items() if code in declared}


def text_label(text: str) -> str:
    """A label whose text (``label_text``) is ``text``: ``1604_isol`` or ``1604+1575_lig``."""
    if len(text) == 1:
        return f"{ord(text)}_isol"
    return "+".join(str(ord(c)) for c in text) + "_lig"


def oracle_identifier(truth: dict[int, str], confidence: dict[int, float] | None = None):
    """Identifier labelling glyph g with ``truth[g]`` at ``confidence.get(g, 0.99)``."""
    confidence = confidence or {}

    def identify(glyphs):
        return [
            [(text_label(truth[int(g)]), confidence.get(int(g), 0.99))] if int(g) in truth else []
            for g in glyphs.gids
        ]

    return identify


def fixture_truth(pdf_path, tounicode: list[dict]) -> dict[int, dict[int, str]]:
    """font object number -> glyph index -> text, from a producer's saved ToUnicode maps
    (``tests/pdf/fixtures/*.json``: one ``{base_font, map: code -> text}`` per font in scan
    order) over the fonts of the stripped PDF (any number of fonts)."""
    out: dict[int, dict[int, str]] = {}
    with open_pdf(pdf_path) as pdf:
        fonts = scan_fonts(pdf)
        assert [f.base_font for f in fonts] == [t["base_font"] for t in tounicode]
        for font, saved in zip(fonts, tounicode, strict=True):
            declared = saved["map"]
            gids = code_to_gid(font, load_program(font))
            out[font.objgen[0]] = {
                gid: declared[str(code)] for code, gid in gids.items() if str(code) in declared
            }
    return out


def fonts_oracle_identifier(truth: dict[int, dict[int, str]]):
    """Identifier for a document of several fonts: the font is told by the file the program
    was written to (``font-<object>-<generation>``, see ``raster.pdf.glyph_text``)."""

    def identify(glyphs):
        obj = int(glyphs.path.stem.split("-")[1])
        return oracle_identifier(truth.get(obj, {}))(glyphs)

    return identify
