"""Sample PDFs to try check/repair on: typeset Arabic text, then break the ToUnicode maps.

``shaped_pdf`` typesets lines with fpdf2 (HarfBuzz shaping; the font is embedded as a subset,
Type0/CIDFontType2 with Identity-H, with fpdf2's ToUnicode map). ``strip_tounicode`` removes the
maps, ``scramble_tounicode`` rotates their texts among the codes: the two failures
``raster.pdf`` repairs. The tests and ``bench/bench_pdf.py`` build their PDFs with these.
"""

from __future__ import annotations

import random
from pathlib import Path

import pikepdf

from raster.pdf.tounicode import build_tounicode, parse_tounicode

# Written for the project (plain sentences; the first is the classical Arabic pangram, which has
# every letter of the alphabet): the text of tests/pdf/fixtures (tools/make_pdf_fixtures.py) and
# of bench/bench_pdf.py's PDFs.
ARABIC_LINES = [
    "صف خلق خود كمثل الشمس إذ بزغت يحظى الضجيع بها نجلاء معطار",
    "كتب الطالب درسه في المكتبة قبل صلاة الظهر",
    "ذهب الأولاد إلى الحديقة ولعبوا بالكرة حتى المساء",
    "غابت الشمس وظهر القمر فوق الجبال العالية",
    "شرب الضيف فنجان القهوة ثم شكر صاحب البيت",
    "لا تؤجل عمل اليوم إلى الغد",
]


def shaped_pdf(font: Path, lines: list[str], out: Path, size: int = 24) -> Path:
    """One page, one line per item, each shaped right to left with ``font`` (fpdf2 + HarfBuzz)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("f", fname=str(font))
    pdf.set_font("f", size=size)
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
    for line in lines:
        pdf.cell(0, size * 0.6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return out


def _edit_fonts(src: Path, dst: Path, edit) -> Path:
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            for _, font in page.obj.Resources.get("/Font", {}).items():
                edit(pdf, font)
        pdf.save(dst)
    return dst


def strip_tounicode(src: Path, dst: Path) -> Path:
    """``src`` with every font's ToUnicode removed."""

    def edit(pdf, font):
        if "/ToUnicode" in font:
            del font["/ToUnicode"]

    return _edit_fonts(src, dst, edit)


def scramble_tounicode(src: Path, dst: Path, seed: int = 0) -> Path:
    """``src`` with each ToUnicode's texts rotated among its codes (every code gets another's
    text; codes mapping to U+0000 or a space keep theirs)."""

    def edit(pdf, font):
        old = parse_tounicode(font.ToUnicode.read_bytes())
        codes = sorted(c for c, t in old.items() if t.strip() and t != "\x00")
        texts = [old[c] for c in codes]
        random.Random(seed).shuffle(texts)
        rotated = texts[1:] + texts[:1]
        new = dict(old) | dict(zip(codes, rotated, strict=True))
        font.ToUnicode = pdf.make_stream(build_tounicode(new, 2 if font.Subtype == "/Type0" else 1))

    return _edit_fonts(src, dst, edit)
